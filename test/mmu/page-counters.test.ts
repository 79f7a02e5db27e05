/**
 * Issue 13 item 5, the counters of page-table page metadata, and MMIO caching off.
 *
 * Scenario field `pageCounters` keeps kvm->arch.tdp_mmu_pages and kvm->stat.nx_lpage_splits in the
 * state; I12 checks them against the tree whenever no thread is between the load and the store of
 * a plain update. Option `tdpMmuPagesAccount`: atomic (d25ceb926436, mainline) or plain (a ++
 * outside tdp_mmu_pages_lock: a lost update). Scenario field `mmioCaching` (enable_mmio_caching):
 * false, no MMIO SPTE is ever installed. Each test names the mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import { buildMachine, toScenario, type Scenario } from '../../model/mmu/build.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { checkScenario } from '../../src/mmu/scenario.js';
import { COUNT, G, NX } from '../../src/mmu/layout.js';
import { isLink } from '../../src/mmu/spte.js';
import { SpteKind, spteKind } from '../../src/mmu/spte.js';
import { WITNESS } from '../../src/mmu/names.js';
import { stateView } from '../../src/mmu/view.js';
import { diagOf, explore } from './util.js';

const scn = (name: string): Scenario => {
  const s = findScenario(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
};
const user = (x: Record<string, unknown>) => toScenario(checkScenario({ name: 'user/counters', vm: 'default', vcpus: 1, expect: 'holds', ...x }, { options: OPTIONS }));

/** Every reachable state of a scenario's machine (BFS over the machine's own actions; a violating step's successors too). */
function states(s: Scenario): { mm: ReturnType<typeof buildMachine>; all: Int32Array[] } {
  const mm = buildMachine(s);
  const seen = new Set<string>();
  const all: Int32Array[] = [];
  const queue = mm.initStates();
  while (queue.length > 0) {
    const st = queue.shift()!;
    const key = st.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(st);
    const acts: number[] = [];
    mm.actions(st, acts);
    for (const a of acts) {
      const nx = new Int32Array(mm.stateSize);
      if (mm.next(st, a, nx)) queue.push(nx);
    }
  }
  return { mm, all };
}

describe('scenario field pageCounters', () => {
  it('adds the counters and one pending word per thread only when asked for (or when tdpMmuPagesAccount is not atomic)', () => {
    const threads = [{ name: 'V0', script: [] }, { name: 'V1', script: [] }];
    const off = buildMachine(user({ vcpus: 2, threads }));
    const on = buildMachine(user({ vcpus: 2, threads, pageCounters: true }));
    const plain = buildMachine(user({ vcpus: 2, threads, options: { tdpMmuPagesAccount: 'plain' } }));
    expect(off.layout.countersBase).toBe(-1);
    expect(on.layout.size - off.layout.size).toBe(COUNT.pending + 2);
    expect(plain.layout.countersBase).toBeGreaterThanOrEqual(0);
    expect(diagOf(() => user({ threads, vcpus: 2, pageCounters: 'yes' })).message).toContain('pageCounters: must be true or false');
  });

  it('gfn symmetry is refused with the counters (a pending store per thread)', () => {
    const d = diagOf(() =>
      buildMachine(user({ pageCounters: true, vcpus: 2, symmetricGfns: [[2, 3]], host: { huge: false }, threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 2 }] }, { name: 'V1', script: [{ op: 'fault', gfn: 3 }] }] })),
    );
    expect(d.message).toContain('pageCounters');
  });

  // Mutant: a link or unlink path that does not count (countLinks dropped from a primitive, or the
  // nx_lpage_splits update dropped from nxSet) breaks I12 in one of these; a counter that told
  // states apart that the tree does not (an update in a different step) changes their counts.
  const COVERED = [
    'mmu/root-put-after-yield/fixed', // zap of invalidated roots that yields
    'mmu/nx-flag-before-link/fixed', // NX splits tracked and untracked
    'mmu/grid/nx-recover-vs-fault', // NX recovery zaps a possible NX table
    'mmu/c6-fault-vs-fast-zap/fixed', // fast zap of invalid roots
    'mmu/grid/eager-split-vs-fault', // eager split links tables
    'tdx/link-before-sept-add/freeze', // mirror links through the frozen entry
    'tdx/memslot-delete/targeted', // write-lock removal of mirror and direct tables
    'tdx/huge/demote-vs-demote', // DEMOTE links a private table
    'tdx/huge/promote-vs-accept/fixed', // PROMOTE replaces a private table by a huge leaf
  ];
  for (const name of COVERED) {
    it(`${name}: with pageCounters the verdict and the state count are unchanged (the counters follow the tree)`, () => {
      const base = scn(name);
      const a = explore(buildMachine(base));
      const b = explore(buildMachine({ ...base, pageCounters: true }));
      expect(b.result.verdict.kind).toBe(a.result.verdict.kind);
      expect(b.allBroken).toEqual(a.allBroken);
      expect(b.distinct).toBe(a.distinct);
    });
  }

  it('the counters are exercised: some reachable states count tables and NX splits (state view: counters)', () => {
    const { mm, all } = states({ ...scn('mmu/nx-flag-before-link/fixed'), pageCounters: true });
    const view = stateView(mm);
    expect(Math.max(...all.map((s) => view.of(s).counters!.tdpMmuPages))).toBeGreaterThan(0);
    expect(Math.max(...all.map((s) => view.of(s).counters!.nxLpageSplits))).toBeGreaterThan(0);
    expect(stateView(buildMachine(scn('mmu/nx-flag-before-link/fixed'))).of(all[0]!).counters).toBeUndefined();
  });

  // Mutant: I12 without the counter clauses (or with the pending test inverted) passes the tampered
  // states below; a check that ignored the pending words fails the legitimate mid-update states.
  it('I12 judges the counters against the tree, and not while a plain update is in flight', () => {
    const { mm, all } = states({ ...scn('mmu/nx-flag-before-link/fixed'), pageCounters: true });
    const i12 = mm.properties().find((p) => p.name === 'I12')!;
    const b = mm.layout.countersBase;
    const m = mm.layout;
    let judged = 0;
    for (const s of all) {
      if (!i12.check(s)) continue;
      judged++;
      // the ghost truth: links in tables not yet freed, and the tables on possible_nx_huge_pages
      let links = 0;
      for (let t = 0; t < m.geometry.tables; t++) {
        const st = s[m.table(t, 0)]!;
        if (st === 1 || st === 2) for (let i = 0; i < 2; i++) if (isLink(s[m.entry(t, i)]!)) links++;
      }
      expect(s[b + COUNT.pages]).toBe(links);
      let listed = 0;
      for (let x = s[m.nxBase + NX.list]!; x !== 0; x &= x - 1) listed++;
      expect(s[b + COUNT.splits]).toBe(listed);
      const t1 = s.slice();
      t1[b + COUNT.pages]! += 1;
      expect(i12.check(t1)).toBe(false);
      const t2 = s.slice();
      t2[b + COUNT.splits]! += 1;
      expect(i12.check(t2)).toBe(false);
      // a thread between its load and its store: the counter is not judged
      t1[b + COUNT.pending] = 1;
      expect(i12.check(t1)).toBe(true);
    }
    expect(judged).toBeGreaterThan(10);
  });
});

