/**
 * One partition of a level-synchronous breadth-first search. A single-threaded run has one
 * partition that owns every state; a parallel run has one per worker thread, each owning the states
 * whose fingerprint `h2 mod N` is its index, and successors owned by another partition go to an
 * outbox that the coordinator delivers before the next level.
 *
 * Properties are judged when a state is expanded, so a whole level is judged before the search
 * stops; the search stops at the end of the first level with a violation, which makes the reported
 * counterexample and the state counts the same for any number of partitions.
 */
import type { Model } from './model.js';
import { FP, SUM, finishSums, fingerprint, hashKeys, stateHash, sumsDiff, sumsDiffAt } from './hash.js';
import { CTL, SharedStore, type StateStore, makeStore } from './store.js';
import { type Budget, type Found, type PropTable, type Search, ActVec, IntVec, better, clear, propTable, runSync } from './common.js';
import { Level, decode } from './frontier.js';

/** Settings of a partition. */
export interface CoreSettings {
  readonly store: 'fingerprint' | 'exact';
  readonly por: boolean;
  readonly symmetry: boolean;
  readonly maxDepth: number;
  readonly expectedStates?: number | undefined;
  /** Statement merging (see `mergeStep`); only with `por` and without `symmetry`. */
  readonly merge?: boolean | undefined;
}

/** Longest chain of merged local steps executed as one transition. */
export const MAX_MERGE = 64;

/**
 * Puts the words of `succ` that the last step wrote back to their values in `state` before the
 * next step from the same state: the first `n` offsets of `list`, or every word when `n < 0`.
 */
export function putBack(succ: Int32Array, state: Int32Array, n: number, list: Int32Array): void {
  if (n < 0) {
    succ.set(state);
    return;
  }
  for (let c = 0; c < n; c++) {
    const k = list[c]!;
    succ[k] = state[k]!;
  }
}

/**
 * A chain of merged steps, shared by the safety search and liveness mode (each has its own rule
 * for which step may be merged: `pick`). {@link MergeChain.run} starts from `t`, a successor just
 * generated, and takes `pick(t, th)` (a position in `acts`, which `pick` fills, or -1) up to
 * {@link MAX_MERGE} times while `t` is inside the `within` boundary. With `stepFrom` the chain
 * runs in place in `t` (the caller's buffer, which it puts back by the written words); else it
 * alternates between `t` and `spare`. Each step's written words are appended to `wbuf[0..nw)`,
 * read right after the step (`pick` runs steps of its own); an unknown list, or one that does not
 * fit, makes `nw` -1. After `run`: `t` the state reached, `nw` the words listed, `steps` how many
 * steps were merged.
 */
export class MergeChain {
  t: Int32Array;
  nw = 0;
  steps = 0;
  constructor(
    private readonly model: Model,
    private readonly spare: Int32Array,
    private readonly acts: number[],
    private readonly pick: (s: Int32Array, th: number) => number,
    private readonly within: ((s: Int32Array) => boolean) | null,
    private readonly stepFrom: ((s: Int32Array, a: number, out: Int32Array) => boolean) | null,
    private readonly written: ((words: Int32Array) => number) | null,
    private readonly wbuf: Int32Array,
    private readonly wtmp: Int32Array,
  ) {
    this.t = spare;
  }
  run(t: Int32Array, th: number, nw: number): void {
    const { model, acts, pick, within, stepFrom, written, wbuf, wtmp } = this;
    let w = this.spare;
    let steps = 0;
    for (let c = 0; c < MAX_MERGE; c++) {
      if (within !== null && !within(t)) break;
      const b = pick(t, th);
      if (b < 0) break;
      if (stepFrom !== null) {
        if (!stepFrom(t, acts[b]!, t)) break;
      } else {
        if (!model.next(t, acts[b]!, w)) break;
        const x = t;
        t = w;
        w = x;
      }
      steps++;
      if (nw >= 0) {
        const k = written!(wtmp);
        if (k < 0 || nw + k > wbuf.length) nw = -1;
        else {
          for (let q = 0; q < k; q++) wbuf[nw + q] = wtmp[q]!;
          nw += k;
        }
      }
    }
    this.t = t;
    this.nw = nw;
    this.steps = steps;
  }
}

/**
 * Statement merging, SPIN's analogue: returns the position in `acts` (the enabled actions of `state`,
 * filled here) of the action that partial-order reduction would explore alone in `state` when that
 * reduced set is a single local action, or -1. A successor whose reduced set is such a singleton
 * is not stored: the action is applied at once, up to {@link MAX_MERGE} times. Sound for the
 * properties because a local action is invisible (the skipped state has the properties of the
 * state after it), cannot be disabled by another thread, and is taken at once (never postponed, so
 * no cycle proviso is involved); a skipped state is never terminal, so no deadlock is lost.
 */
export function mergeStep(model: Model, state: Int32Array, acts: number[], thread: ((s: Int32Array, a: number) => number) | null, sel: Int32Array): number {
  clear(acts);
  model.actions(state, acts);
  const na = acts.length;
  if (na === 0) return -1;
  if (na === 1) return model.isLocal!(state, acts[0]!) ? 0 : -1;
  return ampleSet(model, state, acts, thread, sel) === 1 ? sel[0]! : -1;
}

