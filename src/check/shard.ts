/**
 * Shards: independent pieces of one search for a job scheduler (a CI matrix, a batch system).
 *
 * Every shard runs the same deterministic BFS prefix until a level holds at least 16 states per
 * shard, judges the prefix, then explores from its share of that level's states (round robin) with
 * its own visited set. `mergeShards` combines the shard results: a violation in any shard is the
 * verdict; a `sometimes` property counts as witnessed when any shard (or the prefix) witnessed it;
 * the search is complete only when every shard is. Distinct-state totals are an upper bound (the
 * shards' sub-graphs may overlap). The merge trusts no record: every field is validated, and the
 * records must come from one search (same model, search options and prefix digest, each shard once).
 */
import { fail } from '../core/diagnostic.js';
import type { Model } from './model.js';
import { BfsCore, mergeInEffect } from './bfs-core.js';
import { checkBfs, checkBfsAsync } from './bfs.js';
import { checkDfs, checkDfsAsync } from './dfs.js';
import { FP, fingerprint, fingerprintHex } from './hash.js';
import { chainOf, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult, Root, StoreMode } from './types.js';
import { isObject } from '../core/shape.js';

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
  /**
   * 16 hex digits identifying the split: a fingerprint of the initial states, the split depth, the
   * prefix size and the split level's states in order. Equal in every shard of one search; a
   * changed model, parameter or reduction changes it (up to a 2^-64 collision).
   */
  readonly digest: string;
}

/** Returns the {@link ShardPlan.digest} of a split. */
function planDigest(init: readonly Root[], roots: readonly Root[], splitDepth: number, prefixDistinct: number): string {
  const words = new Int32Array(4 + 2 * (init.length + roots.length));
  words.set([init.length, roots.length, splitDepth, prefixDistinct]);
  let k = 4;
  for (const r of [...init, ...roots]) {
    fingerprint(r.state, 0, r.state.length);
    words[k++] = FP[0]!;
    words[k++] = FP[1]!;
  }
  return fingerprintHex(words);
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
    return { roots: [], splitDepth: core.level, prefixDistinct, decided: checkBfs(model, opts), prefixWitnessed: [], digest: planDigest(init, [], core.level, prefixDistinct) };
  }
  const roots: Root[] = pending.map(({ id, state }) => {
    const c = chainOf(id, (g) => core.parentOf(g));
    return { state, initIndex: init[c.rootIndex]!.initIndex, path: c.indices };
  });
  const prefixWitnessed = core.props.sometimes.filter((_, i) => core.witnesses[i] !== null).map((p) => p.name);
  return { roots, splitDepth: core.level, prefixDistinct, decided: null, prefixWitnessed, digest: planDigest(init, roots, core.level, prefixDistinct) };
}

/** The format tag of the shard records this version writes and merges. */
export const SHARD_FORMAT = 'mmucheck-shard-1';

/** The search settings of a shard: every shard of one search has the same (the merge compares them). */
export interface ShardSearchOptions {
  readonly strategy: 'bfs' | 'dfs';
  readonly store: StoreMode;
  /** Reductions in effect (asked for and supported by the model). */
  readonly por: boolean;
  readonly symmetry: boolean;
  readonly merge: boolean;
  /** The depth bound, or null for none. */
  readonly maxDepth: number | null;
}

/** The JSON a shard run writes (the input of `mmucheck merge`). */
export interface ShardResult {
  readonly format: typeof SHARD_FORMAT;
  /** The model's name (with its parameters, e.g. `counters(N=3,K=9)`). */
  readonly model: string;
  readonly shard: { readonly index: number; readonly count: number };
  readonly options: ShardSearchOptions;
  /** The split's {@link ShardPlan.digest}. */
  readonly plan: string;
  /** The shard's verdict on safety, deadlock and eventually (sometimes is judged by the merge). */
  readonly verdict: 'holds' | 'violated' | 'unknown' | 'error';
  /** For violated/unknown/error: the message. */
  readonly message?: string;
  readonly traceLength?: number;
  readonly sometimes: readonly string[];
  readonly witnessed: readonly string[];
  readonly distinctStates: number;
  readonly generatedStates: number;
  readonly seconds: number;
}

/** Returns the search options of a shard run as recorded (reductions as in effect for `model`). */
function searchOptions(model: Model, opts: CheckOptions): ShardSearchOptions {
  return {
    strategy: opts.strategy === 'dfs' ? 'dfs' : 'bfs',
    store: opts.store ?? 'fingerprint',
    por: (opts.por ?? true) && !!model.isLocal,
    symmetry: (opts.symmetry ?? true) && !!model.canonicalize,
    merge: mergeInEffect(model, opts),
    maxDepth: opts.maxDepth ?? null,
  };
}