describe('option tdpMmuPagesAccount', () => {
  // Mutant: a plain ++ done in one step (no 'account' step), or the lost update not judged, makes
  // plain hold.
  it('plain loses an increment of two faults linking tables under the read lock (I12, at the second store); atomic holds with its witnesses', () => {
    const p = explore(buildMachine(scn('mmu/tdp-mmu-pages/plain')));
    expect(p.allBroken).toEqual(['I12']);
    const steps = p.trace!.labels;
    expect(steps.filter((x) => x.includes('.account')).length).toBe(2);
    const a = explore(buildMachine(scn('mmu/tdp-mmu-pages/atomic')));
    expect(a.result.verdict.kind).toBe('holds');
    expect(a.sometimesMissing).toEqual([]);
  });

  // Mutant: eager split's link counted in one step under plain (no 'account' step) holds.
  it("eager split's link under the read lock loses an increment against a fault's split the same way", () => {
    const race = (o: string) =>
      explore(
        buildMachine(
          user({
            vcpus: 1,
            setup: [['V0', { op: 'fault', gfn: 0, write: true, level: 2 }], ['V0', { op: 'fault', gfn: 2, write: true, level: 2 }]],
            threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 3, write: true }] }, { name: 'M', script: [{ op: 'eager-split' }] }],
            pageCounters: true,
            options: { tdpMmuPagesAccount: o },
            witnesses: ['eager-split', 'huge-split'],
          }),
        ),
      );
    const p = race('plain');
    expect(p.allBroken).toEqual(['I12']);
    expect(p.trace!.labels.some((l) => l.includes('eager-split.account'))).toBe(true);
    expect(race('atomic').result.verdict.kind).toBe('holds');
  });
});

describe('scenario field mmioCaching (enable_mmio_caching)', () => {
  it('is checked, and refused in a TD (KVM does not offer TDX without MMIO caching)', () => {
    const threads = [{ name: 'V0', script: [] }];
    expect(diagOf(() => user({ threads, mmioCaching: 'no' })).message).toContain('mmioCaching: must be true or false');
    const d = diagOf(() => user({ threads, vm: 'tdx', mmioCaching: false }));
    expect(d.code).toBe('MMC301');
    expect(d.message).toContain('mmioCaching');
    expect(d.message).toContain('TDX');
    // the model-level scenario (registered scenarios do not pass checkScenario) is refused too
    expect(diagOf(() => buildMachine({ ...scn('tdx/2m-vs-4k/freeze'), mmioCaching: false })).code).toBe('MMC301');
    // the same check of tdx_bringup needs EPT A/D bits
    const ad = diagOf(() => buildMachine(scn('tdx/2m-vs-4k/freeze'), { options: { eptAd: false } }));
    expect(ad.code).toBe('MMC301');
    expect(ad.message).toContain('eptAd');
    // no state word
    expect(buildMachine(user({ threads, mmioCaching: false })).layout.size).toBe(buildMachine(user({ threads })).layout.size);
  });

  // Mutant: a fault that ignores the field (installs the MMIO SPTE anyway) keeps the buggy side
  // violated and reaches mmio-cached.
  it('mmu/mmio-gen-wrap/buggy holds with caching off: no MMIO SPTE is ever installed, so none survives the wrap', () => {
    const buggy = scn('mmu/mmio-gen-wrap/buggy');
    expect(explore(buildMachine(buggy)).allBroken).toContain('I2');
    const off = explore(buildMachine({ ...buggy, mmioCaching: false, witnesses: [] }));
    expect(off.result.verdict.kind).toBe('holds');
    const { mm, all } = states({ ...buggy, mmioCaching: false, witnesses: [] });
    for (const s of all) {
      expect(s[G.seen]! & (1 << WITNESS['mmio-cached'])).toBe(0);
      for (let t = 0; t < mm.layout.geometry.tables; t++) for (let i = 0; i < 2; i++) expect(spteKind(s[mm.layout.entry(t, i)]!)).not.toBe(SpteKind.mmio);
    }
    // with its witnesses the missed ones are named: nothing is cached, nothing goes stale
    expect(explore(buildMachine({ ...buggy, mmioCaching: false })).sometimesMissing).toContain('sometimes:mmio-stale');
  });
});
