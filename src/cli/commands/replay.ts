/**
 * `mmucheck replay FILE`: re-executes an ITF trace written by `mmucheck check --itf` (or a proof
 * golden; both come from the one writer, src/report/itf.ts) against the executable MMU (the
 * scenario named in the trace, or the variant file given with `--model`) and confirms every state;
 * prints the step view rendered from the re-executed trace.
 *
 * A trace is data from anywhere: it is read with a size limit, its whole structure is validated
 * before any model is built, and a file named inside it (`#meta.modelFile`) is never loaded: only a
 * variant file the user names with `--model` runs.
 */
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { buildMachine } from '../../../model/mmu/build.js';
import { replayItf, validateItfTrace, type ItfDocument } from '../../mmu/trace.js';
import { itfLasso, modelTraceItf, renderItfSteps, renderItfText, type ItfTrace } from '../../report/itf.js';
import { checkModels } from '../../../model/index.js';
import { modelOfTrace, replayModelItf } from '../replay-model.js';
import type { MmuMachine } from '../../mmu/machine.js';
import { type Command } from '../command.js';
import { bool, parse, str } from '../args.js';
import { readInputFile } from '../input.js';
import { isMmuScenario, loadVariant, scenarioOrFail } from '../mmu-check.js';
import { startWatchdog } from '../watchdog.js';

const usage = `usage: mmucheck replay FILE [--model VARIANT.ts] [--quiet]

Re-executes an ITF trace (from 'mmucheck check SCENARIO --itf FILE' or 'check --model VARIANT.ts
--itf FILE') against the executable MMU and confirms every recorded state. A trace of another
registered model (e.g. 'check tdp-livelock --itf FILE') is re-executed on that model, rebuilt from
#meta.model and #meta.params. A lasso (top-level 'loop': the index of the loop-start state; the
states are not repeated) is confirmed to close: from the last state, the action named in
#meta.lasso.loopAction must be enabled and lead back to state 'loop' exactly. States are compared as
values (key order and layout of the JSON do not matter). The whole trace is validated first
(#meta, vars, states as objects holding every variable, the recorded scenario exists); nothing is
built or run before that. Replay never runs a file named inside the trace: a trace of a variant
file (#meta.modelFile) replays only with --model naming that file on the command line.
Exit 0 when the trace replays and ends in a violation (or is a lasso that closes), 10 when it
replays without one, 64 when it
is malformed or does not replay (MMC203), or cannot be read, is not a regular file or is larger
than 64 MiB (MMC006).
  --model FILE   the variant file to replay against (the one 'check --model FILE' recorded the
                 trace with; it must start from the trace's #meta.scenario). It is type-checked
                 and run: give only files you trust. Without it, the trace's scenario is used.
  --quiet        only the summary line`;

/** The trace's `#meta` fields replay uses, checked to be strings where present. */
interface ReplayMeta {
  readonly scenario?: string;
  readonly model?: string;
  readonly modelFile?: string;
}