/**
 * Returns true when a parallel BFS of `model` uses the shared table (see `BfsCore`): with the
 * fingerprint store and no `eventually` property (whose verdict can depend on which parent is
 * kept, so it must not depend on timing).
 */
export function sharedTableMode(model: Model, store: 'fingerprint' | 'exact'): boolean {
  return store === 'fingerprint' && !model.properties().some((p) => p.expectation === 'eventually');
}

/** Returns true when statement merging is in effect for these settings. */
export function mergeInEffect(model: Model, opts: { por?: boolean | undefined; symmetry?: boolean | undefined; merge?: boolean | undefined; strategy?: string | undefined }): boolean {
  const por = (opts.por ?? true) && !!model.isLocal;
  const symmetry = (opts.symmetry ?? true) && !!model.canonicalize;
  return por && !symmetry && (opts.merge ?? true) && (opts.strategy ?? 'bfs') === 'bfs';
}

/**
 * Words before the state in an outbox record: h1, h2, parent gid, action index, eventually bits,
 * always properties to judge (see `PropTable.alwaysReads`), the raw sums of the store hash (see
 * `stateSums`; the frontier record keeps them, its successors' hashes are computed from them).
 */
export const OH = 8;
/**
 * Words of a pending successor in compact mode (fingerprint store, see `BfsCore.flush`): the
 * outbox header (`OH` words), then the front its parent's record is in (-1: this partition's
 * level; -2: no parent, the whole state follows), the parent record's offset, and the offset in
 * `pdiff` of `[n, position, value, ...]` (the words changed from the parent, increasing) or of the
 * whole state.
 */
const CH = OH + 3;
/** Successors inserted into the store together (see `StateStore.insertBatch`). */
export const BATCH = 1024;
/**
 * Successors seen recently, a direct-mapped cache of fingerprints indexed by `h1`: a successor
 * found there was stored or sent for storing already, so it is not looked up in the table. Two
 * paths to one state often run through neighbouring states of the frontier (the diamonds of
 * interleaved independent steps), so this spares most repeated lookups in the large table,
 * whose cache misses are most of the cost of a state. 2^15 entries, 256 KiB.
 */
const RECENT_MASK = (1 << 15) - 1;
/** Frontier states a lane claims at a time in shared mode (at most; see `setFrontiers`). */
const CHUNK = 256;

/** The shared memory of a shared-table parallel run (see {@link BfsCore}). */
export interface SharedMemory {
  /** The fingerprint table (see `SharedStore`). */
  readonly table: SharedArrayBuffer;
  /** The control block (see `CTL`, `ctlWords`). */
  readonly ctl: SharedArrayBuffer;
}

/** A level's frontier of one worker, as handed to the others in shared mode (see `Level`). */
export interface Frontier {
  /** The records, in chunks of 2^`shift` words (see `Level`). */
  readonly chunks: readonly SharedArrayBuffer[];
  readonly shift: number;
  /** The offset of each record: chunk * 2^shift + offset in the chunk. */
  readonly offs: SharedArrayBuffer;
  /** Number of records. */
  readonly count: number;
}

/**
 * A partition of the BFS (see the module comment), in one of three modes:
 * - single: one partition owns every state (`n` = 1);
 * - partitioned: `n` partitions each own the states with `h2 mod n` = `me`; successors owned by
 *   another go to an outbox that the coordinator delivers before the next level;
 * - shared: `n` workers insert into one shared fingerprint table (`SharedStore`), each keeps the
 *   states it inserted first in its own frontier, and during a level every worker takes chunks
 *   of every worker's frontier, its own first. Nothing is exchanged; which worker stores a state
 *   reached from two workers in the same level depends on timing, so counts, verdicts and the
 *   reported state are those of one thread, but the path to it may be another shortest one.
 * Frontier records carry the state's global id `localId * n + me`.
 */
