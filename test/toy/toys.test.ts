/**
 * The toys' pinned answers, confirmed by the naive reference explorer, under every strategy, store
 * and reduction.
 */
import { describe, expect, it } from 'vitest';
import { check, type CheckOptions, type Model } from '../../src/index.js';
import { counters } from '../../model/toys/counters.js';
import { naiveExplore, naiveStates } from './reference.js';
import { counter, nondeterministic, peterson, philosophers, twoPhaseCommit } from './toys.js';

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
  peterson: { model: () => peterson(false), states: 26, verdict: 'holds' },
  'peterson-broken': { model: () => peterson(true), states: 16, verdict: 'violated', kind: 'always', shortest: 4 },
  'counter-lost-update': { model: () => counter(2, false), states: 13, verdict: 'violated', kind: 'always', shortest: 4 },
  'counter-cas': { model: () => counter(3, true), states: 71, verdict: 'holds' },
  philosophers: { model: () => philosophers(3), states: 14, verdict: 'violated', kind: 'deadlock', shortest: 3 },
  '2pc-3': { model: () => twoPhaseCommit(3), states: 288, verdict: 'holds' },
  'counters-4-3': { model: () => counters(4, 3), states: 256, verdict: 'holds' },
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

  it('eventually: a maximal path that never meets the condition is reported', () => {
    const m = counters(2, 2);
    const ev: Model = { ...m, properties: () => [{ name: 'first-done', expectation: 'eventually', check: (s) => s[0] === 3 }] };
    const r = check(ev);
    expect(r.verdict.kind).toBe('violated');
    if (r.verdict.kind === 'violated') expect(r.verdict.witness.kind).toBe('eventually');
    const ok: Model = { ...m, properties: () => [{ name: 'first-done', expectation: 'eventually', check: (s) => s[0] === 2 }] };
    expect(check(ok).verdict.kind).toBe('holds');
  });
});
