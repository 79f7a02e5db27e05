/**
 * TDH.MEM.PAGE.PROMOTE (issue 13 item 4; never issued by mainline KVM): the module's PROMOTE and
 * RANGE.UNBLOCK on the state functions, the guest's walk that stops at a blocked non-leaf entry,
 * and KVM's merge of a private table as in Isaku Yamahata's huge-page series (`tdxPromote`). Each
 * test names the mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import { MmuLayout } from '../../src/internal.js';
import { L } from '../../src/mmu/layout.js';
import { FROZEN } from '../../src/mmu/spte.js';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { acceptBegin, HOST_PRIORITY, pageAug, pagePromote, rangeBlock, rangeUnblock, SEPT, septAdd, septGuestLeafFor, septLeafFor, septPfn, septState, septWord, ST, track } from '../../model/tdx/module.js';
import { explore } from './util.js';

/** A runnable 2-level TD with the 2M entry of gfns 0..1 a table (NL_MAPPED) and both 4K leaves PENDING at pfns 0, 1. */
function tdTable(locks = false): { s: Int32Array; m: MmuLayout } {
  const m = new MmuLayout({ levels: 2, threads: 3, vcpus: 2, tables: 4, roots: 2, pages: 4, tdxHuge: true, ...(locks ? { tdxLocks: true } : {}) });
  const s = new Int32Array(m.size);
  expect(septAdd(s, m, 2, 2, 0)).toBe(ST.success);
  expect(pageAug(s, m, 2, 1, 0, 0)).toBe(ST.success);
  expect(pageAug(s, m, 2, 1, 1, 1)).toBe(ST.success);
  return { s, m };
}

/** The guest accepted 4K gfn `g` (PENDING -> MAPPED, lock released). */
function accepted(s: Int32Array, m: MmuLayout, g: number): void {
  s[m.sept(1, g)] = septWord(SEPT.mapped, septPfn(s[m.sept(1, g)]!));
}

/** RANGE.BLOCK and TRACK on the 2M entry, as KVM's merge does before PROMOTE. */
function blockAndTrack(s: Int32Array, m: MmuLayout): void {
  expect(rangeBlock(s, m, 2, 2, 0)).toBe(ST.success);
  expect(track(s, m)).toBe(ST.success);
}

