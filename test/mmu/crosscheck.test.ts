/**
 * The executable MMU under the generic checker (src/check): the same verdicts and, with the exact
 * store and no reduction, the same distinct-state counts and shortest counterexample lengths as
 * the test-only reference explorer (test/mmu/reference-explore.ts, a whole-state BFS); the
 * fingerprint store and DFS give the same verdicts.
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
      const theirs = check(buildMachine(s), { strategy: 'bfs', store: 'exact' });
      expect(theirs.verdict.kind).toBe(mine.violation ? 'violated' : 'holds');
      if (!mine.violation) expect(theirs.stats.distinctStates).toBe(mine.distinct);
      if (mine.violation && theirs.verdict.kind === 'violated') {
        // both find a shortest counterexample
        expect(theirs.verdict.witness.trace?.actions.length).toBe(mine.violation.path.actions.length);
      }
      const fp = check(buildMachine(s), { strategy: 'bfs' });
      expect(fp.verdict.kind).toBe(theirs.verdict.kind);
      expect(fp.stats.distinctStates).toBe(theirs.stats.distinctStates);
      expect(check(buildMachine(s), { strategy: 'dfs' }).verdict.kind).toBe(theirs.verdict.kind);
    });
  }
});
