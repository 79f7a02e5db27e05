/**
 * Breadth-first search on worker threads, level-synchronous, in one of two modes (see `BfsCore`):
 *
 * - shared (fingerprint store, no `eventually` property; the default): the workers insert into one
 *   fingerprint table in shared memory and take chunks of every worker's frontier, so no state is
 *   copied between threads. Counts, verdicts and the reported state equal the single-thread run;
 *   when two workers reach a state in the same level, which parent is kept depends on timing, so the
 *   counterexample is a shortest path to that state but not always the one a single thread prints.
 * - partitioned (exact store, or `eventually` properties, whose verdict depends on which parent is
 *   kept first): each worker owns the states whose fingerprint maps to it, and successors owned by
 *   another worker travel (zero-copy) through the coordinator between levels; counts,
 *   verdicts and counterexamples equal the single-thread run.
 *
 * A run stopped by a time, memory or state budget is `unknown` either way but may stop at a
 * different count.
 */
import { Worker } from 'node:worker_threads';
import type { Found } from './common.js';
import { better, propTable } from './common.js';
import { loadModel, type ModelRef } from './registry.js';
import { buildResult } from './result.js';
import { CTL, SharedStore, ctlWords, missedStateProbability, rehashFingerprints } from './store.js';
import { type Chain, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult } from './types.js';
import type { RoundReply, SharedReply, ToWorker, WorkerInit } from './worker.js';
import { Budget } from './common.js';
import { checkBfs } from './bfs.js';
import { BATCH, type Frontier, type SharedMemory, mergeInEffect } from './bfs-core.js';

/** Returns the URL of the compiled worker script (next to this module in dist/). */
function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Running from sources (vitest): use the compiled copy in dist/.
    return new URL(here.replace(/\/src\/check\/parallel\.ts$/, '/dist/src/check/worker.js'));
  }
  return new URL('./worker.js', here);
}

/** What both modes' replies report. */
type Reply = RoundReply | SharedReply;

/** How a run of levels ended. */
interface Levels {
  readonly last: readonly Reply[];
  readonly complete: boolean;
  readonly hit: string | null;
  /** Bytes of the shared table (0 in partitioned mode, where each reply counts its own store). */
  readonly tableBytes: number;
}

/** Talks to the workers: one request to each, all replies. */
type Send = <R extends Reply>(msg: (i: number) => ToWorker, transfer?: (i: number) => ArrayBuffer[]) => Promise<R[]>;

/**
 * Runs BFS on `workers` threads; the model is built in each thread from `ref`. With one worker it
 * runs on this thread. Strategies other than BFS are not parallel.
 */
