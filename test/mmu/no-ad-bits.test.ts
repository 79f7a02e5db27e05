/**
 * Without EPT A/D bits (eptAd = false) a writable mapping marks its host page dirty when it is
 * made; for a huge leaf that is the whole folio, every 4K page of it. The mainline scenarios with
 * huge leaves hold without A/D bits too (before, only the faulting gfn's page was marked and a
 * guest write through the huge leaf to another page broke I5: a false alarm).
 */
import { describe, expect, it } from 'vitest';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { explore } from './util.js';

describe('eptAd = false with huge leaves', () => {
  for (const name of ['mmu/grid/huge-vs-4k', 'mmu/grid/eager-split-vs-fault', 'mmu/grid/nx-recover-vs-huge-fault', 'mmu/grid3l/eager-split-1g']) {
    it(`${name} holds without A/D bits`, () => {
      const r = explore(buildMachine(findScenario(name)!, { options: { eptAd: false }, name: `${name}+no-ad` }));
      expect(r.allBroken, r.trace?.labels.join(' | ')).toEqual([]);
      expect(r.result.verdict.kind).toBe('holds');
    });
  }
});
