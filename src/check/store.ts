/**
 * Visited-state stores: an open-addressing table of 64-bit fingerprints (hash compaction, the
 * default) and an exact store that keeps whole states (for cross-checking and small models).
 *
 * Both hand out dense ids in insertion order (0, 1, 2, ...), which the strategies use for parent
 * pointers. Linear probing; the fingerprint table is filled up to 0.8, the exact one to 0.75.
 */

import type { CheckStats } from './types.js';

/** A set of visited states keyed by fingerprint `(h1, h2)` (and, in exact mode, the state words). */
export interface StateStore {
  /** Number of stored states. */
  readonly size: number;
  /** Inserts the state; returns true when it was new. `h1` must be non-zero. */
  insert(h1: number, h2: number, buf: Int32Array, off: number): boolean;
  /**
   * Inserts `count` records of `stride` words from `buf[off]`, each `h1, h2` at its start and the
   * state at `stateOff` words into it, in order; sets `isNew[k]` to 1 for each new one.
   */
  insertBatch(buf: Int32Array, off: number, stride: number, count: number, isNew: Uint8Array, stateOff: number): void;
  /** Returns true when the state is already stored. */
  has(h1: number, h2: number, buf: Int32Array, off: number): boolean;
  /** Bytes of typed arrays held. */
  bytes(): number;
  /** `fingerprint` or `exact`. */
  readonly mode: 'fingerprint' | 'exact';
}

/** Fill limit of the fingerprint table: 10 bytes per state; above it linear probing gets slow (measured: 0.9 costs about 15% more time per insert). */
const MAX_LOAD = 0.8;
/** Fill limit of the exact store's table (its probes compare whole states). */
const EXACT_LOAD = 0.75;

/** Returns the smallest power of two ≥ n (at least 1024). */
function pow2(n: number): number {
  let c = 1024;
  while (c < n) c *= 2;
  return c;
}

/** Returns the number of slots a fingerprint table needs to hold `states` states at most at its fill limit. */
function slotsFor(states: number): number {
  return Math.max(1024, Math.ceil(states / MAX_LOAD) + 1);
}

/** Returns the home slot of `h1` in a table of `cap` slots (`cap` < 2^31, any size): `floor(h1 * cap / 2^32)`. */
function home(h1: number, cap: number): number {
  // (hi * 2^16 + lo) * cap / 2^32, exact in doubles: both partial products are below 2^47.
  return Math.floor(((h1 >>> 16) * cap + Math.floor(((h1 & 0xffff) * cap) / 65536)) / 65536);
}

/**
 * Reads the home slot of each of `count` fingerprints (`h1` at `buf[off + k * stride]`) of a table
 * of `cap` slots, so that their cache misses overlap before the inserts; returns a value to keep
 * (so that the reads are not optimised away).
 */
function touchHomes(s: Int32Array, cap: number, buf: Int32Array, off: number, stride: number, count: number): number {
  let acc = 0;
  for (let k = 0, o = off; k < count; k++, o += stride) acc ^= s[2 * home(buf[o]!, cap)]!;
  return acc;
}

/**
 * Fingerprint store: 8 bytes per slot, two Int32 words `(h1, h2)`; `h1 === 0` marks an empty slot.
 * The table has any number of slots (not a power of two), so a run sized by `expected` stays at a
 * load of about 0.8; unsized, it grows by 1.5x, which keeps the load between 0.53 and 0.8.
 */
export class FingerprintStore implements StateStore {
  readonly mode = 'fingerprint' as const;
  private slots: Int32Array;
  private cap: number;
  private count = 0;
  private limit: number;
  /** Sink for the prefetching reads of `insertBatch` (keeps them from being optimised away). */
  private sink = 0;

  /** Creates a store sized for `expected` states. */
  constructor(expected = 1 << 16) {
    const cap = slotsFor(expected);
    this.slots = new Int32Array(cap * 2);
    this.cap = cap;
    this.limit = Math.floor(cap * MAX_LOAD);
  }

  /** Number of stored fingerprints. */
  get size(): number {
    return this.count;
  }

  /** Inserts a fingerprint; returns true when new. */
  insert(h1: number, h2: number): boolean {
    const s = this.slots;
    const cap = this.cap;
    let i = home(h1, cap);
    for (;;) {
      const a = s[2 * i]!;
      if (a === 0) {
        s[2 * i] = h1;
        s[2 * i + 1] = h2;
        if (++this.count > this.limit) this.grow();
        return true;
      }
      if (a === h1 && s[2 * i + 1] === h2) return false;
      if (++i === cap) i = 0;
    }
  }

