/**
 * Proof cases of the executable MMU: one per scenario, with the expected verdict, the pinned
 * distinct-state count of the generic checker's breadth-first exploration (exact store) and, for
 * violations, the golden ITF counterexample (proofs/expected/, written by the one ITF writer, so
 * `mmucheck replay` confirms it). The verdict always comes from the explorer.
 */
import { check, diagnostic, errorVerdict, holds, modelTraceItf, type ProofCase, unknown, violated } from '../../src/internal.js';
import { buildMachine, type Scenario } from '../../model/mmu/build.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { SCENARIOS } from '../../model/mmu/scenarios.js';
import { PINNED } from './pinned.js';

/** Returns true when every option a scenario sets has its mainline value. */
function allMainline(s: Scenario): boolean {
  return Object.entries(s.options ?? {}).every(([k, v]) => (OPTIONS as Readonly<Record<string, { mainline: unknown }>>)[k]?.mainline === v);
}

/** Returns the golden ITF path of a violated scenario. */
export const goldenPath = (name: string): string => `proofs/expected/${name.replace(/\//g, '--')}.itf.json`;

/** Returns the proof case of one scenario. */
export function scenarioCase(s: Scenario): ProofCase {
  const pinned = PINNED[s.name];
  return {
    suite: s.family,
    id: `${s.family}/${s.name.slice(s.family.length + 1)}`,
    title: s.title,
    expect: {
      verdict: s.expect.verdict,
      ...(pinned !== undefined ? { distinctStates: pinned } : {}),
      // A violated scenario whose options are all mainline refutes the modelled mainline code (a
      // finding); any other is the buggy variant of a kernel fix or a design the kernel did not take.
      ...(s.expect.verdict === 'violated' ? { kind: allMainline(s) ? ('finding' as const) : ('known-bug' as const), goldenTrace: goldenPath(s.name) } : {}),
      ...(s.expect.note ? { note: s.expect.note } : {}),
    },
    async run(ctx) {
      const mm = buildMachine(s);
      // Unreduced (por: false): the pinned counts and golden traces are those of the full search (the
      // shortest counterexample); reduced counts are pinned in PINNED_REDUCED and cross-checked by tests.
      // Liveness mode (the default: the machine declares progress steps) judges I11 with cycles.
      const r = check(mm, { strategy: 'bfs', store: 'exact', por: false, timeSeconds: ctx.timeoutSeconds, maxStates: 5_000_000 });
      const base = { distinctStates: r.stats.distinctStates, seconds: r.stats.seconds };
      const v = r.verdict;
      if (v.kind === 'violated' && v.witness.kind === 'always' && v.witness.trace) {
        const tr = v.witness.trace;
        const last = tr.states[tr.states.length - 1]!;
        const allBroken = mm.properties().filter((p) => p.expectation === 'always' && !p.check(last)).map((p) => p.name);
        const want = s.expect.property;
        if (want !== undefined && !allBroken.includes(want)) {
          return { ...base, verdict: errorVerdict(diagnostic('MMC301', `${s.name}: broke ${allBroken.join(', ')} but the scenario expects ${want} to break`)) };
        }
        return {
          ...base,
          verdict: violated({ broken: allBroken, steps: tr.actions.length }),
          witnessText: `${allBroken.join('+')} after ${tr.actions.length} steps, last ${tr.labels[tr.labels.length - 1] ?? 'init'}`,
          trace: tr.labels,
          itf: modelTraceItf(mm, tr, { model: s.name, scenario: s.name, property: v.witness.property, kind: v.witness.kind, strategy: 'bfs' }),
        };
      }
      if (v.kind === 'violated' && (v.witness.kind === 'non-progress' || v.witness.kind === 'starvation') && v.witness.trace?.lasso) {
        // I11 in liveness mode: a weakly fair cycle in which a thread never completes its operation
        const tr = v.witness.trace;
        const want = s.expect.property;
        if (want !== undefined && want !== 'I11') {
          return { ...base, verdict: errorVerdict(diagnostic('MMC301', `${s.name}: broke I11 (${v.witness.kind}) but the scenario expects ${want} to break`)) };
        }
        const loopLen = tr.actions.length - tr.lasso!.loop;
        return {
          ...base,
          verdict: violated({ broken: ['I11'], kind: v.witness.kind, loop: tr.lasso!.loop, steps: tr.actions.length }),
          witnessText: `I11 (${v.witness.kind}): a loop of ${loopLen} steps from step ${tr.lasso!.loop} repeats forever, last ${tr.labels[tr.labels.length - 1] ?? 'init'}`,
          trace: tr.labels,
          itf: modelTraceItf(mm, tr, { model: s.name, scenario: s.name, property: v.witness.property, kind: v.witness.kind, strategy: 'bfs' }),
        };
      }
      if (v.kind === 'violated') return { ...base, verdict: unknown(`${v.witness.kind} ${v.witness.property}: ${v.witness.message}`) };
      if (v.kind === 'error') return { ...base, verdict: v };
      if (v.kind === 'unknown') return { ...base, verdict: unknown(v.reason) };
      return { ...base, verdict: holds(`${r.stats.distinctStates} states, every interleaving of ${s.threads.length} threads; witnesses ${s.witnesses.join(', ') || 'none'}`) };
    },
  };
}

/** Returns the cases of one family. */
export function familyCases(family: 'mmu' | 'tdx'): ProofCase[] {
  return SCENARIOS.filter((s) => s.family === family).map(scenarioCase);
}
