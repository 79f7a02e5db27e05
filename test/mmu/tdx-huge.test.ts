/**
 * Huge private pages (issue 13 item 4 and the rest of item 2; RFC "KVM: TDX huge page support for
 * private memory", not mainline): TDH.MEM.PAGE.DEMOTE and the guest's TDG.MEM.PAGE.ACCEPT levels
 * on the module's state functions, the split paths of KVM (the EPT violation handler's split under
 * the write lock with the guest-inhibit bit, the boundary split of PUNCH_HOLE) and I13. Each test
 * names the mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../src/mmu/scenario.js';
import { type Ctx, MmuLayout, mmuState } from '../../src/internal.js';
import { buildMachine, toScenario } from '../../model/mmu/build.js';
import { iterStart } from '../../model/mmu/common.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { ACCEPT, acceptAt, acceptBegin, pageAug, pageDemote, rangeBlock, SEPT, septAdd, septState, septPfn, ST, track } from '../../model/tdx/module.js';
import { diagOf, explore } from './util.js';

const { G, R, V } = mmuState;

/** A runnable 2-level TD (threads: 2 vCPUs, a host thread) with a private 2M leaf PENDING at gfns 0..1 (pfn 0). */
function td2m(): { s: Int32Array; m: MmuLayout } {
  const m = new MmuLayout({ levels: 2, threads: 3, vcpus: 2, tables: 4, roots: 2, pages: 4, tdxHuge: true });
  const s = new Int32Array(m.size);
  expect(pageAug(s, m, 2, 2, 0, 0)).toBe(ST.success);
  return { s, m };
}

describe('TDH.MEM.PAGE.DEMOTE (the module)', () => {
  it('needs the 2M leaf blocked, then tracked, while the TD runs (mutant: no precondition, DEMOTE of a live leaf succeeds)', () => {
    const { s, m } = td2m();
    expect(pageDemote(s, m, 2, 2, 0)).toBe(ST.notBlocked);
    expect(rangeBlock(s, m, 2, 2, 0)).toBe(ST.success);
    expect(pageDemote(s, m, 2, 2, 0)).toBe(ST.trackingNotDone);
    expect(track(s, m)).toBe(ST.success);
    expect(pageDemote(s, m, 2, 2, 0)).toBe(ST.success);
  });
  it('splits a blocked PENDING leaf into PENDING 4K leaves with their pfns, and the entry becomes NL_MAPPED (no UNBLOCK)', () => {
    const { s, m } = td2m();
    rangeBlock(s, m, 2, 2, 0);
    track(s, m);
    pageDemote(s, m, 2, 2, 0);
    expect(septState(s[m.sept(2, 0)]!)).toBe(SEPT.nlMapped);
    for (const g of [0, 1]) {
      expect(septState(s[m.sept(1, g)]!)).toBe(SEPT.pending);
      expect(septPfn(s[m.sept(1, g)]!)).toBe(g);
    }
  });
  it('a blocked MAPPED (accepted) leaf becomes MAPPED 4K leaves: the guest keeps its accepts', () => {
    const { s, m } = td2m();
    expect(acceptBegin(s, m, 0, 2, 0)).toBe(ST.success);
    s[m.sept(2, 0)] = (s[m.sept(2, 0)]! & ~0xf00f) | SEPT.mapped; // the ACCEPT finished (lock released)
    rangeBlock(s, m, 2, 2, 0);
    track(s, m);
    expect(pageDemote(s, m, 2, 2, 0)).toBe(ST.success);
    for (const g of [0, 1]) expect(septState(s[m.sept(1, g)]!)).toBe(SEPT.mapped);
  });
  it('a guest holding the entry lock (an ACCEPT in progress) makes DEMOTE TDX_OPERAND_BUSY; a 4K leaf or a free entry is EPT_ENTRY_STATE_INCORRECT', () => {
    const { s, m } = td2m();
    rangeBlock(s, m, 2, 2, 0);
    track(s, m);
    s[m.sept(2, 0)] = s[m.sept(2, 0)]! | (1 << 12); // vCPU 0 holds the entry lock
    expect(pageDemote(s, m, 2, 2, 0)).toBe(ST.busy);
    const t = new MmuLayout({ levels: 2, threads: 1, vcpus: 1, tables: 2, roots: 2, pages: 4 });
    const u = new Int32Array(t.size);
    expect(pageDemote(u, t, 0, 2, 0)).toBe(ST.stateIncorrect);
    expect(septAdd(u, t, 0, 2, 0)).toBe(ST.success);
    expect(pageDemote(u, t, 0, 2, 0)).toBe(ST.stateIncorrect);
  });
});

describe('TDG.MEM.PAGE.ACCEPT levels (the module)', () => {
  it('a 4K ACCEPT inside a PENDING 2M leaf is an EPT violation carrying the accept level, not a size mismatch (mutant: it accepts the 2M leaf)', () => {
    const { s, m } = td2m();
    expect(acceptAt(s, m, 0, 1, 1)).toBe(ACCEPT.violation);
    expect(acceptAt(s, m, 0, 2, 1)).toBe(ACCEPT.begun);
  });
  it('a 2M ACCEPT over a range mapped at 4K is TDX_PAGE_SIZE_MISMATCH; over nothing an EPT violation; MAPPED is already accepted', () => {
    const m = new MmuLayout({ levels: 2, threads: 2, vcpus: 1, tables: 2, roots: 2, pages: 4 });
    const s = new Int32Array(m.size);
    expect(acceptAt(s, m, 0, 2, 0)).toBe(ACCEPT.violation);
    expect(septAdd(s, m, 1, 2, 0)).toBe(ST.success);
    expect(pageAug(s, m, 1, 1, 0, 0)).toBe(ST.success);
    expect(acceptAt(s, m, 0, 2, 0)).toBe(ACCEPT.sizeMismatch);
    expect(acceptAt(s, m, 0, 1, 1)).toBe(ACCEPT.violation);
    s[m.sept(1, 0)] = (s[m.sept(1, 0)]! & ~15) | SEPT.mapped;
    expect(acceptAt(s, m, 0, 1, 0)).toBe(ACCEPT.already);
    const b = td2m();
    rangeBlock(b.s, b.m, 2, 2, 0);
    expect(acceptAt(b.s, b.m, 0, 2, 0)).toBe(ACCEPT.violation);
  });
});

