/**
 * The executable MMU under the generic checker (src/check): the same verdicts and, with the exact
 * store and no reduction, the same distinct-state counts and shortest counterexample lengths as
 * the test-only reference explorer (test/mmu/reference-explore.ts, a whole-state BFS); the
 * fingerprint store and DFS give the same verdicts, and so does the search reduced by footprint
 * partial-order reduction (with and without statement merging), which reaches the same witnesses
 * and, over a complete search, never more states. All in safety mode (`liveness: false`: the reference explorer judges no
 * cycles; the MMU's default liveness mode is pinned in proofs/mmu/pinned.ts).
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import { explore } from './reference-explore.js';
import { buildMachine } from '../../model/mmu/build.js';
import { SCENARIOS } from '../../model/mmu/scenarios.js';

describe('generic checker agrees with the reference explorer', () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const mine = explore(buildMachine(s));
      const theirs = check(buildMachine(s), { strategy: 'bfs', store: 'exact', por: false, symmetry: false, liveness: false });
      expect(theirs.verdict.kind).toBe(mine.violation ? 'violated' : 'holds');
      if (!mine.violation) expect(theirs.stats.distinctStates).toBe(mine.distinct);
      if (mine.violation && theirs.verdict.kind === 'violated') {
        // both find a shortest counterexample
        expect(theirs.verdict.witness.trace?.actions.length).toBe(mine.violation.path.actions.length);
      }
      const fp = check(buildMachine(s), { strategy: 'bfs', por: false, symmetry: false, liveness: false });
      expect(fp.verdict.kind).toBe(theirs.verdict.kind);
      expect(fp.stats.distinctStates).toBe(theirs.stats.distinctStates);
      expect(check(buildMachine(s), { strategy: 'dfs', por: false }).verdict.kind).toBe(theirs.verdict.kind);
      for (const merge of [true, false]) {
        const red = check(buildMachine(s), { strategy: 'bfs', store: 'exact', por: true, merge, liveness: false });
        expect(red.reductions.por).toBe(true);
        expect(red.verdict.kind).toBe(theirs.verdict.kind);
        // never more states over a complete search; a violated one stops at its first
        // counterexample, which the reduced search may reach later (POR does not keep BFS depth)
        if (theirs.verdict.kind === 'holds') expect(red.stats.distinctStates).toBeLessThanOrEqual(theirs.stats.distinctStates);
        const found = (r: typeof red): [string, boolean][] => Object.entries(r.witnesses).map(([k, t]) => [k, t !== null]);
        if (theirs.verdict.kind === 'holds') expect(found(red)).toEqual(found(theirs));
      }
      expect(check(buildMachine(s), { strategy: 'dfs' }).verdict.kind).toBe(theirs.verdict.kind);
    });
  }
});