  /**
   * Inserts `count` fingerprints stored at `buf[off + k * stride]` (h1) and the next word (h2), in
   * order, and sets `isNew[k]` to 1 for the new ones. Same result as `count` calls of `insert`, but
   * the home slots are read first, all of them, so that the cache misses overlap (the table is far
   * larger than the caches, and a miss costs more than the rest of an insert).
   */
  insertBatch(buf: Int32Array, off: number, stride: number, count: number, isNew: Uint8Array): void {
    this.sink ^= touchHomes(this.slots, this.cap, buf, off, stride, count);
    for (let k = 0, o = off; k < count; k++, o += stride) isNew[k] = this.insert(buf[o]!, buf[o + 1]!) ? 1 : 0;
  }

  /** Returns true when the fingerprint is stored. */
  has(h1: number, h2: number): boolean {
    const s = this.slots;
    const cap = this.cap;
    let i = home(h1, cap);
    for (;;) {
      const a = s[2 * i]!;
      if (a === 0) return false;
      if (a === h1 && s[2 * i + 1] === h2) return true;
      if (++i === cap) i = 0;
    }
  }

  private grow(): void {
    const cap = Math.ceil(this.cap * 1.5);
    this.slots = rehashFingerprints(this.slots, cap);
    this.cap = cap;
    this.limit = Math.floor(cap * MAX_LOAD);
  }

  /** Bytes held by the table. */
  bytes(): number {
    return this.slots.byteLength;
  }
}

/** Returns a table of `cap` slots (Int32 pairs) holding the fingerprints of `old`. */
function rehashFingerprints(old: Int32Array, cap: number): Int32Array {
  const s = new Int32Array(cap * 2);
  for (let j = 0; j < old.length; j += 2) {
    const a = old[j]!;
    if (a === 0) continue;
    let i = home(a, cap);
    while (s[2 * i] !== 0) if (++i === cap) i = 0;
    s[2 * i] = a;
    s[2 * i + 1] = old[j + 1]!;
  }
  return s;
}

/**
 * Returns the `h2` word of slot `i` of a shared table, waiting while it is 0: the writer that
 * claimed the slot stores it right after its compare-and-swap.
 */
function secondWord(s: Int32Array, i: number): number {
  let b = s[2 * i + 1]!;
  while (b === 0) b = Atomics.load(s, 2 * i + 1);
  return b;
}

/** Words of the control block of a {@link SharedStore} (after the per-frontier cursors, see `ctlWords`). */
export const CTL = {
  /** Stored states. */
  count: 0,
  /** Stored states plus slots reserved by batches being inserted. */
  reserved: 1,
  /** Set when a worker needs the table grown; every worker pauses at its next batch. */
  grow: 2,
  /** Set when a worker hit a budget; every worker stops at its next chunk. */
  stop: 3,
  /** First per-frontier cursor (one per lane), then one ready flag per lane (see `readyWord`). */
  cursors: 4,
} as const;

/** Returns the number of Int32 words of the control block for `n` lanes. */
export function ctlWords(n: number): number {
  return CTL.cursors + 2 * n;
}

/** Returns the word of the control block that lane `lane` of `n` sets when it is ready to take work. */
export function readyWord(n: number, lane: number): number {
  return CTL.cursors + n + lane;
}

/**
 * The fingerprint table shared by the worker threads of a parallel BFS: the same layout and probing
 * as {@link FingerprintStore}, in a SharedArrayBuffer, a slot claimed with a compare-and-swap of
 * its `h1` word. `h2` is stored right after the claim, and never as 0 (0 is stored as 1, a
 * negligible loss of fingerprint bits), so a reader that finds its `h1` and a 0 `h2` waits for the
 * writer. The table does not grow by itself: a batch first reserves its slots (`reserve`); when
 * the reservation would pass the fill limit, the lanes pause, the coordinator makes a larger table,
 * every lane moves its part of the old one into it (`moveInto`), and then continues in it
 * (`setTable`).
 */
export class SharedStore implements StateStore {
  readonly mode = 'fingerprint' as const;
  private slots!: Int32Array;
  private cap!: number;
  private limit!: number;
  private readonly ctl: Int32Array;
  private sink = 0;