/** Returns the plan of shard `index` (0-based) of `count` and the roots it explores. */
function shardPlan(model: Model, opts: CheckOptions, index: number, count: number): { plan: ShardPlan; mine: Root[] } {
  if (!(index >= 0 && index < count)) fail('MMC003', `--shard ${index + 1}/${count}: index must be from 1 to ${count}`, { subject: '--shard' });
  const plan = planShards(model, opts, count);
  return { plan, mine: plan.roots.filter((_, i) => i % count === index) };
}

/** Runs shard `index` (0-based) of `count`; returns the result and the shard record. */
export function checkShard(model: Model, opts: CheckOptions, index: number, count: number): { result: CheckResult; shard: ShardResult } {
  const { plan, mine } = shardPlan(model, opts, index, count);
  const result = plan.decided ?? (opts.strategy === 'dfs' ? checkDfs(model, { ...opts, roots: mine }) : checkBfs(model, { ...opts, roots: mine }));
  return { result, shard: shardRecord(model, opts, index, count, plan, result) };
}

/** `checkShard`, giving the event loop a turn about every 100 ms (signal handlers, `shouldStop`). */
export async function checkShardAsync(model: Model, opts: CheckOptions, index: number, count: number): Promise<{ result: CheckResult; shard: ShardResult }> {
  const { plan, mine } = shardPlan(model, opts, index, count);
  const result = plan.decided ?? (await (opts.strategy === 'dfs' ? checkDfsAsync(model, { ...opts, roots: mine }) : checkBfsAsync(model, { ...opts, roots: mine })));
  return { result, shard: shardRecord(model, opts, index, count, plan, result) };
}

