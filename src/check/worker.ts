/**
 * The worker-thread side of `checkParallel`: builds the model from a `ModelRef`, runs one BFS core
 * (a partition, or a worker of the shared table), and answers the coordinator's messages
 * (partitioned: round, absorb; shared: level, move, resume; both: parent).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BfsCore, type CoreSettings, type Frontier, type LaneReport, type SharedMemory, runLane, sharedTableMode } from './bfs-core.js';
import { initialRoots } from './trace.js';
import { Budget } from './common.js';
import { loadModel, type ModelRef } from './registry.js';
import { CTL, readyWord } from './store.js';

/** What the coordinator passes at spawn. */
export interface WorkerInit {
  readonly ref: ModelRef;
  readonly settings: CoreSettings;
  readonly me: number;
  readonly n: number;
  /** Initial states (canonical already); null: the model's own (`initialRoots`). */
  readonly roots: Int32Array[] | null;
  readonly timeSeconds?: number;
  readonly maxMemoryBytes?: number;
  readonly maxStates?: number;
  /** The shared table and control block, used when the model runs in shared mode (`sharedTableMode`). */
  readonly memory: SharedMemory;
}

/** Messages from the coordinator. */
export type ToWorker =
  | { type: 'round'; inbox: Int32Array[] }
  | { type: 'absorb'; inbox: Int32Array[] }
  | { type: 'level'; level: number; fronts: Frontier[]; table: SharedArrayBuffer }
  | { type: 'move'; table: SharedArrayBuffer; part: number; parts: number }
  | { type: 'resume'; table: SharedArrayBuffer }
  | { type: 'parent'; local: number; tag: number };

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

/** A shared-mode reply (see `runLane`). */
export type SharedReply = LaneReport & { readonly type: 'level' };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  const model = await loadModel(init.ref);
  const budget = new Budget({ timeSeconds: init.timeSeconds, maxMemoryBytes: init.maxMemoryBytes, progressMs: 1e9 });
  // The coordinator decides the mode from the same model the same way.
  if (sharedTableMode(model, init.settings.store)) {
    serveShared(new BfsCore(model, init.settings, init.me, init.n, init.memory), budget, init);
    return;
  }
  const core = new BfsCore(model, init.settings, init.me, init.n);
  (init.roots ?? initialRoots(model, core.reductions.symmetry).map((r) => r.state)).forEach((r, i) => core.addRoot(r, i));
  const perWorkerMax = init.maxStates !== undefined ? Math.ceil(init.maxStates / init.n) : Infinity;
  const ctl = new Int32Array(init.memory.ctl);
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
    if (m.type !== 'round' && m.type !== 'absorb') return;
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
    try {
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
        // The coordinator was asked to stop (it reports its own reason).
        if (Atomics.load(ctl, CTL.stop) !== 0) {
          hit = 'stopped';
          break;
        }
      }
    } catch (e) {
      hit = budget.exhausted(e);
    }
    reply('round', size, hit);
  });
  port.postMessage({ type: 'ready' });
}

/** Shared mode: runs levels (and parts of levels between growth pauses) on the coordinator's word. */
function serveShared(core: BfsCore, budget: Budget, init: WorkerInit): void {
  const port = parentPort!;
  const maxStates = init.maxStates ?? Infinity;
  const run = (): void => {
    const r: SharedReply = { type: 'level', ...runLane(core, budget, maxStates) };
    port.postMessage(r);
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'parent') port.postMessage({ type: 'parent', tag: m.tag, value: core.parentOf(m.local) });
    else if (m.type === 'level') {
      // The table may have grown before this lane joined.
      core.setTable(m.table);
      core.beginLevel(m.level);
      core.setFrontiers(m.fronts);
      run();
    } else if (m.type === 'move') {
      core.moveTable(m.table, m.part, m.parts);
      port.postMessage({ type: 'moved' });
    } else if (m.type === 'resume') {
      core.setTable(m.table);
      run();
    }
  });
  // The main thread (lane 0) sees the flag between chunks of its own work and sends this lane the
  // level under way.
  Atomics.store(new Int32Array(init.memory.ctl), readyWord(init.n, init.me), 1);
  port.postMessage({ type: 'ready' });
}

await main();