export class BfsCore {
  readonly model: Model;
  readonly S: number;
  readonly me: number;
  readonly n: number;
  readonly props: PropTable;
  readonly store: StateStore;
  /** Parent gid per local id (-1 - rootIndex for roots). */
  readonly parents: IntVec;
  /** Action index per local id. */
  readonly acts: ActVec;
  private cur: Level;
  private next: Level;
  /** Buffers received from other partitions, for reuse as outboxes. */
  private readonly free: Int32Array[] = [];
  /** Outboxes per partition (unused slot for `me`; partitioned mode only). */
  readonly out: IntVec[];
  /** Depth of the level being expanded (the one in `cur`). */
  level = -1;
  /** Deepest level holding a stored state. */
  deepest = 0;
  generated = 0;
  /**
   * The records being expanded (own `cur`, or in shared mode a chunk of any worker's frontier):
   * their chunks, log2 of a chunk's words, and their offsets (see `Level`).
   */
  private data: Int32Array[];
  private shift: number;
  private offs: Int32Array;
  /** Next record of `data` to expand, and the end of the range. */
  private pos = 0;
  private end = 0;
  /** Shared mode: this level's frontiers of every worker, and how many of them were used up here. */
  private fronts: { data: Int32Array[]; shift: number; offs: Int32Array }[] = [];
  private frontChunk: number[] = [];
  private frontsDone = 0;
  /** Best violation seen (see `better`). */
  violation: Found | null = null;
  /** Best witness per sometimes property (index in props.sometimes). */
  readonly witnesses: (Found | null)[];
  /** True when some state at maxDepth had enabled actions. */
  depthCut = false;
  /** Shared mode: true when `expand` stopped because the table must grow first. */
  stalled = false;
  private readonly settings: CoreSettings;
  /** Successors go to the partition that owns them (partitioned mode). */
  private readonly route: boolean;
  private readonly shared: SharedStore | null;
  private readonly ctl: Int32Array | null;
  private readonly actList: number[] = [];
  private readonly sel: Int32Array = new Int32Array(256);
  private readonly succ: Int32Array;
  private readonly succ2: Int32Array;
  private readonly mActs: number[] = [];
  private readonly mSel: Int32Array = new Int32Array(256);
  private readonly canon: Int32Array;
  private readonly stateView: Int32Array;
  /** The words a step wrote (`Model.written`), and the marks and stamp of `sumsDiffAt`. */
  private readonly wbuf: Int32Array;
  /** One merged step's written words, before they join `wbuf`. */
  private readonly wtmp: Int32Array;
  private readonly mark: Int32Array;
  private stamp = 0;
  /** `PropTable.alwaysReads.byWord` when no property declares its words: all zero. */
  private readonly noReads: Int32Array;
  /**
   * Successors waiting for the store (see `flush`): outbox records, or in compact mode `CH`-word
   * records with their changed words (or whole state) in `pdiff`.
   */
  private pend: Int32Array;
  private np = 0;
  private readonly compact: boolean;
  private readonly pdiff: IntVec;
  /** The front whose records are being expanded (shared mode; -1: this partition's level). */
  private curFront = -1;
  /** Changed words of a successor (see `sumsDiff`). */
  private readonly chg: Int32Array;
  private readonly isNew = new Uint8Array(BATCH);
  /** Fingerprints of recent successors (see `RECENT_MASK`). */
  private readonly recent = new Int32Array(2 * (RECENT_MASK + 1));

  constructor(model: Model, settings: CoreSettings, me = 0, n = 1, memory?: SharedMemory) {
    this.model = model;
    this.S = model.stateSize;
    this.me = me;
    this.n = n;
    const por = settings.por && !!model.isLocal;
    const symmetry = settings.symmetry && !!model.canonicalize;
    this.settings = { ...settings, por, symmetry, merge: por && !symmetry && settings.merge === true };
    this.props = propTable(model);
    // Partitions by fingerprint are equal only on average: 2% slack saves a late 1.5x growth. In
    // shared mode a worker keeps the states it stored first, which varies more (measured: 42-58%
    // with two workers); the slack is address space, only pages written take memory.
    const slack = n === 1 ? 1 : memory !== undefined ? 1.5 : 1.02;
    const expected = settings.expectedStates !== undefined ? Math.ceil((settings.expectedStates / n) * slack) : undefined;
    if (memory !== undefined) {
      this.ctl = new Int32Array(memory.ctl);
      this.shared = new SharedStore(memory.table, this.ctl);
      this.store = this.shared;
    } else {
      this.ctl = null;
      this.shared = null;
      this.store = makeStore(settings.store, this.S, expected);
    }
    this.route = n > 1 && memory === undefined;
    this.cur = new Level(this.S, memory !== undefined);
    this.next = new Level(this.S, memory !== undefined);
    this.data = this.cur.chunks;
    this.shift = this.cur.shift;
    this.offs = this.cur.offs.data;
    this.parents = new IntVec(Math.max(1 << 14, Math.min(expected ?? 0, 1 << 30)));
    this.acts = new ActVec(Math.max(1 << 14, Math.min(expected ?? 0, 1 << 30)));
    this.compact = this.store.mode === 'fingerprint';
    this.pend = new Int32Array(2 * BATCH * (this.compact ? CH : OH + this.S));
    this.pdiff = new IntVec(1 << 16);
    this.chg = new Int32Array(this.S);
    this.out = Array.from({ length: this.route ? n : 0 }, (_, i) => new IntVec(i === me ? 1 : 1 << 12));
    this.witnesses = this.props.sometimes.map(() => null);
    this.succ = new Int32Array(this.S);
    this.succ2 = new Int32Array(this.S);
    this.canon = new Int32Array(this.S);
    this.stateView = new Int32Array(this.S);
    this.noReads = new Int32Array(this.S);
    this.wbuf = new Int32Array(Math.max(4096, 2 * this.S));
    this.wtmp = new Int32Array(this.wbuf.length);
    this.mark = new Int32Array(this.S);
    hashKeys(this.S);
  }

  /** Shared mode: the control block (see `CTL`). */
  get control(): Int32Array | null {
    return this.ctl;
  }

