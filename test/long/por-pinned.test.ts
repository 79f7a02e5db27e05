/**
 * The big pinned MMU scenarios with the default reductions (footprint POR and statement merging):
 * the reduced counts pinned in proofs/mmu/pinned.ts and the verdict of the unreduced search (the
 * small ones are in test/mmu/footprint.test.ts). Run with `npm run test:long`.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import { buildMachine } from '../../model/mmu/build.js';
import { SCENARIOS } from '../../model/mmu/scenarios.js';
import { PINNED, PINNED_REDUCED } from '../../proofs/mmu/pinned.js';

describe('big pinned scenarios, reduced', () => {
  for (const s of SCENARIOS) {
    if (PINNED[s.name] === undefined || PINNED[s.name]! <= 5000) continue;
    it(s.name, () => {
      const red = check(buildMachine(s), { strategy: 'bfs', store: 'exact', por: true, liveness: false });
      const full = check(buildMachine(s), { strategy: 'bfs', store: 'exact', por: false });
      // safety mode (POR is a safety-mode reduction) sees no lasso: an I11 liveness violation holds there
      const livenessOnly = s.expect.verdict === 'violated' && s.expect.property === 'I11';
      expect(red.verdict.kind).toBe(livenessOnly ? 'holds' : full.verdict.kind);
      expect(full.stats.distinctStates).toBe(PINNED[s.name]);
      expect(red.stats.distinctStates).toBe(PINNED_REDUCED[s.name]);
    });
  }
});
