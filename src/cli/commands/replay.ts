/**
 * `mmucheck replay FILE`: re-executes an ITF trace written by `mmucheck check --itf` (or a proof
 * golden; both come from the one writer, src/report/itf.ts) against the executable MMU (the
 * scenario named in the trace, or the variant file recorded in it or given with `--model`) and
 * confirms every state; prints the step view rendered from the re-executed trace.
 */
import { readFileSync } from 'node:fs';
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { buildMachine } from '../../../model/mmu/build.js';
import { replayItf } from '../../mmu/trace.js';
import { modelTraceItf, renderItfSteps } from '../../report/itf.js';
import type { MmuMachine } from '../../mmu/machine.js';
import { type Command } from '../command.js';
import { bool, parse, str } from '../args.js';
import { loadVariant, scenarioOrFail } from '../mmu-check.js';

const usage = `usage: mmucheck replay FILE [--model VARIANT.ts] [--quiet]

Re-executes an ITF trace (from 'mmucheck check SCENARIO --itf FILE' or 'check --model VARIANT.ts
--itf FILE') against the executable MMU and confirms every recorded state. Exit 0 when the trace
replays and ends in a violation, 10 when it replays without one, 64 when it does not replay (MMC203).
  --model FILE   the variant file the trace was produced with (default: #meta.modelFile of the trace)
  --quiet        only the summary line`;

/** The `replay` command. */
export const replayCommand: Command = {
  name: 'replay',
  summary: 're-execute an ITF counterexample against the executable MMU',
  usage,
  async run(argv, io) {
    const p = parse('replay', argv, { model: { type: 'string' }, quiet: { type: 'boolean' } }, 1);
    const file = p.positionals[0];
    if (file === undefined) fail('MMC001', 'replay: name the ITF trace file');
    let trace: { '#meta'?: { scenario?: string; model?: string; source?: string; modelFile?: string } };
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      fail('MMC006', `replay: cannot read ITF trace ${file}`);
    }
    try {
      trace = JSON.parse(text) as typeof trace;
    } catch {
      fail('MMC203', `replay: ${file} is not an ITF trace (not JSON); give the file written by 'mmucheck check --itf FILE'`);
    }
    const model = str(p, 'model') ?? (typeof trace['#meta']?.modelFile === 'string' ? trace['#meta'].modelFile : undefined);
    let mm: MmuMachine;
    if (model !== undefined) {
      mm = (await loadVariant(model)).machine;
    } else {
      const name = trace['#meta']?.scenario ?? trace['#meta']?.model;
      if (typeof name !== 'string') fail('MMC203', `replay: ${file} names no scenario in #meta.scenario`);
      mm = buildMachine(scenarioOrFail(name));
    }
    const r = replayItf(mm, trace);
    if (!bool(p, 'quiet')) io.out(renderItfSteps(modelTraceItf(mm, r.trace)));
    io.out(`replay ${file}: ${r.steps} steps re-executed on ${mm.name}, every state matches; ${r.broken.length ? `broken: ${r.broken.join(', ')}` : 'no invariant broken'}`);
    return r.broken.length ? EXIT.ok : EXIT.violation;
  },
};