  /** Reductions in effect. */
  get reductions(): { por: boolean; symmetry: boolean; merge: boolean } {
    return { por: this.settings.por, symmetry: this.settings.symmetry, merge: this.settings.merge === true };
  }

  /** Number of states waiting (the rest of the range being expanded plus the next level). */
  get queued(): number {
    return (this.end - this.pos) + this.next.count;
  }

  /**
   * Inserts a root (canonical already); roots owned by other partitions are ignored, and in shared
   * mode worker 0 stores them all.
   */
  addRoot(state: Int32Array, rootIndex: number): void {
    if (this.shared !== null && this.me !== 0) return;
    stateHash(state, 0, this.S);
    const h1 = FP[0]!;
    const h2 = FP[1]!;
    if (this.route && (h2 >>> 0) % this.n !== this.me) return;
    const head = [h1, h2, -1 - rootIndex, 0, this.props.eventuallyMask, -1, SUM[0]!, SUM[1]!];
    if (this.compact) {
      const o = this.np * CH;
      const at = this.pdiff.alloc(this.S);
      this.pdiff.data.set(state, at);
      this.pend.set([...head, -2, 0, at], o);
    } else {
      const o = this.np * (OH + this.S);
      this.pend.set(head, o);
      this.pend.set(state, o + OH);
    }
    this.np++;
    if (!this.flush()) throw new RangeError('shared state table smaller than the initial states');
  }

  private record(parent: number, actIdx: number, ebits: number, judge: number, s1: number, s2: number, buf: Int32Array, off: number): void {
    const id = this.parents.length;
    this.parents.push(parent);
    this.acts.push(actIdx);
    this.next.push(id * this.n + this.me, ebits, judge, buf, off, s1, s2);
  }

  /** Inserts the records of an inbox (from other partitions) into the next level. */
  absorb(inbox: Int32Array): void {
    this.insertRecords(inbox, 0, Math.floor(inbox.length / (OH + this.S)));
  }

  /** Inserts `total` outbox-layout records of `buf` from `off`, in order, recording the new ones. */
  private insertRecords(buf: Int32Array, off: number, total: number): void {
    const rs = OH + this.S;
    const isNew = this.isNew;
    for (let k0 = 0; k0 < total; k0 += BATCH) {
      const count = Math.min(BATCH, total - k0);
      const o0 = off + k0 * rs;
      this.store.insertBatch(buf, o0, rs, count, isNew, OH);
      for (let k = 0, o = o0; k < count; k++, o += rs) {
        if (isNew[k] === 1) this.record(buf[o + 2]!, buf[o + 3]!, buf[o + 4]!, buf[o + 5]!, buf[o + 6]!, buf[o + 7]!, buf, o + OH);
      }
    }
  }

  /** Inserts the pending successors of compact mode (see `CH`), in order, recording the new ones. */
  private insertCompact(): void {
    const pend = this.pend;
    const isNew = this.isNew;
    const total = this.np;
    const lv = this.next;
    for (let k0 = 0; k0 < total; k0 += BATCH) {
      const count = Math.min(BATCH, total - k0);
      const o0 = k0 * CH;
      this.store.insertBatch(pend, o0, CH, count, isNew, OH);
      const pd = this.pdiff.data;
      for (let k = 0, o = o0; k < count; k++, o += CH) {
        if (isNew[k] !== 1) continue;
        const id = this.parents.length;
        this.parents.push(pend[o + 2]!);
        this.acts.push(pend[o + 3]!);
        const gid = id * this.n + this.me;
        const fi = pend[o + OH]!;
        const at = pend[o + OH + 2]!;
        if (fi === -2) {
          lv.push(gid, pend[o + 4]!, pend[o + 5]!, pd, at, pend[o + 6]!, pend[o + 7]!);
          continue;
        }
        const chunks = fi < 0 ? this.cur.chunks : this.fronts[fi]!.data;
        const shift = fi < 0 ? this.cur.shift : this.fronts[fi]!.shift;
        const pat = pend[o + OH + 1]!;
        lv.pushPatched(gid, pend[o + 4]!, pend[o + 5]!, pend[o + 6]!, pend[o + 7]!, chunks[pat >>> shift]!, pat & ((1 << shift) - 1), pd, at + 1, pd[at]!);
      }
    }
  }

  /** Inserts the pending successors; in shared mode false (and `stalled`) when the table must grow first. */
  private flush(): boolean {
    if (this.np === 0) return true;
    if (this.shared !== null && !this.shared.reserve(this.np)) {
      this.stalled = true;
      return false;
    }
    if (this.compact) this.insertCompact();
    else this.insertRecords(this.pend, 0, this.np);
    this.np = 0;
    this.pdiff.length = 0;
    return true;
  }

  /** Number of successors waiting for a growth pause to end (shared mode). */
  get pending(): number {
    return this.np;
  }

  /** Moves the next level into the current one (numbered `level`, by default the next number); returns its size. */
  beginLevel(level = this.level + 1): number {
    const t = this.cur;
    this.cur = this.next;
    this.next = t;
    this.next.reset();
    this.level = level;
    const size = this.cur.count;
    this.data = this.cur.chunks;
    this.shift = this.cur.shift;
    this.offs = this.cur.offs.data;
    this.pos = 0;
    this.end = this.shared !== null ? 0 : size;
    this.frontsDone = 0;
    if (size > 0 && this.level > this.deepest) this.deepest = this.level;
    return size;
  }

