/**
 * Single-threaded depth-first search: memory for the visited set and one path only; the
 * counterexample is the stack (not the shortest). Same judgement rules as BFS.
 */
import type { Model } from './model.js';
import { FP, SUM, finishSums, fingerprint, hashKeys, stateSums, sumsDiff, sumsDiffAt } from './hash.js';
import { makeStore, singleThreadStats } from './store.js';
import { Budget, type Found, IntVec, type Search, clear, propTable, runAsync, runSync } from './common.js';
import { reducedSet } from './bfs-core.js';
import { buildResult } from './result.js';
import { type Chain, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult } from './types.js';

/** Runs a DFS of `model`. */
export function checkDfs(model: Model, opts: CheckOptions = {}): CheckResult {
  return runSync(dfsSearch(model, opts));
}

/** Runs a DFS of `model`, giving the event loop a turn now and then (see `runAsync`). */
export function checkDfsAsync(model: Model, opts: CheckOptions = {}): Promise<CheckResult> {
  return runAsync(dfsSearch(model, opts));
}

/** The DFS as a {@link Search}: it yields at every budget check. */
function* dfsSearch(model: Model, opts: CheckOptions): Search<CheckResult> {
  const budget = new Budget(opts);
  const S = model.stateSize;
  const por = (opts.por ?? true) && !!model.isLocal;
  const symmetry = (opts.symmetry ?? true) && !!model.canonicalize;
  const maxDepth = opts.maxDepth ?? Infinity;
  const maxStates = opts.maxStates ?? Infinity;
  const props = propTable(model);
  const store = makeStore(opts.store ?? 'fingerprint', S, opts.expectedStates);
  const roots = opts.roots ?? initialRoots(model, symmetry);
  const thread = model.actionThread ? model.actionThread.bind(model) : null;
  const within = model.within ? model.within.bind(model) : null;
  const states = new IntVec(S * 64);
  const pairs = new IntVec(1024); // (position, action) per selected action of every frame
  const pbase: number[] = [];
  const pcount: number[] = [];
  const cursor: number[] = [];
  const ebitsOf: number[] = [];
  const anySucc: boolean[] = [];
  const chosen: number[] = [];
  const fps: number[] = [];
  const chains = new Map<Found, Chain>();
  const witnesses: (Found | null)[] = props.sometimes.map(() => null);
  let violation: Found | null = null;
  let generated = 0;
  let deepest = 0;
  let depthCut = false;
  let hit: string | null = null;
  const acts: number[] = [];
  const sel = new Int32Array(256);
  const view = new Int32Array(S);
  const succ = new Int32Array(S);
  const canon = new Int32Array(S);
  // The words a step wrote (`Model.written`), the marks of `sumsDiffAt`, the changed words.
  const written = model.written ? model.written.bind(model) : null;
  const wbuf = new Int32Array(Math.max(4096, 2 * S));
  const mark = new Int32Array(S);
  let stamp = 0;
  const chg = new Int32Array(S);
  const noReads = new Int32Array(S);
  hashKeys(S);
  let rootIndex = 0;
  let sinceCheck = 0;

  const chainHere = (depth: number): Chain => ({ rootIndex, indices: chosen.slice(0, depth) });
  // The store hash is the BFS's (additive over words, see `stateSums`): a successor's is its
  // parent's (the raw sums kept per frame in `fps`) plus the change of the words its step wrote
  // (`Model.written`), or of every differing word. A discovery records the state's `fingerprint`
  // (tie-breaks, replay checks), as in every strategy.
  const record = (kind: Found['kind'], prop: number, depth: number, state: Int32Array): Found => {
    fingerprint(state, 0, S);
    const f: Found = { kind, prop, gid: -1, h1: FP[0]!, h2: FP[1]!, depth };
    chains.set(f, chainHere(depth));
    return f;
  };

  /** Pushes a new state (in `buf`) at `depth`, judging it; returns false to stop the search. */
  const push = (buf: Int32Array, depth: number, ebitsIn: number, s1: number, s2: number): boolean => {
    if (depth > deepest) deepest = depth;
    const off = states.alloc(S);
    states.data.set(buf.subarray(0, S), off);
    let ebits = ebitsIn;
    for (let p = 0; p < props.always.length; p++) {
      if (!props.always[p]!.check(buf)) {
        violation = record('always', props.alwaysIdx[p]!, depth, buf);
        return false;
      }
    }
    for (let p = 0; p < props.sometimes.length; p++) {
      if (witnesses[p] === null && props.sometimes[p]!.check(buf)) witnesses[p] = record('sometimes', props.sometimesIdx[p]!, depth, buf);
    }
    for (let p = 0; p < props.eventually.length; p++) if ((ebits & (1 << p)) !== 0 && props.eventually[p]!.check(buf)) ebits &= ~(1 << p);
    clear(acts);
    model.actions(buf, acts);
    pbase[depth] = pairs.length;
    cursor[depth] = 0;
    ebitsOf[depth] = ebits;
    anySucc[depth] = false;
    fps[2 * depth] = s1;
    fps[2 * depth + 1] = s2;
    if (depth >= maxDepth) {
      if (acts.length > 0) depthCut = true;
      pcount[depth] = 0;
      anySucc[depth] = true; // cut by the bound, not terminal
      return true;
    }
    const nsel = por && acts.length > 1 ? reducedSet(model, buf, acts, thread, sel) : 0;
    const count = nsel > 0 ? nsel : acts.length;
    const o = pairs.alloc(2 * count);
    for (let j = 0; j < count; j++) {
      const i = nsel > 0 ? sel[j]! : j;
      pairs.data[o + 2 * j] = i;
      pairs.data[o + 2 * j + 1] = acts[i]!;
    }
    pcount[depth] = count;
    return true;
  };

  try {
    search: for (; rootIndex < roots.length; rootIndex++) {
      const r = roots[rootIndex]!.state;
      stateSums(r, 0, S);
      const r1 = SUM[0]!;
      const r2 = SUM[1]!;
      finishSums(r1, r2);
      if (!store.insert(FP[0]!, FP[1]!, r, 0)) continue;
      if (!push(r, 0, props.eventuallyMask, r1, r2)) break;
      let top = 0;
      while (top >= 0) {
        if (++sinceCheck >= 4096) {
          sinceCheck = 0;
          const b = budget.check();
          if (b.stop) {
            hit = budget.hit;
            break search;
          }
          if (b.due)
            opts.onProgress?.({ generatedStates: generated, distinctStates: store.size, depth: top, queue: top + 1, seconds: budget.seconds(), statesPerSecond: store.size / budget.seconds(), memoryBytes: budget.peakRss });
          if (store.size >= maxStates) {
            hit = `state budget of ${maxStates} distinct states reached`;
            break search;
          }
          yield;
        }
        if (cursor[top]! < pcount[top]!) {
          const k = pbase[top]! + 2 * cursor[top]!;
          cursor[top]!++;
          const pos = pairs.data[k]!;
          const a = pairs.data[k + 1]!;
          view.set(states.data.subarray(top * S, top * S + S));
          if (!model.next(view, a, succ)) continue;
          anySucc[top] = true;
          generated++;
          // The words the step wrote (read right after it); a canonical form is compared whole.
          const nw = written !== null && !symmetry ? written(wbuf) : -1;
          let t = succ;
          if (symmetry) {
            model.canonicalize!(succ, canon);
            t = canon;
          }
          if (within !== null && !within(t)) continue;
          if (nw >= 0) {
            stamp = (stamp + 1) | 0;
            if (stamp === 0) {
              mark.fill(0);
              stamp = 1;
            }
            sumsDiffAt(t, view, wbuf, nw, mark, stamp, noReads, fps[2 * top]!, fps[2 * top + 1]!, chg);
          } else sumsDiff(t, view, S, noReads, fps[2 * top]!, fps[2 * top + 1]!, chg);
          const r1 = SUM[0]!;
          const r2 = SUM[1]!;
          finishSums(r1, r2);
          if (!store.insert(FP[0]!, FP[1]!, t, 0)) continue;
          chosen[top] = pos;
          top++;
          if (!push(t, top, ebitsOf[top - 1]!, r1, r2)) break search;
          continue;
        }
        // Frame exhausted.
        if (!anySucc[top]) {
          view.set(states.data.subarray(top * S, top * S + S));
          if (model.isFinal && !model.isFinal(view)) {
            violation = record('deadlock', -1, top, view);
            break search;
          }
          const eb = ebitsOf[top]!;
          if (eb !== 0) {
            let p = 0;
            while ((eb & (1 << p)) === 0) p++;
            violation = record('eventually', props.eventuallyIdx[p]!, top, view);
            break search;
          }
        }
        pairs.length = pbase[top]!;
        states.length = top * S;
        top--;
      }
    }
  } catch (e) {
    hit = budget.exhausted(e);
  }
  budget.sampleMemory();
  const n = store.size;
  const storeBytes = store.bytes();
  const v = violation as Found | null;
  return buildResult({
    model,
    strategy: 'dfs',
    props,
    reductions: { por, symmetry },
    roots,
    violation: v,
    witnesses,
    complete: hit === null && !depthCut && v === null,
    incompleteReason: hit ?? (depthCut ? `depth bound of ${opts.maxDepth} reached: states at that depth have unexplored successors` : null),
    stats: singleThreadStats({
      distinct: n, generated, deepest, seconds: budget.seconds(), peakRss: budget.peakRss,
      storeBytes, exact: store.mode === 'exact', queueLeft: 0,
    }),
    chainOf: (f) => chains.get(f)!,
  });
}
