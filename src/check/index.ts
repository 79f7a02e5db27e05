/**
 * The generic explicit-state model checker: `check(model, options)` runs BFS (default), DFS or
 * seeded random simulation; `checkParallel(ref, options)` runs BFS on worker threads. Domain-free:
 * models reach it as values (or as a `ModelRef` a worker can import).
 */
import type { Model } from './model.js';
import { checkBfs, checkBfsAsync } from './bfs.js';
import { checkDfs, checkDfsAsync } from './dfs.js';
import { checkRandom, checkRandomAsync } from './random.js';
import { checkSize } from './trace.js';
import { checkLiveness, checkLivenessAsync, livenessWanted } from './liveness.js';
import type { CheckOptions, CheckResult } from './types.js';
import { fail } from '../core/diagnostic.js';

export type * from './model.js';
export type * from './types.js';
export * from './registry.js';
export { fingerprint, fingerprintHex, finishSums, FP, stateHash, stateSums, SUM, sumsDiff, sumsDiffAt } from './hash.js';
export { FingerprintStore, ExactStore, missedStateProbability, type StateStore } from './store.js';
export { replayChain, initialRoots, type Chain } from './trace.js';
export { mulberry32 } from './random.js';
export { defaultMemoryBudget, type MemoryBudget, physicalMemory } from './common.js';
export { checkParallel, type ParallelOptions } from './parallel.js';
export { livenessWanted, checkLiveness, checkLivenessAsync } from './liveness.js';
export { FootprintPor, type FootprintModel, type LocSet, type PorStats, locSet, addLoc, hasLoc, locList, unionInto, intersects, subsetOf } from './por.js';
export { planShards, checkShard, checkShardAsync, mergeShards, type ShardResult, type ShardPlan } from './shard.js';

/** Raises MMC202 for a malformed state size or initial state. */
function checkShape(model: Model): void {
  if (!Number.isInteger(model.stateSize) || model.stateSize <= 0) fail('MMC202', `model ${model.name}: stateSize must be a positive integer, got ${model.stateSize}`);
  for (const s of model.initStates()) checkSize(model, s, 'an initial state');
}

/** Returns `opts` with the model's default for partial-order reduction filled in (see `Model.porByDefault`). */
export function withModelDefaults(model: Model, opts: CheckOptions): CheckOptions {
  return opts.por === undefined && model.porByDefault === false ? { ...opts, por: false } : opts;
}

/** Runs the checker on this thread with the chosen strategy (BFS by default). */
export function check(model: Model, options: CheckOptions = {}): CheckResult {
  checkShape(model);
  const opts = withModelDefaults(model, options);
  switch (opts.strategy ?? 'bfs') {
    case 'bfs':
      return livenessWanted(model, opts) ? checkLiveness(model, opts) : checkBfs(model, opts);
    case 'dfs':
      return checkDfs(model, opts);
    case 'random':
      return checkRandom(model, opts);
  }
}

/**
 * `check`, but the event loop gets a turn about every 100 ms of the search, so that signal handlers
 * (see `CheckOptions.shouldStop`), timers and I/O are served while it runs.
 */
export function checkAsync(model: Model, options: CheckOptions = {}): Promise<CheckResult> {
  checkShape(model);
  const opts = withModelDefaults(model, options);
  switch (opts.strategy ?? 'bfs') {
    case 'bfs':
      return livenessWanted(model, opts) ? checkLivenessAsync(model, opts) : checkBfsAsync(model, opts);
    case 'dfs':
      return checkDfsAsync(model, opts);
    case 'random':
      return checkRandomAsync(model, opts);
  }
}
