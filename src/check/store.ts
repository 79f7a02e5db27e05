/**
 * Visited-state stores: an open-addressing table of 64-bit fingerprints (hash compaction, the
 * default) and an exact store that keeps whole states (for cross-checking and small models).
 *
 * Both hand out dense ids in insertion order (0, 1, 2, ...), which the strategies use for parent
 * pointers. Linear probing; the table doubles when it is 3/4 full.
 */

/** A set of visited states keyed by fingerprint `(h1, h2)` (and, in exact mode, the state words). */
export interface StateStore {
  /** Number of stored states. */
  readonly size: number;
  /** Inserts the state; returns true when it was new. `h1` must be non-zero. */
  insert(h1: number, h2: number, buf: Int32Array, off: number): boolean;
  /** Returns true when the state is already stored. */
  has(h1: number, h2: number, buf: Int32Array, off: number): boolean;
  /** Bytes of typed arrays held. */
  bytes(): number;
  /** `fingerprint` or `exact`. */
  readonly mode: 'fingerprint' | 'exact';
}

const MAX_LOAD = 0.75;

/** Returns the smallest power of two ≥ n (at least 1024). */
function pow2(n: number): number {
  let c = 1024;
  while (c < n) c *= 2;
  return c;
}

/** Fingerprint store: 8 bytes per slot, two Int32 words `(h1, h2)`; `h1 === 0` marks an empty slot. */
export class FingerprintStore implements StateStore {
  readonly mode = 'fingerprint' as const;
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  private limit: number;

  /** Creates a store sized for `expected` states. */
  constructor(expected = 1 << 16) {
    const cap = pow2(Math.ceil(expected / MAX_LOAD));
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.limit = Math.floor(cap * MAX_LOAD);
  }

  /** Number of stored fingerprints. */
  get size(): number {
    return this.count;
  }

  /** Inserts a fingerprint; returns true when new. */
  insert(h1: number, h2: number): boolean {
    const s = this.slots;
    const m = this.mask;
    let i = h1 & m;
    for (;;) {
      const a = s[2 * i]!;
      if (a === 0) {
        s[2 * i] = h1;
        s[2 * i + 1] = h2;
        if (++this.count > this.limit) this.grow();
        return true;
      }
      if (a === h1 && s[2 * i + 1] === h2) return false;
      i = (i + 1) & m;
    }
  }

  /** Returns true when the fingerprint is stored. */
  has(h1: number, h2: number): boolean {
    const s = this.slots;
    const m = this.mask;
    let i = h1 & m;
    for (;;) {
      const a = s[2 * i]!;
      if (a === 0) return false;
      if (a === h1 && s[2 * i + 1] === h2) return true;
      i = (i + 1) & m;
    }
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
    this.limit = Math.floor(cap * MAX_LOAD);
  }

  /** Bytes held by the table. */
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
    const cap = pow2(Math.ceil(expected / MAX_LOAD));
    this.width = width;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.limit = Math.floor(cap * MAX_LOAD);
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
    this.limit = Math.floor(cap * MAX_LOAD);
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