describe('TDH.MEM.PAGE.PROMOTE (the module)', () => {
  it('needs the 2M non-leaf blocked, then tracked, while the TD runs (mutant: no precondition, PROMOTE of a live table succeeds)', () => {
    const { s, m } = tdTable();
    expect(pagePromote(s, m, 2, 2, 0)).toBe(ST.notBlocked);
    expect(rangeBlock(s, m, 2, 2, 0)).toBe(ST.success);
    expect(septState(s[m.sept(2, 0)]!)).toBe(SEPT.nlBlocked);
    expect(pagePromote(s, m, 2, 2, 0)).toBe(ST.trackingNotDone);
    expect(track(s, m)).toBe(ST.success);
    expect(pagePromote(s, m, 2, 2, 0)).toBe(ST.success);
  });
  it("all-PENDING children become a PENDING 2M leaf, all-MAPPED a MAPPED one, unblocked, over the first pfn; the child positions are freed (mutant: the leaf's state not the children's)", () => {
    for (const acceptBoth of [false, true]) {
      const { s, m } = tdTable();
      if (acceptBoth) for (const g of [0, 1]) accepted(s, m, g);
      blockAndTrack(s, m);
      expect(pagePromote(s, m, 2, 2, 0)).toBe(ST.success);
      expect(septState(s[m.sept(2, 0)]!)).toBe(acceptBoth ? SEPT.mapped : SEPT.pending);
      expect(septPfn(s[m.sept(2, 0)]!)).toBe(0);
      for (const g of [0, 1]) expect(septState(s[m.sept(1, g)]!)).toBe(SEPT.free);
      expect(septLeafFor(s, m, 1)).toEqual({ level: 2, word: s[m.sept(2, 0)] });
    }
  });
  it('mixed PENDING/MAPPED children are TDX_EPT_INVALID_PROMOTE_CONDITIONS and change nothing (mutant: only the first child is checked)', () => {
    const { s, m } = tdTable();
    accepted(s, m, 1);
    blockAndTrack(s, m);
    const before = s.slice();
    expect(pagePromote(s, m, 2, 2, 0)).toBe(ST.invalidPromote);
    expect(s).toEqual(before);
  });
  it('non-contiguous or misaligned children, and a blocked child, are TDX_EPT_INVALID_PROMOTE_CONDITIONS; a leaf at 2M is TDX_EPT_ENTRY_STATE_INCORRECT', () => {
    const swapped = tdTable();
    swapped.s[swapped.m.sept(1, 0)] = septWord(SEPT.pending, 1);
    swapped.s[swapped.m.sept(1, 1)] = septWord(SEPT.pending, 0);
    blockAndTrack(swapped.s, swapped.m);
    expect(pagePromote(swapped.s, swapped.m, 2, 2, 0)).toBe(ST.invalidPromote);
    const blocked = tdTable();
    expect(rangeBlock(blocked.s, blocked.m, 2, 1, 0)).toBe(ST.success);
    blockAndTrack(blocked.s, blocked.m);
    expect(pagePromote(blocked.s, blocked.m, 2, 2, 0)).toBe(ST.invalidPromote);
    const m = new MmuLayout({ levels: 2, threads: 1, vcpus: 1, tables: 2, roots: 2, pages: 4 });
    const u = new Int32Array(m.size);
    expect(pageAug(u, m, 0, 2, 0, 0)).toBe(ST.success);
    expect(pagePromote(u, m, 0, 2, 0)).toBe(ST.stateIncorrect);
  });
  it("a guest ACCEPT holding a child's entry lock makes PROMOTE TDX_OPERAND_BUSY and, with the module's locks, sets the child's host-priority bit (mutant: the children are not locked)", () => {
    for (const locks of [false, true]) {
      const { s, m } = tdTable(locks);
      expect(acceptBegin(s, m, 0, 1, 1)).toBe(ST.success);
      blockAndTrack(s, m);
      expect(pagePromote(s, m, 2, 2, 0)).toBe(ST.busy);
      expect((s[m.sept(1, 1)]! & HOST_PRIORITY) !== 0).toBe(locks);
      expect(septState(s[m.sept(2, 0)]!)).toBe(SEPT.nlBlocked);
    }
  });
  it('RANGE.UNBLOCK undoes the block once it is tracked; an unblocked entry is TDX_EPT_ENTRY_STATE_INCORRECT (mutant: no tracking check)', () => {
    const { s, m } = tdTable();
    expect(rangeUnblock(s, m, 2, 2, 0)).toBe(ST.stateIncorrect);
    expect(rangeBlock(s, m, 2, 2, 0)).toBe(ST.success);
    expect(rangeUnblock(s, m, 2, 2, 0)).toBe(ST.trackingNotDone);
    expect(track(s, m)).toBe(ST.success);
    expect(rangeUnblock(s, m, 2, 2, 0)).toBe(ST.success);
    expect(septState(s[m.sept(2, 0)]!)).toBe(SEPT.nlMapped);
  });
  it("the CPU's walk stops at NL_BLOCKED (an EPT violation), the host's walks through it (mutant: the guest reaches a leaf under a blocked table)", () => {
    const { s, m } = tdTable();
    expect(septGuestLeafFor(s, m, 1)?.level).toBe(1);
    expect(rangeBlock(s, m, 2, 2, 0)).toBe(ST.success);
    expect(septGuestLeafFor(s, m, 1)).toBeUndefined();
    expect(septLeafFor(s, m, 1)?.level).toBe(1);
  });
});

/** Explores a registered scenario with options changed. */
function run(name: string, options: Record<string, unknown> = {}): ReturnType<typeof explore> {
  const s = findScenario(name);
  if (s === undefined) throw new Error(name);
  return explore(buildMachine(s, { options }));
}

