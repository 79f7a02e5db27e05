/**
 * Breadth-first search on worker threads, level-synchronous, in one of two modes (see `BfsCore`):
 *
 * - shared (fingerprint store, no `eventually` property; the default): the lanes (this thread and
 *   `workers - 1` worker threads) insert into one fingerprint table in shared memory and take
 *   chunks of every lane's frontier, so no state is copied between threads. This thread starts at
 *   once; a worker joins the level under way as soon as it is ready. Counts, verdicts and the
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
 * A run stopped by a time, memory or state budget, or by `shouldStop`, is `unknown` either way but
 * may stop at a different count. This thread gives the event loop a turn about every 100 ms of its
 * own work, and asks `shouldStop` as often while it waits for the workers; a stop request reaches
 * the workers through the control block.
 */
import { Worker } from 'node:worker_threads';
import type { Model } from './model.js';
import type { Found, PropTable } from './common.js';
import { better, propTable } from './common.js';
import { loadModel, type ModelRef } from './registry.js';
import { buildResult } from './result.js';
import { checkLivenessAsync, livenessWanted } from './liveness.js';
import { CTL, SharedStore, ctlWords, missedStateProbability, readyWord } from './store.js';
import { type Chain, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult, Root } from './types.js';
import type { RoundReply, SharedReply, ToWorker, WorkerInit } from './worker.js';
import { Budget, runAsync } from './common.js';
import { checkBfsAsync } from './bfs.js';
import { BATCH, BfsCore, type CoreSettings, type Frontier, type LaneReport, type SharedMemory, laneSearch, mergeInEffect, sharedTableMode } from './bfs-core.js';

/** Returns the URL of the compiled worker script (next to this module in dist/). */
function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Running from sources (vitest): use the compiled copy in dist/.
    return new URL(here.replace(/\/src\/check\/parallel\.ts$/, '/dist/src/check/worker.js'));
  }
  return new URL('./worker.js', here);
}

/**
 * Returns an empty shared table for `states` states plus the batches that reserve slots without
 * using them all (see `SharedStore.reserve`), so that a run sized by `expectedStates` never grows.
 * Pages not written take no memory.
 */
function tableFor(states: number, n: number, minSlots = 0): SharedArrayBuffer {
  return SharedStore.table(states + 4 * BATCH * n, minSlots);
}

/** What every lane's report has (partitioned rounds and shared lanes). */
type Report = Omit<LaneReport, 'status' | 'pending' | 'front'>;

/** Worker threads by lane, and the requests made of them. */
class Pool {
  /** The worker of each lane (none for this thread's lane 0 in shared mode). */
  readonly workers: Worker[] = [];
  /** Per lane: settles when the worker has built its model and core (rejects if it failed). */
  readonly ready: Promise<void>[] = [];
  private readonly replies: (((r: unknown) => void) | undefined)[] = [];
  private readonly rejecters: (((e: unknown) => void) | undefined)[] = [];
  private readonly asks = new Map<number, (v: [number, number]) => void>();
  private tag = 0;

  /** Starts the worker of lane `init.me`. */
  add(init: WorkerInit): void {
    const k = init.me;
    const w = new Worker(workerUrl(), { workerData: init });
    this.workers[k] = w;
    this.ready[k] = new Promise<void>((resolve, reject) => {
      w.on('error', (e) => {
        reject(e);
        this.rejecters[k]?.(e);
      });
      w.on('message', (m: { type: string; tag?: number; value?: [number, number] }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'parent') this.asks.get(m.tag!)?.(m.value!);
        else this.replies[k]?.(m);
      });
    });
    // A failure is reported where the lane is awaited; this keeps an early one from being unhandled.
    this.ready[k].catch(() => undefined);
  }

  /** Sends a request to the worker of lane `k`; resolves with its reply. */
  send<R>(k: number, msg: ToWorker, transfer: ArrayBuffer[] = []): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.replies[k] = resolve as (r: unknown) => void;
      this.rejecters[k] = reject;
      this.workers[k]!.postMessage(msg, transfer);
    });
  }

  /** Returns `[parentGid, actionIndex]` of local id `local` of lane `k`. */
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
    await Promise.all(this.workers.filter((w) => w !== undefined).map((w) => w.terminate()));
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
  readonly opts: ParallelOptions;
  readonly n: number;
  readonly settings: CoreSettings;
  readonly props: PropTable;
  readonly roots: readonly Root[];
  readonly budget: Budget;
  /** Reports progress from the lanes' last reports (`distinct` when known better). */
  readonly progress: (reports: readonly Report[], level: number, distinct?: number) => void;
  /** The reason `shouldStop` gave (the workers were told through the control block), or null. */
  readonly stopped: () => string | null;
}

/**
 * Asks `shouldStop` every 100 ms (while this thread waits for the workers; its own lane asks
 * through its budget too); on a reason, sets the stop word of the control block, which every lane
 * reads between chunks. Returns the reason seen and a function that ends the watch.
 */
