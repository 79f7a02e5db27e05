/**
 * Shards: independent pieces of one search for a job scheduler (a CI matrix, a batch system).
 *
 * Every shard runs the same deterministic BFS prefix until a level holds at least 16 states per
 * shard, judges the prefix, then explores from its share of that level's states (round robin) with
 * its own visited set. `mergeShards` combines the shard results: a violation in any shard is the
 * verdict; a `sometimes` property counts as witnessed when any shard (or the prefix) witnessed it;
 * the search is complete only when every shard is. Distinct-state totals are an upper bound (the
 * shards' sub-graphs may overlap).
 */
import { fail } from '../core/diagnostic.js';
import type { Model } from './model.js';
import { BfsCore, mergeInEffect } from './bfs-core.js';
import { checkBfs } from './bfs.js';
import { checkDfs } from './dfs.js';
import { buildResult } from './result.js';
import { missedStateProbability } from './store.js';
import { chainOf, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult, Root } from './types.js';

/** The shared prefix of a sharded search. */
export interface ShardPlan {
  /** The split level's states, as roots with their paths from the initial states. */
  readonly roots: readonly Root[];
  readonly splitDepth: number;
  /** Distinct states of the levels before the split (judged by the prefix). */
  readonly prefixDistinct: number;
  /** The prefix's own result when it already decided (a violation) or covered everything. */
  readonly decided: CheckResult | null;
  /** Names of `sometimes` properties witnessed in the prefix. */
  readonly prefixWitnessed: readonly string[];
}

/** Returns the shard plan for `count` shards. */
export function planShards(model: Model, opts: CheckOptions, count: number): ShardPlan {
  const por = (opts.por ?? true) && !!model.isLocal;
  const symmetry = (opts.symmetry ?? true) && !!model.canonicalize;
  const core = new BfsCore(model, { store: opts.store ?? 'fingerprint', por, symmetry, maxDepth: opts.maxDepth ?? Infinity, merge: mergeInEffect(model, opts) });
  const init = initialRoots(model, symmetry);
  init.forEach((r, i) => core.addRoot(r.state, i));
  const target = Math.max(16 * count, 64);
  let size = 0;
  for (;;) {
    size = core.beginLevel();
    if (size === 0 || size >= target || core.level >= 200) break;
    core.expand(Infinity);
    if (core.violation) break;
  }
  const pending = core.pendingStates();
  const prefixDistinct = core.store.size - pending.length;
  if (size === 0 || core.violation) {
    // The prefix decided: run it as an ordinary search (identical for every shard).
    return { roots: [], splitDepth: core.level, prefixDistinct, decided: checkBfs(model, opts), prefixWitnessed: [] };
  }
  const roots: Root[] = pending.map(({ id, state }) => {
    const c = chainOf(id, (g) => core.parentOf(g));
    return { state, initIndex: init[c.rootIndex]!.initIndex, path: c.indices };
  });
  const prefixWitnessed = core.props.sometimes.filter((_, i) => core.witnesses[i] !== null).map((p) => p.name);
  void buildResult;
  void missedStateProbability;
  return { roots, splitDepth: core.level, prefixDistinct, decided: null, prefixWitnessed };
}

/** The JSON a shard run writes (the input of `mmucheck merge`). */
export interface ShardResult {
  readonly format: 'mmucheck-shard-1';
  readonly model: string;
  readonly shard: { readonly index: number; readonly count: number };
  /** The shard's verdict on safety, deadlock and eventually (sometimes is judged by the merge). */
  readonly verdict: 'holds' | 'violated' | 'unknown' | 'error';
  /** For violated/unknown/error: the message. */
  readonly message?: string;
  readonly traceLength?: number;
  readonly itf?: string;
  readonly sometimes: readonly string[];
  readonly witnessed: readonly string[];
  readonly distinctStates: number;
  readonly generatedStates: number;
  readonly seconds: number;
}