  /** A view of the shared `table` (Int32 pairs) with the control block `ctl` (see `CTL`). */
  constructor(table: SharedArrayBuffer, ctl: Int32Array) {
    this.ctl = ctl;
    this.setTable(table);
  }

  /** Returns an empty shared table for `states` states at most at the fill limit, of `minSlots` slots at least. */
  static table(states: number, minSlots = 0): SharedArrayBuffer {
    return new SharedArrayBuffer(Math.max(slotsFor(states), minSlots) * 8);
  }

  /** Switches to a new (larger) shared table. */
  setTable(table: SharedArrayBuffer): void {
    this.slots = new Int32Array(table);
    this.cap = this.slots.length / 2;
    this.limit = Math.floor(this.cap * MAX_LOAD);
  }

  /**
   * Moves part `part` of `parts` (a range of slots) of this store's table into `table`, a larger
   * empty one that the other parts are moved into at the same time; the count is unchanged.
   */
  moveInto(table: SharedArrayBuffer, part: number, parts: number): void {
    const old = this.slots;
    const cap = this.cap;
    const from = Math.floor((cap * part) / parts);
    const to = Math.floor((cap * (part + 1)) / parts);
    const into = new SharedStore(table, this.ctl);
    for (let j = from; j < to; j++) {
      const a = old[2 * j]!;
      if (a !== 0) into.insert(a, old[2 * j + 1]!);
    }
  }

  /** Number of stored fingerprints (all workers). */
  get size(): number {
    return Atomics.load(this.ctl, CTL.count);
  }

  /**
   * Reserves room for `k` more states; false (and the grow flag set) when that would pass the fill
   * limit or another worker asked for growth.
   */
  reserve(k: number): boolean {
    if (Atomics.load(this.ctl, CTL.grow) !== 0) return false;
    if (Atomics.add(this.ctl, CTL.reserved, k) + k <= this.limit) return true;
    Atomics.sub(this.ctl, CTL.reserved, k);
    Atomics.store(this.ctl, CTL.grow, 1);
    return false;
  }

  /** Inserts a fingerprint; returns true when new. Only within a reservation. */
  insert(h1: number, h2: number): boolean {
    const s = this.slots;
    const cap = this.cap;
    const b2 = h2 === 0 ? 1 : h2;
    let i = home(h1, cap);
    for (;;) {
      let a = s[2 * i]!;
      if (a === 0) {
        a = Atomics.compareExchange(s, 2 * i, 0, h1);
        if (a === 0) {
          Atomics.store(s, 2 * i + 1, b2);
          return true;
        }
      }
      if (a === h1 && secondWord(s, i) === b2) return false;
      if (++i === cap) i = 0;
    }
  }

  /** As `FingerprintStore.insertBatch`, within a reservation of `count` (which it settles). */
  insertBatch(buf: Int32Array, off: number, stride: number, count: number, isNew: Uint8Array): void {
    this.sink ^= touchHomes(this.slots, this.cap, buf, off, stride, count);
    let added = 0;
    for (let k = 0, o = off; k < count; k++, o += stride) {
      const fresh = this.insert(buf[o]!, buf[o + 1]!);
      isNew[k] = fresh ? 1 : 0;
      if (fresh) added++;
    }
    Atomics.add(this.ctl, CTL.count, added);
    Atomics.sub(this.ctl, CTL.reserved, count - added);
  }

  /** Returns true when the fingerprint is stored. */
  has(h1: number, h2: number): boolean {
    const s = this.slots;
    const cap = this.cap;
    const b2 = h2 === 0 ? 1 : h2;
    let i = home(h1, cap);
    for (;;) {
      const a = s[2 * i]!;
      if (a === 0) return false;
      if (a === h1 && secondWord(s, i) === b2) return true;
      if (++i === cap) i = 0;
    }
  }

  /** Bytes of the shared table. */
  bytes(): number {
    return this.slots.byteLength;
  }
}

/** Exact store: whole states in an arena (by id), the table maps `h1` to `id + 1`. */
export class ExactStore implements StateStore {
  readonly mode = 'exact' as const;
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  private limit: number;
  private arena: Int32Array;
  private readonly width: number;