  /** Shared mode: this worker's part of the next level (its records stay where they are when the level begins). */
  nextFrontier(): Frontier {
    return { chunks: this.next.chunks.slice(0, this.next.chunksUsed).map((c) => c.buffer as SharedArrayBuffer), shift: this.next.shift, offs: this.next.offs.data.buffer as SharedArrayBuffer, count: this.next.count };
  }

  /** Shared mode: moves part `part` of `parts` of the shared table into `table` (see `SharedStore.moveInto`). */
  moveTable(table: SharedArrayBuffer, part: number, parts: number): void {
    this.shared!.moveInto(table, part, parts);
  }

  /** Shared mode: continues in a new (grown) shared table. */
  setTable(table: SharedArrayBuffer): void {
    this.shared!.setTable(table);
  }

  /** Shared mode: the frontiers of all workers for this level (their cursors in the control block start at 0). */
  setFrontiers(fronts: readonly Frontier[]): void {
    this.fronts = fronts.map((f) => ({ data: f.chunks.map((c) => new Int32Array(c)), shift: f.shift, offs: new Int32Array(f.offs, 0, f.count) }));
    // Small frontiers in small chunks, so that every lane gets a share of a small level.
    this.frontChunk = fronts.map((f) => Math.max(1, Math.min(CHUNK, Math.ceil(f.count / (8 * this.n)))));
  }

  /** Shared mode: claims the next chunk of some worker's frontier, own first; false when none is left. */
  private claim(): boolean {
    const ctl = this.ctl;
    if (ctl === null) return false;
    const nf = this.fronts.length;
    while (this.frontsDone < nf) {
      const f = (this.me + this.frontsDone) % nf;
      const total = this.fronts[f]!.offs.length;
      const chunk = this.frontChunk[f]!;
      const c0 = total > 0 ? Atomics.add(ctl, CTL.cursors + f, chunk) : total;
      if (c0 < total) {
        this.data = this.fronts[f]!.data;
        this.shift = this.fronts[f]!.shift;
        this.offs = this.fronts[f]!.offs;
        this.curFront = f;
        this.pos = c0;
        this.end = Math.min(total, c0 + chunk);
        return true;
      }
      this.frontsDone++;
    }
    return false;
  }

  /** Takes the outbox for partition `i` (copied) and empties it. */
  takeOutbox(i: number): Int32Array {
    const v = this.out[i]!;
    const len = v.length;
    if (len === 0) return new Int32Array(0);
    // Hand over the buffer itself (it is transferred, not copied) and continue in a recycled one
    // (see `recycle`): a fresh buffer would page-fault on every 4 KiB written, which in a
    // multi-threaded process costs more than the copy it saves.
    const r = v.data.subarray(0, len);
    let best = -1;
    for (let k = 0; k < this.free.length; k++) if (best < 0 || this.free[k]!.length > this.free[best]!.length) best = k;
    if (best >= 0) {
      v.data = this.free[best]!;
      this.free.splice(best, 1);
    } else v.data = new Int32Array(v.data.length);
    v.length = 0;
    return r;
  }

  /** Keeps an absorbed inbox buffer (whole) for reuse as an outbox. */
  recycle(inbox: Int32Array): void {
    if (inbox.buffer instanceof ArrayBuffer && inbox.buffer.byteLength >= 4096 && this.free.length < 2 * this.n) this.free.push(new Int32Array(inbox.buffer));
  }

  /**
   * Returns a discovery in the state being expanded (`stateView`). Its `h1`, `h2` are the state's
   * `fingerprint` (not the `stateHash` the store uses): they break ties between equally short
   * discoveries and check the replayed trace, as in every other strategy.
   */
  private found(kind: Found['kind'], prop: number, gid: number): Found {
    fingerprint(this.stateView, 0, this.S);
    return { kind, prop, gid, h1: FP[0]!, h2: FP[1]!, depth: this.level };
  }

  /**
   * Expands states of the current level until it is exhausted (returns true), or about `limit`
   * states were expanded, or (shared mode) the table must grow (`stalled`): returns false then,
   * so the caller can check budgets, or have the table grown, and call again.
   */
  expand(limit: number): boolean {
    this.stalled = false;
    if (!this.flush()) return false;
    let left = limit;
    for (;;) {
      if (this.pos >= this.end && !this.claim()) break;
      const stop = Math.min(this.end, this.pos + left);
      left -= stop - this.pos;
      if (!this.expandRange(stop)) return false;
      if (left <= 0) return false;
    }
    if (!this.flush()) return false;
    if (this.next.count > 0 && this.level + 1 > this.deepest) this.deepest = this.level + 1;
    return true;
  }