/** The verdict of a registered scenario with options changed. */
function run(name: string, options: Record<string, unknown> = {}, edits: unknown[] = []): ReturnType<typeof explore> {
  const s = findScenario(name);
  if (s === undefined) throw new Error(name);
  return explore(buildMachine(s, { options, ...(edits.length ? { edits: edits as never } : {}) }));
}

describe('the split paths of KVM (RFC series)', () => {
  it('mainline of the series: every tdx/huge scenario holds and reaches its witnesses', () => {
    for (const n of ['tdx/huge/accept-2m-vs-4k', 'tdx/huge/demote-vs-demote', 'tdx/huge/accept-4k-in-2m', 'tdx/huge/punch-hole-in-2m']) {
      const r = run(n);
      expect(r.result.verdict.kind, n).toBe('holds');
      expect(r.sometimesMissing, n).toEqual([]);
    }
  });
  it('tdxDemoteLock read: two 4K accepts inside one 2M leaf both split it; the second RANGE.BLOCK finds it blocked (I7)', () => {
    const r = run('tdx/huge/demote-vs-demote', { tdxDemoteLock: 'read' });
    expect(r.allBroken).toEqual(['I7']);
    expect(r.trace?.labels.at(-1)).toMatch(/accept-split-block$/);
  });
  it('tdxDemoteLock read: a 2M fault checked the inhibit before a split under the read lock set it, and maps 2M over the inhibited range (I13 state half)', () => {
    const r = run('tdx/huge/accept-2m-vs-4k', { tdxDemoteLock: 'read' });
    expect(r.allBroken).toEqual(['I13']);
  });
  it('tdxAcceptSplit none: the fault under the shared lock cannot split the 2M leaf; the guest ACCEPT faults forever (I11 lasso)', () => {
    const r = run('tdx/huge/accept-4k-in-2m', { tdxAcceptSplit: 'none' });
    expect(r.allBroken).toEqual(['I11']);
    expect(r.result.verdict.kind === 'violated' && r.result.verdict.witness.kind).toBe('non-progress');
  });
  it('tdxBoundarySplit false: a PUNCH_HOLE of one 4K zaps the accepted 2M leaf whole (I13 step half)', () => {
    const r = run('tdx/huge/punch-hole-in-2m', { tdxBoundarySplit: false });
    expect(r.allBroken).toEqual(['I13']);
    expect(r.trace?.labels.at(-1)).toMatch(/gmem-punch-hole.*\.zap$/);
  });
  it('mutant: the fault reads the guest-inhibit bit only before mmu_lock (not in kvm_mmu_hugepage_adjust under it): a 2M leaf over an inhibited range (I13)', () => {
    const r = run('tdx/huge/accept-2m-vs-4k', {}, [
      {
        op: 'fault',
        replace: 'rcu-lock',
        with: {
          run: (c: Ctx) => {
            c.rcuLock();
            iterStart(c, c.s[c.m.root(c.vcpu(c.t, V.mroot), R.table)]!, c.params.gfn ?? 0);
          },
        },
      },
    ]);
    expect(r.allBroken).toContain('I13');
  });
  it('the guest-inhibit word is in the state only when a private fault carries an accept level', () => {
    expect(buildMachine(findScenario('tdx/2m-vs-4k/freeze')!).layout.hugeBase).toBe(-1);
    const mm = buildMachine(findScenario('tdx/huge/accept-4k-in-2m')!);
    expect(mm.layout.hugeBase).toBe(mm.layout.size - 1);
    expect(G.count).toBeLessThan(mm.layout.size);
  });
});

describe('scenario files: accept levels', () => {
  const TD = { name: 'x', vm: 'tdx', privateGfns: [0, 1], vcpus: 1, options: { tdxHugePages: true }, expect: 'holds', witnesses: ['guest-wrote'] };
  const msg = (script: unknown[], extra: Record<string, unknown> = {}): string => diagOf(() => checkScenario({ ...TD, ...extra, threads: [{ name: 'V0', script }] }, { options: OPTIONS })).message;
  it('an accept level is 1 or 2, on a private fault with tdxHugePages, or an access of a private gfn', () => {
    expect(msg([{ op: 'fault', gfn: 0, private: true, accept: 3 }])).toContain('threads[0].script[0].accept: 3 is out of range; accept levels');
    expect(msg([{ op: 'fault', gfn: 0, accept: 1 }])).toContain('threads[0].script[0].accept: an accept level comes with a private fault');
    expect(msg([{ op: 'fault', gfn: 0, private: true, accept: 1 }], { options: {} })).toContain('needs options: { tdxHugePages: true }');
    expect(msg([{ op: 'access', gfn: 2, accept: 1 }])).toContain('threads[0].script[0].accept: an accept level needs a private gfn of a TD');
    expect(() => toScenario(checkScenario({ ...TD, threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 0, private: true, level: 2, accept: 2 }, { op: 'access', gfn: 0, write: true, accept: 2 }] }] }, { options: OPTIONS }))).not.toThrow();
  });
});