function watchStop(shouldStop: (() => string | null) | undefined, ctl: Int32Array): { reason: () => string | null; end: () => void } {
  let reason: string | null = null;
  const timer = shouldStop
    ? setInterval(() => {
        reason ??= shouldStop();
        if (reason !== null) Atomics.store(ctl, CTL.stop, 1);
      }, 100)
    : undefined;
  timer?.unref();
  return { reason: () => reason ?? (shouldStop ? (reason = shouldStop()) : null), end: () => clearInterval(timer) };
}

/**
 * Runs BFS on `workers` threads; the model is built in each thread from `ref`. With one worker it
 * runs on this thread. Strategies other than BFS are not parallel.
 */
export async function checkParallel(ref: ModelRef, opts: ParallelOptions): Promise<CheckResult> {
  const n = Math.max(1, Math.floor(opts.workers));
  if (n === 1) {
    const m = await loadModel(ref);
    return livenessWanted(m, opts) ? checkLivenessAsync(m, opts) : checkBfsAsync(m, opts);
  }
  // Liveness mode runs on this thread (its result says so in `liveness.notes`).
  if (opts.liveness !== false) {
    const m = await loadModel(ref);
    if (livenessWanted(m, opts)) return checkLivenessAsync(m, opts);
  }
  const budget = new Budget(opts);
  const store = opts.store ?? 'fingerprint';
  // The workers start first, while this thread loads the model: they get the settings as asked
  // (each core narrows them to what the model supports, as this thread does below) and decide
  // the mode from their model as this thread does (`sharedTableMode`).
  const memory: SharedMemory = {
    table: tableFor(opts.expectedStates ?? 1 << 16, n),
    ctl: new SharedArrayBuffer(ctlWords(n) * 4),
  };
  const asked: CoreSettings = { store, por: opts.por ?? true, symmetry: opts.symmetry ?? true, maxDepth: opts.maxDepth ?? Infinity, expectedStates: opts.expectedStates, merge: opts.merge ?? true };
  const init = (me: number): WorkerInit => ({
    ref,
    settings: asked,
    me,
    n,
    roots: opts.roots?.map((r) => r.state) ?? null,
    memory,
    ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
    ...(opts.maxMemoryBytes !== undefined ? { maxMemoryBytes: opts.maxMemoryBytes } : {}),
    ...(opts.maxStates !== undefined ? { maxStates: opts.maxStates } : {}),
  });
  const pool = new Pool();
  const watch = watchStop(opts.shouldStop, new Int32Array(memory.ctl));
  try {
    for (let me = 1; me < n; me++) pool.add(init(me));
    const model = await loadModel(ref);
    const por = asked.por && !!model.isLocal;
    const symmetry = asked.symmetry && !!model.canonicalize;
    const roots = opts.roots ?? initialRoots(model, symmetry);
    const merge = mergeInEffect(model, { ...opts, strategy: 'bfs' });
    const settings: CoreSettings = { ...asked, por, symmetry, merge };
    const props = propTable(model);
    let shown = -Infinity;
    const progress = (reports: readonly Report[], level: number, distinct = reports.reduce((a, r) => a + r.distinct, 0)): void => {
      // At most four lines a second (small levels end far more often).
      const now = performance.now();
      if (now - shown < 250) return;
      shown = now;
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
    const frame: Frame = { model, opts, n, settings, props, roots, budget, progress, stopped: watch.reason };
    let outcome: Outcome;
    if (sharedTableMode(model, store)) outcome = await sharedLevels(frame, pool, memory);
    else {
      pool.add(init(0));
      await Promise.all(pool.ready);
      outcome = await partitionedLevels(frame, pool);
    }
    return await finish(frame, outcome);
  } finally {
    watch.end();
    await pool.close();
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
    let hit = frame.stopped() ?? rs.find((r) => r.hit)?.hit ?? null;
    if (hit === null && opts.maxStates !== undefined && distinct >= opts.maxStates) hit = `state budget of ${opts.maxStates} distinct states reached`;
    progress(rs, level);
    if (hit) return { reports: rs, complete: false, hit, tableBytes: 0, parentOf };
    if (rs.some((r) => r.violation)) return { reports: await all('absorb', inboxes), complete: false, hit: null, tableBytes: 0, parentOf };
    if (rs.every((r) => r.levelSize === 0) && !traffic) return { reports: rs, complete: true, hit: null, tableBytes: 0, parentOf };
  }
}

/**
 * The level loop of shared mode. This thread is lane 0 (it stores the roots); the worker of lane
 * `k` joins as soon as it is ready (it sets its flag in the control block, which this thread
 * reads between chunks of work), in the middle of a level if need be. A level pauses whenever a
 * lane's batch would pass the table's fill limit; then every lane moves a part of the table into
 * a larger one.
 */
async function sharedLevels(frame: Frame, pool: Pool, given: SharedMemory): Promise<Outcome> {
  const { model, n, opts, settings, roots, budget, progress } = frame;
  const ctl = new Int32Array(given.ctl);
  // The table was sized before the initial states were known (the workers get the current table
  // with every level).
  const rootTable = tableFor(roots.length, n);
  const memory: SharedMemory = given.table.byteLength >= rootTable.byteLength ? given : { ...given, table: rootTable };
  const core = new BfsCore(model, settings, 0, n, memory);
  roots.forEach((r, i) => core.addRoot(r.state, i));
  const maxStates = opts.maxStates ?? Infinity;
  const joined: boolean[] = Array.from({ length: n }, (_, i) => i === 0);
  let failure: unknown = null;
  pool.ready.forEach((p) => p.catch((e: unknown) => (failure ??= e)));
  const none: Frontier = { chunks: [], shift: 20, offs: new SharedArrayBuffer(4), count: 0 };
  const reports: (LaneReport | null)[] = Array.from({ length: n }, () => null);
  const known = (): LaneReport[] => reports.filter((r): r is LaneReport => r !== null);
  let table = memory.table;
  const tableBytes = (): number => table.byteLength;
  const parentOf = (gid: number): [number, number] | Promise<[number, number]> => (gid % n === 0 ? core.parentOf(Math.floor(gid / n)) : pool.parentOf(gid % n, Math.floor(gid / n)));
  const readyFlag = (i: number): boolean => Atomics.load(ctl, readyWord(n, i)) !== 0;
  for (let level = 0; ; level++) {
    // Let the messages of workers in (a failure, or readiness when joinLevel waits for it).
    if (level === opts.joinLevel) await Promise.all(pool.ready);
    else if (joined.some((j) => !j)) await new Promise((r) => setImmediate(r));
    if (failure !== null) throw failure;
    const mayJoin = opts.joinLevel === undefined || level >= opts.joinLevel;
    if (mayJoin) for (let i = 1; i < n; i++) joined[i] = joined[i]! || readyFlag(i);
    const fronts = reports.map((r, i) => (i === 0 ? core.nextFrontier() : (r?.front ?? none)));
    for (let i = 0; i < n; i++) ctl[CTL.cursors + i] = 0;
    const lanes = joined.flatMap((j, i) => (j && i > 0 ? [i] : []));
    let current = table;
    const levelMsg = (): ToWorker => ({ type: 'level', level, fronts, table: current });
    const run = async (msg: () => ToWorker): Promise<SharedReply[]> => {
      const theirs = lanes.map((i) => pool.send<SharedReply>(i, msg()));
      reports[0] = await runAsync(laneSearch(core, budget, maxStates, (due) => {
        // A worker that became ready while this thread was busy joins the level under way (its
        // own frontier is empty; it takes chunks of the others').
        if (mayJoin) {
          for (let i = 1; i < n; i++) {
            if (joined[i] || !readyFlag(i)) continue;
            joined[i] = true;
            lanes.push(i);
            theirs.push(pool.send<SharedReply>(i, levelMsg()));
          }
        }
        if (due) progress(known(), level, Atomics.load(ctl, CTL.count));
      }));
      return Promise.all(theirs);
    };
    core.beginLevel(level);
    core.setFrontiers(fronts);
    let rs = await run(levelMsg);
    for (;;) {
      const all = [reports[0]!, ...rs];
      if (!all.some((r) => r.status === 'grow') || all.some((r) => r.status === 'stopped')) break;
      const count = Atomics.load(ctl, CTL.count);
      const waiting = all.reduce((a, r) => a + r.pending, 0);
      // 1.5 times the slots, or more if the waiting batches need it. Every lane moves a part of
      // the old table into the new one; then all continue in it.
      table = tableFor(count + waiting, n, Math.ceil((table.byteLength / 8) * 1.5));
      const into = table;
      const parts = lanes.length + 1;
      const moved = Promise.all(lanes.map((i, k) => pool.send(i, { type: 'move', table: into, part: k + 1, parts })));
      core.moveTable(into, 0, parts);
      await moved;
      ctl[CTL.reserved] = count;
      ctl[CTL.grow] = 0;
      current = table;
      core.setTable(current);
      rs = await run(() => ({ type: 'resume', table: current }));
    }
    lanes.forEach((i, k) => (reports[i] = rs[k]!));
    const all = known();
    const distinct = Atomics.load(ctl, CTL.count);
    let hit = all.find((r) => r.hit)?.hit ?? frame.stopped();
    if (hit === null && distinct >= maxStates) hit = `state budget of ${maxStates} distinct states reached`;
    progress(all, level);
    if (hit !== null) return { reports: all, complete: false, hit, tableBytes: tableBytes(), parentOf };
    if (all.some((r) => r.violation)) return { reports: all, complete: false, hit: null, tableBytes: tableBytes(), parentOf };
    if (all.every((r) => r.front.count === 0)) return { reports: all, complete: true, hit: null, tableBytes: tableBytes(), parentOf };
  }
}
