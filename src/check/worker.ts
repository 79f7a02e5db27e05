/**
 * The worker-thread side of `checkParallel`: builds the model from a `ModelRef`, owns one BFS
 * partition, and answers the coordinator's messages (round, absorb, parent, stop).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BfsCore, type CoreSettings } from './bfs-core.js';
import { Budget } from './common.js';
import { loadModel, type ModelRef } from './registry.js';

/** What the coordinator passes at spawn. */
export interface WorkerInit {
  readonly ref: ModelRef;
  readonly settings: CoreSettings;
  readonly me: number;
  readonly n: number;
  readonly roots: Int32Array[];
  readonly timeSeconds?: number;
  readonly maxMemoryBytes?: number;
  readonly maxStates?: number;
}

/** Messages from the coordinator. */
export type ToWorker = { type: 'round'; inbox: Int32Array[] } | { type: 'absorb'; inbox: Int32Array[] } | { type: 'parent'; local: number; tag: number };

/** A round's reply. */
export interface RoundReply {
  readonly type: 'round' | 'absorb';
  readonly levelSize: number;
  readonly outboxes: Int32Array[];
  readonly generated: number;
  readonly distinct: number;
  readonly deepest: number;
  readonly queued: number;
  readonly storeBytes: number;
  readonly violation: import('./common.js').Found | null;
  readonly witnesses: (import('./common.js').Found | null)[];
  readonly depthCut: boolean;
  readonly hit: string | null;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  const model = await loadModel(init.ref);
  const core = new BfsCore(model, init.settings, init.me, init.n);
  init.roots.forEach((r, i) => core.addRoot(r, i));
  const budget = new Budget({ timeSeconds: init.timeSeconds, maxMemoryBytes: init.maxMemoryBytes, progressMs: 1e9 });
  const perWorkerMax = init.maxStates !== undefined ? Math.ceil(init.maxStates / init.n) : Infinity;
  const reply = (type: 'round' | 'absorb', levelSize: number, hit: string | null): void => {
    const outboxes = core.out.map((_, i) => (i === init.me ? new Int32Array(0) : core.takeOutbox(i)));
    const r: RoundReply = {
      type,
      levelSize,
      outboxes,
      generated: core.generated,
      distinct: core.store.size,
      deepest: core.deepest,
      queued: core.queued,
      storeBytes: core.storeBytes(),
      violation: core.violation,
      witnesses: core.witnesses,
      depthCut: core.depthCut,
      hit,
    };
    port.postMessage(r, outboxes.map((b) => b.buffer as ArrayBuffer));
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'parent') {
      port.postMessage({ type: 'parent', tag: m.tag, value: core.parentOf(m.local) });
      return;
    }
    for (const b of m.inbox) {
      core.absorb(b);
      core.recycle(b);
    }
    if (m.type === 'absorb') {
      core.noteNext();
      reply('absorb', 0, null);
      return;
    }
    const size = core.beginLevel();
    let hit: string | null = null;
    while (!core.expand(4096)) {
      const b = budget.check();
      if (b.stop) {
        hit = budget.hit;
        break;
      }
      if (core.store.size >= perWorkerMax) {
        hit = `state budget of ${init.maxStates} distinct states reached`;
        break;
      }
    }
    reply('round', size, hit);
  });
  port.postMessage({ type: 'ready' });
}

await main();
