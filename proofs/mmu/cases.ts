/**
 * Proof cases of the executable MMU: one per scenario, with the expected verdict, the pinned
 * distinct-state count of the breadth-first exploration and, for violations, the golden ITF
 * counterexample (proofs/expected/). The verdict always comes from the explorer.
 */
import { diagnostic, errorVerdict, explore, holds, mmuItfTrace, type ProofCase, unknown, violated } from '../../src/index.js';
import { buildMachine, type Scenario } from '../../model/mmu/build.js';
import { SCENARIOS } from '../../model/mmu/scenarios.js';
import { PINNED } from './pinned.js';

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
      ...(s.expect.verdict === 'violated' ? { goldenTrace: goldenPath(s.name) } : {}),
      ...(s.expect.note ? { note: s.expect.note } : {}),
    },
    async run(ctx) {
      const mm = buildMachine(s);
      const r = explore(mm, { timeSeconds: ctx.timeoutSeconds, maxStates: 5_000_000 });
      const base = { distinctStates: r.distinct, seconds: r.seconds };
      if (r.violation) {
        const want = s.expect.property;
        if (want !== undefined && !r.violation.allBroken.includes(want)) {
          return { ...base, verdict: errorVerdict(diagnostic('MMC301', `${s.name}: broke ${r.violation.allBroken.join(', ')} but the scenario expects ${want} to break`)) };
        }
        const acts = r.violation.path.actions;
        const last = acts.length ? mm.formatAction(r.violation.path.states[acts.length - 1]!, acts[acts.length - 1]!) : 'init';
        return {
          ...base,
          verdict: violated({ broken: r.violation.allBroken, steps: acts.length }),
          witnessText: `${r.violation.allBroken.join('+')} after ${acts.length} steps, last ${last}`,
          itf: mmuItfTrace(mm, mm.initStates()[0]!, acts, { scenario: s.name, property: r.violation.property.name }),
        };
      }
      if (!r.complete) return { ...base, verdict: unknown(r.cutReason ?? 'incomplete') };
      if (r.sometimesMissing.length) return { ...base, verdict: unknown(`race witnesses not reached: ${r.sometimesMissing.join(', ')}`) };
      return { ...base, verdict: holds(`${r.distinct} states, every interleaving of ${s.threads.length} threads`) };
    },
  };
}

/** Returns the cases of one family. */
export function familyCases(family: 'mmu' | 'tdx'): ProofCase[] {
  return SCENARIOS.filter((s) => s.family === family).map(scenarioCase);
}
