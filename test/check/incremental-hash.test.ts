/**
 * The incremental store hash (src/check/hash.ts): a successor's hash computed from its parent's
 * sums and the changed words equals the hash of the whole successor; the words a model says its
 * step wrote (`Model.written`, the MMU's step context) cover every changed word; and a frontier
 * record patched from its parent's record (`Level.pushPatched`) decodes to the successor.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FP, SUM, check, finishSums, stateHash, stateSums, sumsDiff, sumsDiffAt } from '../../src/internal.js';
import { Level, decode } from '../../src/check/frontier.js';
import type { Model } from '../../src/check/model.js';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario, SCENARIOS } from '../../model/mmu/scenarios.js';
import { mulberry } from '../mmu/util.js';
import { PINNED, PINNED_REDUCED } from '../../proofs/mmu/pinned.js';
import { toScenario } from '../../model/mmu/build.js';
import { checkScenario, type ScenarioSpec } from '../../src/mmu/scenario.js';
import { OPTIONS } from '../../model/mmu/options.js';

/** A state of `size` words, mostly zero, and a list of changes (position, new value) to it. */
const stateAndChanges = fc.integer({ min: 1, max: 300 }).chain((size) =>
  fc.record({
    state: fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -5, max: 5 }), fc.integer()), { minLength: size, maxLength: size }),
    changes: fc.array(fc.tuple(fc.nat({ max: size - 1 }), fc.oneof(fc.constant(0), fc.integer({ min: -5, max: 5 }), fc.integer())), { maxLength: 12 }),
  }),
);

