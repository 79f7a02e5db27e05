/**
 * The parallel BFS's own cases (from dist/, as worker threads load plain JS): the shared table
 * grown while a level is under way, workers that join after this thread started, budgets, and
 * the partitioned mode's determinism. The toys' pinned answers on workers are in test/toy.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/internal.js';

const ROOT = resolve(import.meta.dirname, '../..');
type Dist = typeof import('../../src/check/index.js');
type Reg = typeof import('../../model/index.js');
const load = async (): Promise<[Dist, Reg]> => [
  (await import(resolve(ROOT, 'dist/src/check/index.js'))) as Dist,
  (await import(resolve(ROOT, 'dist/model/index.js'))) as Reg,
];
const last = (r: CheckResult): number[] => {
  if (r.verdict.kind !== 'violated') return [];
  const t = r.verdict.witness.trace!;
  return Array.from(t.states[t.states.length - 1]!);
};

describe('parallel BFS', () => {
  it('shared table: grows many times while levels are under way; workers joining from the start, after growths, or when ready', async () => {
    const [dist, reg] = await load();
    const ref = { moduleUrl: reg.checkModelsUrl, exportName: 'checkModels', key: 'counters', params: { N: 6, K: 9 } };
    // Level 25: about 418 K states are stored by then, so this thread has grown the table
    // (74 K slots at first) twice or more before the worker joins.
    for (const joinLevel of [0, 25, undefined]) {
      // Unsized: the table must hold 10^6 states.
      const r = await dist.checkParallel(ref, { workers: 2, joinLevel });
      expect(r.verdict.kind).toBe('holds');
      expect(r.stats.distinctStates).toBe(1e6);
      expect(r.stats.maxDepth).toBe(54);
      expect(r.stats.storeBytes).toBeGreaterThan((1e6 / 0.8) * 8);
      expect(r.witnesses['all-done']).not.toBeNull();
    }
  });

  it('shared table: budgets give unknown with their reason, never holds', async () => {
    const [dist, reg] = await load();
    const ref = { moduleUrl: reg.checkModelsUrl, exportName: 'checkModels', key: 'counters', params: { N: 6, K: 9 } };
    const states = await dist.checkParallel(ref, { workers: 2, joinLevel: 0, maxStates: 5000 });
    expect(states.verdict.kind).toBe('unknown');
    if (states.verdict.kind === 'unknown') expect(states.verdict.reason).toMatch(/state budget of 5000/);
    const depth = await dist.checkParallel(ref, { workers: 2, joinLevel: 0, maxDepth: 10 });
    expect(depth.verdict.kind).toBe('unknown');
    if (depth.verdict.kind === 'unknown') expect(depth.verdict.reason).toMatch(/depth bound of 10/);
    const time = await dist.checkParallel(ref, { workers: 2, joinLevel: 0, timeSeconds: 0 });
    expect(time.verdict.kind).toBe('unknown');
  });

  it('tdp-cas BUG_WALK: both modes report the single thread\'s state at its depth; partitioned mode the same path every run', async () => {
    const [dist, reg] = await load();
    const ref = { moduleUrl: reg.checkModelsUrl, exportName: 'checkModels', key: 'tdp-cas', params: { NV: 2, NG: 2, ITER: 1, NZ: 1, ZITER: 2, BUG_WALK: 1 } };
    const one = dist.check(reg.checkModels['tdp-cas']!.create(ref.params), { por: false });
    expect(one.verdict.kind).toBe('violated');
    const shared = await dist.checkParallel(ref, { workers: 2, joinLevel: 0, por: false });
    const parts = [0, 1].map(() => dist.checkParallel(ref, { workers: 2, por: false, store: 'exact' }));
    const [p1, p2] = await Promise.all(parts);
    for (const r of [shared, p1!, p2!]) {
      expect(r.verdict.kind).toBe('violated');
      expect(r.stats.distinctStates).toBe(one.stats.distinctStates);
      expect(r.stats.generatedStates).toBe(one.stats.generatedStates);
      expect(last(r)).toEqual(last(one));
    }
    const path = (r: CheckResult): number[] => (r.verdict.kind === 'violated' ? [...r.verdict.witness.trace!.actions] : []);
    expect(path(p1!)).toEqual(path(p2!));
  });
});
