/**
 * Issue 13 item 3, the memslot lifecycle: the memslots generation takes two steps per install
 * (the update-in-progress flag when new memslots are published, the increment after
 * synchronize_srcu); a fault on a gfn without a memslot caches an MMIO SPTE tagged with the
 * generation and a later access checks it (current: emulated MMIO; stale or during an update:
 * the page fault path); I2 catches an MMIO SPTE of the current generation over a valid memslot;
 * memslots are created and moved; munmap frees the backing, zapping only while the slot is in
 * the memslots, so a mapping a deletion left behind becomes a use-after-free (I3).
 */
import { describe, expect, it } from 'vitest';
import { buildMachine, instantiate, toScenario } from '../../model/mmu/build.js';
import { mainlineOptions, withOptions } from '../../model/mmu/options.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { checkScenario } from '../../src/mmu/scenario.js';
import { stateView } from '../../src/mmu/view.js';
import { G, MS, SLOT, P } from '../../src/mmu/layout.js';
import { WITNESS } from '../../src/mmu/names.js';
import { diagOf, explore } from './util.js';

/** Slot 0 at g0..g1, slot 1 (absent at the start) at g2..g3. */
const SLOTS = [
  { id: 0, base: 0, pages: 2 },
  { id: 1, base: 2, pages: 2, present: false },
] as const;
const GEO = SLOTS.map((s) => ({ id: s.id, base: s.base, pages: s.pages }));

const machine = (x: Record<string, unknown>) =>
  buildMachine(toScenario(checkScenario({ name: 'user/lifecycle', vm: 'default', vcpus: 1, memslots: SLOTS, expect: 'holds', ...x }, { options: OPTIONS })));
const op = (c: Parameters<typeof instantiate>[0], o = mainlineOptions()) => instantiate(c, o, false, 4, GEO);

describe('the memslots generation (kvm_swap_active_memslots)', () => {
  it('an install publishes the update-in-progress flag and increments after synchronize_srcu (two steps); a deletion installs twice', () => {
    const mm = machine({ threads: [{ name: 'M', script: [] }] });
    const s = mm.initStates()[0]!;
    expect(stateView(mm).of(s).generation).toEqual({ number: 0, updateInProgress: false });
    mm.runOp(s, 0, op({ op: 'memslot-create', slot: 1 }));
    expect(stateView(mm).of(s).generation).toEqual({ number: 1, updateInProgress: false });
    expect(stateView(mm).of(s).memslot(2)?.state).toBe('valid');
    mm.runOp(s, 0, op({ op: 'memslot-delete', slot: 1 }));
    expect(stateView(mm).of(s).generation).toEqual({ number: 3, updateInProgress: false });
    expect(s[mm.layout.slot(1, MS.state)]).toBe(SLOT.deleted);
  });

  it('the flag is set exactly while the update waits in its synchronize_srcu, in every interleaving with a faulting vCPU', () => {
    const inSync = (step: string | undefined): boolean => step === 'memslot-create.sync-srcu' || step === 'memslot-create.sync-srcu-wait';
    const mm = machine({
      vcpus: 1,
      threads: [
        { name: 'V0', script: [{ op: 'fault', gfn: 2 }] },
        { name: 'M', script: [{ op: 'memslot-create', slot: 1 }] },
      ],
      properties: [{ kind: 'always', name: 'flag-while-syncing', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.generation.updateInProgress === inSync(v.thread('M').step) }],
    });
    const r = explore(mm);
    expect(r.result.verdict.kind).toBe('holds');
    expect(r.distinct).toBeGreaterThan(10);
  });

  it("before ee3d1570b586 (memslotGenUpdate: 'once') the new memslots carry the incremented generation at once and nothing follows", () => {
    const mm = machine({ threads: [{ name: 'M', script: [] }], options: { memslotGenUpdate: 'once' } });
    const s = mm.initStates()[0]!;
    mm.runOp(s, 0, op({ op: 'memslot-create', slot: 1 }, withOptions(mainlineOptions(), { memslotGenUpdate: 'once' })));
    expect(stateView(mm).of(s).generation).toEqual({ number: 1, updateInProgress: false });
  });
});