describe('incremental store hash', () => {
  it('a successor hashed from its parent and the changed words has the hash of the whole successor', () => {
    fc.assert(
      fc.property(stateAndChanges, ({ state, changes }) => {
        const S = state.length;
        const par = Int32Array.from(state);
        const succ = Int32Array.from(state);
        for (const [k, v] of changes) succ[k] = v;
        stateSums(par, 0, S);
        const p1 = SUM[0]!;
        const p2 = SUM[1]!;
        stateHash(succ, 0, S);
        const want = [FP[0], FP[1]];
        const byWord = Int32Array.from({ length: S }, (_, i) => 1 << i % 31);
        const changed = [...new Set(changes.map(([k]) => k))].filter((k) => succ[k] !== par[k]).sort((a, b) => a - b);
        const wantDirty = changed.reduce((m, k) => m | byWord[k]!, 0);
        // The whole comparison.
        const chg = new Int32Array(S);
        expect(sumsDiff(succ, par, S, byWord, p1, p2, chg)).toBe(wantDirty);
        expect(Array.from(chg.subarray(0, SUM[2]!))).toEqual(changed);
        finishSums(SUM[0]!, SUM[1]!);
        expect([FP[0], FP[1]]).toEqual(want);
        // The listed words: every written position, repeated, plus unchanged ones.
        const words = Int32Array.from([...changes.map(([k]) => k), ...changes.map(([k]) => k), 0, S - 1]);
        const mark = new Int32Array(S);
        expect(sumsDiffAt(succ, par, words, words.length, mark, 1, byWord, p1, p2, chg)).toBe(wantDirty);
        expect(Array.from(chg.subarray(0, SUM[2]!))).toEqual(changed);
        finishSums(SUM[0]!, SUM[1]!);
        expect([FP[0], FP[1]]).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('a changed word left out of the list gives another hash (the list must be complete)', () => {
    const S = 40;
    const par = new Int32Array(S);
    par[3] = 7;
    const succ = par.slice();
    succ[3] = 8;
    succ[20] = 1;
    stateSums(par, 0, S);
    const [p1, p2] = [SUM[0]!, SUM[1]!];
    stateHash(succ, 0, S);
    const want = [FP[0], FP[1]];
    sumsDiffAt(succ, par, Int32Array.from([3]), 1, new Int32Array(S), 1, new Int32Array(S), p1, p2, new Int32Array(S));
    finishSums(SUM[0]!, SUM[1]!);
    expect([FP[0], FP[1]]).not.toEqual(want);
  });

  it('a frontier record patched from its parent decodes to the successor', () => {
    fc.assert(
      fc.property(stateAndChanges, ({ state, changes }) => {
        const S = state.length;
        const par = Int32Array.from(state);
        const succ = Int32Array.from(state);
        for (const [k, v] of changes) succ[k] = v;
        const lv = new Level(S, false);
        lv.push(1, 2, 3, par, 0, 4, 5);
        const ch: number[] = [];
        for (let k = 0; k < S; k++) if (succ[k] !== par[k]) ch.push(k, succ[k]!);
        const pd = lv.chunkOf(0);
        lv.pushPatched(9, 8, 7, 6, 5, pd, lv.offsetOf(0), Int32Array.from([0, 0, ...ch]), 2, ch.length / 2);
        // The same record as a push of the whole successor.
        lv.push(9, 8, 7, succ, 0, 6, 5);
        const rec = (i: number): number[] => {
          const d = lv.chunkOf(i);
          const o = lv.offsetOf(i);
          const out = new Int32Array(S);
          const end = decode(d, o, out, S);
          return Array.from(d.subarray(o, end));
        };
        expect(rec(1)).toEqual(rec(2));
        const out = new Int32Array(S);
        decode(lv.chunkOf(1), lv.offsetOf(1), out, S);
        expect(out).toEqual(succ);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Returns the number of steps, over random walks of `mm`, after which a changed word was missing
 * from `mm.written` (a model that cannot tell, -1, misses nothing); how many steps it listed, how
 * many it could not tell (-1), and how many of the listed ones changed an S-EPT entry (`sept`:
 * the words of the TDX module's Secure-EPT, given as [first, count]).
 */
function uncovered(mm: Model, seed: number, walks = 40, depth = 120, sept: readonly [number, number] = [0, 0]): { missed: number; listed: number; untold: number; septSteps: number } {
  const rnd = mulberry(seed);
  const words = new Int32Array(4096);
  let missed = 0;
  let listed = 0;
  let untold = 0;
  let septSteps = 0;
  for (let w = 0; w < walks; w++) {
    let s = mm.initStates()[0]!;
    for (let d = 0; d < depth; d++) {
      const acts: number[] = [];
      mm.actions(s, acts);
      if (acts.length === 0) break;
      const o = new Int32Array(mm.stateSize);
      if (!mm.next(s, acts[Math.floor(rnd() * acts.length)]!, o)) break;
      const n = mm.written!(words);
      if (n < 0) untold++;
      if (n >= 0) {
        listed++;
        for (let i = sept[0]; i < sept[0] + sept[1]; i++) {
          if (o[i] !== s[i]) {
            septSteps++;
            break;
          }
        }
        const set = new Set(words.subarray(0, n));
        for (let i = 0; i < o.length; i++) {
          if (o[i] !== s[i] && !set.has(i)) {
            missed++;
            break;
          }
        }
      }
      s = o;
    }
  }
  return { missed, listed, untold, septSteps };
}

describe('MMU: the words a step wrote', () => {
  it('cover every changed word, on random walks of every pinned scenario', () => {
    let listed = 0;
    for (const sc of SCENARIOS) {
      const r = uncovered(buildMachine(sc), 5, 6, 100);
      expect(r.missed, sc.name).toBe(0);
      listed += r.listed;
    }
    // Most steps list their words (the built-in steps write through the step context).
    expect(listed).toBeGreaterThan(1000);
  });

  it('TDX module calls list their words too: no built-in step of a pinned scenario says "cannot tell", S-EPT changes included', () => {
    let septSteps = 0;
    for (const sc of SCENARIOS) {
      const mm = buildMachine(sc);
      const r = uncovered(mm, 7, 6, 100, [mm.layout.septBase, mm.layout.septCount]);
      expect(r.missed, sc.name).toBe(0);
      // A SEAMCALL, a TD entry or exit, a guest ACCEPT: each writes through the step context.
      expect(r.untold, sc.name).toBe(0);
      septSteps += r.septSteps;
    }
    // The walks did run SEAMCALLs that changed the S-EPT (the check above is not vacuous).
    expect(septSteps).toBeGreaterThan(100);
  });

  it('a TDX module call that writes the S-EPT behind the step context is caught', () => {
    const sc = findScenario('tdx/memslot-delete/targeted')!;
    const mm = buildMachine(sc);
    const m = mm.layout;
    const ctx = (mm as unknown as { ctx: { st: Int32Array; put(i: number, v: number): void } }).ctx;
    const put = ctx.put.bind(ctx);
    // Mutant: S-EPT words are written in place, not listed (the TDX module taking the raw state
    // while the context believes it saw every write).
    ctx.put = (i: number, v: number): void => {
      if (i >= m.septBase && i < m.septBase + m.septCount) ctx.st[i] = v;
      else put(i, v);
    };
    expect(uncovered(mm, 7, 40, 120, [m.septBase, m.septCount]).missed).toBeGreaterThan(0);
  });

  it('a machine that leaves a written word out is caught (the check above can fail)', () => {
    const mm = buildMachine(findScenario('mmu/grid/3t-fault-notifier-fast-zap')!);
    const real = mm.written.bind(mm);
    // Mutant: drops the first word the step listed.
    mm.written = (words: Int32Array): number => {
      const n = real(words);
      if (n < 2) return n;
      words.copyWithin(0, 1, n);
      return n - 1;
    };
    expect(uncovered(mm, 5).missed).toBeGreaterThan(0);
  });

  it('the search counts the same states with the listed words, the whole comparison and the exact store', () => {
    for (const name of ['mmu/grid/3t-fault-notifier-fast-zap', 'tdx/memslot-delete/fast-zap']) {
      const counts = [true, false].map((listed) => {
        const mm = buildMachine(findScenario(name)!);
        if (!listed) (mm as { written?: unknown }).written = undefined;
        return check(mm, { por: false, liveness: false }).stats.distinctStates;
      });
      const exact = check(buildMachine(findScenario(name)!), { por: false, liveness: false, store: 'exact' }).stats.distinctStates;
      expect(counts).toEqual([exact, exact]);
    }
  });
});

/** `mm` without its delta hooks: every successor is copied whole and compared whole with its parent. */
function withoutDelta<M extends Model>(mm: M): M {
  (mm as { written?: unknown }).written = undefined;
  (mm as { stepFrom?: unknown }).stepFrom = undefined;
  return mm;
}

/** The counts and verdict of a search, for comparing two searches. */
function outcome(r: ReturnType<typeof check>): { verdict: string; distinct: number; generated: number; edges: number | undefined; actions: readonly number[] | undefined } {
  const v = r.verdict;
  return { verdict: v.kind, distinct: r.stats.distinctStates, generated: r.stats.generatedStates, edges: r.liveness?.edges, actions: v.kind === 'violated' ? v.witness.trace?.actionIndices : undefined };
}

describe('delta successors on every search path: the same counts as whole successors', () => {
  // Liveness mode (the MMU default), liveness mode with statement merging, and safety mode with the
  // default reductions: footprint POR with statement merging (merged chains: the union of their
  // steps' written words), or symmetry where threads are identical (canonical forms, compared whole).
  const modes: { name: string; opts: Parameters<typeof check>[1]; pin: 'full' | 'reduced' | null }[] = [
    { name: 'liveness', opts: {}, pin: 'full' },
    { name: 'liveness + merging', opts: { por: true }, pin: null },
    { name: 'POR + merging (or symmetry)', opts: { por: true, liveness: false }, pin: 'reduced' },
  ];
  for (const m of modes) {
    it(`${m.name}: every pinned scenario`, () => {
      let merged = 0;
      for (const sc of SCENARIOS) {
        const on = check(buildMachine(sc), m.opts);
        const off = check(withoutDelta(buildMachine(sc)), m.opts);
        expect(outcome(on), sc.name).toEqual(outcome(off));
        if (m.pin === 'full') expect(on.stats.distinctStates, sc.name).toBe(PINNED[sc.name]);
        if (m.pin === 'reduced') expect(on.stats.distinctStates, sc.name).toBe(PINNED_REDUCED[sc.name]);
        if (on.reductions.merge && on.stats.generatedStates > (on.liveness?.edges ?? on.stats.distinctStates)) merged++;
      }
      // Merged chains were taken (generated counts the merged steps) in most scenarios.
      if (m.opts?.por === true) expect(merged).toBeGreaterThan(SCENARIOS.length / 2);
    });
  }

  it('gfn symmetry (canonical forms): the same counts as whole successors, and fewer states than without symmetry', () => {
    for (const spec of GSYM) {
      const scn = toScenario(checkScenario(spec, { options: OPTIONS }));
      for (const por of [false, true]) {
        const on = check(buildMachine(scn), { por, liveness: false });
        expect(on.reductions.symmetry, spec.name).toBe(true);
        const off = check(withoutDelta(buildMachine(scn)), { por, liveness: false });
        expect(outcome(on), spec.name).toEqual(outcome(off));
        const exact = check(buildMachine(scn), { por, liveness: false, store: 'exact' });
        expect(on.stats.distinctStates, spec.name).toBe(exact.stats.distinctStates);
        const plain = check(buildMachine(scn), { por, liveness: false, symmetry: false });
        expect(on.stats.distinctStates, spec.name).toBeLessThan(plain.stats.distinctStates);
      }
    }
  });

  for (const liveness of [false, true]) {
    it(`a merged chain whose written words miss one is caught (the union must be complete; ${liveness ? 'liveness' : 'safety'} mode)`, () => {
      const names = ['mmu/grid/3t-fault-notifier-fast-zap', 'mmu/grid/fault-vs-memslot-delete', 'tdx/memslot-delete/fast-zap'];
      // Mutant: after a step taken by statement merging (a step in place), the first listed word is dropped.
      const counts = (mutant: boolean, store: 'exact' | 'fingerprint'): number[] =>
        names.map((name) => {
          const mm = buildMachine(findScenario(name)!);
          if (mutant) {
            const real = mm.written.bind(mm);
            const step = mm.stepFrom.bind(mm);
            let merged = false;
            mm.stepFrom = (s: Int32Array, a: number, out: Int32Array): boolean => {
              merged = s === out;
              return step(s, a, out);
            };
            mm.written = (words: Int32Array): number => {
              const n = real(words);
              if (!merged || n < 2) return n;
              words.copyWithin(0, 1, n);
              return n - 1;
            };
          }
          return check(mm, { por: true, liveness, symmetry: false, store }).stats.distinctStates;
        });
      const exact = counts(false, 'exact');
      expect(counts(false, 'fingerprint')).toEqual(exact);
      expect(counts(true, 'fingerprint')).not.toEqual(exact);
    });
  }
});

describe('DFS: the store hash from the parent and the written words', () => {
  const names = ['mmu/grid/3t-fault-notifier-fast-zap', 'mmu/grid/fault-vs-memslot-delete', 'tdx/memslot-delete/fast-zap', 'tdx/2m-vs-4k/cas-then-seamcall'];
  // A state budget well above these scenarios' counts (a mutant's wrong hashes may never close a cycle).
  const run = (mm: Model, store: 'exact' | 'fingerprint' = 'fingerprint'): ReturnType<typeof outcome> => outcome(check(mm, { strategy: 'dfs', por: false, liveness: false, store, maxStates: 50_000 }));
  it('counts as whole successors and the exact store', () => {
    for (const name of names) {
      const on = run(buildMachine(findScenario(name)!));
      expect(on, name).toEqual(run(withoutDelta(buildMachine(findScenario(name)!))));
      expect(on, name).toEqual(run(buildMachine(findScenario(name)!), 'exact'));
    }
  });
  it('a step whose written words miss one is caught', () => {
    const counts = names.map((name) => {
      const mm = buildMachine(findScenario(name)!);
      const real = mm.written.bind(mm);
      mm.written = (words: Int32Array): number => {
        const n = real(words);
        if (n < 2) return n;
        words.copyWithin(0, 1, n);
        return n - 1;
      };
      return run(mm).distinct;
    });
    expect(counts).not.toEqual(names.map((name) => run(buildMachine(findScenario(name)!), 'exact').distinct));
  });
});

/** Scenarios with a declared gfn symmetry (as in test/mmu/gfn-symmetry.test.ts). */
const GSYM: ScenarioSpec[] = [
  {
    vm: 'default',
    host: { huge: false },
    symmetricGfns: [[2, 3]],
    expect: 'holds',
    name: 'gsym/faults-and-writes',
    vcpus: 2,
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'fault', gfn: 3, write: true }, { op: 'access', gfn: 3, write: true }] },
    ],
    witnesses: ['guest-wrote'],
  },
  {
    vm: 'default',
    host: { huge: false },
    symmetricGfns: [[2, 3]],
    expect: 'holds',
    name: 'gsym/writes-and-notifiers',
    vcpus: 2,
    setup: [
      [0, { op: 'fault', gfn: 2, write: true }],
      [1, { op: 'fault', gfn: 3, write: true }],
    ],
    threads: [
      { name: 'V0', script: [{ op: 'access', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'access', gfn: 3, write: true }] },
      { name: 'N0', script: [{ op: 'zap-range', start: 2, end: 3 }] },
      { name: 'N1', script: [{ op: 'zap-range', start: 3, end: 4 }] },
    ],
  },
];
