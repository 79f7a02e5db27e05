/**
 * Single-threaded breadth-first search: the default strategy, shortest counterexamples.
 */
import type { Model } from './model.js';
import { BfsCore, mergeInEffect } from './bfs-core.js';
import { Budget, type Search, runAsync, runSync } from './common.js';
import { singleThreadStats } from './store.js';
import { buildResult } from './result.js';
import { chainOf, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult } from './types.js';

const CHUNK = 4096;

/** Runs a BFS of `model` on this thread. */
export function checkBfs(model: Model, opts: CheckOptions = {}): CheckResult {
  return runSync(bfsSearch(model, opts));
}

/** Runs a BFS of `model` on this thread, giving the event loop a turn now and then (see `runAsync`). */
export function checkBfsAsync(model: Model, opts: CheckOptions = {}): Promise<CheckResult> {
  return runAsync(bfsSearch(model, opts));
}

/** The BFS as a {@link Search}: it yields at every budget check. */
function* bfsSearch(model: Model, opts: CheckOptions): Search<CheckResult> {
  const budget = new Budget(opts);
  const core = new BfsCore(model, {
    store: opts.store ?? 'fingerprint',
    por: opts.por ?? true,
    symmetry: opts.symmetry ?? true,
    maxDepth: opts.maxDepth ?? Infinity,
    expectedStates: opts.expectedStates,
    merge: mergeInEffect(model, opts),
  });
  const roots = opts.roots ?? initialRoots(model, core.reductions.symmetry);
  roots.forEach((r, i) => core.addRoot(r.state, i));
  const maxStates = opts.maxStates ?? Infinity;
  let hit: string | null = null;
  let complete = false;
  const progress = (): void =>
    opts.onProgress?.({
      generatedStates: core.generated,
      distinctStates: core.store.size,
      depth: core.level,
      queue: core.queued,
      seconds: budget.seconds(),
      statesPerSecond: core.store.size / Math.max(1e-9, budget.seconds()),
      memoryBytes: budget.peakRss,
    });
  try {
    outer: for (;;) {
      if (core.beginLevel() === 0) {
        complete = true;
        break;
      }
      for (;;) {
        const done = core.expand(CHUNK);
        const b = budget.check();
        if (b.stop) {
          hit = budget.hit;
          break outer;
        }
        if (b.due) progress();
        if (core.store.size >= maxStates) {
          hit = `state budget of ${maxStates} distinct states reached`;
          break outer;
        }
        yield;
        if (done) break;
      }
      if (core.violation) break;
    }
  } catch (e) {
    hit = budget.exhausted(e);
  }
  budget.sampleMemory();
  const seconds = budget.seconds();
  const n = core.store.size;
  const storeBytes = core.storeBytes();
  const incompleteReason = hit ?? (core.depthCut ? `depth bound of ${opts.maxDepth} reached: states at that depth have unexplored successors` : null);
  return buildResult({
    model,
    strategy: 'bfs',
    props: core.props,
    reductions: core.reductions,
    roots,
    violation: core.violation,
    witnesses: core.witnesses,
    complete: complete && !core.depthCut,
    incompleteReason,
    stats: singleThreadStats({
      distinct: n, generated: core.generated, deepest: core.deepest, seconds, peakRss: budget.peakRss,
      storeBytes, exact: core.store.mode === 'exact', queueLeft: complete ? 0 : core.queued,
    }),
    chainOf: (f) => chainOf(f.gid, (g) => core.parentOf(g)),
  });
}
