/**
 * The one Z3 context of the process. Start-up loads Z3's WASM and worker threads, so a CLI that
 * used it must exit explicitly. `check()` calls are serialised by z3-solver itself; parallel proving
 * needs worker processes.
 *
 * Why the low-level API is wrapped (see `guardReleases`): z3-solver runs `check()` and the other
 * long calls on a WASM pthread and returns a promise, so the main thread keeps running while Z3
 * solves. The high-level API frees Z3 objects from a `FinalizationRegistry`, and V8 runs those
 * callbacks on the main thread whenever it is idle, i.e. in the middle of a solver call. Z3's
 * reference counts and AST tables are not thread-safe: a release that races a running check
 * corrupts the shared heap ("memory access out of bounds" in `dec_ref`, "Cannot enlarge memory
 * arrays", assertion violations). The guard defers every release made while a call is in flight
 * and replays them on the main thread when it settles. `test/smt/z3-guard.test.ts` reproduces the
 * corruption without the guard and shows it gone with it.
 */
import { createRequire } from 'node:module';
import type { Context, Z3HighLevel, Z3LowLevel } from 'z3-solver';

/** The Z3 context type used throughout src/smt. */
export type Z3 = Context<'mmucheck'>;

type LowLevelApi = Z3LowLevel['Z3'];

/** Counters of the release guard (for tests and diagnostics). */
export interface GuardStats {
  /** Async (threaded) Z3 calls made. */
  asyncCalls: number;
  /** Releases that arrived while a threaded call was running, deferred to its end. */
  deferred: number;
  /** Releases executed at once. */
  immediate: number;
}

/** A function of the low-level API that frees a Z3 object: `*_dec_ref`, `del_context`, `rcf_del`. */
export function isRelease(name: string): boolean {
  return name.endsWith('_dec_ref') || name === 'dec_ref' || name === 'del_context' || name === 'rcf_del';
}

/**
 * Returns a copy of the low-level API in which every release made while an async (threaded) call
 * is in flight is queued and run when the call settles. Calls are otherwise passed through.
 */
export function guardReleases(api: LowLevelApi, stats: GuardStats): LowLevelApi {
  let inFlight = 0;
  const queue: Array<() => void> = [];
  const settle = (): void => {
    inFlight--;
    if (inFlight > 0) return;
    // Replay in arrival order; a release never starts another threaded call.
    for (let f = queue.shift(); f; f = queue.shift()) f();
  };
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(api as unknown as Record<string, unknown>)) {
    if (typeof value !== 'function') { out[name] = value; continue; }
    const fn = value as (...args: unknown[]) => unknown;
    if (isRelease(name)) {
      out[name] = (...args: unknown[]): void => {
        if (inFlight > 0) { stats.deferred++; queue.push(() => { fn(...args); }); return; }
        stats.immediate++;
        fn(...args);
      };
      continue;
    }
    out[name] = (...args: unknown[]): unknown => {
      const r = fn(...args);
      if (r instanceof Promise) {
        // Counted before any other task can run: a finalizer cannot slip in between.
        inFlight++;
        stats.asyncCalls++;
        r.then(settle, settle);
      }
      return r;
    };
  }
  return out as unknown as LowLevelApi;
}

const require = createRequire(import.meta.url);

/** Starts Z3 with (`guard` true) or without the release guard. Exposed for the guard's own test. */
export async function startZ3(guard: boolean): Promise<{ api: Z3HighLevel; stats: GuardStats }> {
  const initModule = require('z3-solver/build/z3-built') as unknown;
  const lowLevel = require('z3-solver/build/low-level') as { init(m: unknown): Promise<Z3LowLevel> };
  const highLevel = require('z3-solver/build/high-level') as { createApi(z3: LowLevelApi, em?: unknown): Z3HighLevel };
  const ll = await lowLevel.init(initModule);
  const stats: GuardStats = { asyncCalls: 0, deferred: 0, immediate: 0 };
  const z3 = guard ? guardReleases(ll.Z3, stats) : ll.Z3;
  return { api: highLevel.createApi(z3, ll.em), stats };
}

let ctx: Promise<{ z3: Z3; startupMs: number; guard: GuardStats }> | undefined;

/** Returns the process-wide Z3 context, starting Z3 on first use, and how long start-up took. */
export function z3Context(): Promise<{ z3: Z3; startupMs: number; guard: GuardStats }> {
  ctx ??= (async () => {
    const t0 = performance.now();
    const { api, stats } = await startZ3(true);
    const z3: Z3 = api.Context('mmucheck');
    return { z3, startupMs: performance.now() - t0, guard: stats };
  })();
  return ctx;
}
