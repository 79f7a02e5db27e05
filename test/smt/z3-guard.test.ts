/**
 * The Z3 release guard (src/smt/context.ts): releases made while a threaded Z3 call runs are
 * deferred to its end. Unit tests on a fake API, and the stress run in a child process (a corrupted
 * WASM heap kills the process). The unguarded mutant is shown to crash in test/long.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type GuardStats, guardReleases, isRelease } from '../../src/smt/context.js';

type Api = Parameters<typeof guardReleases>[0];

function fakeApi(log: string[]): { api: Api; finish: () => void } {
  let resolve: () => void = () => {};
  const api = {
    dec_ref: (_c: number, a: number) => { log.push(`dec_ref ${a}`); },
    solver_dec_ref: (_c: number, s: number) => { log.push(`solver_dec_ref ${s}`); },
    mk_true: () => { log.push('mk_true'); return 7; },
    solver_check: () => { log.push('check start'); return new Promise<number>((r) => { resolve = () => { log.push('check end'); r(1); }; }); },
    version_string: 'fake',
  };
  return { api: api as unknown as Api, finish: () => resolve() };
}

describe('Z3 release guard', () => {
  it('names the releases of the low-level API', () => {
    for (const n of ['dec_ref', 'solver_dec_ref', 'model_dec_ref', 'del_context', 'rcf_del']) expect(isRelease(n)).toBe(true);
    for (const n of ['inc_ref', 'solver_check', 'mk_bv_sort', 'dec_ref_x']) expect(isRelease(n)).toBe(false);
  });

  it('runs releases at once when no threaded call is in flight, defers them to its end otherwise', async () => {
    const log: string[] = [];
    const stats: GuardStats = { asyncCalls: 0, deferred: 0, immediate: 0 };
    const { api, finish } = fakeApi(log);
    const g = guardReleases(api, stats) as unknown as Record<string, (...a: number[]) => unknown>;
    g.dec_ref!(0, 1);
    const p = g.solver_check!(0, 9) as Promise<number>;
    g.dec_ref!(0, 2);
    g.solver_dec_ref!(0, 3);
    expect(g.mk_true!()).toBe(7);
    expect(log).toEqual(['dec_ref 1', 'check start', 'mk_true']);
    finish();
    expect(await p).toBe(1);
    expect(log).toEqual(['dec_ref 1', 'check start', 'mk_true', 'check end', 'dec_ref 2', 'solver_dec_ref 3']);
    expect(stats).toEqual({ asyncCalls: 1, deferred: 2, immediate: 1 });
    expect((g as unknown as { version_string: string }).version_string).toBe('fake');
  });

  it('a rejected threaded call still replays the deferred releases', async () => {
    const log: string[] = [];
    const stats: GuardStats = { asyncCalls: 0, deferred: 0, immediate: 0 };
    const api = { dec_ref: (_c: number, a: number) => { log.push(`dec_ref ${a}`); }, solver_check: () => Promise.reject(new Error('boom')) };
    const g = guardReleases(api as unknown as Api, stats) as unknown as Record<string, (...a: number[]) => unknown>;
    const p = g.solver_check!() as Promise<unknown>;
    g.dec_ref!(0, 5);
    await expect(p).rejects.toThrow('boom');
    await Promise.resolve();
    expect(log).toEqual(['dec_ref 5']);
  });

  it('200 real queries under constant GC pressure: no heap corruption, every answer right', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', 'dist/bench/z3-stress.js', '200'], { encoding: 'utf8', timeout: 110_000 });
    expect(r.stderr.split('\n').filter((l) => !l.startsWith('    at ')).join('\n').slice(0, 2000)).toBe('');
    expect(r.stdout.trim()).toBe('ok 200');
    expect(r.status).toBe(0);
  });
});
