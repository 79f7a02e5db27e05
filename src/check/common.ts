/**
 * Pieces shared by the strategies: property tables, budgets, growable typed arrays, discoveries.
 */
import type { Model, Property } from './model.js';

/** The properties of a model split by expectation, with their indices in `model.properties()`. */
export interface PropTable {
  readonly all: readonly Property[];
  readonly always: readonly Property[];
  readonly alwaysIdx: readonly number[];
  readonly sometimes: readonly Property[];
  readonly sometimesIdx: readonly number[];
  readonly eventually: readonly Property[];
  readonly eventuallyIdx: readonly number[];
  /** Bit mask with one bit per eventually property (at most 31). */
  readonly eventuallyMask: number;
}

/** Returns the property table of a model. */
export function propTable(model: Model): PropTable {
  const all = model.properties();
  const pick = (e: Property['expectation']): [Property[], number[]] => {
    const ps: Property[] = [];
    const is: number[] = [];
    all.forEach((p, i) => {
      if (p.expectation === e) {
        ps.push(p);
        is.push(i);
      }
    });
    return [ps, is];
  };
  const [always, alwaysIdx] = pick('always');
  const [sometimes, sometimesIdx] = pick('sometimes');
  const [eventually, eventuallyIdx] = pick('eventually');
  if (eventually.length > 31) throw new RangeError(`model ${model.name}: at most 31 eventually properties`);
  return { all, always, alwaysIdx, sometimes, sometimesIdx, eventually, eventuallyIdx, eventuallyMask: eventually.length ? (2 ** eventually.length - 1) | 0 : 0 };
}

/** Kinds of discoveries, in the order that breaks ties (a safety violation before a deadlock ...). */
export type FoundKind = 'always' | 'deadlock' | 'eventually' | 'sometimes';
const RANK: Record<FoundKind, number> = { always: 0, deadlock: 1, eventually: 2, sometimes: 3 };

/** A discovery during the search: a violation or a `sometimes` witness, by state id. */
export interface Found {
  readonly kind: FoundKind;
  /** Index into `model.properties()` (-1 for deadlock). */
  readonly prop: number;
  /** Global state id (BFS) whose path is the trace. */
  readonly gid: number;
  readonly h1: number;
  readonly h2: number;
  readonly depth: number;
}

/** Returns true when `a` should be reported instead of `b`: shallower, then kind, property, fingerprint. */
export function better(a: Found, b: Found | null | undefined): boolean {
  if (!b) return true;
  if (a.depth !== b.depth) return a.depth < b.depth;
  if (RANK[a.kind] !== RANK[b.kind]) return RANK[a.kind] < RANK[b.kind];
  if (a.prop !== b.prop) return a.prop < b.prop;
  if (a.h1 !== b.h1) return a.h1 >>> 0 < b.h1 >>> 0;
  return a.h2 >>> 0 < b.h2 >>> 0;
}

/**
 * Empties an array in place, keeping its backing store (measured: `a.length = 0` costs about 50 ns
 * a call on Node 20, popping a few elements a few ns).
 */
export function clear(a: number[]): void {
  while (a.length > 0) a.pop();
}

/** A growable Int32Array; with `shared`, its storage is a SharedArrayBuffer (other threads may read it). */
export class IntVec {
  data: Int32Array;
  length = 0;
  private readonly shared: boolean;
  constructor(cap = 1024, shared = false) {
    this.shared = shared;
    this.data = shared ? new Int32Array(new SharedArrayBuffer(cap * 4)) : new Int32Array(cap);
  }
  /** Makes room for `n` more words and returns the offset where they go (length grows by n). */
  alloc(n: number): number {
    const off = this.length;
    if (off + n > this.data.length) {
      const cap = Math.max(this.data.length * 2, off + n);
      const d = this.shared ? new Int32Array(new SharedArrayBuffer(cap * 4)) : new Int32Array(cap);
      d.set(this.data.subarray(0, off));
      this.data = d;
    }
    this.length = off + n;
    return off;
  }
  /** Appends a word. */
  push(v: number): void {
    const o = this.alloc(1);
    this.data[o] = v;
  }
  /** Bytes held. */
  bytes(): number {
    return this.data.byteLength;
  }
}

/** A growable Uint16Array. */
export class U16Vec {
  data: Uint16Array;
  length = 0;
  constructor(cap = 1024) {
    this.data = new Uint16Array(cap);
  }
  /** Appends a value. */
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Uint16Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  /** Bytes held. */
  bytes(): number {
    return this.data.byteLength;
  }
}

/** A growable array of action indices: one byte each until an index above 255 appears, then two. */
export class ActVec {
  data: Uint8Array | Uint16Array;
  length = 0;
  constructor(cap = 1024) {
    this.data = new Uint8Array(Math.max(16, cap));
  }
  /** Appends a value (0 ≤ v < 65536). */
  push(v: number): void {
    if (this.length === this.data.length || (v > 255 && this.data instanceof Uint8Array)) {
      const wide = v > 255 || this.data instanceof Uint16Array;
      const cap = this.length === this.data.length ? Math.ceil(this.data.length * 1.5) : this.data.length;
      const d = wide ? new Uint16Array(cap) : new Uint8Array(cap);
      d.set(this.data.subarray(0, this.length));
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  /** Bytes per value (1 or 2). */
  get width(): number {
    return this.data.BYTES_PER_ELEMENT;
  }
}

/** Budget bookkeeping: time, memory, progress sampling. */
export class Budget {
  readonly start = performance.now();
  private readonly deadline: number;
  private readonly maxMem: number;
  private lastSample = 0;
  private lastProgress = 0;
  private readonly progressMs: number;
  /** Peak RSS seen. */
  peakRss = 0;
  /** Why the search stopped early, if it did. */
  hit: string | null = null;

  constructor(opts: { timeSeconds?: number | undefined; maxMemoryBytes?: number | undefined; progressMs?: number | undefined }) {
    this.deadline = opts.timeSeconds !== undefined ? this.start + opts.timeSeconds * 1000 : Infinity;
    this.maxMem = opts.maxMemoryBytes ?? Infinity;
    this.progressMs = opts.progressMs ?? 1000;
    this.sampleMemory();
    this.lastProgress = this.start;
  }

  /** Seconds since start. */
  seconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  /** Samples the RSS; returns it. */
  sampleMemory(): number {
    const r = process.memoryUsage.rss();
    if (r > this.peakRss) this.peakRss = r;
    return r;
  }

  /**
   * Checks time and memory (call every few thousand states); returns true when a budget is
   * exhausted (and sets `hit`), and whether a progress sample is due through `due`.
   */
  check(): { stop: boolean; due: boolean } {
    const now = performance.now();
    if (now > this.deadline) {
      this.hit = `time budget of ${Number(((this.deadline - this.start) / 1000).toFixed(3))} s reached`;
      return { stop: true, due: false };
    }
    let due = false;
    if (now - this.lastSample >= Math.min(this.progressMs, 250)) {
      const rss = this.sampleMemory();
      if (rss > this.maxMem) {
        this.hit = `memory budget of ${(this.maxMem / 2 ** 20).toFixed(0)} MiB reached`;
        return { stop: true, due: false };
      }
      this.lastSample = now;
      if (now - this.lastProgress >= this.progressMs) {
        due = true;
        this.lastProgress = now;
      }
    }
    return { stop: false, due };
  }
}
