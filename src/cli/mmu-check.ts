/**
 * The MMU side of `mmucheck check`: scenarios of the executable MMU (model/mmu/scenarios.ts) and
 * variant files (`--model FILE`), explored breadth-first, with the verdict, distinct states,
 * `sometimes` coverage, and for a violation the step table, `--itf FILE` and `--mermaid FILE`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fail } from '../core/diagnostic.js';
import { EXIT } from '../core/exit.js';
import { explore, type ExploreResult } from '../mmu/explore.js';
import type { MmuMachine } from '../mmu/machine.js';
import { mmuItfTrace, renderMermaid, renderStepTable, traceSteps } from '../mmu/trace.js';
import { isVariant, type VariantSpec } from '../mmu/variant.js';
import { buildMachine, type Scenario } from '../../model/mmu/build.js';
import { findScenario, SCENARIOS } from '../../model/mmu/scenarios.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { type Io, toJson } from './command.js';
import { loadTs } from './load-ts.js';

/** Flags of an MMU check. */
export interface MmuCheckFlags {
  readonly model?: string | undefined;
  readonly itf?: string | undefined;
  readonly mermaid?: string | undefined;
  readonly json?: boolean | undefined;
  readonly maxStates?: number | undefined;
  readonly maxDepth?: number | undefined;
  readonly time?: number | undefined;
  readonly quiet?: boolean | undefined;
}

/** Returns true when `name` is an MMU scenario. */
export function isMmuScenario(name: string): boolean {
  return findScenario(name) !== undefined;
}

/** Returns the scenario named `name` or raises MMC005 listing what exists. */
export function scenarioOrFail(name: string): Scenario {
  const s = findScenario(name);
  if (s === undefined) {
    fail('MMC005', `unknown scenario '${name}'`, { subject: name, hint: `scenarios: ${SCENARIOS.map((x) => x.name).join(', ')}` });
  }
  return s;
}

/** Loads a variant file and returns the scenario, the variant and the machine. */
export async function loadVariant(file: string): Promise<{ scenario: Scenario; variant: VariantSpec; machine: MmuMachine }> {
  const mod = await loadTs(file, '--model');
  const v = mod['default'] ?? mod['variant'];
  if (!isVariant(v)) fail('MMC007', `--model ${file}: the file must export default variant({ from: '<scenario>', ... })`, { subject: '--model' });
  const scenario = scenarioOrFail(v.from);
  const machine = buildMachine(scenario, { ...(v.options ? { options: v.options } : {}), ...(v.edits ? { edits: v.edits } : {}), name: v.name ?? `${v.from}+variant` });
  return { scenario, variant: v, machine };
}

function write(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch {
    fail('MMC006', `cannot write ${path}`);
  }
}

/** Returns the one-line verdict of an exploration. */
export function verdictLine(r: ExploreResult): string {
  if (r.violation) return `violated ${r.violation.allBroken.join(', ')} after ${r.violation.path.actions.length} steps`;
  if (!r.complete) return `unknown (${r.cutReason ?? 'incomplete'})`;
  if (r.sometimesMissing.length) return `holds, but witnesses not reached: ${r.sometimesMissing.join(', ')}`;
  return 'holds';
}

/**
 * Checks a scenario (or a variant file when `flags.model` is given) and prints the outcome.
 * Exit: 0 when the verdict is the expected one (a scenario's pinned expectation, or `holds` for a
 * variant without `expect`), 10 for an unexpected violation, 11 for another mismatch, 20 unknown.
 */