export async function checkParallel(ref: ModelRef, opts: CheckOptions & { readonly workers: number }): Promise<CheckResult> {
  const model = await loadModel(ref);
  const n = Math.max(1, Math.floor(opts.workers));
  if (n === 1) return checkBfs(model, opts);
  const budget = new Budget(opts);
  const por = (opts.por ?? true) && !!model.isLocal;
  const symmetry = (opts.symmetry ?? true) && !!model.canonicalize;
  const roots = opts.roots ?? initialRoots(model, symmetry);
  const merge = mergeInEffect(model, { ...opts, strategy: 'bfs' });
  const settings = { store: opts.store ?? 'fingerprint', por, symmetry, maxDepth: opts.maxDepth ?? Infinity, expectedStates: opts.expectedStates, merge } as const;
  const props = propTable(model);
  const memory: SharedMemory | undefined =
    settings.store === 'fingerprint' && props.eventually.length === 0
      ? {
          // Room for the expected states plus the batches that reserve slots without using them
          // all (see `SharedStore.reserve`), so that a sized run never grows.
          table: new SharedArrayBuffer(SharedStore.capacityFor(Math.max(opts.expectedStates ?? 1 << 16, roots.length) + 4 * BATCH * n) * 8),
          ctl: new SharedArrayBuffer(ctlWords(n) * 4),
        }
      : undefined;
  const workers: Worker[] = [];
  const pending = new Map<number, (v: unknown) => void>();
  let tagSeq = 0;
  const replies: ((r: Reply) => void)[] = [];
  const rejecters: ((e: unknown) => void)[] = [];
  try {
    const ready = await Promise.all(
      Array.from({ length: n }, (_, me) => {
        const init: WorkerInit = {
          ref,
          settings,
          me,
          n,
          roots: roots.map((r) => r.state),
          ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
          ...(opts.maxMemoryBytes !== undefined ? { maxMemoryBytes: opts.maxMemoryBytes } : {}),
          ...(opts.maxStates !== undefined ? { maxStates: opts.maxStates } : {}),
          ...(memory !== undefined ? { memory } : {}),
        };
        const w = new Worker(workerUrl(), { workerData: init });
        workers.push(w);
        return new Promise<{ front?: Frontier }>((resolve, reject) => {
          w.on('error', (e) => {
            reject(e);
            rejecters[me]?.(e);
          });
          w.on('message', (m: { type: string; tag?: number; value?: unknown; front?: Frontier }) => {
            if (m.type === 'ready') resolve(m);
            else if (m.type === 'parent') pending.get(m.tag!)?.(m.value);
            else replies[me]!(m as unknown as Reply);
          });
        });
      }),
    );
    const send: Send = <R extends Reply>(msg: (i: number) => ToWorker, transfer?: (i: number) => ArrayBuffer[]) =>
      Promise.all(
        workers.map(
          (w, i) =>
            new Promise<R>((resolve, reject) => {
              replies[i] = resolve as (r: Reply) => void;
              rejecters[i] = reject;
              w.postMessage(msg(i), transfer?.(i) ?? []);
            }),
        ),
      );
    const progress = (rs: readonly Reply[], level: number, distinct = rs.reduce((a, r) => a + r.distinct, 0)): void => {
      budget.sampleMemory();
      opts.onProgress?.({
        generatedStates: rs.reduce((a, r) => a + r.generated, 0),
        distinctStates: distinct,
        depth: level,
        queue: rs.reduce((a, r) => a + r.queued, 0),
        seconds: budget.seconds(),
        statesPerSecond: distinct / budget.seconds(),
        memoryBytes: budget.peakRss,
      });
    };
    const { last, complete, hit, tableBytes } =
      memory !== undefined
        ? await sharedLevels(send, memory, ready.map((r) => r.front!), n, opts.maxStates, progress)
        : await partitionedLevels(send, workers.length, opts.maxStates, progress);
    budget.sampleMemory();
    let violation: Found | null = null;
    for (const r of last) if (r.violation && better(r.violation, violation)) violation = r.violation;
    const witnesses: (Found | null)[] = props.sometimes.map((_, i) => {
      let best: Found | null = null;
      for (const r of last) {
        const w = r.witnesses[i];
        if (w && better(w, best)) best = w;
      }
      return best;
    });
    // Rebuild index chains by asking the owning workers for parent pointers.
    const parentOf = (gid: number): Promise<[number, number]> =>
      new Promise((resolve) => {
        const tag = tagSeq++;
        pending.set(tag, (v) => {
          pending.delete(tag);
          resolve(v as [number, number]);
        });
        const msg: ToWorker = { type: 'parent', local: Math.floor(gid / n), tag };
        workers[gid % n]!.postMessage(msg);
      });
    const chains = new Map<Found, Chain>();
    for (const f of [violation, ...witnesses]) {
      if (!f) continue;
      const rev: number[] = [];
      let g = f.gid;
      for (;;) {
        const [p, a] = await parentOf(g);
        if (p < 0) {
          chains.set(f, { rootIndex: -1 - p, indices: rev.reverse() });
          break;
        }
        rev.push(a);
        g = p;
      }
    }
    const distinct = last.reduce((a, r) => a + r.distinct, 0);
    const storeBytes = tableBytes + last.reduce((a, r) => a + r.storeBytes, 0);
    const depthCut = last.some((r) => r.depthCut);
    return buildResult({
      model,
      strategy: 'bfs',
      props,
      reductions: { por, symmetry, merge },
      roots,
      violation,
      witnesses,
      complete: complete && !depthCut,
      incompleteReason: hit ?? (depthCut ? `depth bound of ${opts.maxDepth} reached: states at that depth have unexplored successors` : null),
      stats: {
        distinctStates: distinct,
        generatedStates: last.reduce((a, r) => a + r.generated, 0),
        maxDepth: Math.max(...last.map((r) => r.deepest)),
        seconds: budget.seconds(),
        peakMemoryBytes: budget.peakRss,
        storeBytes,
        bytesPerState: distinct ? storeBytes / distinct : 0,
        missedStateProbability: settings.store === 'exact' ? 0 : missedStateProbability(distinct),
        queueLeft: complete ? 0 : last.reduce((a, r) => a + r.queued, 0),
        workers: n,
      },
      chainOf: (f) => chains.get(f)!,
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The level loop of partitioned mode: each round expands a level and returns the outboxes. */
async function partitionedLevels(send: Send, n: number, maxStates: number | undefined, progress: (rs: readonly Reply[], level: number) => void): Promise<Levels> {
  let inboxes: Int32Array[][] = Array.from({ length: n }, () => []);
  let last: RoundReply[] = [];
  let hit: string | null = null;
  for (let level = 0; ; level++) {
    const rs: RoundReply[] = await send<RoundReply>(
      (i) => ({ type: 'round', inbox: inboxes[i]! }),
      (i) => inboxes[i]!.map((b) => b.buffer as ArrayBuffer),
    );
    last = rs;
    inboxes = inboxes.map((_, dst) => rs.map((r) => r.outboxes[dst]!).filter((b) => b.length > 0));
    const traffic = inboxes.some((b) => b.length > 0);
    const distinct = rs.reduce((a, r) => a + r.distinct, 0);
    hit = rs.find((r) => r.hit)?.hit ?? null;
    if (hit === null && maxStates !== undefined && distinct >= maxStates) hit = `state budget of ${maxStates} distinct states reached`;
    progress(rs, level);
    if (hit) return { last, complete: false, hit, tableBytes: 0 };
    if (rs.some((r) => r.violation)) {
      last = await send<RoundReply>(
        (i) => ({ type: 'absorb', inbox: inboxes[i]! }),
        (i) => inboxes[i]!.map((b) => b.buffer as ArrayBuffer),
      );
      return { last, complete: false, hit: null, tableBytes: 0 };
    }
    if (rs.every((r) => r.levelSize === 0) && !traffic) return { last, complete: true, hit: null, tableBytes: 0 };
  }
}

/**
 * The level loop of shared mode: each level's frontiers go to every worker; a level pauses
 * whenever a worker's batch would pass the table's fill limit, and the table is grown here.
 */
async function sharedLevels(
  send: Send,
  memory: SharedMemory,
  first: Frontier[],
  n: number,
  maxStates: number | undefined,
  progress: (rs: readonly Reply[], level: number, distinct?: number) => void,
): Promise<Levels> {
  const ctl = new Int32Array(memory.ctl);
  let table = memory.table;
  let fronts = first;
  let last: SharedReply[] = [];
  for (let level = 0; ; level++) {
    for (let i = 0; i < n; i++) ctl[CTL.cursors + i] = 0;
    // Progress inside a long level: the shared count is live.
    const timer = setInterval(() => progress(last, level, Atomics.load(ctl, CTL.count)), 1000);
    let rs: SharedReply[];
    try {
      rs = await send<SharedReply>(() => ({ type: 'level', fronts }));
      while (rs.some((r) => r.status === 'grow') && !rs.some((r) => r.status === 'stopped')) {
        const count = Atomics.load(ctl, CTL.count);
        const waiting = rs.reduce((a, r) => a + r.pending, 0);
        const cap = Math.max(Math.ceil((table.byteLength / 8) * 1.5), SharedStore.capacityFor(count + waiting + 4 * BATCH * n));
        table = rehashFingerprints(new Int32Array(table), cap, true).buffer as SharedArrayBuffer;
        ctl[CTL.reserved] = count;
        ctl[CTL.grow] = 0;
        const t = table;
        rs = await send<SharedReply>(() => ({ type: 'resume', table: t }));
      }
    } finally {
      clearInterval(timer);
    }
    last = rs;
    const distinct = Atomics.load(ctl, CTL.count);
    let hit = rs.find((r) => r.hit)?.hit ?? null;
    if (hit === null && maxStates !== undefined && distinct >= maxStates) hit = `state budget of ${maxStates} distinct states reached`;
    progress(rs, level);
    if (hit !== null) return { last, complete: false, hit, tableBytes: table.byteLength };
    if (rs.some((r) => r.violation)) return { last, complete: false, hit: null, tableBytes: table.byteLength };
    fronts = rs.map((r) => r.front);
    if (fronts.every((f) => f.count === 0)) return { last, complete: true, hit: null, tableBytes: table.byteLength };
  }
}
