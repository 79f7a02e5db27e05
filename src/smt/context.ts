/**
 * The one Z3 context of the process. `init()` starts Z3's WASM and worker threads, so a CLI that
 * used it must exit explicitly. `check()` calls are serialised by z3-solver itself; parallel proving
 * needs worker processes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

/**
 * Z3 terms live in the WASM heap (capped at 2 GiB) and are freed only when their small JS wrappers
 * are garbage-collected, which V8 does not hurry to do: a few hundred queries in one process can
 * exhaust the heap. Every `QUERIES_PER_COLLECTION` queries we force a collection and let the
 * finalizers run, which keeps the heap flat (a few ms each time).
 */
const QUERIES_PER_COLLECTION = 24;
let queriesSinceCollection = 0;
let forceGc: (() => void) | undefined;

/** Counts one query and, every few queries, collects the JS wrappers of dead Z3 terms. */
export async function afterQuery(): Promise<void> {
  if (++queriesSinceCollection < QUERIES_PER_COLLECTION) return;
  queriesSinceCollection = 0;
  if (forceGc === undefined) {
    setFlagsFromString('--expose-gc');
    forceGc = runInNewContext('gc') as () => void;
  }
  forceGc();
  // FinalizationRegistry callbacks (Z3 dec_ref) run from the event loop after the collection.
  await new Promise<void>((resolve) => setImmediate(resolve));
}