  /** Expands the records of `data` from `pos` to `stop`; false when a flush stalled (see `expand`). */
  private expandRange(stop: number): boolean {
    const model = this.model;
    const S = this.S;
    const chunks = this.data;
    const shift = this.shift;
    const mask = (1 << shift) - 1;
    const offs = this.offs;
    const props = this.props;
    const { por, symmetry, maxDepth } = this.settings;
    const merge = this.settings.merge === true;
    const mActs = this.mActs;
    const mSel = this.mSel;
    const n = this.n;
    const me = this.me;
    const route = this.route;
    const nMask = (n & (n - 1)) === 0 ? n - 1 : -1;
    const acts = this.actList;
    const state = this.stateView;
    const succ = this.succ;
    const canon = this.canon;
    const sel = this.sel;
    const within = model.within ? model.within.bind(model) : null;
    const thread = model.actionThread ? model.actionThread.bind(model) : null;
    const depthOk = this.level < maxDepth;
    const prs = OH + S;
    let pend = this.pend;
    const recent = this.recent;
    const reads = props.alwaysReads;
    const byWord = reads !== null ? reads.byWord : this.noReads;
    const everywhere = reads !== null ? reads.everywhere : -1;
    // A successor's store hash is its parent's plus the change of the words in which they differ
    // (see `sumsDiff`): the words its step wrote when the model lists them (`Model.written`; for a
    // chain of merged steps the union of every step's list), else a comparison of the whole
    // states. A canonical representative (symmetry) is compared whole: a permutation may move any
    // word. The hash is the same function of the state on every path (additive over words), so
    // the states stored are the same as with a whole hash.
    const written = model.written ? model.written.bind(model) : null;
    // With `stepFrom`, `succ` holds the expanded state's words between its successors: each step
    // writes into it (the merged steps after it too, in place), and the words they wrote are put
    // back after (no copy of the whole state per successor).
    const stepFrom = written !== null && model.stepFrom ? model.stepFrom.bind(model) : null;
    const wbuf = this.wbuf;
    const chain = new MergeChain(model, this.succ2, mActs, (u) => mergeStep(model, u, mActs, thread, mSel), within, stepFrom, written, wbuf, this.wtmp);
    const mark = this.mark;
    const chg = this.chg;
    const compact = this.compact;
    const pdiff = this.pdiff;
    const front = this.curFront;
    for (; this.pos < stop; this.pos++) {
      const at = offs[this.pos]!;
      const at0 = at;
      const cur = chunks[at >>> shift]!;
      const base = at & mask;
      const gid = cur[base]!;
      let ebits = cur[base + 1]!;
      // Incremental judging (see `PropTable.alwaysReads`): the always properties that read a word
      // in which this state differs from the state it was first reached from. That state
      // satisfied every always property: it was judged when it was expanded, in the level before,
      // and a violation stops the search at the end of its level, before this one. A property
      // reads only its words, so where they are unchanged it still holds. Roots judge everything.
      const judge = cur[base + 2]! | everywhere;
      const p1 = cur[base + 3]!;
      const p2 = cur[base + 4]!;
      decode(cur, base, state, S);
      if (stepFrom !== null) succ.set(state);
      // Judge the state.
      for (let p = 0; p < props.always.length; p++) {
        if ((judge & (1 << p)) !== 0 && !props.always[p]!.check(state)) {
          const f = this.found('always', props.alwaysIdx[p]!, gid);
          if (better(f, this.violation)) this.violation = f;
        }
      }
      for (let p = 0; p < props.sometimes.length; p++) {
        const w = this.witnesses[p];
        if ((w === null || w === undefined || w.depth === this.level) && props.sometimes[p]!.check(state)) {
          const f = this.found('sometimes', props.sometimesIdx[p]!, gid);
          if (better(f, w)) this.witnesses[p] = f;
        }
      }
      if (ebits !== 0) {
        for (let p = 0; p < props.eventually.length; p++) {
          if ((ebits & (1 << p)) !== 0 && props.eventually[p]!.check(state)) ebits &= ~(1 << p);
        }
      }
      // Successors.
      clear(acts);
      model.actions(state, acts);
      const na = acts.length;
      if (!depthOk) {
        if (na > 0) this.depthCut = true;
        continue;
      }
      let nsel = 0;
      if (por && na > 1) nsel = reducedSet(model, state, acts, thread, sel);
      let any = false;
      const count = nsel > 0 ? nsel : na;
      // Words of `succ` to put back before the next step (see `stepFrom`): the first `restore` of
      // `wbuf` (the words written) or of `chg` (the words changed), or -1: all.
      let restore = 0;
      let restoreChg = false;
      for (let j = 0; j < count; j++) {
        const i = nsel > 0 ? sel[j]! : j;
        if (restore !== 0) {
          putBack(succ, state, restore, restoreChg ? chg : wbuf);
          restore = 0;
        }
        if (stepFrom !== null) {
          restore = -1;
          if (!stepFrom(state, acts[i]!, succ)) continue;
        } else if (!model.next(state, acts[i]!, succ)) continue;
        any = true;
        this.generated++;
        let t = succ;
        // The words written so far (into `wbuf`), or -1: unknown.
        let nw = written !== null ? written(wbuf) : -1;
        if (merge) {
          chain.run(t, -1, nw);
          t = chain.t;
          nw = chain.nw;
          this.generated += chain.steps;
        }
        if (stepFrom !== null) restore = nw;
        if (symmetry) {
          model.canonicalize!(t, canon);
          t = canon;
        }
        if (within !== null && !within(t)) continue;
        let dirty: number;
        if (nw >= 0 && !symmetry) {
          // A fresh stamp per successor (see `sumsDiffAt`); wraps after 2^32 successors, when
          // the marks are cleared.
          let st = (this.stamp + 1) | 0;
          if (st === 0) {
            mark.fill(0);
            st = 1;
          }
          this.stamp = st;
          dirty = sumsDiffAt(t, state, wbuf, nw, mark, st, byWord, p1, p2, chg);
        } else {
          dirty = sumsDiff(t, state, S, byWord, p1, p2, chg);
          if (stepFrom !== null && nw < 0 && !symmetry) {
            restore = SUM[2]!;
            restoreChg = true;
          }
        }
        if (reads === null) dirty = -1;
        const r1 = SUM[0]!;
        const r2 = SUM[1]!;
        finishSums(r1, r2);
        const s1 = FP[0]!;
        const s2 = FP[1]!;
        const rk = 2 * (s1 & RECENT_MASK);
        if (recent[rk] === s1 && recent[rk + 1] === s2) continue;
        recent[rk] = s1;
        recent[rk + 1] = s2;
        // (s2 >>> 0) % n; a mask when n is a power of two (the same value, without a division).
        const owner = !route ? me : nMask >= 0 ? s2 & nMask : (s2 >>> 0) % n;
        let d: Int32Array;
        let o: number;
        if (owner === me && compact) {
          // Compact: the parent's record and the changed words (see `CH`), or the whole state.
          o = this.np * CH;
          if (o + CH > pend.length) {
            const g = new Int32Array(pend.length * 2);
            g.set(pend);
            this.pend = pend = g;
          }
          this.np++;
          pend[o] = s1;
          pend[o + 1] = s2;
          pend[o + 2] = gid;
          pend[o + 3] = i;
          pend[o + 4] = ebits;
          pend[o + 5] = dirty;
          pend[o + 6] = r1;
          pend[o + 7] = r2;
          const nc = SUM[2]!;
          const at = pdiff.alloc(1 + 2 * nc);
          const pd = pdiff.data;
          pd[at] = nc;
          for (let c = 0; c < nc; c++) {
            const k = chg[c]!;
            pd[at + 1 + 2 * c] = k;
            pd[at + 2 + 2 * c] = t[k]!;
          }
          pend[o + OH] = front;
          pend[o + OH + 1] = at0;
          pend[o + OH + 2] = at;
          continue;
        }
        if (owner !== me) {
          const ob = this.out[owner]!;
          o = ob.alloc(prs);
          d = ob.data;
        } else {
          o = this.np * prs;
          if (o + prs > pend.length) {
            const g = new Int32Array(pend.length * 2);
            g.set(pend);
            this.pend = pend = g;
          }
          d = pend;
          this.np++;
        }
        d[o] = s1;
        d[o + 1] = s2;
        d[o + 2] = gid;
        d[o + 3] = i;
        d[o + 4] = ebits;
        d[o + 5] = dirty;
        d[o + 6] = r1;
        d[o + 7] = r2;
        d.set(t, o + OH);
      }
      if (!any) {
        if (model.isFinal && !model.isFinal(state)) {
          const f = this.found('deadlock', -1, gid);
          if (better(f, this.violation)) this.violation = f;
        }
        if (ebits !== 0) {
          let p = 0;
          while ((ebits & (1 << p)) === 0) p++;
          const f = this.found('eventually', props.eventuallyIdx[p]!, gid);
          if (better(f, this.violation)) this.violation = f;
        }
      }
      if (this.np >= BATCH && !this.flush()) {
        this.pos++;
        return false;
      }
    }
    return true;
  }

