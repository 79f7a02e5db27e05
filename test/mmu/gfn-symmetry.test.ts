/**
 * Gfn symmetry (`symmetricGfns`, src/mmu/symmetry.ts): the automorphism law over whole
 * explorations (swapping a declared pair of gfns with the threads that name them commutes with
 * every step and keeps every property), a mutant that forgets one renamed class of words breaks
 * that law, the same verdicts and witnesses with and without the reduction, and the load check
 * refusing declarations the scenario does not bear out.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import { GFN_WORDS, type GfnWord, permuteGfns, permuteThreads, auxMaskPcs } from '../../src/mmu/symmetry.js';
import { buildMachine, toScenario } from '../../model/mmu/build.js';
import { checkScenario, type ScenarioSpec } from '../../src/mmu/scenario.js';
import type { MmuMachine } from '../../src/mmu/machine.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, isOneLineDiagnostic } from '../cli/helpers.js';
import { diagOf } from './util.js';

const CATALOGUE = { options: OPTIONS };

const SU: ScenarioSpec['setup'] = [
  [0, { op: 'fault', gfn: 2, write: true }],
  [1, { op: 'fault', gfn: 3, write: true }],
];
const base = { vm: 'default', host: { huge: false }, symmetricGfns: [[2, 3]], expect: 'holds' } as const;
const SPECS: ScenarioSpec[] = [
  {
    // TLBs, leaves and their pfns, the pfn map, the iterator's gfn
    ...base,
    name: 'gsym/faults-and-writes',
    vcpus: 2,
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'fault', gfn: 3, write: true }, { op: 'access', gfn: 3, write: true }] },
    ],
    witnesses: ['guest-wrote'],
  },
  {
    // range zaps of one gfn each: the invalidation range, the zap's gfn mask, walk end, yields, freed pages
    ...base,
    name: 'gsym/writes-and-notifiers',
    vcpus: 2,
    setup: SU,
    threads: [
      { name: 'V0', script: [{ op: 'access', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'access', gfn: 3, write: true }] },
      { name: 'N0', script: [{ op: 'zap-range', start: 2, end: 3 }] },
      { name: 'N1', script: [{ op: 'zap-range', start: 3, end: 4 }] },
    ],
  },
  {
    // S-EPT entries and their pfns, the pending hook; a punch-hole of other gfns
    ...base,
    name: 'gsym/tdx-private-faults',
    vm: 'tdx',
    vcpus: 2,
    privateGfns: [0, 1, 2, 3],
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 2, private: true }] },
      { name: 'V1', script: [{ op: 'fault', gfn: 3, private: true }] },
      { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 2 }] },
    ],
  },
  {
    // two pairs (the group has three non-identity elements)
    ...base,
    name: 'gsym/levels-3-two-pairs',
    levels: 3,
    vcpus: 2,
    symmetricGfns: [[2, 3], [4, 5]],
    setup: SU,
    threads: [
      { name: 'V0', script: [{ op: 'access', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'access', gfn: 3, write: true }] },
      { name: 'N0', script: [{ op: 'zap-range', start: 4, end: 5 }] },
      { name: 'N1', script: [{ op: 'zap-range', start: 5, end: 6 }] },
    ],
  },
  {
    // the TDX module's zero-step words (a vCPU's EPT violations at one gfn)
    ...base,
    name: 'gsym/tdx-zero-step',
    vm: 'tdx',
    tdxLocks: true,
    privateGfns: [2, 3],
    vcpus: 2,
    threads: [
      { name: 'V0', script: [{ op: 'access', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'access', gfn: 3, write: true }, { op: 'access', gfn: 3, write: true }, { op: 'access', gfn: 3, write: true }] },
    ],
    witnesses: ['zero-step'],
  },
  {
    // an asymmetric neighbour (a fault of g0) and aging of one gfn each
    ...base,
    name: 'gsym/aging-and-a-neighbour',
    vcpus: 3,
    setup: SU,
    threads: [
      { name: 'V0', script: [{ op: 'access', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'access', gfn: 3, write: true }] },
      { name: 'V2', script: [{ op: 'fault', gfn: 0, write: true }] },
      { name: 'A0', script: [{ op: 'age', start: 2, end: 3 }] },
      { name: 'A1', script: [{ op: 'age', start: 3, end: 4 }] },
    ],
  },
];

/** Explores every reachable state and checks the law for each gfn permutation; returns the first failure or undefined. */
function lawFailure(mm: MmuMachine, skip?: GfnWord): string | undefined {
  const perms = mm.gfnSymmetry!.gfnPerms;
  const aux = auxMaskPcs(mm);
  const S = mm.stateSize;
  const props = mm.properties();
  const img = (x: Int32Array, p: (typeof perms)[number], out: Int32Array): void => {
    const tmp = new Int32Array(S);
    permuteThreads(mm.layout, x, p.threads, tmp);
    permuteGfns(mm.layout, tmp, p, aux, out, skip);
  };
  const seen = new Set<string>();
  const queue = mm.initStates();
  const ps = new Int32Array(S);
  const a = new Int32Array(S);
  const b = new Int32Array(S);
  const pa = new Int32Array(S);
  while (queue.length > 0) {
    const s = queue.pop()!;
    for (const p of perms) {
      img(s, p, ps);
      for (const q of props) if (q.check(ps) !== q.check(s)) return `property ${q.name} differs on a state and its image`;
      for (let t = 0; t < mm.programs.length; t++) {
        const ok = mm.next(s, t, a);
        if (mm.next(ps, p.threads[t]!, b) !== ok) return `thread ${t} enabled in a state but not its image in the image`;
        if (!ok) continue;
        img(a, p, pa);
        for (let i = 0; i < S; i++) if (b[i] !== pa[i]) return `next(g(s), g(${t})) differs from g(next(s, ${t})) at word ${i}`;
      }
    }
    for (let t = 0; t < mm.programs.length; t++) {
      if (!mm.next(s, t, a)) continue;
      const k = a.join(',');
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(a.slice());
      }
    }
  }
  return seen.size > 40 ? undefined : `only ${seen.size} states explored`;
}

