/**
 * TD build against concurrent zappers (issue 13 item 6): KVM_TDX_INIT_MEM_REGION holds
 * kvm->slots_lock and kvm_gmem_populate the guest_memfd's filemap_invalidate_lock from the pfn
 * lookup through the mirror map, PAGE.ADD and TDH.MR.EXTEND; a PUNCH_HOLE takes the
 * filemap_invalidate_lock and a memslot deletion slots_lock. Each test names the mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import { MmuLayout, mmuState } from '../../src/internal.js';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { mrExtend, pageAdd, SEPT, septAdd, septWord, ST } from '../../model/tdx/module.js';
import { explore } from './util.js';

const { F, L } = mmuState;

function scn(name: string) {
  const s = findScenario(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
}

/** The verdict of a scenario with options: 'holds' or the broken invariants. */
function broken(name: string, options: Record<string, unknown> = {}): readonly string[] | 'holds' {
  const r = explore(buildMachine(scn(name), { options }));
  return r.result.verdict.kind === 'holds' ? 'holds' : r.allBroken;
}

describe('TDH.MR.EXTEND (the TDX module emulation)', () => {
  // mutant: mrExtend returning success whatever the entry's state
  it('succeeds on a MAPPED leaf only: a FREE leaf is TDX_EPT_ENTRY_STATE_INCORRECT, a missing table TDX_EPT_WALK_FAILED', () => {
    const m = new MmuLayout({ levels: 2, threads: 2, vcpus: 1, tables: 4, roots: 2, pages: 4 });
    const s = new Int32Array(m.size);
    expect(mrExtend(s, m, 0, 0)).toBe(ST.walkFailed);
    expect(septAdd(s, m, 0, 2, 0)).toBe(ST.success);
    expect(mrExtend(s, m, 0, 0)).toBe(ST.stateIncorrect);
    expect(pageAdd(s, m, 0, 0, 1)).toBe(ST.success);
    expect(mrExtend(s, m, 0, 0)).toBe(ST.success);
    s[m.sept(1, 0)] = septWord(SEPT.blocked, 1);
    expect(mrExtend(s, m, 0, 0)).toBe(ST.stateIncorrect);
  });
});

describe('the locks that keep zappers out of the TD build window', () => {
  // mutants: the punch-hole without underLocks (model/mmu/build.ts), or underLocks' guard ignoring the holder
  it('a PUNCH_HOLE waits while kvm_gmem_populate holds the filemap_invalidate_lock, and the reverse', () => {
    const mm = buildMachine(scn('tdx/build/measure-vs-punch-hole'));
    const [init] = mm.initStates();
    const s = Int32Array.from(init!);
    const out: number[] = [];
    mm.actions(s, out);
    expect(out).toEqual([0, 1]);
    for (const [holder, waiter] of [[0, 1], [1, 0]] as const) {
      const h = Int32Array.from(init!);
      h[mm.layout.local(holder, L.flags)] = h[mm.layout.local(holder, L.flags)]! | F.gmem;
      const acts: number[] = [];
      mm.actions(h, acts);
      expect(acts, `thread ${holder} holds the lock`).not.toContain(waiter);
    }
  });
  // mutant: page-add not taking kvm->slots_lock (fault.ts faultOp without underLocks' slots)
  it('a memslot deletion waits while KVM_TDX_INIT_MEM_REGION holds kvm->slots_lock; without the option it does not', () => {
    for (const [opt, waits] of [[true, true], [false, false]] as const) {
      const mm = buildMachine(scn('tdx/build/measure-vs-memslot-delete'), { options: { tdxBuildSlotsLock: opt } });
      const [init] = mm.initStates();
      const s = Int32Array.from(init!);
      const next = new Int32Array(s.length);
      expect(mm.next(s, 0, next)).toBe(true); // V0's first step: takes the locks it is configured with
      expect((next[mm.layout.local(0, L.flags)]! & F.slots) !== 0).toBe(opt);
      const acts: number[] = [];
      mm.actions(next, acts);
      expect(acts.includes(1)).toBe(!waits);
    }
  });
  // mutants: the mr-extend step dropped, or PAGE.ADD's success not recording the owed extension
  it('with both locks the build window holds against each zapper, with the page measured; without its lock each zapper breaks I7 at TDH.MR.EXTEND', () => {
    expect(broken('tdx/build/measure-vs-punch-hole')).toBe('holds');
    expect(broken('tdx/build/measure-vs-punch-hole', { tdxBuildGmemLock: false })).toContain('I7');
    expect(broken('tdx/build/measure-vs-memslot-delete')).toBe('holds');
    expect(broken('tdx/build/measure-vs-memslot-delete', { tdxBuildSlotsLock: false })).toContain('I7');
    // the other lock does not stand in: the punch-hole takes no slots_lock, the deletion no filemap lock
    expect(broken('tdx/build/measure-vs-punch-hole', { tdxBuildGmemLock: false, tdxBuildSlotsLock: true })).toContain('I7');
    expect(broken('tdx/build/measure-vs-memslot-delete', { tdxBuildSlotsLock: false, tdxBuildGmemLock: true })).toContain('I7');
  });
  it('premap (before 6.19) is safe only with the locks; PAGE.ADD in the hook (6.19+) closes the map-to-ADD window under mmu_lock alone', () => {
    expect(broken('tdx/build/page-add-vs-punch-hole/premap')).toBe('holds');
    expect(broken('tdx/build/page-add-vs-punch-hole/premap-no-gmem-lock')).toContain('I7');
    expect(broken('tdx/build/page-add-vs-punch-hole/premap-no-gmem-lock', { tdxBuildAdd: 'in-hook' })).toBe('holds');
  });
  // mutant: the measured witness never recorded (a measure that is not executed would hold vacuously)
  it('the measured scenarios reach TDH.MR.EXTEND', () => {
    const r = explore(buildMachine(scn('tdx/build/measure-vs-memslot-delete')));
    expect(r.sometimesMissing).toEqual([]);
    expect(scn('tdx/build/measure-vs-memslot-delete').witnesses).toContain('measured');
  });
});

describe('the dirty-log ioctls hold kvm->slots_lock', () => {
  // mutant: dirty-log-enable / dirty-log-harvest built without underLocks (model/mmu/build.ts)
  for (const [name, ioctl, other] of [
    ['mmu/dirty-log/harvest-vs-memslot-delete', 1, 2],
    ['mmu/dirty-log/enable-vs-fast-zap', 1, 2],
  ] as const) {
    it(`${name}: while the dirty-log ioctl holds slots_lock the other holder waits, and the reverse`, () => {
      const mm = buildMachine(scn(name));
      const [init] = mm.initStates();
      const free: number[] = [];
      mm.actions(init!, free);
      expect(free).toEqual([0, 1, 2]);
      const next = new Int32Array(init!.length);
      expect(mm.next(init!, ioctl, next)).toBe(true);
      expect((next[mm.layout.local(ioctl, L.flags)]! & F.slots) !== 0).toBe(true);
      const acts: number[] = [];
      mm.actions(next, acts);
      expect(acts).not.toContain(other);
      const next2 = new Int32Array(init!.length);
      expect(mm.next(init!, other, next2)).toBe(true);
      const acts2: number[] = [];
      mm.actions(next2, acts2);
      expect(acts2).not.toContain(ioctl);
    });
  }
});
