/**
 * The toys' pinned answers, confirmed by the naive reference explorer, under every strategy, store
 * and reduction.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check, type CheckOptions, type CheckResult, type Model } from '../../src/internal.js';
import { counters } from '../../model/toys/counters.js';
import { naiveExplore, naiveStates } from './reference.js';
import { toyModels } from './registry.js';
import { nondeterministic, twoPhaseCommit } from './toys.js';

const ROOT = resolve(import.meta.dirname, '../..');
const toy = (name: string) => (): Model => toyModels[name]!.create({});
/** The toys' registry compiled into dist/ (worker threads load plain JS). */
const toyUrl = pathToFileURL(resolve(ROOT, 'dist/test/toy/registry.js')).href;
const parallel = async (name: string, opts: CheckOptions & { workers: number }): Promise<CheckResult> => {
  const dist = (await import(resolve(ROOT, 'dist/src/check/index.js'))) as typeof import('../../src/check/index.js');
  return dist.checkParallel({ moduleUrl: toyUrl, exportName: 'toyModels', key: name, params: {} }, { ...opts, joinLevel: 0 });
};

interface Case {
  readonly model: () => Model;
  /** Pinned distinct states without reductions (the naive explorer must agree). */
  readonly states: number;
  readonly verdict: 'holds' | 'violated';
  readonly kind?: 'always' | 'deadlock';
  /** Shortest counterexample length (BFS without reductions). */
  readonly shortest?: number;
}

const CASES: Record<string, Case> = {
  peterson: { model: toy('peterson'), states: 26, verdict: 'holds' },
  'peterson-broken': { model: toy('peterson-broken'), states: 16, verdict: 'violated', kind: 'always', shortest: 4 },
  'counter-lost-update': { model: toy('counter-lost-update'), states: 13, verdict: 'violated', kind: 'always', shortest: 4 },
  'counter-cas': { model: toy('counter-cas'), states: 71, verdict: 'holds' },
  philosophers: { model: toy('philosophers'), states: 14, verdict: 'violated', kind: 'deadlock', shortest: 3 },
  '2pc-3': { model: toy('2pc-3'), states: 288, verdict: 'holds' },
  'counters-4-3': { model: toy('counters-4-3'), states: 256, verdict: 'holds' },
};

const COMBOS: CheckOptions[] = [];
for (const strategy of ['bfs', 'dfs'] as const)
  for (const store of ['fingerprint', 'exact'] as const)
    for (const por of [false, true]) for (const symmetry of [false, true]) for (const merge of por ? [true, false] : [true]) COMBOS.push({ strategy, store, por, symmetry, merge });