describe('gfn symmetry', () => {
  for (const spec of SPECS) {
    const scn = toScenario(checkScenario(spec, CATALOGUE));
    it(`${spec.name}: the automorphism law holds over every reachable state`, () => {
      const mm = buildMachine(scn);
      expect(mm.gfnSymmetry?.gfnPerms.length).toBe((1 << spec.symmetricGfns!.length) - 1);
      expect(lawFailure(mm)).toBeUndefined();
    });

    it(`${spec.name}: same verdict and witnesses with and without symmetry, fewer states`, () => {
      const off = check(buildMachine(scn), { store: 'exact', por: false, symmetry: false, liveness: false });
      const on = check(buildMachine(scn), { store: 'exact', por: false, liveness: false });
      const both = check(buildMachine(scn), { store: 'exact', por: true, liveness: false });
      expect(on.reductions.symmetry).toBe(true);
      for (const r of [on, both]) {
        expect(r.verdict.kind).toBe(off.verdict.kind);
        expect(Object.entries(r.witnesses).map(([k, t]) => [k, t !== null])).toEqual(Object.entries(off.witnesses).map(([k, t]) => [k, t !== null]));
      }
      expect(on.stats.distinctStates).toBeLessThan(off.stats.distinctStates);
    });
  }

  // each class of renamed words, left out, breaks the law on some scenario (the S-EPT and hook words
  // only matter in a TD, the zero-step words with tdxLocks, the aux mask with range operations)
  it('a canonicaliser that forgets any one class of gfn-indexed words breaks the law', () => {
    const machines = SPECS.map((sp) => buildMachine(toScenario(sp)));
    const missed: GfnWord[] = [];
    for (const w of GFN_WORDS) {
      if (!machines.some((mm) => lawFailure(mm, w) !== undefined)) missed.push(w);
    }
    expect(missed).toEqual([]);
  });
});

