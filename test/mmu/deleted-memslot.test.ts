/**
 * Issue 13 item 7: the invariant for SPTEs left behind in a deleted memslot (part of I2, "nothing
 * left behind"): once memslot deletion installed the memslots without the slot, no root that is
 * not freed maps a gfn of the slot and no S-EPT leaf does. A deletion that skips its zap breaks it;
 * every mainline scenario holds (test/mmu/scenarios.test.ts), and T2's fast zap in a TD breaks it
 * before the PUNCH_HOLE frees the page.
 */
import { describe, expect, it } from 'vitest';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { explore } from './util.js';

describe('nothing left behind in a deleted memslot (issue 13 item 7)', () => {
  it('a memslot deletion that does not invalidate the roots (no fast zap) leaves the vCPU\'s leaf behind: I2 breaks, and only I2', () => {
    const base = findScenario('mmu/grid/fault-vs-memslot-delete')!;
    const r = explore(buildMachine(base, { edits: [{ op: 'memslot-delete', remove: 'invalidate-roots' }], name: 'fault-vs-memslot-delete+no-zap' }));
    expect(r.trace, 'the leaf left behind is caught').toBeDefined();
    expect(r.allBroken).toEqual(['I2']);
    const labels = r.trace!.labels;
    expect(labels[labels.length - 1]).toBe('M: memslot-delete.delete-slot');
  });

  it('T2 (fast zap in a TD) is caught when the deletion completes, before the PUNCH_HOLE frees the page', () => {
    const r = explore(buildMachine(findScenario('tdx/memslot-delete/fast-zap')!));
    expect(r.allBroken).toEqual(['I2']);
    expect(r.trace!.labels[r.trace!.labels.length - 1]).toBe('M: memslot-delete.delete-slot');
    expect(r.trace!.labels.some((l) => l.startsWith('N:'))).toBe(false);
  });
});