/** The shard record of a finished shard. */
function shardRecord(model: Model, opts: CheckOptions, index: number, count: number, plan: ShardPlan, result: CheckResult): ShardResult {
  const names = model.properties().filter((p) => p.expectation === 'sometimes').map((p) => p.name);
  const witnessed = [...new Set([...plan.prefixWitnessed, ...names.filter((n) => result.witnesses[n])])];
  const v = result.verdict;
  const verdict = v.kind === 'violated' && v.witness.kind === 'sometimes' ? 'holds' : v.kind;
  const shard: ShardResult = {
    format: SHARD_FORMAT,
    model: model.name,
    shard: { index, count },
    options: searchOptions(model, opts),
    plan: plan.digest,
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
  return shard;
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

const VERDICTS = ['holds', 'violated', 'unknown', 'error'] as const;
const REQUIRED = ['format', 'model', 'shard', 'options', 'plan', 'verdict', 'sometimes', 'witnessed', 'distinctStates', 'generatedStates', 'seconds'] as const;
const HOW = "write shard results with 'mmucheck check MODEL --shard I/N --json > FILE'";

/** Returns a value as short JSON text for a message. */
function shown(x: unknown): string {
  const t = JSON.stringify(x) ?? String(x);
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** Raises MMC204: field `field` of the record from `source` is `got`, `allowed` is what may be there. */
function badField(source: string, field: string, got: unknown, allowed: string): never {
  fail('MMC204', `merge: ${source}: shard record field '${field}' is ${shown(got)}; allowed: ${allowed}`, { subject: source });
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isStringList = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string');

/** Checks the search options of a record (field `options`). */
function validateOptions(source: string, o: unknown): void {
  if (!isObject(o)) badField(source, 'options', o, '{ strategy, store, por, symmetry, merge, maxDepth }');
  if (o['strategy'] !== 'bfs' && o['strategy'] !== 'dfs') badField(source, 'options.strategy', o['strategy'], '"bfs", "dfs"');
  if (o['store'] !== 'fingerprint' && o['store'] !== 'exact') badField(source, 'options.store', o['store'], '"fingerprint", "exact"');
  for (const k of ['por', 'symmetry', 'merge']) if (typeof o[k] !== 'boolean') badField(source, `options.${k}`, o[k], 'true, false');
  if (o['maxDepth'] !== null && !isCount(o['maxDepth'])) badField(source, 'options.maxDepth', o['maxDepth'], 'null or an integer >= 0');
}

/**
 * Returns `x` as a shard record, or raises MMC204 naming `source` (a file name), the field and
 * what the field allows: the format tag this version writes, every required field, the verdict,
 * shard index and count, search options, property lists and non-negative counts.
 */
export function validateShardRecord(x: unknown, source: string): ShardResult {
  if (!isObject(x)) fail('MMC204', `merge: ${source}: the shard record is ${shown(x)}, not an object; ${HOW}`, { subject: source });
  if (x['format'] !== SHARD_FORMAT) badField(source, 'format', x['format'], `"${SHARD_FORMAT}" (${HOW})`);
  const missing = REQUIRED.filter((k) => x[k] === undefined);
  if (missing.length) fail('MMC204', `merge: ${source}: shard record fields missing: ${missing.join(', ')}; ${HOW}`, { subject: source });
  if (typeof x['model'] !== 'string' || x['model'] === '') badField(source, 'model', x['model'], 'the model name');
  const sh = x['shard'];
  if (!isObject(sh)) badField(source, 'shard', sh, '{ index, count }');
  if (!Number.isSafeInteger(sh['count']) || (sh['count'] as number) < 1) badField(source, 'shard.count', sh['count'], 'an integer >= 1');
  const count = sh['count'] as number;
  if (!Number.isSafeInteger(sh['index']) || (sh['index'] as number) < 0 || (sh['index'] as number) >= count) {
    badField(source, 'shard.index', sh['index'], `an integer from 0 to ${count - 1} (0-based, for ${count} shards)`);
  }
  validateOptions(source, x['options']);
  if (typeof x['plan'] !== 'string' || !/^[0-9a-f]{16}$/.test(x['plan'])) badField(source, 'plan', x['plan'], '16 hex digits');
  if (!(VERDICTS as readonly unknown[]).includes(x['verdict'])) badField(source, 'verdict', x['verdict'], VERDICTS.join(', '));
  if (x['message'] !== undefined && typeof x['message'] !== 'string') badField(source, 'message', x['message'], 'a string');
  if (x['traceLength'] !== undefined && !isCount(x['traceLength'])) badField(source, 'traceLength', x['traceLength'], 'an integer >= 0');
  for (const k of ['sometimes', 'witnessed']) if (!isStringList(x[k])) badField(source, k, x[k], 'a list of property names');
  const extra = (x['witnessed'] as string[]).find((n) => !(x['sometimes'] as string[]).includes(n));
  if (extra !== undefined) badField(source, 'witnessed', extra, `names listed in 'sometimes' (${(x['sometimes'] as string[]).join(', ') || 'none'})`);
  for (const k of ['distinctStates', 'generatedStates']) if (!isCount(x[k])) badField(source, k, x[k], 'an integer >= 0');
  if (typeof x['seconds'] !== 'number' || !Number.isFinite(x['seconds']) || x['seconds'] < 0) badField(source, 'seconds', x['seconds'], 'a number >= 0');
  return x as unknown as ShardResult;
}

/** Returns the fields by which two records of one search may not differ, as [name, value] pairs. */
function searchIdentity(p: ShardResult): [string, unknown][] {
  return [
    ['model', p.model],
    ['shard.count', p.shard.count],
    ...Object.entries(p.options).map(([k, v]): [string, unknown] => [`options.${k}`, v]),
    ['sometimes', p.sometimes],
    ['plan', p.plan],
  ];
}

/** Raises MMC204 unless every record comes from the same search as the first, each shard once. */
function requireOneSearch(parts: readonly ShardResult[], sources: readonly string[]): void {
  const first = searchIdentity(parts[0]!);
  parts.forEach((p, i) => {
    searchIdentity(p).forEach(([field, v], j) => {
      const want = first[j]![1];
      if (JSON.stringify(v) !== JSON.stringify(want)) {
        const why = field === 'plan' ? ' (the shards split different searches: the model file or a parameter changed between runs?)' : '';
        fail('MMC204', `merge: ${sources[i]}: shard record field '${field}' is ${shown(v)} but ${shown(want)} in ${sources[0]}; the shards of one search share model, parameters and options${why}`, { subject: sources[i]! });
      }
    });
  });
  const at = new Map<number, number>();
  parts.forEach((p, i) => {
    const j = at.get(p.shard.index);
    if (j !== undefined) fail('MMC204', `merge: ${sources[i]}: shard ${p.shard.index + 1}/${p.shard.count} is also given as ${sources[j]}; give each shard once`, { subject: sources[i]! });
    at.set(p.shard.index, i);
  });
}

/**
 * Returns the verdict of a set of shard records; `sources` names them in messages (file names;
 * default `record 1`, `record 2`, ...). MMC204 when a record is malformed (see
 * {@link validateShardRecord}) or the records do not form one search.
 */
export function mergeShards(records: readonly unknown[], sources: readonly string[] = records.map((_, i) => `record ${i + 1}`)): MergedResult {
  if (records.length === 0) fail('MMC204', 'merge: no shard results given');
  const parts = records.map((r, i) => validateShardRecord(r, sources[i]!));
  requireOneSearch(parts, sources);
  const first = parts[0]!;
  const count = first.shard.count;
  const seen = new Set(parts.map((p) => p.shard.index));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
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
