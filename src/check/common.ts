/**
 * Pieces shared by the strategies: property tables, budgets, growable typed arrays, discoveries.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
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
  /**
   * Incremental judging of `always` properties (see `Property.words`), or null (every state judged
   * on every always property): per state word, the always properties (bit p for `always[p]`) that
   * read it; and the always properties judged on every state (no `words`).
   */
  readonly alwaysReads: { readonly byWord: Int32Array; readonly everywhere: number } | null;
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
  return { all, always, alwaysIdx, sometimes, sometimesIdx, eventually, eventuallyIdx, eventuallyMask: eventually.length ? (2 ** eventually.length - 1) | 0 : 0, alwaysReads: alwaysReads(model, always) };
}

/**
 * Returns the {@link PropTable.alwaysReads} of the always properties, or null when none declares
 * its words or there are more than 31 of them.
 */
function alwaysReads(model: Model, always: readonly Property[]): PropTable['alwaysReads'] {
  if (always.length > 31 || !always.some((p) => p.words !== undefined)) return null;
  const byWord = new Int32Array(model.stateSize);
  let everywhere = 0;
  always.forEach((p, k) => {
    if (p.words === undefined) everywhere |= 1 << k;
    else for (const w of p.words) if (w >= 0 && w < byWord.length) byWord[w] = byWord[w]! | (1 << k);
  });
  return { byWord, everywhere };
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

/** A growable Uint8Array. */
export class U8Vec {
  data: Uint8Array;
  length = 0;
  constructor(cap = 1024) {
    this.data = new Uint8Array(cap);
  }
  /** Appends a value (0 ≤ v < 256). */
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Uint8Array(this.data.length * 2);
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

/** How often {@link Budget.check} asks `shouldStop` (it may cost a system call). */
const STOP_POLL_MS = 100;

/** Budget bookkeeping: time, memory, an outside stop request, progress sampling. */
export class Budget {
  readonly start = performance.now();
  private readonly deadline: number;
  private readonly maxMem: number;
  private readonly shouldStop: (() => string | null) | null;
  private lastSample = 0;
  private lastProgress = 0;
  private lastStopPoll = 0;
  private readonly progressMs: number;
  /** Peak RSS seen. */
  peakRss = 0;
  /** Why the search stopped early, if it did. */
  hit: string | null = null;

  constructor(opts: { timeSeconds?: number | undefined; maxMemoryBytes?: number | undefined; progressMs?: number | undefined; shouldStop?: (() => string | null) | undefined }) {
    this.deadline = opts.timeSeconds !== undefined ? this.start + opts.timeSeconds * 1000 : Infinity;
    this.maxMem = opts.maxMemoryBytes ?? Infinity;
    this.progressMs = opts.progressMs ?? 1000;
    this.shouldStop = opts.shouldStop ?? null;
    this.sampleMemory();
    this.lastProgress = this.start;
    this.lastStopPoll = this.start;
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
   * Checks time, memory and (every {@link STOP_POLL_MS}) the outside stop request; call every few
   * thousand states. Returns true in `stop` when the search must stop (and sets `hit`), and
   * whether a progress sample is due through `due`.
   */
  check(): { stop: boolean; due: boolean } {
    const now = performance.now();
    if (now > this.deadline) {
      this.hit = `time budget of ${Number(((this.deadline - this.start) / 1000).toFixed(3))} s reached`;
      return { stop: true, due: false };
    }
    if (this.shouldStop !== null && now - this.lastStopPoll >= STOP_POLL_MS) {
      this.lastStopPoll = now;
      const why = this.shouldStop();
      if (why !== null) {
        this.hit = why;
        return { stop: true, due: false };
      }
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

  /**
   * Returns the reason for a failed allocation (`RangeError` from a typed array or buffer) while the
   * store or frontier grew, or rethrows any other error: the search ends `unknown` with its
   * statistics instead of an internal error.
   */
  exhausted(e: unknown): string {
    if (!isAllocationFailure(e)) throw e;
    const rss = this.sampleMemory();
    return `memory exhausted (${(e as Error).message} at ${(rss / 2 ** 20).toFixed(0)} MiB resident; the fingerprint store, a smaller model or more memory may help)`;
  }
}

/** Returns true for the errors of an allocation that failed (typed arrays, buffers, array growth). */
export function isAllocationFailure(e: unknown): boolean {
  return e instanceof RangeError && /allocation failed|Invalid typed array length/i.test(e.message);
}

/** The memory a run may use by default, and what bounded it (for messages and usage texts). */
export interface MemoryBudget {
  readonly bytes: number;
  readonly source: string;
}

/**
 * Returns the default memory budget: 3/4 of the smallest of the machine's memory, the cgroup
 * limit (`process.constrainedMemory`) and the address-space limit (RLIMIT_AS, less the address
 * space the process has reserved already, which V8 and the threads mostly never touch).
 */
export function defaultMemoryBudget(): MemoryBudget {
  const limits: { bytes: number; source: string }[] = [physicalMemory()];
  const as = addressSpaceLeft();
  if (as !== null) limits.push({ bytes: as, source: 'the address-space limit (ulimit -v)' });
  const least = limits.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  return { bytes: Math.floor(least.bytes * 0.75), source: least.source };
}

/** The memory all processes of this machine or container share: the cgroup limit when below the machine's memory. */
export function physicalMemory(): { bytes: number; source: string } {
  const cgroup = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return cgroup !== undefined && cgroup > 0 && cgroup < totalmem() ? { bytes: cgroup, source: 'the cgroup memory limit' } : { bytes: totalmem(), source: "the machine's memory" };
}

/** Returns RLIMIT_AS less the address space in use, or null when unlimited or unknown (not Linux). */
function addressSpaceLeft(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max address space'));
    const soft = line?.slice('Max address space'.length).trim().split(/\s+/)[0];
    if (soft === undefined || !/^[0-9]+$/.test(soft)) return null;
    const vsz = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[0]) * 4096;
    return Math.max(0, Number(soft) - vsz);
  } catch {
    return null;
  }
}

/** A search run in steps: it yields at its budget checks (every few thousand states) and returns its result. */
export type Search<R> = Generator<void, R, void>;

/** Runs a search to its end on this thread, without giving the event loop a turn. */
export function runSync<R>(search: Search<R>): R {
  for (;;) {
    const r = search.next();
    if (r.done) return r.value;
  }
}

/** How long a search runs between turns of the event loop in {@link runAsync}. */
const YIELD_MS = 100;

/**
 * Runs a search to its end, giving the event loop a turn about every {@link YIELD_MS} (so that
 * signal handlers, timers and worker messages are served during a long search).
 */
export async function runAsync<R>(search: Search<R>): Promise<R> {
  let last = performance.now();
  for (;;) {
    const r = search.next();
    if (r.done) return r.value;
    const now = performance.now();
    if (now - last >= YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}