// buggy options that break a symmetric scenario: the same property breaks, after as many steps
// (BFS over orbits keeps shortest distances), with the reduction on and off; and the fixed
// (mainline) side holds in both
const BUGGY: [spec: ScenarioSpec, options: Record<string, string | boolean>][] = [
  [SPECS[1]!, { advanceAfterYieldRestart: true }],
  [SPECS[2]!, { mirrorInstall: 'cas-then-seamcall' }],
  [SPECS[2]!, { mirrorInstall: 'seamcall-then-cas' }],
];

describe('gfn symmetry on buggy / fixed pairs', () => {
  for (const [spec, options] of BUGGY) {
    it(`${spec.name} with ${JSON.stringify(options)}: same violation (property, length) with and without gfn symmetry; mainline holds in both`, () => {
      const buggy = toScenario(checkScenario({ ...spec, options }, CATALOGUE));
      const off = check(buildMachine(buggy), { store: 'exact', por: false, symmetry: false, liveness: false });
      const on = check(buildMachine(buggy), { store: 'exact', por: false, liveness: false });
      expect(on.reductions.symmetry).toBe(true);
      expect(off.verdict.kind).toBe('violated');
      expect(on.verdict.kind).toBe('violated');
      if (off.verdict.kind !== 'violated' || on.verdict.kind !== 'violated') return;
      expect(on.verdict.witness.property).toBe(off.verdict.witness.property);
      expect(on.verdict.witness.trace?.actions.length).toBe(off.verdict.witness.trace?.actions.length);
      const fixed = toScenario(checkScenario(spec, CATALOGUE));
      expect(check(buildMachine(fixed), { store: 'exact', por: false, liveness: false }).verdict.kind).toBe('holds');
      expect(check(buildMachine(fixed), { store: 'exact', por: false, symmetry: false, liveness: false }).verdict.kind).toBe('holds');
    });
  }
});