  /** Returns the states of the current level that are not yet expanded, with their global ids. */
  pendingStates(): { id: number; state: Int32Array }[] {
    const out: { id: number; state: Int32Array }[] = [];
    for (let i = this.pos; i < this.end; i++) {
      const state = new Int32Array(this.S);
      const at = this.offs[i]!;
      const d = this.data[at >>> this.shift]!;
      const o = at & ((1 << this.shift) - 1);
      decode(d, o, state, this.S);
      out.push({ id: d[o]!, state });
    }
    return out;
  }

  /** Records the next level's depth as reached (after a final absorb). */
  noteNext(): void {
    if (this.next.count > 0 && this.level + 1 > this.deepest) this.deepest = this.level + 1;
  }

  /** Returns `[parentGid, actionIndex]` of a local id. */
  parentOf(localId: number): [number, number] {
    return [this.parents.data[localId]!, this.acts.data[localId]!];
  }

  /** Bytes held by the parent pointers and action indices. */
  ownBytes(): number {
    return this.parents.length * 4 + this.acts.length * this.acts.width;
  }

  /** Bytes held by the store and parent pointers. */
  storeBytes(): number {
    return this.store.bytes() + this.ownBytes();
  }
}

/** What a lane of a shared-mode run reports when it stops running (see {@link runLane}). */
export interface LaneReport {
  /** `done`: no chunk of the level is left; `grow`: paused for the table to grow; `stopped`: a budget was hit. */
  readonly status: 'done' | 'grow' | 'stopped';
  /** The budget this lane hit, if it hit one. */
  readonly hit: string | null;
  /** Successors waiting for the table to grow. */
  readonly pending: number;
  /** This lane's part of the next level. */
  readonly front: Frontier;
  readonly generated: number;
  /** States this lane stored. */
  readonly distinct: number;
  readonly deepest: number;
  readonly queued: number;
  /** Bytes of this lane's parent pointers and action indices (the table is counted once, apart). */
  readonly storeBytes: number;
  readonly violation: Found | null;
  readonly witnesses: (Found | null)[];
  readonly depthCut: boolean;
}