describe('MMIO SPTEs (kvm_handle_noslot_fault, make_mmio_spte, check_mmio_spte)', () => {
  it('a fault on a gfn without a memslot caches an MMIO SPTE of the current generation; an access then emulates MMIO', () => {
    const mm = machine({ threads: [{ name: 'V0', script: [] }] });
    const s = mm.initStates()[0]!;
    mm.runOp(s, 0, op({ op: 'fault', gfn: 2 }));
    const v = stateView(mm).of(s);
    expect(v.spte('direct', 2, 1)?.kind).toBe('mmio');
    mm.runOp(s, 0, op({ op: 'access', gfn: 2 }));
    expect(s[G.seen]! & (1 << WITNESS['mmio-emulated'])).not.toBe(0);
    expect(s[G.viol]).toBe(0);
  });

  it('after the memslot is created the MMIO SPTE is stale: the access goes to the page fault path, which maps the page over it', () => {
    const mm = machine({ threads: [{ name: 'V0', script: [] }, { name: 'M', script: [] }] });
    const s = mm.initStates()[0]!;
    mm.runOp(s, 0, op({ op: 'fault', gfn: 2 }));
    mm.runOp(s, 1, op({ op: 'memslot-create', slot: 1 }));
    mm.runOp(s, 0, op({ op: 'access', gfn: 2 }));
    expect(s[G.seen]! & (1 << WITNESS['mmio-stale'])).not.toBe(0);
    expect(s[G.seen]! & (1 << WITNESS['mmio-emulated'])).toBe(0);
    mm.runOp(s, 0, op({ op: 'fault', gfn: 2 }));
    expect(stateView(mm).of(s).spte('direct', 2, 1)?.kind).toBe('leaf');
    expect(s[G.viol]).toBe(0);
  });

  it('a private gfn without a memslot is a memory-fault exit, never an MMIO SPTE', () => {
    const s = findScenario('tdx/local-retry-vs-memslot-delete/fixed')!;
    const mm = buildMachine(s);
    const st = mm.initStates()[0]!;
    mm.runOp(st, 1, instantiate({ op: 'memslot-delete' }, mainlineOptions(), true, 4));
    mm.runOp(st, 0, instantiate({ op: 'fault', gfn: 0, private: true }, mainlineOptions(), true, 4));
    expect(stateView(mm).of(st).spte('mirror', 0, 1)?.kind ?? 'non-present').toBe('non-present');
    expect(st[G.seen]! & (1 << WITNESS['mmio-cached'])).toBe(0);
  });

  it('I2 catches an MMIO SPTE of the current generation over a valid memslot: the ee3d1570b586 pair breaks I2 (and only I2) at the install, the fixed side holds', () => {
    const b = explore(buildMachine(findScenario('mmu/mmio-gen-vs-memslot-create/buggy')!));
    expect(b.allBroken).toEqual(['I2']);
    expect(b.trace!.labels[b.trace!.labels.length - 1]).toBe('V0: fault(g2,R).install');
    // the memslot was created (valid) before the install tagged the SPTE with the new generation
    expect(b.trace!.labels.some((l) => l === 'M: memslot-create(slot 1).create-slot')).toBe(true);
    expect(explore(buildMachine(findScenario('mmu/mmio-gen-vs-memslot-create/fixed')!)).result.verdict.kind).toBe('holds');
  });

  it('mutant: a generation that never leaves the update-in-progress flag hides nothing from I2 but stops every MMIO hit (the fixed pair misses mmio-emulated after the create)', () => {
    // the second step removed: the flag stays up after the create
    const s = findScenario('mmu/mmio-gen-vs-memslot-create/fixed')!;
    const mm = buildMachine(s, { edits: [{ op: 'memslot-create', replace: 'sync-srcu-wait', with: { guard: (c) => c.g(G.srcuGp) === 0, run: () => {} } }], name: 'no-second-step' });
    const r = explore(mm);
    expect(r.result.verdict.kind).toBe('holds');
    // after the create the flag is up for good: the SPTE cached before it is never a hit again
    const st = mm.initStates()[0]!;
    mm.runOp(st, 0, op({ op: 'fault', gfn: 2 }));
    mm.runOp(st, 1, op({ op: 'memslot-create', slot: 1 }));
    expect(stateView(mm).of(st).generation.updateInProgress).toBe(true);
  });

  it('the e0c378684b65 pair: an MMIO SPTE replacing the present leaf of an INVALID memslot leaves the other vCPU\'s TLB entry unbacked (I4)', () => {
    const b = explore(buildMachine(findScenario('mmu/invalid-slot-mmio/buggy')!));
    expect(b.allBroken).toContain('I4');
    expect(b.trace!.labels[b.trace!.labels.length - 1]).toBe('V1: fault(g0,R).install');
    expect(explore(buildMachine(findScenario('mmu/invalid-slot-mmio/fixed')!)).result.verdict.kind).toBe('holds');
  });
});