describe("KVM's merge of a private table (tdxPromote)", () => {
  it("merge: an ACCEPT that lands first leaves mixed children; KVM unblocks and keeps 4K; the 2M leaf appears when the children agree; the merge's kick waits for a vCPU inside its ACCEPT TDCALL (mutants: no UNBLOCK, the mirror restored over a blocked S-EPT table; the kick exits the vCPU mid-TDCALL, so PROMOTE meets the child's entry lock: BUSY with operand RCX, KVM_BUG_ON)", () => {
    const r = run('tdx/huge/promote-vs-accept/fixed');
    expect(r.result.verdict.kind).toBe('holds');
    expect(r.sometimesMissing).toEqual([]);
  });
  it('merge-bug-on: the mixed-children status reaches KVM_BUG_ON at PROMOTE (I7)', () => {
    const r = run('tdx/huge/promote-vs-accept/buggy');
    expect(r.allBroken).toEqual(['I7']);
    expect(r.trace?.labels.at(-1)).toMatch(/merge-promote$/);
  });
  it('none (mainline): the fault maps g0 at 4K below the table; no 2M leaf ever appears', () => {
    const r = run('tdx/huge/promote-vs-accept/fixed', { tdxPromote: 'none' });
    expect(r.result.verdict.kind === 'violated' && r.result.verdict.witness.kind).toBe('sometimes');
    // no 2M leaf
    expect([...r.sometimesMissing].sort()).toEqual(['sometimes:huge-mapped']);
  });
  it("a PENDING 2M leaf from PROMOTE is split again by the guest's 4K ACCEPT, which inhibits 2M: no merge after it (mutant: the merge ignores the guest-inhibit bit, I13)", () => {
    const r = run('tdx/huge/promote-then-split');
    expect(r.result.verdict.kind).toBe('holds');
    expect(r.sometimesMissing).toEqual([]);
  });
  it('merge frees the child table at once: a walker that stepped into it reads freed memory (I1; mutant: freed after a grace period, as handle_removed_pt does)', () => {
    const r = run('tdx/huge/promote-vs-walker');
    expect(r.allBroken).toEqual(['I1']);
    expect(r.trace?.labels.at(-1)).toMatch(/merge-promote$/);
    // without the merge the same two faults are harmless
    expect(run('tdx/huge/promote-vs-walker', { tdxPromote: 'none' }).result.verdict.kind).toBe('holds');
  });
  it("merge (v4 13/16 on): a 2M fault whose own 4K child is already mapped gives up with -EAGAIN before RANGE.BLOCK; merge-bug-on (v2/v3, no such check) merges and frees the table under the walker (mutant: the own-gfn check dropped, I1 at merge-promote)", () => {
    const s = findScenario('tdx/huge/promote-vs-walker');
    if (s === undefined) throw new Error('promote-vs-walker');
    // vCPU1 faults on g1, which the setup mapped at 4K
    const own = { ...s, threads: [s.threads[0]!, { ...s.threads[1]!, script: [{ op: 'fault', gfn: 1, private: true, level: 2 }] }] } as typeof s;
    const held = explore(buildMachine(own, {}));
    expect(held.result.verdict.kind).toBe('holds');
    expect(held.result.stats.distinctStates).toBe(565);
    const old = explore(buildMachine(own, { options: { tdxPromote: 'merge-bug-on' } }));
    expect(old.allBroken).toEqual(['I1']);
    expect(old.trace?.labels.at(-1)).toMatch(/merge-promote$/);
  });
});

describe('I6 and a frozen non-leaf entry (tdxPromote)', () => {
  // Mutant: the exemption for S-EPT positions below any FROZEN non-leaf entry (not only below a
  // merge's) passes the tampered states, whose table is frozen by no merge but has S-EPT leaves in use.
  it('positions below a FROZEN non-leaf entry are exempt only while a merge owns it (L.hook, L.alloc and its non-empty table); below any other frozen entry they must be FREE', () => {
    const mm = buildMachine(findScenario('tdx/huge/promote-vs-accept/fixed')!);
    const m = mm.layout;
    const i6 = mm.properties().find((p) => p.name === 'I6')!;
    const seen = new Set<string>();
    const queue = mm.initStates();
    let tampered = 0;
    while (queue.length > 0) {
      const st = queue.shift()!;
      const key = st.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      const acts: number[] = [];
      mm.actions(st, acts);
      for (const a of acts) {
        const nx = new Int32Array(mm.stateSize);
        if (mm.next(st, a, nx)) queue.push(nx);
      }
      // a merge in progress: some thread's L.alloc marks the table below a FROZEN 2M mirror entry
      const t = [0, 1].find((x) => st[m.local(x, L.alloc)]! > 0 && st[m.local(x, L.hook)]! > 0);
      if (t === undefined || !i6.check(st)) continue;
      let frozen = false;
      for (let tb = 0; tb < m.geometry.tables; tb++) for (let i = 0; i < 2; i++) if (st[m.entry(tb, i)] === FROZEN) frozen = true;
      if (!frozen) continue;
      const used = [0, 1].some((g) => st[m.sept(1, g)]! !== 0);
      if (!used) continue;
      const u = st.slice();
      u[m.local(t, L.alloc)] = 0;
      expect(i6.check(u)).toBe(false);
      tampered++;
    }
    expect(tampered).toBeGreaterThan(0);
  });
});
