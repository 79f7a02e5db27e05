/**
 * Breadth-first search on worker threads, level-synchronous, in one of two modes (see `BfsCore`):
 *
 * - shared (fingerprint store, no `eventually` property; the default): the lanes (this thread and
 *   `workers - 1` worker threads) insert into one fingerprint table in shared memory and take
 *   chunks of every lane's frontier, so no state is copied between threads. This thread starts at
 *   once; a worker joins at the first level after it has started. Counts, verdicts and the
 *   reported state equal the single-thread run; when two lanes reach a state in the same level,
 *   which parent is kept depends on timing, so the counterexample is a shortest path to that
 *   state but not always the one a single thread prints.
 * - partitioned (exact store, or `eventually` properties, whose verdict can depend on which parent
 *   is kept, so it must not depend on timing): each of `workers` worker threads owns the states
 *   whose fingerprint maps to it, and successors owned by another travel (zero-copy) through this
 *   thread between levels. Deterministic: the same counterexample every run, the reported state
 *   and the counts of the single-thread run (the path can differ from one thread's, as the order
 *   in which a partition meets a state's parents differs).
 *
 * A run stopped by a time, memory or state budget is `unknown` either way but may stop at a
 * different count.
 */
import { Worker } from 'node:worker_threads';
import type { Model } from './model.js';
import type { Found, PropTable } from './common.js';
import { better, propTable } from './common.js';
import { loadModel, type ModelRef } from './registry.js';
import { buildResult } from './result.js';
import { CTL, SharedStore, ctlWords, missedStateProbability } from './store.js';
import { type Chain, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult, Root } from './types.js';
import type { RoundReply, SharedReply, ToWorker, WorkerInit } from './worker.js';
import { Budget } from './common.js';
import { checkBfs } from './bfs.js';
import { BATCH, BfsCore, type CoreSettings, type Frontier, type LaneReport, type SharedMemory, mergeInEffect, runLane } from './bfs-core.js';

/** Returns the URL of the compiled worker script (next to this module in dist/). */
function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Running from sources (vitest): use the compiled copy in dist/.
    return new URL(here.replace(/\/src\/check\/parallel\.ts$/, '/dist/src/check/worker.js'));
  }
  return new URL('./worker.js', here);
}

/** What every lane's report has (partitioned rounds and shared lanes). */
type Report = Omit<LaneReport, 'status' | 'pending' | 'front'>;

/** Worker threads and the requests made of them. */
class Pool {
  readonly workers: Worker[] = [];
  /** Settles when the worker has built its model and core (rejects if it failed). */
  readonly ready: Promise<void>[] = [];
  private readonly replies: (((r: unknown) => void) | undefined)[] = [];
  private readonly rejecters: (((e: unknown) => void) | undefined)[] = [];
  private readonly asks = new Map<number, (v: [number, number]) => void>();
  private tag = 0;

