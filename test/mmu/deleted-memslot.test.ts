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

  it('a fast zap and a memslot deletion never interleave (both hold kvm->slots_lock): the mainline mix holds and the deletion never ends while the other zapper still owes the zap of the root it invalidated', () => {
    const s = {
      name: 'fast-zap-vs-memslot-delete',
      title: 'mainline: a fast zap and a memslot deletion race a 2M fault',
      family: 'mmu' as const,
      vm: 'default' as const,
      vcpus: 1,
      setup: [[0, { op: 'fault' as const, gfn: 2, write: true }]] as [number, { op: 'fault'; gfn: number; write: boolean }][],
      threads: [
        { name: 'V0', script: [{ op: 'fault' as const, gfn: 1, write: true, level: 2 }] },
        { name: 'N', script: [{ op: 'fast-zap' as const }] },
        { name: 'M', script: [{ op: 'memslot-delete' as const }] },
      ],
      witnesses: [],
      expect: { verdict: 'holds' as const },
      bounds: { tables: 10, roots: 3, pages: 10 },
    };
    // Without slots_lock the deletion's own fast zap finds root0 already scheduled by N, zaps
    // nothing and deletes the slot while N has not zapped root0 yet: a false I2 (found at 14 steps).
    const r = explore(buildMachine(s));
    expect(r.allBroken).toEqual([]);
    expect(r.result.verdict.kind).toBe('holds');
  });
});