/** Returns the `#meta` fields replay uses; MMC203 naming the field when one is not a non-empty string. */
function replayMeta(file: string, t: ItfDocument): ReplayMeta {
  const out: Record<string, string> = {};
  for (const k of ['scenario', 'model', 'modelFile'] as const) {
    const v = t['#meta'][k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') fail('MMC203', `replay: ${file}: #meta.${k} is ${JSON.stringify(v)}; allowed: a non-empty string`, { subject: file });
    out[k] = v;
  }
  return out;
}

/**
 * Returns the machine to replay on, after checking what the trace records against the command
 * line: a recorded scenario must exist; a variant trace needs `--model` (the file named in the
 * trace is never loaded); a `--model` variant must start from the recorded scenario.
 */
async function machineFor(file: string, meta: ReplayMeta, modelFlag: string | undefined): Promise<MmuMachine> {
  if (modelFlag === undefined && meta.scenario !== undefined && !isMmuScenario(meta.scenario)) {
    fail('MMC203', `replay: ${file}: #meta.scenario '${meta.scenario}' is not an MMU scenario (see 'mmucheck list'); replay re-executes MMU traces only`, { subject: file });
  }
  if (modelFlag === undefined && meta.modelFile !== undefined) {
    fail('MMC203', `replay: ${file} was recorded on the variant file ${meta.modelFile} (#meta.modelFile); replay never runs a file named in a trace: check that file and pass --model ${meta.modelFile}`, { subject: file });
  }
  if (modelFlag === undefined) {
    const name = meta.scenario ?? meta.model;
    if (name === undefined) fail('MMC203', `replay: ${file} names no scenario in #meta.scenario or #meta.model; give the file written by 'mmucheck check --itf FILE'`, { subject: file });
    if (!isMmuScenario(name)) fail('MMC203', `replay: ${file}: #meta.model '${name}' is not an MMU scenario (see 'mmucheck list'); replay re-executes MMU traces only`, { subject: file });
    return buildMachine(scenarioOrFail(name));
  }
  startWatchdog(); // the variant's top level and step bodies are user code (default limits)
  const v = await loadVariant(modelFlag);
  if (meta.scenario !== undefined && v.variant.from !== meta.scenario) {
    fail('MMC203', `replay: --model ${modelFlag} starts from scenario '${v.variant.from}', but ${file} was recorded on '${meta.scenario}' (#meta.scenario)`, { subject: '--model' });
  }
  return v.machine;
}

/** The `replay` command. */
export const replayCommand: Command = {
  name: 'replay',
  summary: 're-execute an ITF counterexample against the executable MMU',
  usage,
  async run(argv, io) {
    const p = parse('replay', argv, { model: { type: 'string' }, quiet: { type: 'boolean' } }, 1);
    const file = p.positionals[0];
    if (file === undefined) fail('MMC001', 'replay: name the ITF trace file');
    const text = readInputFile('replay: ITF trace', file);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      fail('MMC203', `replay: ${file} is not an ITF trace (not JSON); give the file written by 'mmucheck check --itf FILE'`, { subject: file });
    }
    const trace = validateItfTrace(doc, `replay: ${file}`);
    const named = trace['#meta']['model'];
    if (str(p, 'model') === undefined && trace['#meta']['scenario'] === undefined && typeof named === 'string' && !isMmuScenario(named) && checkModels[named] !== undefined) {
      const model = modelOfTrace(file, trace, checkModels);
      const r = replayModelItf(file, model, trace, (doc as { loop?: unknown }).loop);
      const lasso = itfLasso(doc as ItfTrace);
      const re = modelTraceItf(model, { ...r.trace, ...(r.loop && lasso ? { lasso: { loop: r.loop.index, fairness: lasso.fairness === 'none' ? 'none' : 'weak', threads: lasso.threads } } : {}) }, trace['#meta']);
      if (!bool(p, 'quiet')) io.out(renderItfText(re));
      const tail = r.loop ? `the loop closes: '${r.loop.action}' from state ${trace.states.length - 1} returns to state ${r.loop.index}` : r.broken.length ? `broken: ${r.broken.join(', ')}` : 'no invariant broken';
      io.out(`replay ${file}: ${r.steps} steps re-executed on ${model.name}, every state matches; ${tail}`);
      return r.loop || r.broken.length ? EXIT.ok : EXIT.violation;
    }
    const mm = await machineFor(file, replayMeta(file, trace), str(p, 'model'));
    const loopField = (doc as { loop?: unknown }).loop;
    if (loopField !== undefined) {
      // an I11 lasso of the MMU: re-executed, then confirmed to close
      const r = replayModelItf(file, mm, trace, loopField);
      const lasso = itfLasso(doc as ItfTrace);
      const re = modelTraceItf(mm, { ...r.trace, ...(r.loop && lasso ? { lasso: { loop: r.loop.index, fairness: lasso.fairness === 'none' ? 'none' : 'weak', threads: lasso.threads } } : {}) }, trace['#meta']);
      if (!bool(p, 'quiet')) io.out(renderItfText(re));
      io.out(`replay ${file}: ${r.steps} steps re-executed on ${mm.name}, every state matches; the loop closes: '${r.loop!.action}' from state ${trace.states.length - 1} returns to state ${r.loop!.index} (I11: the run repeats the loop forever)`);
      return EXIT.ok;
    }
    const r = replayItf(mm, trace);
    if (!bool(p, 'quiet')) io.out(renderItfSteps(modelTraceItf(mm, r.trace)));
    io.out(`replay ${file}: ${r.steps} steps re-executed on ${mm.name}, every state matches; ${r.broken.length ? `broken: ${r.broken.join(', ')}` : 'no invariant broken'}`);
    return r.broken.length ? EXIT.ok : EXIT.violation;
  },
};
