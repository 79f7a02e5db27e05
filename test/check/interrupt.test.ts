/**
 * Stopping a search from outside (`CheckOptions.shouldStop`), the async driver that lets the event
 * loop run during a search, and a failed allocation during a search: each ends `unknown` with the
 * reason and the partial statistics, never an exception or a silent full run.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, checkAsync, type CheckOptions, type CheckResult, type Model } from '../../src/check/index.js';
import { Budget } from '../../src/check/common.js';
import { counters } from '../../model/toys/counters.js';

const ROOT = resolve(import.meta.dirname, '../..');
const STRATEGIES = ['bfs', 'dfs', 'random'] as const;

/** Asserts an unknown verdict with `reason` and some, but not all, of `total` states explored. */
function expectStopped(r: CheckResult, reason: RegExp, total: number): void {
  expect(r.verdict.kind).toBe('unknown');
  if (r.verdict.kind === 'unknown') expect(r.verdict.reason).toMatch(reason);
  expect(r.complete).toBe(false);
  expect(r.stats.distinctStates).toBeGreaterThan(0);
  expect(r.stats.distinctStates).toBeLessThan(total);
  expect(r.stats.generatedStates).toBeGreaterThan(0);
  expect(r.stats.seconds).toBeGreaterThan(0);
}

/** counters(6, 9) with `next` throwing `error` once, when `after` successors were computed (replay works). */
function failingAfter(after: number, error: () => Error): Model {
  const m = counters(6, 9);
  let n = 0;
  return { ...m, next: (s, a, out) => { if (++n === after) throw error(); return m.next(s, a, out); } };
}

describe('interrupting a search', () => {
  it('shouldStop ends every strategy unknown with its reason and partial statistics', () => {
    for (const strategy of STRATEGIES) {
      const t0 = performance.now();
      // Asked about every 100 ms: stop at the first question after 300 ms.
      const opts: CheckOptions = { strategy, walks: 1e9, shouldStop: () => (performance.now() - t0 > 300 ? 'interrupted (test)' : null) };
      expectStopped(check(counters(7, 9), opts), /^interrupted \(test\)$/, 1e7);
    }
  });

  it('checkAsync gives the event loop a turn, so a timer (or signal handler) can ask the search to stop', async () => {
    for (const strategy of STRATEGIES) {
      let reason: string | null = null;
      const timer = setTimeout(() => (reason = 'interrupted (timer)'), 200);
      const r = await checkAsync(counters(7, 9), { strategy, walks: 1e9, shouldStop: () => reason });
      clearTimeout(timer);
      expectStopped(r, /^interrupted \(timer\)$/, 1e7);
    }
  });

  it('the parallel BFS stops every lane in both modes (shared table and partitioned)', async () => {
    const dist = (await import(resolve(ROOT, 'dist/src/check/index.js'))) as typeof import('../../src/check/index.js');
    const reg = (await import(resolve(ROOT, 'dist/model/index.js'))) as typeof import('../../model/index.js');
    const ref = { moduleUrl: reg.checkModelsUrl, exportName: 'checkModels', key: 'counters', params: { N: 7, K: 9 } };
    for (const store of ['fingerprint', 'exact'] as const) {
      let reason: string | null = null;
      const timer = setTimeout(() => (reason = 'interrupted (timer)'), 1500);
      const r = await dist.checkParallel(ref, { workers: 2, store, joinLevel: 0, shouldStop: () => reason });
      clearTimeout(timer);
      expectStopped(r, /^interrupted \(timer\)$/, 1e7);
    }
  });

  it('the budget asks shouldStop at most every 100 ms', () => {
    let asked = 0;
    const b = new Budget({ shouldStop: () => (asked++, null) });
    const t0 = performance.now();
    while (performance.now() - t0 < 350) b.check();
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(asked).toBeLessThanOrEqual(4);
  });
});

describe('a failed allocation during a search', () => {
  it('ends every strategy unknown (memory exhausted) with partial statistics, not an exception', () => {
    for (const strategy of STRATEGIES) {
      const m = failingAfter(200_000, () => new RangeError('Array buffer allocation failed'));
      expectStopped(check(m, { strategy, walks: 1e9 }), /^memory exhausted \(Array buffer allocation failed at \d+ MiB resident/, 1e6);
    }
  });

  it('other errors still propagate', () => {
    const m = failingAfter(1000, () => new TypeError('a bug'));
    expect(() => check(m, {})).toThrow('a bug');
  });
});