describe('toys', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: the naive explorer confirms the pinned count and verdict`, () => {
      const ref = naiveExplore(c.model());
      expect(ref.states).toBe(c.states);
      expect(ref.alwaysFails || ref.deadlock ? 'violated' : 'holds').toBe(c.verdict);
      if (c.kind === 'always') expect(ref.shortest).toBe(c.shortest);
    });
    it(`${name}: every strategy, store and reduction gives the pinned verdict`, () => {
      for (const o of COMBOS) {
        const r = check(c.model(), o);
        expect(r.verdict.kind, JSON.stringify(o)).toBe(c.verdict);
        if (r.verdict.kind === 'violated') {
          expect(r.verdict.witness.kind).toBe(c.kind);
          const t = r.verdict.witness.trace!;
          // Every counterexample replays: the last state violates (or is a deadlock).
          const last = t.states[t.states.length - 1]!;
          const m = c.model();
          if (c.kind === 'always') expect(m.properties().some((p) => p.expectation === 'always' && !p.check(last))).toBe(true);
          if (o.strategy === 'bfs' && !o.por && !o.symmetry) expect(t.actions.length).toBe(c.shortest);
        } else if (!o.por && !o.symmetry) {
          expect(r.stats.distinctStates, JSON.stringify(o)).toBe(c.states);
        }
      }
    });
    it(`${name}: worker threads (shared table, and partitioned with the exact store) give the pinned verdict, counts and shortest length`, async () => {
      const one = check(c.model(), { por: false, symmetry: false });
      // Every BFS combination on two threads; on three (not a power of two), each mode once.
      const runs = [
        ...COMBOS.filter((x) => x.strategy === 'bfs').map((o) => ({ ...o, workers: 2 })),
        ...(['fingerprint', 'exact'] as const).map((store) => ({ store, por: false, symmetry: false, workers: 3 })),
      ];
      for (const { workers, ...o } of runs) {
        const r = await parallel(name, { ...o, workers });
        const what = JSON.stringify({ ...o, workers });
        expect(r.verdict.kind, what).toBe(c.verdict);
        expect(r.stats.workers).toBe(workers);
        expect(r.stats.distinctStates, what).toBe(check(c.model(), o).stats.distinctStates);
        if (!o.por && !o.symmetry && c.verdict === 'holds') expect(r.stats.distinctStates, what).toBe(c.states);
        if (r.verdict.kind === 'violated' && one.verdict.kind === 'violated') {
          expect(r.verdict.witness.kind).toBe(c.kind);
          const t = r.verdict.witness.trace!;
          if (!o.por && !o.symmetry) {
            expect(t.actions.length, what).toBe(c.shortest);
            // The reported state is the single thread's (the path to it may differ in shared mode).
            const u = one.verdict.witness.trace!;
            expect(Array.from(t.states[t.states.length - 1]!), what).toEqual(Array.from(u.states[u.states.length - 1]!));
          }
        }
      }
    });
    it(`${name}: random simulation never claims holds`, () => {
      const r = check(c.model(), { strategy: 'random', seed: 7, walks: 200, maxDepth: 50 });
      expect(['violated', 'unknown']).toContain(r.verdict.kind);
    });
  }

  it('2pc: symmetry reduces 5 RMs from 8832 states to their 314 orbits', () => {
    // stateright pins 8832 and, with its cheaper representative function, 665; a full sort gives
    // exactly one representative per orbit, which the naive count of canonical forms confirms.
    expect(check(twoPhaseCommit(5), { symmetry: false }).stats.distinctStates).toBe(8832);
    const m = twoPhaseCommit(5);
    const orbits = new Set<string>();
    const all = naiveStates(m);
    for (const s of all) {
      const c = new Int32Array(m.stateSize);
      m.canonicalize!(s, c);
      orbits.add(c.join(','));
    }
    expect(orbits.size).toBe(314);
    const r = check(twoPhaseCommit(5), { symmetry: true });
    expect(r.verdict.kind).toBe('holds');
    expect(r.stats.distinctStates).toBe(314);
    expect(r.witnesses['all-committed']).not.toBeNull();
  });

  it('counters: exactly (K+1)^N states', () => {
    expect(check(counters(5, 4)).stats.distinctStates).toBe(5 ** 5);
  });

  it('a non-deterministic model is reported (MMC201), not trusted', () => {
    const r = check(nondeterministic());
    expect(r.verdict.kind).toBe('error');
    if (r.verdict.kind === 'error') expect(r.verdict.diagnostic.code).toBe('MMC201');
  });

  it('budgets give unknown, never holds', () => {
    expect(check(counters(4, 9), { maxStates: 100 }).verdict.kind).toBe('unknown');
    expect(check(counters(4, 9), { maxDepth: 5 }).verdict.kind).toBe('unknown');
    expect(check(counters(4, 9), { strategy: 'dfs', maxDepth: 5 }).verdict.kind).toBe('unknown');
    expect(check(counters(4, 9), { timeSeconds: 0 }).verdict.kind).toBe('unknown');
  });

  it('a sometimes-property not witnessed in a complete search is a failure', () => {
    const m = counters(2, 2);
    const never: Model = { ...m, properties: () => [{ name: 'impossible', expectation: 'sometimes', check: (s) => s[0]! > 5 }] };
    const r = check(never);
    expect(r.verdict.kind).toBe('violated');
    if (r.verdict.kind === 'violated') expect(r.verdict.witness.kind).toBe('sometimes');
  });

  it('eventually: a maximal path that never meets the condition is reported, on one thread and on workers', async () => {
    const r = check(toy('eventually-fails')());
    expect(r.verdict.kind).toBe('violated');
    if (r.verdict.kind === 'violated') expect(r.verdict.witness.kind).toBe('eventually');
    expect(check(toy('eventually-holds')()).verdict.kind).toBe('holds');
    for (const workers of [2, 3]) {
      const p = await parallel('eventually-fails', { workers });
      expect(p.verdict.kind).toBe('violated');
      // A shortest path to a terminal state (which one can differ: see Model's 'eventually').
      if (p.verdict.kind === 'violated' && r.verdict.kind === 'violated') expect(p.verdict.witness.trace!.actions.length).toBe(r.verdict.witness.trace!.actions.length);
      expect((await parallel('eventually-holds', { workers })).verdict.kind).toBe('holds');
    }
  });
});