describe('memslot-move and munmap', () => {
  it('a move invalidates and zaps the old gfns and installs the slot at its new base, backed by the same host pages', () => {
    const mm = machine({ threads: [{ name: 'V0', script: [] }, { name: 'M', script: [] }] });
    const s = mm.initStates()[0]!;
    const pfn0 = stateView(mm).of(s).pfn(0);
    mm.runOp(s, 0, op({ op: 'fault', gfn: 0, write: true }));
    mm.runOp(s, 1, op({ op: 'memslot-move', slot: 0, to: 1 }));
    const v = stateView(mm).of(s);
    expect(v.memslots.map((x) => x.state)).toEqual(['deleted', 'valid']);
    expect(v.pfn(2)).toBe(pfn0);
    expect(v.generation).toEqual({ number: 2, updateInProgress: false });
    expect(s[G.viol]).toBe(0);
    // the guest's g2 now maps the page g0 had
    mm.runOp(s, 0, op({ op: 'fault', gfn: 2, write: true }));
    mm.runOp(s, 0, op({ op: 'access', gfn: 2, write: true }));
    expect(stateView(mm).of(s).tlb(0, 2)?.pfn).toBe(pfn0);
  });

  it('munmap of a deleted slot zaps nothing and frees its pages; of a slot still in the memslots it is an invalidation first', () => {
    const mm = machine({ threads: [{ name: 'V0', script: [] }, { name: 'M', script: [] }] });
    const s = mm.initStates()[0]!;
    mm.runOp(s, 0, op({ op: 'fault', gfn: 0, write: true }));
    const seq = s[G.seq];
    const pfn0 = stateView(mm).of(s).pfn(0);
    mm.runOp(s, 1, op({ op: 'munmap', slot: 0 }));
    expect(s[G.seq]).toBe(seq! + 1); // an invalidation ran (slot 0 is in the memslots)
    expect(s[mm.layout.page(pfn0)]! & P.stateMask).toBe(P.freed);
    expect(stateView(mm).of(s).spte('direct', 0, 1)?.kind ?? 'non-present').not.toBe('leaf');
    expect(s[G.viol]).toBe(0);
    const seq2 = s[G.seq];
    const pfn2 = stateView(mm).of(s).pfn(2);
    mm.runOp(s, 1, op({ op: 'munmap', slot: 1 })); // slot 1 is not in the memslots
    expect(s[G.seq]).toBe(seq2);
    expect(s[mm.layout.page(pfn2)]! & P.stateMask).toBe(P.freed);
  });

  it('mutant: a deletion without its zap leaves the leaf behind (I2 at delete-slot); with I2 left out, munmap turns it into a use-after-free (I3)', () => {
    const base = findScenario('mmu/grid/memslot-delete-munmap')!;
    const mm = buildMachine(base, { edits: [{ op: 'memslot-delete', remove: 'invalidate-roots' }], name: 'delete-munmap+no-zap' });
    const r = explore(mm);
    expect(r.allBroken).toEqual(['I2']);
    expect(r.trace!.labels[r.trace!.labels.length - 1]).toBe('M: memslot-delete.delete-slot');
    const noI2 = Object.create(mm) as typeof mm;
    noI2.properties = () => mm.properties().filter((p) => p.name !== 'I2');
    const r3 = explore(noI2);
    expect(r3.allBroken).toContain('I3');
    expect(r3.trace!.labels[r3.trace!.labels.length - 1]).toBe('M: munmap.free-pages');
  });

  it('scenario errors: one MMC301 naming the field', () => {
    const scn = (x: Record<string, unknown>) => diagOf(() => machine(x)).message;
    expect(scn({ threads: [{ name: 'M', script: [{ op: 'memslot-move', slot: 0 }] }] })).toBe("threads[0].script[0].to: missing; operation 'memslot-move' needs to");
    expect(scn({ threads: [{ name: 'M', script: [{ op: 'memslot-move', slot: 0, to: 0 }] }] })).toBe('memslot-move: the destination memslot 0 must be another memslot of the same size as memslot 0 (2 gfns)');
    expect(scn({ threads: [{ name: 'M', script: [{ op: 'memslot-move', slot: 0, to: 1 }, { op: 'munmap', slot: 0 }] }] })).toBe('munmap: memslot 0 is moved by memslot-move; its backing moves with it: munmap the destination memslot');
    expect(diagOf(() => buildMachine(toScenario(checkScenario({ name: 'user/td', vm: 'tdx', vcpus: 1, privateGfns: [0], memslots: [{ id: 0, base: 0, pages: 2, gmem: true }, { id: 1, base: 2, pages: 2, present: false }], threads: [{ name: 'M', script: [{ op: 'memslot-move', slot: 0, to: 1 }] }], expect: 'holds' }, { options: OPTIONS })))).message).toBe(
      'memslot-move: memslot 0 is bound to guest_memfd, and KVM refuses to move such a slot (-EINVAL)',
    );
    expect(
      diagOf(() => checkScenario({ name: 'user/td', vm: 'tdx', vcpus: 1, privateGfns: [0], memslots: [{ id: 0, base: 0, pages: 4, gmem: true, present: false }], threads: [{ name: 'V0', script: [] }], expect: 'holds' }, { options: OPTIONS })).message,
    ).toBe('memslots[0].present: a guest_memfd-bound slot starts present (creating a guest_memfd binding is not modelled)');
  });
});