  /** Creates a store for states of `width` words. */
  constructor(width: number, expected = 1 << 16) {
    const cap = pow2(Math.ceil(expected / EXACT_LOAD));
    this.width = width;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.limit = Math.floor(cap * EXACT_LOAD);
    this.arena = new Int32Array(Math.max(1, width) * 1024);
  }

  /** Number of stored states. */
  get size(): number {
    return this.count;
  }

  private same(id: number, buf: Int32Array, off: number): boolean {
    const w = this.width;
    const a = this.arena;
    const base = id * w;
    for (let k = 0; k < w; k++) if (a[base + k] !== buf[off + k]) return false;
    return true;
  }

  /** Inserts a state; returns true when new. */
  insert(h1: number, _h2: number, buf: Int32Array, off: number): boolean {
    const s = this.slots;
    const m = this.mask;
    let i = h1 & m;
    for (;;) {
      const a = s[2 * i]!;
      if (a === 0) break;
      if (a === h1 && this.same(s[2 * i + 1]! - 1, buf, off)) return false;
      i = (i + 1) & m;
    }
    const id = this.count;
    const w = this.width;
    if ((id + 1) * w > this.arena.length) {
      const na = new Int32Array(Math.max(this.arena.length * 2, (id + 1) * w));
      na.set(this.arena);
      this.arena = na;
    }
    this.arena.set(buf.subarray(off, off + w), id * w);
    s[2 * i] = h1;
    s[2 * i + 1] = id + 1;
    if (++this.count > this.limit) this.grow();
    return true;
  }

  /** Returns true when the state is stored. */
  has(h1: number, _h2: number, buf: Int32Array, off: number): boolean {
    const s = this.slots;
    const m = this.mask;
    let i = h1 & m;
    for (;;) {
      const a = s[2 * i]!;
      if (a === 0) return false;
      if (a === h1 && this.same(s[2 * i + 1]! - 1, buf, off)) return true;
      i = (i + 1) & m;
    }
  }

  /** Returns a copy of the state with id `id`. */
  state(id: number): Int32Array {
    return this.arena.slice(id * this.width, (id + 1) * this.width);
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const s = new Int32Array(cap * 2);
    const m = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const a = old[j]!;
      if (a === 0) continue;
      let i = a & m;
      while (s[2 * i] !== 0) i = (i + 1) & m;
      s[2 * i] = a;
      s[2 * i + 1] = old[j + 1]!;
    }
    this.slots = s;
    this.mask = m;
    this.limit = Math.floor(cap * EXACT_LOAD);
  }

  /** As `FingerprintStore.insertBatch`, comparing whole states (at `buf[o + 2 ...]` after the fingerprint). */
  insertBatch(buf: Int32Array, off: number, stride: number, count: number, isNew: Uint8Array, stateOff = 2): void {
    for (let k = 0, o = off; k < count; k++, o += stride) isNew[k] = this.insert(buf[o]!, buf[o + 1]!, buf, o + stateOff) ? 1 : 0;
  }

  /** Bytes held by the table and the arena (the used part). */
  bytes(): number {
    return this.slots.byteLength + this.count * this.width * 4;
  }
}

/** Returns a new store of the given mode. */
export function makeStore(mode: 'fingerprint' | 'exact', width: number, expected?: number): StateStore {
  return mode === 'exact' ? new ExactStore(width, expected) : new FingerprintStore(expected);
}

/**
 * Returns the probability that fingerprint mode missed at least one state, by the usual
 * hash-compaction estimate n²/2⁶⁵ (TLC's "optimistic" figure), for n distinct states.
 */
export function missedStateProbability(n: number): number {
  return Math.min(1, (n * n) / 2 ** 65);
}

/** Returns the statistics of a single-threaded run (BFS, DFS, random simulation). */
export function singleThreadStats(s: {
  distinct: number;
  generated: number;
  deepest: number;
  seconds: number;
  peakRss: number;
  storeBytes: number;
  exact: boolean;
  queueLeft: number;
}): CheckStats {
  return {
    distinctStates: s.distinct,
    generatedStates: s.generated,
    maxDepth: s.deepest,
    seconds: s.seconds,
    peakMemoryBytes: s.peakRss,
    storeBytes: s.storeBytes,
    bytesPerState: s.distinct ? s.storeBytes / s.distinct : 0,
    missedStateProbability: s.exact ? 0 : missedStateProbability(s.distinct),
    queueLeft: s.queueLeft,
    workers: 1,
  };
}
