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
import { FP, fingerprint } from './hash.js';
import { type StateStore, makeStore } from './store.js';
import { type Found, type PropTable, ActVec, IntVec, better, clear, propTable } from './common.js';

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

/** Returns true when statement merging is in effect for these settings. */
export function mergeInEffect(model: Model, opts: { por?: boolean | undefined; symmetry?: boolean | undefined; merge?: boolean | undefined; strategy?: string | undefined }): boolean {
  const por = (opts.por ?? true) && !!model.isLocal;
  const symmetry = (opts.symmetry ?? true) && !!model.canonicalize;
  return por && !symmetry && (opts.merge ?? true) && (opts.strategy ?? 'bfs') === 'bfs';
}

/** Words before the state in a frontier record: local id, eventually bits, h1, h2. */
const FH = 4;
/** Words before the state in an outbox record: h1, h2, parent gid, action index, eventually bits. */
export const OH = 5;
/** Successors inserted into the store together (see `StateStore.insertBatch`). */
const BATCH = 1024;

/** A partition of the BFS (see the module comment). */
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
  private cur = new IntVec(1 << 14);
  private next = new IntVec(1 << 14);
  /** Buffers received from other partitions, for reuse as outboxes. */
  private readonly free: Int32Array[] = [];
  /** Outboxes per partition (unused slot for `me`). */
  readonly out: IntVec[];
  /** Depth of the level being expanded (the one in `cur`). */
  level = -1;
  /** Deepest level holding a stored state. */
  deepest = 0;
  generated = 0;
  /** States of `cur` expanded so far in this level. */
  private pos = 0;
  /** Best violation seen (see `better`). */
  violation: Found | null = null;
  /** Best witness per sometimes property (index in props.sometimes). */
  readonly witnesses: (Found | null)[];
  /** True when some state at maxDepth had enabled actions. */
  depthCut = false;
  private readonly settings: CoreSettings;
  private readonly actList: number[] = [];
  private readonly sel: Int32Array = new Int32Array(256);
  private readonly succ: Int32Array;
  private readonly succ2: Int32Array;
  private readonly mActs: number[] = [];
  private readonly mSel: Int32Array = new Int32Array(256);
  private readonly canon: Int32Array;
  private readonly stateView: Int32Array;
  /** Successors waiting for the store, as outbox records (see `flush`). */
  private readonly pend: Int32Array;
  private np = 0;
  private readonly isNew = new Uint8Array(BATCH);

  constructor(model: Model, settings: CoreSettings, me = 0, n = 1) {
    this.model = model;
    this.S = model.stateSize;
    this.me = me;
    this.n = n;
    const por = settings.por && !!model.isLocal;
    const symmetry = settings.symmetry && !!model.canonicalize;
    this.settings = { ...settings, por, symmetry, merge: por && !symmetry && settings.merge === true };
    this.props = propTable(model);
    // Partitions by fingerprint are equal only on average: 2% slack saves a late 1.5x growth.
    const expected = settings.expectedStates !== undefined ? Math.ceil((settings.expectedStates / n) * (n > 1 ? 1.02 : 1)) : undefined;
    this.store = makeStore(settings.store, this.S, expected);
    this.parents = new IntVec(Math.max(1 << 14, Math.min(expected ?? 0, 1 << 30)));
    this.acts = new ActVec(Math.max(1 << 14, Math.min(expected ?? 0, 1 << 30)));
    this.pend = new Int32Array(BATCH * (OH + this.S));
    this.out = Array.from({ length: n }, (_, i) => new IntVec(i === me ? 1 : 1 << 12));
    this.witnesses = this.props.sometimes.map(() => null);
    this.succ = new Int32Array(this.S);
    this.succ2 = new Int32Array(this.S);
    this.canon = new Int32Array(this.S);
    this.stateView = new Int32Array(this.S);
  }

  /** Reductions in effect. */
  get reductions(): { por: boolean; symmetry: boolean; merge: boolean } {
    return { por: this.settings.por, symmetry: this.settings.symmetry, merge: this.settings.merge === true };
  }

  /** Number of states waiting (current level not yet expanded plus next level). */
  get queued(): number {
    return (this.cur.length / (this.S + FH) - this.pos) + this.next.length / (this.S + FH);
  }

  /** Returns true when no state waits in the next level. */
  get nextEmpty(): boolean {
    return this.next.length === 0;
  }

  /** Inserts a root (canonical already); roots owned by other partitions are ignored. */
  addRoot(state: Int32Array, rootIndex: number): void {
    fingerprint(state, 0, this.S);
    const h1 = FP[0]!;
    const h2 = FP[1]!;
    if (this.n > 1 && (h2 >>> 0) % this.n !== this.me) return;
    if (!this.store.insert(h1, h2, state, 0)) return;
    this.record(-1 - rootIndex, 0, this.props.eventuallyMask, h1, h2, state, 0);
  }

  private record(parent: number, actIdx: number, ebits: number, h1: number, h2: number, buf: Int32Array, off: number): void {
    const id = this.parents.length;
    this.parents.push(parent);
    this.acts.push(actIdx);
    const o = this.next.alloc(FH + this.S);
    const d = this.next.data;
    d[o] = id;
    d[o + 1] = ebits;
    d[o + 2] = h1;
    d[o + 3] = h2;
    for (let k = 0; k < this.S; k++) d[o + FH + k] = buf[off + k]!;
  }

  /** Inserts the records of an inbox (from other partitions) into the next level. */
  absorb(inbox: Int32Array): void {
    const rs = OH + this.S;
    const total = Math.floor(inbox.length / rs);
    for (let k0 = 0; k0 < total; k0 += BATCH) this.insertRecords(inbox, k0 * rs, Math.min(BATCH, total - k0));
  }

  /** Inserts `count` outbox-layout records of `buf` from `off`, in order, recording the new ones. */
  private insertRecords(buf: Int32Array, off: number, count: number): void {
    const rs = OH + this.S;
    const isNew = this.isNew;
    this.store.insertBatch(buf, off, rs, count, isNew, OH);
    for (let k = 0, o = off; k < count; k++, o += rs) {
      if (isNew[k] === 1) this.record(buf[o + 2]!, buf[o + 3]!, buf[o + 4]!, buf[o]!, buf[o + 1]!, buf, o + OH);
    }
  }

  /** Inserts the pending successors. */
  private flush(): void {
    if (this.np === 0) return;
    this.insertRecords(this.pend, 0, this.np);
    this.np = 0;
  }

  /** Moves the next level into the current one; returns its size. */
  beginLevel(): number {
    const t = this.cur;
    this.cur = this.next;
    this.next = t;
    this.next.length = 0;
    this.pos = 0;
    this.level++;
    const size = this.cur.length / (this.S + FH);
    if (size > 0 && this.level > this.deepest) this.deepest = this.level;
    return size;
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

  private found(kind: Found['kind'], prop: number, localId: number, h1: number, h2: number): Found {
    return { kind, prop, gid: localId * this.n + this.me, h1, h2, depth: this.level };
  }

  /**
   * Expands states of the current level until it is exhausted, or `limit` states were expanded
   * (returns false then, so the caller can check budgets and call again).
   */
  expand(limit: number): boolean {
    const model = this.model;
    const S = this.S;
    const rs = FH + S;
    const cur = this.cur.data;
    const end = this.cur.length / rs;
    const pend = this.pend;
    const props = this.props;
    const { por, symmetry, maxDepth } = this.settings;
    const merge = this.settings.merge === true;
    const mActs = this.mActs;
    const mSel = this.mSel;
    const n = this.n;
    const me = this.me;
    const nMask = (n & (n - 1)) === 0 ? n - 1 : -1;
    const acts = this.actList;
    const state = this.stateView;
    const succ = this.succ;
    const canon = this.canon;
    const sel = this.sel;
    const within = model.within ? model.within.bind(model) : null;
    const thread = model.actionThread ? model.actionThread.bind(model) : null;
    const depthOk = this.level < maxDepth;
    const stop = Math.min(end, this.pos + limit);
    for (; this.pos < stop; this.pos++) {
      const base = this.pos * rs;
      const id = cur[base]!;
      let ebits = cur[base + 1]!;
      for (let k = 0; k < S; k++) state[k] = cur[base + FH + k]!;
      // Judge the state.
      const h1 = cur[base + 2]!;
      const h2 = cur[base + 3]!;
      for (let p = 0; p < props.always.length; p++) {
        if (!props.always[p]!.check(state)) {
          const f = this.found('always', props.alwaysIdx[p]!, id, h1, h2);
          if (better(f, this.violation)) this.violation = f;
        }
      }
      for (let p = 0; p < props.sometimes.length; p++) {
        const w = this.witnesses[p];
        if ((w === null || w === undefined || w.depth === this.level) && props.sometimes[p]!.check(state)) {
          const f = this.found('sometimes', props.sometimesIdx[p]!, id, h1, h2);
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
      if (por && na > 1) nsel = ampleSet(model, state, acts, thread, sel);
      let any = false;
      const count = nsel > 0 ? nsel : na;
      for (let j = 0; j < count; j++) {
        const i = nsel > 0 ? sel[j]! : j;
        if (!model.next(state, acts[i]!, succ)) continue;
        any = true;
        this.generated++;
        let t = succ;
        if (merge) {
          let w = this.succ2;
          for (let c = 0; c < MAX_MERGE; c++) {
            if (within !== null && !within(t)) break;
            const b = mergeStep(model, t, mActs, thread, mSel);
            if (b < 0 || !model.next(t, mActs[b]!, w)) break;
            this.generated++;
            const x = t;
            t = w;
            w = x;
          }
        }
        if (symmetry) {
          model.canonicalize!(succ, canon);
          t = canon;
        }
        if (within !== null && !within(t)) continue;
        fingerprint(t, 0, S);
        const s1 = FP[0]!;
        const s2 = FP[1]!;
        // (s2 >>> 0) % n; a mask when n is a power of two (the same value, without a division).
        const owner = n === 1 ? me : nMask >= 0 ? s2 & nMask : (s2 >>> 0) % n;
        let d: Int32Array;
        let o: number;
        if (owner !== me) {
          const ob = this.out[owner]!;
          o = ob.alloc(OH + S);
          d = ob.data;
        } else {
          d = pend;
          o = this.np * (OH + S);
        }
        d[o] = s1;
        d[o + 1] = s2;
        d[o + 2] = id * n + me;
        d[o + 3] = i;
        d[o + 4] = ebits;
        for (let k = 0; k < S; k++) d[o + OH + k] = t[k]!;
        if (owner === me && ++this.np === BATCH) this.flush();
      }
      if (!any) {
        if (model.isFinal && !model.isFinal(state)) {
          const f = this.found('deadlock', -1, id, h1, h2);
          if (better(f, this.violation)) this.violation = f;
        }
        if (ebits !== 0) {
          let p = 0;
          while ((ebits & (1 << p)) === 0) p++;
          const f = this.found('eventually', props.eventuallyIdx[p]!, id, h1, h2);
          if (better(f, this.violation)) this.violation = f;
        }
      }
    }
    this.flush();
    if (this.next.length > 0 && this.level + 1 > this.deepest) this.deepest = this.level + 1;
    return this.pos >= end;
  }

  /** Returns the states of the current level that are not yet expanded, with their local ids. */
  pendingStates(): { id: number; state: Int32Array }[] {
    const rs = FH + this.S;
    const out: { id: number; state: Int32Array }[] = [];
    const end = this.cur.length / rs;
    for (let i = this.pos; i < end; i++) out.push({ id: this.cur.data[i * rs]!, state: this.cur.data.slice(i * rs + FH, i * rs + rs) });
    return out;
  }

  /** Records the next level's depth as reached (after a final absorb). */
  noteNext(): void {
    if (this.next.length > 0 && this.level + 1 > this.deepest) this.deepest = this.level + 1;
  }

  /** Returns `[parentGid, actionIndex]` of a local id. */
  parentOf(localId: number): [number, number] {
    return [this.parents.data[localId]!, this.acts.data[localId]!];
  }

  /** Bytes held by the store and parent pointers. */
  storeBytes(): number {
    return this.store.bytes() + this.parents.length * 4 + this.acts.length * this.acts.width;
  }
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