/**
 * Runs a shared-mode lane until the level has no chunk left, the table must grow, or a budget is
 * hit (by this lane, which then tells the others through the control block, or by another).
 * `onCheck` is called at each budget check, every few thousand states (progress).
 */
export function runLane(core: BfsCore, budget: Budget, maxStates: number, onCheck?: (due: boolean) => void): LaneReport {
  return runSync(laneSearch(core, budget, maxStates, onCheck));
}

/**
 * {@link runLane} as a {@link Search} (it yields at every budget check), for the main thread's lane,
 * which gives the event loop a turn now and then. A failed allocation stops every lane, with the
 * reason in this lane's report.
 */
export function* laneSearch(core: BfsCore, budget: Budget, maxStates: number, onCheck?: (due: boolean) => void): Search<LaneReport> {
  const ctl = core.control!;
  let hit: string | null = null;
  let status: LaneReport['status'] = 'done';
  try {
    while (!core.expand(4096)) {
      if (core.stalled) {
        status = 'grow';
        break;
      }
      const b = budget.check();
      if (b.stop) hit = budget.hit;
      else if (core.store.size >= maxStates) hit = `state budget of ${maxStates} distinct states reached`;
      if (hit !== null) Atomics.store(ctl, CTL.stop, 1);
      if (hit !== null || Atomics.load(ctl, CTL.stop) !== 0) {
        status = 'stopped';
        break;
      }
      onCheck?.(b.due);
      yield;
    }
  } catch (e) {
    hit = budget.exhausted(e);
    Atomics.store(ctl, CTL.stop, 1);
    status = 'stopped';
  }
  return {
    status,
    hit,
    pending: core.pending,
    front: core.nextFrontier(),
    generated: core.generated,
    distinct: core.parents.length,
    deepest: core.deepest,
    queued: core.queued,
    storeBytes: core.ownBytes(),
    violation: core.violation,
    witnesses: core.witnesses,
    depthCut: core.depthCut,
  };
}

/**
 * The reduced set a search with POR explores in `state`: `Model.persistent` when the model has
 * it, else {@link ampleSet}. Returns the number of positions written to `sel`, or 0.
 */
export function reducedSet(
  model: Model,
  state: Int32Array,
  acts: readonly number[],
  thread: ((s: Int32Array, a: number) => number) | null,
  sel: Int32Array,
): number {
  return model.persistent !== undefined ? model.persistent(state, acts, sel) : ampleSet(model, state, acts, thread, sel);
}

/**
 * Returns the number of action positions written to `sel` for a reduced (ample) set, or 0 for
 * full expansion. See `Model.isLocal` and `Model.actionThread`.
 */
export function ampleSet(
  model: Model,
  state: Int32Array,
  acts: readonly number[],
  thread: ((s: Int32Array, a: number) => number) | null,
  sel: Int32Array,
): number {
  const na = acts.length;
  if (thread === null) {
    for (let i = 0; i < na; i++) {
      if (!model.isLocal!(state, acts[i]!)) continue;
      sel[0] = i;
      return 1;
    }
    return 0;
  }
  // Thread of each action, and -1 - thread for the non-local ones (asked once per action).
  if (thr.length < na) thr = new Int32Array(Math.max(na, thr.length * 2));
  let anyLocal = false;
  for (let j = 0; j < na; j++) {
    const t = thread(state, acts[j]!);
    if (model.isLocal!(state, acts[j]!)) {
      thr[j] = t;
      anyLocal = true;
    } else thr[j] = -1 - t;
  }
  if (!anyLocal) return 0;
  for (let i = 0; i < na; i++) {
    const t = thr[i]!;
    if (t < 0) continue;
    // The first local action of thread t is at i when no earlier action (local or not) is t's.
    let ok = true;
    for (let j = 0; j < i && ok; j++) if (thr[j] === t || thr[j] === -1 - t) ok = false;
    let c = 0;
    for (let j = i; j < na && ok; j++) {
      const u = thr[j]!;
      if (u === -1 - t) ok = false;
      else if (u === t) {
        if (c < sel.length) sel[c++] = j;
        else ok = false;
      }
    }
    if (ok && c < na) return c;
  }
  return 0;
}

/** Scratch of `ampleSet`. */
let thr = new Int32Array(64);
