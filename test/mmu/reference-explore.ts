/**
 * A small exact breadth-first explorer over any checker Model: the reference the executable MMU
 * uses for its own tests, state-count cross-checks and the proof suites until the generic checker
 * (src/check) offers one. States are stored whole in a growable arena (exact, no fingerprint
 * collisions); paths are rebuilt from parent links, so every counterexample is a shortest one.
 */
import type { Model, Property } from '../../src/check/model.js';

/** Bounds of one exploration. */
export interface ExploreOptions {
  /** Stop after this many distinct states (verdict becomes unknown). */
  readonly maxStates?: number;
  /** Do not expand states deeper than this. */
  readonly maxDepth?: number;
  /** Wall-clock budget in seconds. */
  readonly timeSeconds?: number;
}

/** A path: the initial state, then each (action, state) pair. */
export interface ExplorePath {
  readonly actions: readonly number[];
  readonly states: readonly Int32Array[];
}

/** The outcome of one exploration. */
export interface ExploreResult {
  /** Distinct states discovered. */
  readonly distinct: number;
  /** True when the whole bounded space was explored (no bound, budget or violation cut it). */
  readonly complete: boolean;
  /** The first `always` property broken (BFS order: shortest path). */
  readonly violation?: { readonly property: Property; readonly path: ExplorePath; readonly allBroken: readonly string[] };
  /** `sometimes` properties never satisfied (only meaningful when complete). */
  readonly sometimesMissing: readonly string[];
  /** `sometimes` properties satisfied, each with its first witness path. */
  readonly sometimesFound: readonly string[];
  /** Why the search stopped early, if it did. */
  readonly cutReason?: string;
  /** Maximum depth reached. */
  readonly maxDepth: number;
  readonly seconds: number;
}

function hash(a: Int32Array, off: number, n: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < n; i++) {
    h ^= a[off + i]!;
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** Explores `model` breadth-first; stops at the first `always` violation. */
export function explore(model: Model, opts: ExploreOptions = {}): ExploreResult {
  const t0 = performance.now();
  const n = model.stateSize;
  const maxStates = opts.maxStates ?? 5_000_000;
  const maxDepth = opts.maxDepth ?? Number.MAX_SAFE_INTEGER;
  const deadline = opts.timeSeconds !== undefined ? t0 + opts.timeSeconds * 1000 : Number.POSITIVE_INFINITY;
  let cap = 1 << 16;
  let arena = new Int32Array(cap * n);
  let parent = new Int32Array(cap);
  let act = new Int32Array(cap);
  let depth = new Int32Array(cap);
  let count = 0;
  let tcap = 1 << 17;
  let table = new Int32Array(tcap).fill(-1);

  const props = model.properties();
  const always = props.filter((p) => p.expectation === 'always');
  const sometimes = props.filter((p) => p.expectation === 'sometimes');
  const found = new Set<string>();

  const rehash = (): void => {
    tcap *= 2;
    table = new Int32Array(tcap).fill(-1);
    for (let i = 0; i < count; i++) {
      let h = hash(arena, i * n, n) & (tcap - 1);
      while (table[h] !== -1) h = (h + 1) & (tcap - 1);
      table[h] = i;
    }
  };
  /** Returns the index of `s`, inserting it if new (negative -(i+1) when already present). */
  const insert = (s: Int32Array, par: number, a: number, d: number): number => {
    let h = hash(s, 0, n) & (tcap - 1);
    for (;;) {
      const i = table[h]!;
      if (i === -1) break;
      let eq = true;
      const off = i * n;
      for (let k = 0; k < n; k++) {
        if (arena[off + k] !== s[k]) {
          eq = false;
          break;
        }
      }
      if (eq) return -(i + 1);
      h = (h + 1) & (tcap - 1);
    }
    if (count === cap) {
      cap *= 2;
      const na = new Int32Array(cap * n);
      na.set(arena);
      arena = na;
      const np = new Int32Array(cap);
      np.set(parent);
      parent = np;
      const nc = new Int32Array(cap);
      nc.set(act);
      act = nc;
      const nd = new Int32Array(cap);
      nd.set(depth);
      depth = nd;
    }
    arena.set(s, count * n);
    parent[count] = par;
    act[count] = a;
    depth[count] = d;
    table[h] = count;
    count++;
    if (count * 2 > tcap) rehash();
    return count - 1;
  };
  const pathTo = (i: number): ExplorePath => {
    const idx: number[] = [];
    for (let k = i; k !== -1; k = parent[k]!) idx.push(k);
    idx.reverse();
    return {
      actions: idx.slice(1).map((k) => act[k]!),
      states: idx.map((k) => arena.slice(k * n, k * n + n)),
    };
  };
  const done = (complete: boolean, extra: Partial<ExploreResult> = {}): ExploreResult => {
    let md = 0;
    for (let i = 0; i < count; i++) if (depth[i]! > md) md = depth[i]!;
    return {
      distinct: count,
      complete,
      sometimesMissing: sometimes.filter((p) => !found.has(p.name)).map((p) => p.name),
      sometimesFound: [...found],
      maxDepth: md,
      seconds: (performance.now() - t0) / 1000,
      ...extra,
    };
  };
  const judge = (s: Int32Array, i: number): ExploreResult | undefined => {
    for (const p of always) {
      if (p.check(s)) continue;
      const allBroken = always.filter((q) => !q.check(s)).map((q) => q.name);
      return done(false, { violation: { property: p, path: pathTo(i), allBroken } });
    }
    for (const p of sometimes) if (!found.has(p.name) && p.check(s)) found.add(p.name);
    return undefined;
  };

  for (const s of model.initStates()) {
    const i = insert(s, -1, -1, 0);
    if (i >= 0) {
      const r = judge(s, i);
      if (r) return r;
    }
  }
  const cur = new Int32Array(n);
  const nxt = new Int32Array(n);
  const acts: number[] = [];
  let cut: string | undefined;
  for (let head = 0; head < count; head++) {
    if (count >= maxStates) {
      cut = `state bound ${maxStates} reached`;
      break;
    }
    if ((head & 1023) === 0 && performance.now() > deadline) {
      cut = `time budget ${opts.timeSeconds}s reached`;
      break;
    }
    const d = depth[head]!;
    cur.set(arena.subarray(head * n, head * n + n));
    if (model.within && !model.within(cur)) continue;
    if (d >= maxDepth) {
      cut = `depth bound ${maxDepth} reached`;
      continue;
    }
    acts.length = 0;
    model.actions(cur, acts);
    for (const a of acts) {
      if (!model.next(cur, a, nxt)) continue;
      const i = insert(nxt, head, a, d + 1);
      if (i >= 0) {
        const r = judge(nxt, i);
        if (r) return r;
      }
    }
  }
  return cut === undefined ? done(true) : done(false, { cutReason: cut });
}
