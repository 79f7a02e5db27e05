/**
 * Symmetry over identical threads (src/mmu/symmetry.ts): the symmetry law over whole explorations
 * (permuting identical threads commutes with every step and keeps every property), and the same
 * verdicts and witnesses with and without the reduction, with fewer states.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import { permuteThreads } from '../../src/mmu/symmetry.js';
import { buildMachine, toScenario } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import type { ScenarioSpec } from '../../src/mmu/scenario.js';

const SPECS: ScenarioSpec[] = [
  {
    name: 'sym/two-faults-and-notifier',
    vm: 'default',
    vcpus: 2,
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 0, write: true }, { op: 'access', gfn: 0, write: true }] },
      { name: 'V1', script: [{ op: 'fault', gfn: 0, write: true }, { op: 'access', gfn: 0, write: true }] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
    ],
    witnesses: ['guest-wrote'],
    expect: 'holds',
  },
  {
    name: 'sym/two-zaps-and-fault',
    vm: 'default',
    vcpus: 1,
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 1, write: true }] },
      { name: 'N0', script: [{ op: 'zap-range', start: 0, end: 2 }] },
      { name: 'N1', script: [{ op: 'zap-range', start: 0, end: 2 }] },
    ],
    expect: 'holds',
  },
  {
    name: 'sym/tdx-two-private-faults-and-punch-hole',
    vm: 'tdx',
    vcpus: 2,
    privateGfns: [0, 1],
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 0, private: true }, { op: 'access', gfn: 0, write: true }] },
      { name: 'V1', script: [{ op: 'fault', gfn: 0, private: true }, { op: 'access', gfn: 0, write: true }] },
      { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
    ],
    expect: 'holds',
  },
  {
    // tables freed through RCU while the identical vCPUs walk (RCU waiters name threads)
    name: 'sym/two-faults-and-nx-recover',
    vm: 'default',
    vcpus: 2,
    setup: [[0, { op: 'fault', gfn: 0, write: true }]],
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 1, write: true }] },
      { name: 'V1', script: [{ op: 'fault', gfn: 1, write: true }] },
      { name: 'K', script: [{ op: 'nx-recover', gfn: 0 }] },
    ],
    expect: 'holds',
  },
  {
    // the page-table page counters keep a pending plain store per thread (pageCounters; plain ++)
    name: 'sym/two-faults-plain-counters',
    vm: 'default',
    vcpus: 2,
    pageCounters: true,
    options: { tdpMmuPagesAccount: 'plain' },
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 0, write: true }, { op: 'fault', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'fault', gfn: 0, write: true }, { op: 'fault', gfn: 2, write: true }] },
    ],
    expect: 'violated',
  },
];

describe('symmetry over identical threads', () => {
  for (const spec of SPECS) {
    const scn = toScenario(spec);
    it(`${spec.name}: the symmetry law holds over every reachable state`, () => {
      const mm = buildMachine(scn);
      expect(mm.symmetry?.groups.length).toBe(1);
      const grp = mm.symmetry!.groups[0]!;
      const to = Int32Array.from({ length: mm.programs.length }, (_, i) => i);
      to[grp[0]!] = grp[1]!;
      to[grp[1]!] = grp[0]!;
      const props = mm.properties();
      const S = mm.stateSize;
      const seen = new Set<string>();
      const queue = mm.initStates();
      const ps = new Int32Array(S);
      const a = new Int32Array(S);
      const b = new Int32Array(S);
      const pa = new Int32Array(S);
      let n = 0;
      while (queue.length > 0) {
        const s = queue.pop()!;
        n++;
        permuteThreads(mm.layout, s, to, ps);
        for (const p of props) if (p.check(ps) !== p.check(s)) expect.fail(`property ${p.name} differs on a state and its permutation`);
        for (let t = 0; t < mm.programs.length; t++) {
          const ok = mm.next(s, t, a);
          if (mm.next(ps, to[t]!, b) !== ok) expect.fail(`thread ${t} enabled in a state but not its permutation in the permuted one`);
          if (!ok) continue;
          permuteThreads(mm.layout, a, to, pa);
          for (let i = 0; i < S; i++) if (b[i] !== pa[i]) expect.fail(`next(π(s), π(${t})) differs from π(next(s, ${t})) at word ${i}`);
          const k = a.join(',');
          if (!seen.has(k)) {
            seen.add(k);
            queue.push(a.slice());
          }
        }
      }
      expect(n).toBeGreaterThan(100);
    });

    it(`${spec.name}: same verdict and witnesses with and without symmetry, fewer states`, () => {
      const off = check(buildMachine(scn), { store: 'exact', por: false, symmetry: false, liveness: false });
      const on = check(buildMachine(scn), { store: 'exact', por: false, liveness: false });
      const both = check(buildMachine(scn), { store: 'exact', por: true, liveness: false });
      expect(on.reductions.symmetry).toBe(true);
      expect(both.reductions).toEqual({ por: true, symmetry: true, merge: false });
      for (const r of [on, both]) {
        expect(r.verdict.kind).toBe(off.verdict.kind);
        expect(Object.entries(r.witnesses).map(([k, t]) => [k, t !== null])).toEqual(Object.entries(off.witnesses).map(([k, t]) => [k, t !== null]));
      }
      expect(on.stats.distinctStates).toBeLessThan(off.stats.distinctStates);
      expect(both.stats.distinctStates).toBeLessThanOrEqual(on.stats.distinctStates);
    });
  }

  it('no symmetry where no two threads are identical', () => {
    expect(buildMachine(findScenario('mmu/grid/fault-fault')!).canonicalize).toBeUndefined();
  });
});
