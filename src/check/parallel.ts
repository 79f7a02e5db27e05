/**
 * Breadth-first search on worker threads. Each worker owns the states whose fingerprint maps to
 * it; levels are synchronous, and successors owned by another worker travel (zero-copy) through
 * the coordinator between levels. Verdicts, counts and counterexamples equal the single-thread run
 * for complete searches and violations (see bfs-core.ts); a run stopped by a time, memory or state
 * budget is `unknown` either way but may stop at a different count.
 */
import { Worker } from 'node:worker_threads';
import type { Found } from './common.js';
import { better, propTable } from './common.js';
import { loadModel, type ModelRef } from './registry.js';
import { buildResult } from './result.js';
import { missedStateProbability } from './store.js';
import { type Chain, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult } from './types.js';
import type { RoundReply, ToWorker, WorkerInit } from './worker.js';
import { Budget } from './common.js';
import { checkBfs } from './bfs.js';
import { mergeInEffect } from './bfs-core.js';

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
  const workers: Worker[] = [];
  const pending = new Map<number, (v: unknown) => void>();
  let tagSeq = 0;
  const replies: ((r: RoundReply) => void)[] = [];
  const rejecters: ((e: unknown) => void)[] = [];
  const errors: unknown[] = [];
  try {
    await Promise.all(
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
        };
        const w = new Worker(workerUrl(), { workerData: init });
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.on('error', (e) => {
            errors.push(e);
            reject(e);
            rejecters[me]?.(e);
          });
          w.on('message', (m: { type: string; tag?: number; value?: unknown }) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'parent') pending.get(m.tag!)?.(m.value);
            else replies[me]!(m as unknown as RoundReply);
          });
        });
      }),
    );
    const send = (type: 'round' | 'absorb', inboxes: Int32Array[][]): Promise<RoundReply[]> =>
      Promise.all(
        workers.map(
          (w, i) =>
            new Promise<RoundReply>((resolve, reject) => {
              replies[i] = resolve;
              rejecters[i] = reject;
              const msg: ToWorker = { type, inbox: inboxes[i]! };
              w.postMessage(msg, inboxes[i]!.map((b) => b.buffer as ArrayBuffer));
            }),
        ),
      );
    let inboxes: Int32Array[][] = workers.map(() => []);
    let last: RoundReply[] = [];
    let complete = false;
    let hit: string | null = null;
    let level = 0;
    for (;;) {
      const rs = await send('round', inboxes);
      last = rs;
      inboxes = workers.map((_, dst) => rs.map((r) => r.outboxes[dst]!).filter((b) => b.length > 0));
      const traffic = inboxes.some((b) => b.length > 0);
      const distinct = rs.reduce((a, r) => a + r.distinct, 0);
      hit = rs.find((r) => r.hit)?.hit ?? null;
      if (hit === null && opts.maxStates !== undefined && distinct >= opts.maxStates) hit = `state budget of ${opts.maxStates} distinct states reached`;
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
      level++;
      if (hit) break;
      if (rs.some((r) => r.violation)) {
        last = await send('absorb', inboxes);
        inboxes = workers.map(() => []);
        break;
      }
      if (rs.every((r) => r.levelSize === 0) && !traffic) {
        complete = true;
        break;
      }
    }
    budget.sampleMemory();
    const props = propTable(model);
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
    const storeBytes = last.reduce((a, r) => a + r.storeBytes, 0);
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
    void errors;
  }
}
