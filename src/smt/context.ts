/**
 * The one Z3 context of the process. `init()` starts Z3's WASM and worker threads, so a CLI that
 * used it must exit explicitly. `check()` calls are serialised by z3-solver itself; parallel proving
 * needs worker processes.
 */
import { type Context, init } from 'z3-solver';

/** The Z3 context type used throughout src/smt. */
export type Z3 = Context<'mmucheck'>;

let ctx: Promise<{ z3: Z3; startupMs: number }> | undefined;

/** Returns the process-wide Z3 context, starting Z3 on first use, and how long start-up took. */
export function z3Context(): Promise<{ z3: Z3; startupMs: number }> {
  ctx ??= (async () => {
    const t0 = performance.now();
    const { Context } = await init();
    const z3: Z3 = Context('mmucheck');
    return { z3, startupMs: performance.now() - t0 };
  })();
  return ctx;
}
