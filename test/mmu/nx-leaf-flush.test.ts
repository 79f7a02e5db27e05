/**
 * Issue 13 item 9: the leaf branch of NX recovery's `zap` step (a huge leaf stands where the
 * possible-NX table was) marks its TLB flush pending, like every other zap under mmu_lock. The
 * branch is dead in mainline (the `read-parent` re-check skips anything but the sp's link); a
 * variant that drops the re-check reaches it when a 2M fault replaced the table by a huge leaf.
 */
import { describe, expect, it } from 'vitest';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { type Ctx, spte, sptePtr, type StepEdit } from '../../src/internal.js';
import { explore } from './util.js';

/** Set when the edited read-parent read a leaf (the zap's leaf branch follows). */
let sawLeaf = false;

/** read-parent without the re-check: R(sp->ptep) into `old`, then zap whatever it holds. */
const noRecheck: StepEdit = {
  op: 'nx-recover',
  replace: 'read-parent',
  with: {
    doc: 'R(sp->ptep) with no check that it still links the sp',
    run: (c: Ctx) => {
      const old = c.readSpte(sptePtr(c.local('table'), c.local('aux')));
      if (spte.isLeaf(old)) sawLeaf = true;
      c.setLocal('old', old);
    },
  },
};

describe('NX recovery zap of a leaf (issue 13 item 9)', () => {
  const base = findScenario('mmu/grid/nx-recover-vs-huge-fault')!;

  it('without the parent re-check (6.18+, read lock) the recovery zaps the huge leaf: I12 breaks at that zap (a re-interpreted snapshot), I4 does not (its flush is marked pending)', () => {
    // before the item 9 fix: I4 broke at the zap (the huge leaf is gone, vCPU0's TLB still maps
    // g0, and no flush was marked pending): ... V0 fault(g0,W,2M).install | K read-parent | K zap.
    // Since I12 holds the sheet's clause "no CAS zaps a parent that no longer links the intended
    // table", the same zap breaks I12; the state it breaks in must not break I4 as well.
    sawLeaf = false;
    const r = explore(buildMachine(base, { edits: [noRecheck], name: 'nx-recover-vs-huge-fault+no-recheck' }));
    expect(sawLeaf, 'the leaf branch of zap is reached').toBe(true);
    expect(r.trace?.labels.at(-1), r.trace?.labels.join(' | ')).toBe('K: nx-recover(g0).zap');
    expect(r.allBroken, r.trace?.labels.join(' | ')).toEqual(['I12']);
  });

  it('mainline (with the re-check) holds', () => {
    const r = explore(buildMachine(base));
    expect(r.allBroken).toEqual([]);
    expect(r.result.verdict.kind).toBe('holds');
  });
});