export async function runMmuCheck(name: string | undefined, flags: MmuCheckFlags, io: Io): Promise<number> {
  let scenario: Scenario;
  let machine: MmuMachine;
  let expected: 'holds' | 'violated';
  let label: string;
  if (flags.model !== undefined) {
    const l = await loadVariant(flags.model);
    if (name !== undefined && name !== l.variant.from) fail('MMC001', `check: the variant file starts from '${l.variant.from}', not '${name}'`);
    scenario = l.scenario;
    machine = l.machine;
    expected = l.variant.expect ?? 'holds';
    label = machine.name;
  } else {
    if (name === undefined) fail('MMC001', 'check: name a scenario or give --model FILE', { hint: `scenarios: ${SCENARIOS.map((x) => x.name).join(', ')}` });
    scenario = scenarioOrFail(name);
    machine = buildMachine(scenario);
    expected = scenario.expect.verdict;
    label = scenario.name;
  }
  const r = explore(machine, {
    ...(flags.maxStates !== undefined ? { maxStates: flags.maxStates } : {}),
    ...(flags.maxDepth !== undefined ? { maxDepth: flags.maxDepth } : {}),
    ...(flags.time !== undefined ? { timeSeconds: flags.time } : {}),
  });
  const init = machine.initStates()[0]!;
  const steps = r.violation ? traceSteps(machine, init, r.violation.path.actions) : [];
  if (r.violation && flags.itf) write(flags.itf, toJson(mmuItfTrace(machine, init, r.violation.path.actions, { scenario: scenario.name, property: r.violation.property.name })) + '\n');
  if (r.violation && flags.mermaid) write(flags.mermaid, renderMermaid(machine, steps));
  const verdict = r.violation ? 'violated' : r.complete && r.sometimesMissing.length === 0 ? 'holds' : 'unknown';
  const code = verdict === 'unknown' ? EXIT.unknown : verdict === expected ? EXIT.ok : verdict === 'violated' ? EXIT.violation : EXIT.mismatch;
  if (flags.json) {
    io.out(
      toJson({
        scenario: label,
        verdict,
        expected,
        broken: r.violation?.allBroken ?? [],
        distinctStates: r.distinct,
        maxDepth: r.maxDepth,
        seconds: Number(r.seconds.toFixed(3)),
        complete: r.complete,
        witnessesReached: r.sometimesFound,
        witnessesMissing: r.sometimesMissing,
        trace: steps.map((s) => ({ step: s.index, thread: s.thread, at: s.step, touched: s.record.touched, seamcalls: s.record.seamcalls, notes: s.record.notes })),
      }),
    );
    return code;
  }
  io.out(`${label}: ${verdictLine(r)} (expected ${expected})`);
  io.out(`  ${r.distinct} distinct states, depth ${r.maxDepth}, ${r.seconds.toFixed(3)} s${r.complete ? ', complete' : ''}`);
  if (r.sometimesFound.length || r.sometimesMissing.length) io.out(`  witnesses reached: ${r.sometimesFound.map((x) => x.replace('sometimes:', '')).join(', ') || 'none'}`);
  if (r.violation && !flags.quiet) {
    io.out('');
    io.out(renderStepTable(machine, steps));
  }
  if (r.violation && flags.itf) io.out(`  ITF trace written to ${flags.itf} (replay: mmucheck replay ${flags.itf})`);
  if (r.violation && flags.mermaid) io.out(`  Mermaid diagram written to ${flags.mermaid}`);
  return code;
}

/** Returns `list` lines for the MMU: scenarios with expected verdicts, and options with values. */
export function mmuListLines(): string[] {
  const out = ['mmu scenarios (mmucheck check NAME):'];
  const w = Math.max(...SCENARIOS.map((s) => s.name.length));
  for (const s of SCENARIOS) out.push(`  ${s.name.padEnd(w)}  expect ${s.expect.verdict}${s.expect.property ? ' ' + s.expect.property : ''}`);
  out.push('mmu options (variant files: options: { NAME: VALUE }):');
  for (const [k, o] of Object.entries(OPTIONS)) out.push(`  ${k} = ${o.values.map((v) => JSON.stringify(v)).join(' | ')} (mainline ${JSON.stringify(o.mainline)}; ${o.ref})`);
  return out;
}
