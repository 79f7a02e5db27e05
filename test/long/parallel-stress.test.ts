/**
 * Stress of the parallel BFS's shared mode: repeated runs on 2 and 3 threads, workers joining when
 * ready or at level 3, with and without reductions, must give the single thread's verdict and
 * counts every time (a race in the shared table, its growth or the chunked frontiers shows up as a
 * different count). Run with `npm run test:long`.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckOptions } from '../../src/internal.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('parallel BFS stress', () => {
  it('60 shared-mode runs equal one thread', async () => {
    const dist = (await import(resolve(ROOT, 'dist/src/check/index.js'))) as typeof import('../../src/check/index.js');
    const reg = (await import(resolve(ROOT, 'dist/model/index.js'))) as typeof import('../../model/index.js');
    const cases: [string, Record<string, number>, CheckOptions][] = [
      ['tdp-cas', { NV: 2, NG: 2, ITER: 2, NZ: 1, ZITER: 2, BUG_WALK: 0 }, {}],
      ['tdp-cas', { NV: 2, NG: 2, ITER: 2, NZ: 1, ZITER: 2, BUG_WALK: 0 }, { merge: false }],
      ['tdp-cas', { NV: 2, NG: 2, ITER: 2, NZ: 1, ZITER: 2, BUG_WALK: 1 }, { por: false }],
      ['tdp-cas', { NV: 2, NG: 1, ITER: 1, NZ: 2, ZITER: 1, BUG_WALK: 0 }, { merge: false }],
      ['counters', { N: 6, K: 7 }, {}],
    ];
    for (const [key, params, o] of cases) {
      const one = dist.check(reg.checkModels[key]!.create(params), o);
      for (let i = 0; i < 12; i++) {
        const workers = 2 + (i % 2);
        const r = await dist.checkParallel({ moduleUrl: reg.checkModelsUrl, exportName: 'checkModels', key, params }, { ...o, workers, ...(i % 4 >= 2 ? { joinLevel: 3 } : {}) });
        const what = JSON.stringify({ key, params, o, workers, i });
        expect(r.verdict.kind, what).toBe(one.verdict.kind);
        expect([r.stats.distinctStates, r.stats.generatedStates, r.stats.maxDepth], what).toEqual([one.stats.distinctStates, one.stats.generatedStates, one.stats.maxDepth]);
      }
    }
  });
});