describe('gfn symmetry: declarations the scenario does not bear out are refused', () => {
  const ok: ScenarioSpec = SPECS[1]!;
  const shape = (x: unknown): string => diagOf(() => checkScenario({ ...ok, symmetricGfns: x }, CATALOGUE)).message;
  const load = (s: Partial<ScenarioSpec>): string => {
    const spec = checkScenario({ ...ok, ...s }, CATALOGUE);
    const d = diagOf(() => buildMachine(toScenario(spec)));
    expect(d.code).toBe('MMC301');
    return d.message;
  };
  it('the shape: pairs [2k, 2k+1] of gfns in range, k ≥ 1, each gfn once', () => {
    expect(shape([2, 3])).toBe('symmetricGfns[0]: must be a pair of gfns [2k, 2k+1] (the two gfns of one leaf table), got number 2');
    expect(shape([[2, 9]])).toBe('symmetricGfns[0][1]: 9 is out of range; gfns are 0..3');
    expect(shape([[0, 1]])).toContain('symmetricGfns[0]: gfn 0 cannot be swapped');
    expect(shape([[1, 2]])).toContain('symmetricGfns[0]: g1 and g2 are not the two gfns of one leaf table');
    expect(shape([[2, 3], [3, 2]])).toBe('symmetricGfns[1]: g3 is already in symmetricGfns[0]');
    expect(shape('all')).toContain('symmetricGfns: must be an array of gfn pairs');
  });
  it('a thread without a counterpart', () => {
    expect(load({ threads: [...ok.threads.slice(0, 3), { name: 'N1', script: [{ op: 'zap-range', start: 0, end: 1 }] }] })).toBe('symmetricGfns[0]: thread N0 (zap-range(g2..g2)) has no counterpart: no host thread runs its script with g2 and g3 swapped');
  });
  it('an operation that walks both gfns in order: a range over both, fast-zap, a memslot operation on their slot', () => {
    expect(load({ threads: [...ok.threads.slice(0, 2), { name: 'N', script: [{ op: 'zap-range', start: 0, end: 4 }] }] })).toContain('threads[2] (N) script[0] zap-range(g0..g3) walks g0..g3 entry by entry, in gfn order');
    expect(load({ threads: [...ok.threads.slice(0, 2), { name: 'Z', script: [{ op: 'fast-zap' }] }] })).toContain('threads[2] (Z) script[0] fast-zap walks every gfn');
    expect(load({ threads: [...ok.threads.slice(0, 2), { name: 'M', script: [{ op: 'memslot-delete' }] }] })).toContain('walks its memslot, which holds g2');
  });
  it('a huge host mapping over the pair, different memslots, attributes, page 0, a small page pool, own properties', () => {
    const { host: _h, ...noHost } = ok;
    expect(diagOf(() => buildMachine(toScenario(checkScenario(noHost, CATALOGUE)))).message).toContain('symmetricGfns[0]: g2 may be mapped by a huge leaf');
    expect(load({ memslots: [{ id: 0, base: 0, pages: 3 }, { id: 1, base: 3, pages: 1 }] })).toBe('symmetricGfns[0]: g2 and g3 are in different memslots');
    expect(load({ host: { huge: false, pfns: [2, 3, 0, 1] } })).toContain('symmetricGfns[0]: g2 is backed by host page 0');
    expect(load({ threads: [...ok.threads, { name: 'N2', script: [{ op: 'zap-range', start: 0, end: 2 }] }, { name: 'N3', script: [{ op: 'zap-range', start: 0, end: 2 }] }] })).toBe(
      'symmetricGfns: the scripts may free 6 host pages but the pool has 4 never-allocated pages; past that the allocator recycles the lowest freed page, which a swap does not preserve: raise bounds.pages by 2',
    );
    expect(load({ properties: [{ kind: 'always', name: 'p', holds: () => true }] })).toContain("symmetricGfns: the scenario's own properties may tell gfns apart");
    const tdx: ScenarioSpec = {
      ...base,
      name: 'gsym/tdx-attributes',
      vm: 'tdx',
      vcpus: 1,
      privateGfns: [0, 1, 2],
      threads: [
        { name: 'V0', script: [] },
        { name: 'N0', script: [{ op: 'zap-range', start: 2, end: 3 }] },
        { name: 'N1', script: [{ op: 'zap-range', start: 3, end: 4 }] },
      ],
    };
    expect(diagOf(() => buildMachine(toScenario(checkScenario(tdx, CATALOGUE)))).message).toBe('symmetricGfns[0]: g2 and g3 differ in privateGfns');
  });
  it('the five-thread scenario of issue 11 is refused (its notifier and fast zap walk both gfns; its host maps huge)', () => {
    const shifted: ScenarioSpec = {
      name: 'five-shifted',
      vm: 'default',
      vcpus: 3,
      host: { huge: false },
      symmetricGfns: [[2, 3]],
      threads: [
        { name: 'V0', script: [{ op: 'fault', gfn: 2 }, { op: 'access', gfn: 2, write: true }] },
        { name: 'V1', script: [{ op: 'fault', gfn: 3 }, { op: 'access', gfn: 3, write: true }] },
        { name: 'V2', script: [{ op: 'fault', gfn: 0, write: true }] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 4 }] },
        { name: 'Z', script: [{ op: 'fast-zap' }] },
      ],
      expect: 'holds',
    };
    expect(diagOf(() => buildMachine(toScenario(checkScenario(shifted, CATALOGUE)))).message).toContain('threads[3] (N) script[0] zap-range(g0..g3) walks g0..g3');
  });
});

describe('gfn symmetry through the CLI', () => {
  it('a declaration the scenario does not bear out is one MMC301 line, exit 64', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmucheck-gsym-'));
    const f = join(dir, 'bad-sym.ts');
    writeFileSync(
      f,
      `import { scenario } from 'mmucheck';\nexport default scenario({ name: 'bad-sym', vm: 'default', vcpus: 2, host: { huge: false }, symmetricGfns: [[2, 3]], threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 2 }] }, { name: 'V1', script: [{ op: 'fault', gfn: 3, write: true }] }], expect: 'holds' });\n`,
    );
    const r = cli(['check', '--model', f, '--liveness', 'off']);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain('MMC301: symmetricGfns[0]: thread V0 (fault(g2');
  });
});