  /** Starts a worker per `init` (worker `k` of the pool is `inits[k]`). */
  constructor(inits: readonly WorkerInit[]) {
    for (const init of inits) {
      const k = this.workers.length;
      const w = new Worker(workerUrl(), { workerData: init });
      this.workers.push(w);
      this.ready.push(
        new Promise<void>((resolve, reject) => {
          w.on('error', (e) => {
            reject(e);
            this.rejecters[k]?.(e);
          });
          w.on('message', (m: { type: string; tag?: number; value?: [number, number] }) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'parent') this.asks.get(m.tag!)?.(m.value!);
            else this.replies[k]?.(m);
          });
        }),
      );
    }
  }

  /** Sends a request to worker `k`; resolves with its reply. */
  send<R>(k: number, msg: ToWorker, transfer: ArrayBuffer[] = []): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.replies[k] = resolve as (r: unknown) => void;
      this.rejecters[k] = reject;
      this.workers[k]!.postMessage(msg, transfer);
    });
  }

  /** Returns `[parentGid, actionIndex]` of local id `local` of worker `k`. */
  parentOf(k: number, local: number): Promise<[number, number]> {
    return new Promise((resolve) => {
      const tag = this.tag++;
      this.asks.set(tag, (v) => {
        this.asks.delete(tag);
        resolve(v);
      });
      const msg: ToWorker = { type: 'parent', local, tag };
      this.workers[k]!.postMessage(msg);
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    for (const p of this.ready) p.catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** What a run of levels hands to {@link finish}. */
interface Outcome {
  readonly reports: readonly Report[];
  readonly complete: boolean;
  readonly hit: string | null;
  /** Bytes of the shared table (0 in partitioned mode, where each report counts its own store). */
  readonly tableBytes: number;
  /** Returns `[parentGid, actionIndex]` of a global id. */
  readonly parentOf: (gid: number) => [number, number] | Promise<[number, number]>;
}

/** Options of {@link checkParallel}. */
export interface ParallelOptions extends CheckOptions {
  /** Number of threads (this one included in shared mode). */
  readonly workers: number;
  /**
   * Shared mode, for tests that must exercise every lane or a late join: the workers join at this
   * level (this thread waits for them there if they are not ready yet). By default this thread
   * starts at once and each worker joins at the first level after it is ready, so a small model
   * may be done before any joins.
   */
  readonly joinLevel?: number | undefined;
}

/** The common frame of both modes. */
interface Frame {
  readonly model: Model;
  readonly ref: ModelRef;
  readonly opts: ParallelOptions;
  readonly n: number;
  readonly settings: CoreSettings;
  readonly props: PropTable;
  readonly roots: readonly Root[];
  readonly budget: Budget;
  /** Reports progress from the lanes' last reports (`distinct` when known better). */
  readonly progress: (reports: readonly Report[], level: number, distinct?: number) => void;
}

/**
 * Runs BFS on `workers` threads; the model is built in each thread from `ref`. With one worker it
 * runs on this thread. Strategies other than BFS are not parallel.
 */
export async function checkParallel(ref: ModelRef, opts: ParallelOptions): Promise<CheckResult> {
  const model = await loadModel(ref);
  const n = Math.max(1, Math.floor(opts.workers));
  if (n === 1) return checkBfs(model, opts);
  const budget = new Budget(opts);
  const por = (opts.por ?? true) && !!model.isLocal;
  const symmetry = (opts.symmetry ?? true) && !!model.canonicalize;
  const roots = opts.roots ?? initialRoots(model, symmetry);
  const merge = mergeInEffect(model, { ...opts, strategy: 'bfs' });
  const settings: CoreSettings = { store: opts.store ?? 'fingerprint', por, symmetry, maxDepth: opts.maxDepth ?? Infinity, expectedStates: opts.expectedStates, merge };
  const props = propTable(model);
  const progress = (reports: readonly Report[], level: number, distinct = reports.reduce((a, r) => a + r.distinct, 0)): void => {
    budget.sampleMemory();
    opts.onProgress?.({
      generatedStates: reports.reduce((a, r) => a + r.generated, 0),
      distinctStates: distinct,
      depth: level,
      queue: reports.reduce((a, r) => a + r.queued, 0),
      seconds: budget.seconds(),
      statesPerSecond: distinct / budget.seconds(),
      memoryBytes: budget.peakRss,
    });
  };
  const frame: Frame = { model, ref, opts, n, settings, props, roots, budget, progress };
  const shared = settings.store === 'fingerprint' && props.eventually.length === 0;
  const inits = (first: number, memory?: SharedMemory): WorkerInit[] =>
    Array.from({ length: n - first }, (_, k) => ({
      ref,
      settings,
      me: first + k,
      n,
      roots: shared ? [] : roots.map((r) => r.state),
      ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
      ...(opts.maxMemoryBytes !== undefined ? { maxMemoryBytes: opts.maxMemoryBytes } : {}),
      ...(opts.maxStates !== undefined ? { maxStates: opts.maxStates } : {}),
      ...(memory !== undefined ? { memory } : {}),
    }));
  let pool: Pool | null = null;
  try {
    let outcome: Outcome;
    if (shared) {
      const memory: SharedMemory = {
        // Room for the expected states plus the batches that reserve slots without using them all
        // (see `SharedStore.reserve`), so that a sized run never grows.
        table: new SharedArrayBuffer(SharedStore.capacityFor(Math.max(opts.expectedStates ?? 1 << 16, roots.length) + 4 * BATCH * n) * 8),
        ctl: new SharedArrayBuffer(ctlWords(n) * 4),
      };
      pool = new Pool(inits(1, memory));
      outcome = await sharedLevels(frame, pool, memory);
    } else {
      pool = new Pool(inits(0));
      await Promise.all(pool.ready);
      outcome = await partitionedLevels(frame, pool);
    }
    return await finish(frame, outcome);
  } finally {
    await pool?.close();
  }
}

/** Builds the result: the best violation and witnesses over the lanes, their paths, the statistics. */
async function finish(frame: Frame, o: Outcome): Promise<CheckResult> {
  const { model, opts, n, settings, props, roots, budget } = frame;
  budget.sampleMemory();
  let violation: Found | null = null;
  for (const r of o.reports) if (r.violation && better(r.violation, violation)) violation = r.violation;
  const witnesses: (Found | null)[] = props.sometimes.map((_, i) => {
    let best: Found | null = null;
    for (const r of o.reports) {
      const w = r.witnesses[i];
      if (w && better(w, best)) best = w;
    }
    return best;
  });
  // Rebuild index chains from the owning lanes' parent pointers.
  const chains = new Map<Found, Chain>();
  for (const f of [violation, ...witnesses]) {
    if (!f) continue;
    const rev: number[] = [];
    let g = f.gid;
    for (;;) {
      const [p, a] = await o.parentOf(g);
      if (p < 0) {
        chains.set(f, { rootIndex: -1 - p, indices: rev.reverse() });
        break;
      }
      rev.push(a);
      g = p;
    }
  }
  const distinct = o.reports.reduce((a, r) => a + r.distinct, 0);
  const storeBytes = o.tableBytes + o.reports.reduce((a, r) => a + r.storeBytes, 0);
  const depthCut = o.reports.some((r) => r.depthCut);
  return buildResult({
    model,
    strategy: 'bfs',
    props,
    reductions: { por: settings.por, symmetry: settings.symmetry, merge: settings.merge === true },
    roots,
    violation,
    witnesses,
    complete: o.complete && !depthCut,
    incompleteReason: o.hit ?? (depthCut ? `depth bound of ${opts.maxDepth} reached: states at that depth have unexplored successors` : null),
    stats: {
      distinctStates: distinct,
      generatedStates: o.reports.reduce((a, r) => a + r.generated, 0),
      maxDepth: Math.max(...o.reports.map((r) => r.deepest)),
      seconds: budget.seconds(),
      peakMemoryBytes: budget.peakRss,
      storeBytes,
      bytesPerState: distinct ? storeBytes / distinct : 0,
      missedStateProbability: settings.store === 'exact' ? 0 : missedStateProbability(distinct),
      queueLeft: o.complete ? 0 : o.reports.reduce((a, r) => a + r.queued, 0),
      workers: n,
    },
    chainOf: (f) => chains.get(f)!,
  });
}

/** The level loop of partitioned mode: each round expands a level and returns the outboxes. */
async function partitionedLevels(frame: Frame, pool: Pool): Promise<Outcome> {
  const { n, opts, progress } = frame;
  const parentOf = (gid: number): Promise<[number, number]> => pool.parentOf(gid % n, Math.floor(gid / n));
  const all = (type: 'round' | 'absorb', inboxes: Int32Array[][]): Promise<RoundReply[]> =>
    Promise.all(pool.workers.map((_, i) => pool.send<RoundReply>(i, { type, inbox: inboxes[i]! }, inboxes[i]!.map((b) => b.buffer as ArrayBuffer))));
  let inboxes: Int32Array[][] = Array.from({ length: n }, () => []);
  for (let level = 0; ; level++) {
    const rs = await all('round', inboxes);
    inboxes = inboxes.map((_, dst) => rs.map((r) => r.outboxes[dst]!).filter((b) => b.length > 0));
    const traffic = inboxes.some((b) => b.length > 0);
    const distinct = rs.reduce((a, r) => a + r.distinct, 0);
    let hit = rs.find((r) => r.hit)?.hit ?? null;
    if (hit === null && opts.maxStates !== undefined && distinct >= opts.maxStates) hit = `state budget of ${opts.maxStates} distinct states reached`;
    progress(rs, level);
    if (hit) return { reports: rs, complete: false, hit, tableBytes: 0, parentOf };
    if (rs.some((r) => r.violation)) return { reports: await all('absorb', inboxes), complete: false, hit: null, tableBytes: 0, parentOf };
    if (rs.every((r) => r.levelSize === 0) && !traffic) return { reports: rs, complete: true, hit: null, tableBytes: 0, parentOf };
  }
}

/**
 * The level loop of shared mode. This thread is lane 0 (it stores the roots); worker `k` of the
 * pool is lane `k + 1` and joins at the first level that begins after it is ready. A level pauses
 * whenever a lane's batch would pass the table's fill limit; the table is grown here.
 */
async function sharedLevels(frame: Frame, pool: Pool, memory: SharedMemory): Promise<Outcome> {
  const { model, n, opts, settings, roots, budget, progress } = frame;
  const ctl = new Int32Array(memory.ctl);
  const core = new BfsCore(model, settings, 0, n, memory);
  roots.forEach((r, i) => core.addRoot(r.state, i));
  const maxStates = opts.maxStates ?? Infinity;
  const joined: boolean[] = Array.from({ length: n }, (_, i) => i === 0);
  const isReady: boolean[] = joined.slice();
  let failure: unknown = null;
  pool.ready.forEach((p, k) =>
    p.then(
      () => (isReady[k + 1] = true),
      (e: unknown) => (failure ??= e),
    ),
  );
  const none: Frontier = { buf: new SharedArrayBuffer(4), count: 0 };
  const reports: (LaneReport | null)[] = Array.from({ length: n }, () => null);
  const known = (): LaneReport[] => reports.filter((r): r is LaneReport => r !== null);
  let table = memory.table;
  const tableBytes = (): number => table.byteLength;
  const parentOf = (gid: number): [number, number] | Promise<[number, number]> => (gid % n === 0 ? core.parentOf(Math.floor(gid / n)) : pool.parentOf((gid % n) - 1, Math.floor(gid / n)));
  for (let level = 0; ; level++) {
    // Let the messages of workers that became ready in.
    if (level === opts.joinLevel) await Promise.all(pool.ready);
    else if (joined.some((j) => !j)) await new Promise((r) => setImmediate(r));
    if (failure !== null) throw failure;
    if (opts.joinLevel === undefined || level >= opts.joinLevel) for (let i = 1; i < n; i++) joined[i] = isReady[i]!;
    const fronts = reports.map((r, i) => (i === 0 ? core.nextFrontier() : (r?.front ?? none)));
    for (let i = 0; i < n; i++) ctl[CTL.cursors + i] = 0;
    const lanes = joined.flatMap((j, i) => (j && i > 0 ? [i] : []));
    const run = (msg: (i: number) => ToWorker): Promise<SharedReply[]> => {
      const theirs = Promise.all(lanes.map((i) => pool.send<SharedReply>(i - 1, msg(i))));
      reports[0] = runLane(core, budget, maxStates, (due) => {
        if (due) progress(known(), level, Atomics.load(ctl, CTL.count));
      });
      return theirs;
    };
    core.beginLevel(level);
    core.setFrontiers(fronts);
    const current = table;
    let rs = await run(() => ({ type: 'level', level, fronts, table: current }));
    for (;;) {
      const all = [reports[0]!, ...rs];
      if (!all.some((r) => r.status === 'grow') || all.some((r) => r.status === 'stopped')) break;
      const count = Atomics.load(ctl, CTL.count);
      const waiting = all.reduce((a, r) => a + r.pending, 0);
      const cap = Math.max(Math.ceil((table.byteLength / 8) * 1.5), SharedStore.capacityFor(count + waiting + 4 * BATCH * n));
      // Every lane moves a part of the old table into the new one; then all continue in it.
      table = new SharedArrayBuffer(cap * 8);
      const into = table;
      const parts = lanes.length + 1;
      const moved = Promise.all(lanes.map((i, k) => pool.send(i - 1, { type: 'move', table: into, part: k + 1, parts })));
      core.moveTable(into, 0, parts);
      await moved;
      ctl[CTL.reserved] = count;
      ctl[CTL.grow] = 0;
      const t = table;
      core.setTable(t);
      rs = await run(() => ({ type: 'resume', table: t }));
    }
    lanes.forEach((i, k) => (reports[i] = rs[k]!));
    const all = known();
    const distinct = Atomics.load(ctl, CTL.count);
    let hit = all.find((r) => r.hit)?.hit ?? null;
    if (hit === null && distinct >= maxStates) hit = `state budget of ${maxStates} distinct states reached`;
    progress(all, level);
    if (hit !== null) return { reports: all, complete: false, hit, tableBytes: tableBytes(), parentOf };
    if (all.some((r) => r.violation)) return { reports: all, complete: false, hit: null, tableBytes: tableBytes(), parentOf };
    if (all.every((r) => r.front.count === 0)) return { reports: all, complete: true, hit: null, tableBytes: tableBytes(), parentOf };
  }
}