/** Runs shard `index` (0-based) of `count`; returns the result and the shard record. */
export function checkShard(model: Model, opts: CheckOptions, index: number, count: number): { result: CheckResult; shard: ShardResult } {
  if (!(index >= 0 && index < count)) fail('MMC003', `--shard ${index + 1}/${count}: index must be from 1 to ${count}`, { subject: '--shard' });
  const plan = planShards(model, opts, count);
  const mine = plan.roots.filter((_, i) => i % count === index);
  const result = plan.decided ?? (opts.strategy === 'dfs' ? checkDfs(model, { ...opts, roots: mine }) : checkBfs(model, { ...opts, roots: mine }));
  const names = model.properties().filter((p) => p.expectation === 'sometimes').map((p) => p.name);
  const witnessed = [...new Set([...plan.prefixWitnessed, ...names.filter((n) => result.witnesses[n])])];
  const v = result.verdict;
  const verdict = v.kind === 'violated' && v.witness.kind === 'sometimes' ? 'holds' : v.kind;
  const shard: ShardResult = {
    format: 'mmucheck-shard-1',
    model: model.name,
    shard: { index, count },
    verdict,
    ...(v.kind === 'violated' && verdict === 'violated' ? { message: v.witness.message, ...(v.witness.trace ? { traceLength: v.witness.trace.actions.length } : {}) } : {}),
    ...(v.kind === 'unknown' ? { message: v.reason } : {}),
    ...(v.kind === 'error' ? { message: `${v.diagnostic.code}: ${v.diagnostic.message}` } : {}),
    sometimes: names,
    witnessed,
    distinctStates: result.stats.distinctStates + (plan.decided ? 0 : plan.prefixDistinct),
    generatedStates: result.stats.generatedStates,
    seconds: result.stats.seconds,
  };
  return { result, shard };
}

/** The merged verdict of shard results. */
export interface MergedResult {
  readonly model: string;
  readonly verdict: 'holds' | 'violated' | 'unknown' | 'error';
  readonly message: string;
  readonly shards: number;
  /** Sum over shards: an upper bound of the distinct states (shards may overlap). */
  readonly distinctStatesUpperBound: number;
  readonly generatedStates: number;
  readonly seconds: number;
}

/** Returns the verdict of a set of shard results (MMC204 when they do not form one search). */
export function mergeShards(parts: readonly ShardResult[]): MergedResult {
  if (parts.length === 0) fail('MMC204', 'merge: no shard results given');
  for (const p of parts) if (p?.format !== 'mmucheck-shard-1') fail('MMC204', `merge: not a shard result (format ${String(p?.format)}); write them with 'mmucheck check ... --shard i/N --json'`);
  const first = parts[0]!;
  const count = first.shard.count;
  for (const p of parts) {
    if (p.model !== first.model) fail('MMC204', `merge: shards of different models: ${first.model} and ${p.model}`);
    if (p.shard.count !== count) fail('MMC204', `merge: shards of different splits: /${count} and /${p.shard.count}`);
  }
  const seen = new Set(parts.map((p) => p.shard.index));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (seen.size !== parts.length) fail('MMC204', 'merge: a shard is given twice');
  const base = {
    model: first.model,
    shards: parts.length,
    distinctStatesUpperBound: parts.reduce((a, p) => a + p.distinctStates, 0),
    generatedStates: parts.reduce((a, p) => a + p.generatedStates, 0),
    seconds: Math.max(...parts.map((p) => p.seconds)),
  };
  const bad = parts.find((p) => p.verdict === 'violated');
  if (bad) return { ...base, verdict: 'violated', message: `shard ${bad.shard.index + 1}/${count}: ${bad.message ?? 'violated'}` };
  const err = parts.find((p) => p.verdict === 'error');
  if (err) return { ...base, verdict: 'error', message: `shard ${err.shard.index + 1}/${count}: ${err.message ?? 'error'}` };
  if (missing.length) return { ...base, verdict: 'unknown', message: `shards ${missing.map((i) => `${i + 1}/${count}`).join(', ')} missing: the search is incomplete` };
  const unk = parts.find((p) => p.verdict === 'unknown');
  if (unk) return { ...base, verdict: 'unknown', message: `shard ${unk.shard.index + 1}/${count}: ${unk.message ?? 'incomplete'}` };
  const witnessed = new Set(parts.flatMap((p) => p.witnessed));
  const never = first.sometimes.filter((n) => !witnessed.has(n));
  if (never.length) return { ...base, verdict: 'violated', message: `sometimes-property '${never[0]}' was never witnessed in any shard of a complete search` };
  return { ...base, verdict: 'holds', message: `all ${count} shards complete; every always-property holds, every sometimes-property witnessed` };
}
