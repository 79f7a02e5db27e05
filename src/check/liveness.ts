/**
 * Liveness mode of the BFS: `eventually` with cycles judged, non-progress cycles (SPIN's `-l`) and
 * per-thread progress, under weak fairness per thread or none, with lasso counterexamples.
 *
 * How it works (TLC and PAT do the same; SPIN's nested DFS does not combine with BFS):
 * 1. A breadth-first search over the model, as the safety BFS does (the same properties, deadlocks,
 *    budgets), that also logs every transition between stored states as a compact edge: the
 *    target's id (4 bytes), the action's index in the source's enabled list (1 byte, 2 past 255)
 *    and one byte holding the acting thread (0..31) and a progress bit. Edges are grouped by
 *    source (states are expanded in id order), so a state's edges are one slice; per state it keeps
 *    the slice start, the mask of enabled threads (in the full model), and when needed the mask of
 *    unfinished threads and the eventually conditions that hold. States keep an id from their own
 *    table (the store of store.ts gives no ids back for states seen before), keyed by the safety
 *    BFS's store hash; as there, a successor is a delta of its parent (its hash is the parent's
 *    plus the change of the words its step wrote, `Model.written`; its frontier record is patched
 *    from the parent's) and an always property is judged only where a word it reads changed.
 * 2. The cycle analysis: an iterative Tarjan over a subgraph (see below), and each strongly
 *    connected component (SCC) judged for fairness as it is popped.
 *    - non-progress cycles: every expanded state, the edges that are not progress steps;
 *    - thread t kept from progress: the states where t has not finished, the edges other than t's
 *      progress steps;
 *    - eventually P: the states where P fails that are reachable from an initial state through
 *      such states only (a BFS first), every edge; a terminal state among them is a finite
 *      counterexample (a maximal run), else a fair cycle among them is a lasso.
 *    The analysis runs at checkpoints during the search (from 1024 expanded states, each time
 *    they grow fourfold, so all checkpoints together cost at most a third more than the last) and
 *    at its end: a lasso found in a part of the graph is a real run (its states are expanded,
 *    its edges and enabled sets are those of the model), so violations are found early; `holds`
 *    needs a complete search.
 *
 * Weak fairness, judged per SCC: a run is weakly fair when every thread that is eventually enabled
 * forever (continuously) moves infinitely often. A run that stays in an SCC C forever can be made
 * to visit every state and take every edge of C infinitely often; along such a run the threads
 * enabled throughout are E(C) = the threads enabled in every state of C, and the threads that move
 * are M(C) = the threads of the edges inside C. So C holds a fair cycle if E(C) ⊆ M(C). Conversely
 * any cycle L inside C visits fewer states and edges: E(L) ⊇ E(C) and M(L) ⊆ M(C), so a thread of
 * E(C) \ M(C) is enabled throughout L and never moves in it: L is unfair. Hence C holds a weakly
 * fair cycle iff E(C) ⊆ M(C), no splitting of C is needed (that is needed for strong fairness,
 * which is not offered). Enabledness counts every enabled action of the thread in the full model,
 * also progress steps and steps leaving the `within` boundary, which are not edges of the subgraph:
 * a thread that could only move by a progress step must move under weak fairness, so such a cycle
 * is not a non-progress counterexample.
 *
 * The lasso: a loop through the SCC from its least state id s0 (the BFS order: close to an initial
 * state) that takes, for each thread of E(C), one of its edges (BFS inside C to the nearest such
 * edge, then back to s0), and a stem from an initial state to s0 (BFS parents; for eventually,
 * parents of the BFS through failing states). It is rebuilt by replaying the model, and the run
 * is accepted only when the replayed loop closes (the last state equals the loop start word for
 * word), else the model is non-deterministic (MMC201).
 *
 * Reductions: partial-order reduction and symmetry are off in this mode (their soundness for
 * cycles under fairness, the cycle proviso and the ignoring problem, is not shown here), and it
 * runs on one thread. Statement merging of a thread's own local steps is on when the model has
 * `isLocal` and `actionThread` and neither `por` nor `merge` is false (see {@link mergeOn}, with
 * its argument); the result says what was used (`reductions`, `liveness.notes`).
 */
import { DiagnosticError, diagnostic } from '../core/diagnostic.js';
import { errorVerdict, holds, unknown, violated } from '../core/verdict.js';
import type { Model } from './model.js';
import { FP, SUM, finishSums, fingerprint, hashKeys, stateSums, sumsDiff, sumsDiffAt } from './hash.js';
import { Level, decode } from './frontier.js';
import { ActVec, Budget, type Found, IntVec, type Search, U8Vec, clear, propTable, runAsync, runSync } from './common.js';
import { buildResult } from './result.js';
import { chainOf, initialRoots, replayChain, unmergePath } from './trace.js';
import { MergeChain, putBack } from './bfs-core.js';
import { singleThreadStats } from './store.js';
import type { CheckOptions, CheckResult, Fairness, LassoThread, LivenessInfo, ModelCounterexample, Root, Trace } from './types.js';

/** Returns true when `opts` asks for liveness mode on `model` (see `CheckOptions.liveness`). */
export function livenessWanted(model: Model, opts: CheckOptions): boolean {
  if ((opts.strategy ?? 'bfs') !== 'bfs' || opts.liveness === false) return false;
  return !!model.isProgress || model.properties().some((p) => p.expectation === 'eventually');
}

/** Runs liveness mode (BFS) on this thread. */
export function checkLiveness(model: Model, opts: CheckOptions = {}): CheckResult {
  return runSync(livenessSearch(model, opts));
}

/** {@link checkLiveness}, giving the event loop a turn now and then. */
export function checkLivenessAsync(model: Model, opts: CheckOptions = {}): Promise<CheckResult> {
  return runAsync(livenessSearch(model, opts));
}

/**
 * Fingerprint → dense id (insertion order), open addressing, three words a slot (h1, h2, id); in
 * exact mode the states are kept in an arena and compared whole.
 */
class IdTable {
  private slots: Int32Array;
  private cap: number;
  count = 0;
  private readonly arena: IntVec | null;
  private readonly S: number;
  /** Set by {@link add}: whether the state was new. */
  fresh = false;
  constructor(S: number, exact: boolean, expected: number) {
    this.S = S;
    let cap = 1024;
    while (cap * 0.7 < expected) cap *= 2;
    this.cap = cap;
    this.slots = new Int32Array(cap * 3);
    this.arena = exact ? new IntVec(Math.max(1024, S * 1024)) : null;
  }
  private same(id: number, s: Int32Array): boolean {
    const a = this.arena!.data;
    const b = id * this.S;
    for (let k = 0; k < this.S; k++) if (a[b + k] !== s[k]) return false;
    return true;
  }
  /** Returns the id of the state with fingerprint (h1, h2), adding it when new (sets {@link fresh}). */
  add(h1: number, h2: number, s: Int32Array): number {
    const sl = this.slots;
    const mask = this.cap - 1;
    let i = h1 & mask;
    for (;;) {
      const a = sl[3 * i]!;
      if (a === 0) break;
      if (a === h1 && sl[3 * i + 1] === h2 && (this.arena === null || this.same(sl[3 * i + 2]!, s))) {
        this.fresh = false;
        return sl[3 * i + 2]!;
      }
      i = (i + 1) & mask;
    }
    const id = this.count++;
    sl[3 * i] = h1;
    sl[3 * i + 1] = h2;
    sl[3 * i + 2] = id;
    if (this.arena !== null) {
      // alloc may grow (replace) the arena's array: take the offset first, then the array
      const o = this.arena.alloc(this.S);
      this.arena.data.set(s, o);
    }
    this.fresh = true;
    if (this.count > this.cap * 0.7) this.grow();
    return id;
  }
  private grow(): void {
    const old = this.slots;
    const cap = this.cap * 2;
    const sl = new Int32Array(cap * 3);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 3) {
      const h1 = old[j]!;
      if (h1 === 0) continue;
      let i = h1 & mask;
      while (sl[3 * i] !== 0) i = (i + 1) & mask;
      sl[3 * i] = h1;
      sl[3 * i + 1] = old[j + 1]!;
      sl[3 * i + 2] = old[j + 2]!;
    }
    this.slots = sl;
    this.cap = cap;
  }
  bytes(): number {
    return this.slots.byteLength + (this.arena?.bytes() ?? 0);
  }
}

/**
 * Statement merging in liveness mode (on with `CheckOptions.merge` and `por`, when the model has
 * `isLocal`): after a step of thread t, t's next step is taken at once, without storing the state
 * in between, while it is t's only enabled action, local (`Model.isLocal`: it touches only t's own
 * state, no other thread reads it or can disable it, invisible to the properties) and not a
 * progress step. Sound for the liveness verdicts: (1) every reduced run is a run of the model with
 * the merged steps in it; the skipped states have the same enabled threads as the stored state
 * after them, apart from t, which is enabled in them, so a loop's threads enabled throughout and
 * threads that moved are the same as in the full model (the merged steps are t's, and t moved by
 * the step before them), and the progress steps are the same; (2) a local step, once enabled,
 * stays enabled until t takes it, so under weak fairness every fair run takes it, and taking it at
 * once reorders the run by independent invisible steps: a fair run without progress (or without P)
 * becomes one of the reduced graph, which then holds a fair SCC without progress. Merging only a
 * thread's own steps keeps the edge's thread (one byte) exact. Local steps form no cycle (the
 * obligation of `isLocal`), and chains are cut at `MAX_MERGE` (bfs-core.ts, {@link MergeChain}).
 */
function mergeOn(model: Model, opts: CheckOptions): boolean {
  return !!model.isLocal && !!model.actionThread && (opts.por ?? true) && (opts.merge ?? true);
}

/** Scratch buffers of {@link ownLocalStep}, per state size. */
const mergeScratch = new Map<number, { out: Int32Array; acts: number[] }>();

/** The threads other than `th` with an action in `acts` (actions of `s`), as a bit mask (bit 31 for threads >= 31). */
function othersEnabled(model: Model, s: Int32Array, th: number, acts: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < acts.length; i++) {
    const u = model.actionThread!(s, acts[i]!);
    if (u !== th) m |= 1 << Math.min(Math.max(u, 0), 31);
  }
  return m;
}

/**
 * Returns the position in `acts` (filled here) of thread th's next step when it is merged (see
 * {@link mergeOn}), or -1. Besides `isLocal`, the step must leave every other thread's
 * enabledness as it is (checked on its successor): `isLocal` may accept a step that enables a
 * blocked thread when no other thread could enable it first (a singleton persistent set, enough
 * for safety), but merging such a step would skip the states where that thread is disabled, and a
 * weakly fair loop through them would be taken for an unfair one.
 */
function ownLocalStep(model: Model, s: Int32Array, th: number, acts: number[]): number {
  clear(acts);
  model.actions(s, acts);
  let found = -1;
  for (let i = 0; i < acts.length; i++) {
    if (model.actionThread!(s, acts[i]!) !== th) continue;
    if (found >= 0) return -1;
    found = i;
  }
  if (found < 0) return -1;
  const a = acts[found]!;
  if (!model.isLocal!(s, a) || (model.isProgress?.(s, a) ?? false)) return -1;
  let sc = mergeScratch.get(model.stateSize);
  if (sc === undefined) {
    sc = { out: new Int32Array(model.stateSize), acts: [] };
    mergeScratch.set(model.stateSize, sc);
  }
  if (!model.next(s, a, sc.out)) return -1;
  clear(sc.acts);
  model.actions(sc.out, sc.acts);
  return othersEnabled(model, s, th, acts) === othersEnabled(model, sc.out, th, sc.acts) ? found : -1;
}

/** Returns the state of root `i` (the initial state after its recorded path). */
function rootState(model: Model, roots: readonly Root[], i: number): Int32Array {
  const r = roots[i]!;
  let s = model.initStates()[r.initIndex]!.slice();
  const acts: number[] = [];
  for (const idx of r.path) {
    clear(acts);
    model.actions(s, acts);
    const o = new Int32Array(model.stateSize);
    if (idx >= acts.length || !model.next(s, acts[idx]!, o)) throw new DiagnosticError(diagnostic('MMC201', `model ${model.name} is non-deterministic: a root's path does not replay`));
    s = o;
  }
  return s;
}

/** Expands a path of stored edges (merged on the acting thread) into one action index per step, from state `from`; returns the end state too. */
function unmergeFrom(model: Model, from: Int32Array, indices: readonly number[]): { indices: number[]; end: Int32Array } {
  return unmergePath(model, from, indices, (u, acts, th) => ownLocalStep(model, u, th, acts));
}

/** Progress bit of an edge's meta byte (the low 5 bits are the thread). */
const PROGRESS = 0x80;

/** The logged state graph (see the module comment). */
class Graph {
  /** Per state: first edge (expanded states only: ids below `expanded`). */
  readonly estart = new IntVec(1 << 14);
  readonly dst = new IntVec(1 << 16);
  readonly act = new ActVec(1 << 16);
  readonly meta = new U8Vec();
  /** Per state: enabled threads (mask). */
  readonly en = new IntVec(1 << 14);
  /** Per state: bit 0 terminal (no enabled action). */
  readonly flags = new U8Vec();
  /** Per state: unfinished threads (with `Model.unfinished`). */
  readonly unfin: IntVec | null;
  /** Per state: eventually conditions that hold (bit p for property p of the table). */
  readonly ev: IntVec | null;
  expanded = 0;
  constructor(unfin: boolean, ev: boolean) {
    this.unfin = unfin ? new IntVec(1 << 14) : null;
    this.ev = ev ? new IntVec(1 << 14) : null;
  }
  /** End of state v's edges (v < expanded). */
  end(v: number): number {
    return v + 1 < this.expanded ? this.estart.data[v + 1]! : this.dst.length;
  }
  /** Bytes the log holds (lengths, not the spare capacity of the growable arrays, which is at most as much again). */
  bytes(): number {
    const n = this.estart.length;
    return n * 4 + this.dst.length * (4 + this.act.width + 1) + this.en.length * 4 + this.flags.length + ((this.unfin?.length ?? 0) + (this.ev?.length ?? 0)) * 4;
  }
}

/** A subgraph of the analysis: states with `nodeOk[v]` (all expanded when null); edges whose meta `& exMask` differs from `exVal`. */
interface Sub {
  readonly nodeOk: Uint8Array | null;
  readonly exMask: number;
  readonly exVal: number;
}

/** A fair SCC found: its states. */
interface FairScc {
  readonly nodes: Int32Array;
  /** Threads enabled in every state of it. */
  readonly enabledAll: number;
}

/** The arrays of {@link fairScc}'s Tarjan, of the graph's size: one set for every search of an analysis. */
interface TarjanScratch {
  readonly idx: Int32Array;
  readonly low: Int32Array;
  readonly stk: Int32Array;
  readonly cs: Int32Array;
  readonly ce: Int32Array;
}

/** Returns the arrays of {@link fairScc} for `n` states. */
function tarjanScratch(n: number): TarjanScratch {
  return { idx: new Int32Array(n), low: new Int32Array(n), stk: new Int32Array(n), cs: new Int32Array(n), ce: new Int32Array(n) };
}

/**
 * Iterative Tarjan over the subgraph `sub` of the first `g.expanded` states; judges each SCC as it
 * is popped and returns the first nontrivial one that is fair (see the module comment), or null.
 */
function fairScc(g: Graph, sub: Sub, fairness: Fairness, scr: TarjanScratch): FairScc | null {
  const n = g.expanded;
  const { nodeOk, exMask, exVal } = sub;
  // idx: 0 unvisited, -1 done (popped), else the visit number (≥ 1): a visited node not yet done is on the stack.
  // `scr` serves every search of an analysis (one per subgraph): only idx needs clearing.
  const { idx, low, stk, cs, ce } = scr;
  idx.fill(0, 0, n);
  const estart = g.estart.data;
  const dst = g.dst.data;
  const meta = g.meta.data;
  const en = g.en.data;
  const last = g.dst.length;
  let counter = 0;
  let sp = 0;
  const ok = (w: number, e: number): boolean => w < n && (nodeOk === null || nodeOk[w] === 1) && (meta[e]! & exMask) !== exVal;
  for (let r = 0; r < n; r++) {
    if (idx[r] !== 0 || (nodeOk !== null && nodeOk[r] !== 1)) continue;
    idx[r] = low[r] = ++counter;
    stk[sp++] = r;
    cs[0] = r;
    ce[0] = estart[r]!;
    let d = 1;
    while (d > 0) {
      const v = cs[d - 1]!;
      const e = ce[d - 1]!;
      if (e < (v + 1 < n ? estart[v + 1]! : last)) {
        ce[d - 1] = e + 1;
        const w = dst[e]!;
        if (!ok(w, e)) continue;
        const iw = idx[w]!;
        if (iw === 0) {
          idx[w] = low[w] = ++counter;
          stk[sp++] = w;
          cs[d] = w;
          ce[d] = estart[w]!;
          d++;
        } else if (iw > 0 && iw < low[v]!) low[v] = iw;
        continue;
      }
      d--;
      if (d > 0) {
        const u = cs[d - 1]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
      if (low[v] !== idx[v]) continue;
      // v is the root of an SCC: the stack from v up.
      let k = sp - 1;
      while (stk[k] !== v) k--;
      const rootIdx = idx[v]!;
      let E = -1;
      let M = 0;
      let nontrivial = sp - k > 1;
      for (let j = k; j < sp; j++) {
        const x = stk[j]!;
        E &= en[x]!;
        for (let f = estart[x]!, fe = x + 1 < n ? estart[x + 1]! : last; f < fe; f++) {
          const y = dst[f]!;
          if (!ok(y, f) || idx[y]! < rootIdx) continue;
          M |= 1 << (meta[f]! & 31);
          if (y === x) nontrivial = true;
        }
      }
      if (nontrivial && (fairness === 'none' || (E & ~M) === 0)) return { nodes: stk.slice(k, sp), enabledAll: E };
      for (let j = k; j < sp; j++) idx[stk[j]!] = -1;
      sp = k;
    }
  }
  return null;
}

/**
 * Returns the edges of a loop inside the SCC from its least state s0 that is weakly fair itself
 * when `weak`: for every thread enabled somewhere in the SCC, the loop either takes an edge of it
 * or visits a state where it is disabled (so a thread enabled throughout the loop moves in it).
 * Such edges and states exist for every thread when the SCC is fair (E(C) ⊆ M(C)). Built
 * greedily: from the current state, BFS inside the SCC to the nearest edge that satisfies a thread
 * still unsatisfied (the lowest), append the path, repeat, then BFS back to s0.
 */
function loopThrough(g: Graph, sub: Sub, scc: FairScc, weak: boolean): { start: number; edges: number[] } {
  const n = g.expanded;
  const inC = new Uint8Array(n);
  let start = n;
  let any = 0;
  const en = g.en.data;
  for (const v of scc.nodes) {
    inC[v] = 1;
    any |= en[v]!;
    if (v < start) start = v;
  }
  const { exMask, exVal } = sub;
  const dst = g.dst.data;
  const meta = g.meta.data;
  const estart = g.estart.data;
  const parEdge = new Int32Array(n);
  const parNode = new Int32Array(n);
  const seen = new Int32Array(n);
  let stamp = 0;
  const inside = (e: number): boolean => (meta[e]! & exMask) !== exVal && dst[e]! < n && inC[dst[e]!] === 1;
  /** BFS inside C from `from` until `hit(e)` holds for an edge; returns the edges of the path (the hit edge last). */
  const search = (from: number, hit: (e: number) => boolean): number[] => {
    stamp++;
    const q: number[] = [from];
    seen[from] = stamp;
    for (let qi = 0; qi < q.length; qi++) {
      const u = q[qi]!;
      for (let e = estart[u]!, ee = g.end(u); e < ee; e++) {
        if (!inside(e)) continue;
        if (hit(e)) {
          const path = [e];
          let x = u;
          while (x !== from) {
            path.push(parEdge[x]!);
            x = parNode[x]!;
          }
          return path.reverse();
        }
        const w = dst[e]!;
        if (seen[w] === stamp) continue;
        seen[w] = stamp;
        parEdge[w] = e;
        parNode[w] = u;
        q.push(w);
      }
    }
    throw new Error('liveness: no path inside a strongly connected component (internal error)');
  };
  const edges: number[] = [];
  let cur = start;
  // Threads satisfied: moved in the loop so far, or disabled in a state of it.
  let sat = ~en[start]!;
  const need = weak ? any : 0;
  while ((need & ~sat) !== 0) {
    const left = need & ~sat;
    const t = 31 - Math.clz32(left & -left);
    const p = search(cur, (e) => (meta[e]! & 31) === t || (en[dst[e]!]! & (1 << t)) === 0);
    for (const e of p) {
      edges.push(e);
      sat |= (1 << (meta[e]! & 31)) | ~en[dst[e]!]!;
    }
    cur = dst[p[p.length - 1]!]!;
  }
  if (cur !== start || edges.length === 0) edges.push(...search(cur, (e) => dst[e] === start));
  return { start, edges };
}

/** A liveness violation found by the analysis, before replay. */
interface LiveFound {
  readonly kind: 'eventually' | 'non-progress' | 'starvation';
  readonly property: string;
  /** Thread kept from progress (starvation). */
  readonly thread?: number;
  readonly rootIndex: number;
  /** Action indices from the root to the loop start (or to the terminal state). */
  readonly stem: number[];
  /** Action indices of the loop; null for a finite run. */
  readonly loop: number[] | null;
}

/** Returns the stem (root index and action indices) of state v by BFS parents. */
function stemOf(v: number, parent: Int32Array, pact: ArrayLike<number>): { rootIndex: number; indices: number[] } {
  const c = chainOf(v, (x) => [parent[x]!, pact[x]!]);
  return { rootIndex: c.rootIndex, indices: [...c.indices] };
}

/** The search (see the module comment). */
function* livenessSearch(model: Model, opts: CheckOptions): Search<CheckResult> {
  const budget = new Budget(opts);
  const S = model.stateSize;
  const props = propTable(model);
  const fairness: Fairness = opts.fairness ?? 'weak';
  const threadOf = model.actionThread ? model.actionThread.bind(model) : null;
  const progressOf = model.isProgress ? model.isProgress.bind(model) : null;
  const unfinishedOf = progressOf !== null && threadOf !== null && model.unfinished ? model.unfinished.bind(model) : null;
  const within = model.within ? model.within.bind(model) : null;
  const merge = mergeOn(model, opts);
  const mActs: number[] = [];
  const succ2 = new Int32Array(S);
  const maxDepth = opts.maxDepth ?? Infinity;
  const maxStates = opts.maxStates ?? Infinity;
  const roots: readonly Root[] = opts.roots ?? initialRoots(model, false);
  const table = new IdTable(S, opts.store === 'exact', opts.expectedStates ?? 1 << 16);
  const g = new Graph(unfinishedOf !== null, props.eventually.length > 0);
  const parents = new IntVec(1 << 14);
  const pacts = new ActVec(1 << 14);
  const judged: string[] = [...props.eventually.map((p) => `eventually ${p.name}`), ...(progressOf ? ['no non-progress cycle'] : []), ...(unfinishedOf ? ['no thread kept from progress'] : [])];
  const notes: string[] = [
    merge
      ? "partial-order reduction (ample sets) and symmetry are off in liveness mode (not shown sound for cycles under fairness); statement merging of a thread's own local steps is on (sound: see src/check/liveness.ts)"
      : 'partial-order reduction, statement merging and symmetry are off in liveness mode (not shown sound for cycles under fairness)',
    'liveness mode runs on one thread',
  ];
  if (fairness === 'weak' && threadOf === null) notes.push('the model numbers no threads (no actionThread): weak fairness has no thread to judge, every cycle counts');

  // The frontier: compact records (see frontier.ts) of the states of a level, in id order, each
  // with its id, the always properties to judge in it and the raw sums of its store hash. The
  // store hash is the BFS's (additive over words, see `stateSums`): a successor's is its parent's
  // plus the change of the words its step (and the merged steps after it) wrote, and its record
  // is patched from its parent's (`Level.pushPatched`), as in bfs-core.ts.
  let cur = new Level(S, false);
  let next = new Level(S, false);
  hashKeys(S);
  const reads = props.alwaysReads;
  const byWord = reads !== null ? reads.byWord : new Int32Array(S);
  const everywhere = reads !== null ? reads.everywhere : -1;
  /** Changed words of a successor (`sumsDiff`), and as (position, value) pairs for `pushPatched`. */
  const chg = new Int32Array(S);
  const pairs = new Int32Array(2 * S);
  /** The words the steps wrote (`Model.written`), one merged step's, and the marks of `sumsDiffAt`. */
  const wbuf = new Int32Array(Math.max(4096, 2 * S));
  const wtmp = new Int32Array(wbuf.length);
  const mark = new Int32Array(S);
  let stamp = 0;
  /** Adds a root (whole); returns its id. */
  const addRoot = (s: Int32Array, rootIndex: number): number => {
    stateSums(s, 0, S);
    const r1 = SUM[0]!;
    const r2 = SUM[1]!;
    finishSums(r1, r2);
    const id = table.add(FP[0]!, FP[1]!, s);
    if (table.fresh) {
      parents.push(-1 - rootIndex);
      pacts.push(0);
      next.push(id, 0, -1, s, 0, r1, r2);
    }
    return id;
  };
  let violation: Found | null = null;
  const witnesses: (Found | null)[] = props.sometimes.map(() => null);
  const box: { live: LiveFound | null } = { live: null };
  let generated = 0;
  let level = 0;
  let deepest = 0;
  let depthCut = false;
  let complete = false;
  let hit: string | null = null;
  let sccSeconds = 0;
  let lastAnalysis = 0;
  let nextAnalysis = 1024;
  let error: DiagnosticError | null = null;
  const state = new Int32Array(S);
  const succ = new Int32Array(S);
  const acts: number[] = [];
  // The words a step wrote, when the model lists them (`Model.written`); with `stepFrom`, `succ`
  // holds the expanded state between its successors and only the written words are put back.
  const written = model.written ? model.written.bind(model) : null;
  const stepFrom = written !== null && model.stepFrom ? model.stepFrom.bind(model) : null;
  const chain = new MergeChain(model, succ2, mActs, (u, th) => ownLocalStep(model, u, th, mActs), within, stepFrom, written, wbuf, wtmp);

  /** Runs the cycle analysis over the expanded states; sets `live`. */
  const analyse = (): void => {
    if (g.expanded === lastAnalysis) return;
    lastAnalysis = g.expanded;
    const t0 = performance.now();
    try {
      box.live = findLive(g, props.eventually.map((p) => p.name), parents.data, pacts.data, fairness, progressOf !== null, unfinishedOf !== null);
    } finally {
      sccSeconds += (performance.now() - t0) / 1000;
    }
  };

  try {
    roots.forEach((r, i) => {
      addRoot(r.state, i);
    });
    outer: for (;;) {
      const t = cur;
      cur = next;
      next = t;
      next.reset();
      const count = cur.count;
      if (count === 0) {
        complete = true;
        break;
      }
      if (level > deepest) deepest = level;
      const depthOk = level < maxDepth;
      for (let q = 0; q < count; q++) {
        const cd = cur.chunkOf(q);
        const base = cur.offsetOf(q);
        const id = cd[base]!;
        // Judged here: the always properties that read a word in which this state differs from
        // the state it was first reached from (see `PropTable.alwaysReads`). That state satisfied
        // every always property: it was expanded before this one, and the search stops after the
        // first state that violates one. Roots judge every property.
        const judge = cd[base + 2]! | everywhere;
        const p1 = cd[base + 3]!;
        const p2 = cd[base + 4]!;
        decode(cd, base, state, S);
        if (stepFrom !== null) succ.set(state);
        const found = (kind: Found['kind'], prop: number): Found => {
          fingerprint(state, 0, S);
          return { kind, prop, gid: id, h1: FP[0]!, h2: FP[1]!, depth: level };
        };
        for (let p = 0; p < props.always.length; p++) {
          if ((judge & (1 << p)) !== 0 && !props.always[p]!.check(state) && violation === null) violation = found('always', props.alwaysIdx[p]!);
        }
        for (let p = 0; p < props.sometimes.length; p++) {
          if (witnesses[p] === null && props.sometimes[p]!.check(state)) witnesses[p] = found('sometimes', props.sometimesIdx[p]!);
        }
        if (g.ev !== null) {
          let bits = 0;
          for (let p = 0; p < props.eventually.length; p++) if (props.eventually[p]!.check(state)) bits |= 1 << p;
          g.ev.push(bits);
        }
        if (g.unfin !== null) g.unfin.push(unfinishedOf!(state));
        g.estart.push(g.dst.length);
        clear(acts);
        model.actions(state, acts);
        let en = 0;
        let any = false;
        if (!depthOk) {
          if (acts.length > 0) depthCut = true;
        } else {
          // Words of `succ` to put back before the next step (see `stepFrom`): the first `restore`
          // of `wbuf` (the words written), or of `chg` (the words changed), or -1: all.
          let restore = 0;
          let restoreChg = false;
          for (let i = 0; i < acts.length; i++) {
            const a = acts[i]!;
            if (restore !== 0) {
              putBack(succ, state, restore, restoreChg ? chg : wbuf);
              restore = 0;
            }
            if (stepFrom !== null) {
              restore = -1;
              if (!stepFrom(state, a, succ)) continue;
            } else if (!model.next(state, a, succ)) continue;
            any = true;
            generated++;
            // The words written so far (into `wbuf`), or -1: unknown.
            let nw = written !== null ? written(wbuf) : -1;
            // Asked before the merged steps run (they run steps of the model's own).
            const prog = progressOf !== null && progressOf(state, a) ? PROGRESS : 0;
            const th = threadOf !== null ? threadOf(state, a) : 0;
            if (!Number.isInteger(th) || th < 0 || th > 31) {
              throw new DiagnosticError(diagnostic('MMC202', `model ${model.name}: actionThread returned ${th} for '${model.formatAction(state, a)}'; liveness mode numbers threads 0..31`));
            }
            en |= 1 << th;
            let tgt: Int32Array = succ;
            if (merge) {
              chain.run(tgt, th, nw);
              tgt = chain.t;
              nw = chain.nw;
              generated += chain.steps;
            }
            if (stepFrom !== null) restore = nw;
            if (within !== null && !within(tgt)) continue;
            let dirty: number;
            if (nw >= 0) {
              // A fresh stamp per successor (see `sumsDiffAt`); the marks are cleared when it wraps.
              stamp = (stamp + 1) | 0;
              if (stamp === 0) {
                mark.fill(0);
                stamp = 1;
              }
              dirty = sumsDiffAt(tgt, state, wbuf, nw, mark, stamp, byWord, p1, p2, chg);
            } else {
              dirty = sumsDiff(tgt, state, S, byWord, p1, p2, chg);
              if (stepFrom !== null) {
                restore = SUM[2]!;
                restoreChg = true;
              }
            }
            if (reads === null) dirty = -1;
            const r1 = SUM[0]!;
            const r2 = SUM[1]!;
            const nc = SUM[2]!;
            finishSums(r1, r2);
            const w = table.add(FP[0]!, FP[1]!, tgt);
            if (table.fresh) {
              parents.push(id);
              pacts.push(i);
              for (let c = 0; c < nc; c++) {
                const k = chg[c]!;
                pairs[2 * c] = k;
                pairs[2 * c + 1] = tgt[k]!;
              }
              next.pushPatched(w, 0, dirty, r1, r2, cd, base, pairs, 0, nc);
            }
            g.dst.push(w);
            g.act.push(i);
            g.meta.push(th | prog);
          }
        }
        g.en.push(en);
        g.flags.push(depthOk && !any ? 1 : 0);
        g.expanded++;
        if (depthOk && !any && model.isFinal && !model.isFinal(state) && violation === null) violation = found('deadlock', -1);
        if (violation !== null) break outer;
        if ((q & 4095) === 4095 || q === count - 1) {
          const b = budget.check();
          if (b.stop) {
            hit = budget.hit;
            break outer;
          }
          if (b.due) {
            opts.onProgress?.({
              generatedStates: generated,
              distinctStates: table.count,
              depth: level,
              queue: count - q - 1 + next.count,
              seconds: budget.seconds(),
              statesPerSecond: table.count / Math.max(1e-9, budget.seconds()),
              memoryBytes: budget.peakRss,
            });
          }
          if (table.count >= maxStates) {
            hit = `state budget of ${maxStates} distinct states reached`;
            break outer;
          }
          if (g.expanded >= nextAnalysis) {
            analyse();
            nextAnalysis = 4 * g.expanded;
            if (box.live !== null) break outer;
          }
          yield;
        }
      }
      level++;
    }
    if (violation === null && box.live === null) analyse();
  } catch (e) {
    if (e instanceof DiagnosticError) error = e;
    else hit = budget.exhausted(e);
  }
  budget.sampleMemory();
  const stats = singleThreadStats({
    distinct: table.count,
    generated,
    deepest,
    seconds: budget.seconds(),
    peakRss: budget.peakRss,
    storeBytes: table.bytes() + parents.bytes() + pacts.data.byteLength,
    exact: opts.store === 'exact',
    queueLeft: complete ? 0 : table.count - g.expanded,
  });
  const edges = g.dst.length;
  const info: LivenessInfo = { fairness, judged, edges, bytesPerEdge: edges > 0 ? g.bytes() / edges : 0, sccSeconds, notes };
  const reductions = { por: false, symmetry: false, merge };
  const base = { model: model.name, strategy: 'bfs' as const, complete: complete && !depthCut, stats, reductions, liveness: info };
  if (error !== null) return { ...base, verdict: errorVerdict(error.diagnostic), witnesses: {} };
  const live = box.live;
  if (violation === null && live !== null) {
    try {
      const { trace, message } = liveTrace(model, roots, live, fairness, merge);
      const cx: ModelCounterexample = { kind: live.kind, property: live.property, message, trace };
      return { ...base, verdict: violated(cx), witnesses: {} };
    } catch (e) {
      if (e instanceof DiagnosticError) return { ...base, verdict: errorVerdict(e.diagnostic), witnesses: {} };
      throw e;
    }
  }
  const incompleteReason = hit ?? (depthCut ? `depth bound of ${opts.maxDepth} reached: states at that depth have unexplored successors` : null);
  const r = buildResult({
    model,
    strategy: 'bfs',
    props,
    reductions: { ...reductions, merge: false },
    roots,
    violation,
    witnesses,
    complete: complete && !depthCut && hit === null,
    incompleteReason: incompleteReason ?? (complete ? null : 'search incomplete'),
    stats,
    chainOf: (f) => {
      const c = chainOf(f.gid, (x) => [parents.data[x]!, pacts.data[x]!]);
      return merge ? { rootIndex: c.rootIndex, indices: unmergeFrom(model, rootState(model, roots, c.rootIndex), c.indices).indices } : c;
    },
  });
  const v = r.verdict;
  if (v.kind === 'holds') {
    const what = judged.length > 0 ? `; liveness (${fairness === 'weak' ? 'weak fairness' : 'no fairness'}, ${edges} edges): ${judged.join(', ')}` : '';
    return { ...r, reductions, verdict: holds(`${v.domain}${what}`), liveness: info };
  }
  if (v.kind === 'unknown' && judged.length > 0) return { ...r, reductions, verdict: unknown(`${v.reason} (liveness is judged only on a complete search unless a lasso is found)`), liveness: info };
  return { ...r, reductions, liveness: info };
}

/** Runs every liveness check on the logged graph; returns the first violation, or null. */
function findLive(g: Graph, evNames: readonly string[], parent: Int32Array, pact: ArrayLike<number>, fairness: Fairness, progress: boolean, perThread: boolean): LiveFound | null {
  const n = g.expanded;
  const weak = fairness === 'weak';
  const scr = tarjanScratch(n);
  // eventually P: states where P fails, reachable through such states.
  for (let p = 0; p < evNames.length; p++) {
    const ev = g.ev!.data;
    const ok = new Uint8Array(n);
    const par = new Int32Array(n);
    const pa = new Int32Array(n);
    const q: number[] = [];
    for (let v = 0; v < n && parent[v]! < 0; v++) {
      if ((ev[v]! & (1 << p)) !== 0) continue;
      ok[v] = 1;
      par[v] = parent[v]!;
      q.push(v);
    }
    let terminal = -1;
    for (let qi = 0; qi < q.length && terminal < 0; qi++) {
      const u = q[qi]!;
      if ((g.flags.data[u]! & 1) !== 0) {
        terminal = u;
        break;
      }
      for (let e = g.estart.data[u]!, ee = g.end(u); e < ee; e++) {
        const w = g.dst.data[e]!;
        if (w >= n || ok[w] === 1 || (ev[w]! & (1 << p)) !== 0) continue;
        ok[w] = 1;
        par[w] = u;
        pa[w] = g.act.data[e]!;
        q.push(w);
      }
    }
    const name = evNames[p]!;
    if (terminal >= 0) {
      const s = stemOf(terminal, par, pa);
      return { kind: 'eventually', property: name, rootIndex: s.rootIndex, stem: s.indices, loop: null };
    }
    const sub: Sub = { nodeOk: ok, exMask: 0, exVal: -1 };
    const scc = fairScc(g, sub, fairness, scr);
    if (scc !== null) {
      const l = loopThrough(g, sub, scc, weak);
      const s = stemOf(l.start, par, pa);
      return { kind: 'eventually', property: name, rootIndex: s.rootIndex, stem: s.indices, loop: l.edges.map((e) => g.act.data[e]!) };
    }
  }
  if (progress) {
    const sub: Sub = { nodeOk: null, exMask: PROGRESS, exVal: PROGRESS };
    const scc = fairScc(g, sub, fairness, scr);
    if (scc !== null) {
      const l = loopThrough(g, sub, scc, weak);
      const s = stemOf(l.start, parent, pact);
      return { kind: 'non-progress', property: 'non-progress-cycle', rootIndex: s.rootIndex, stem: s.indices, loop: l.edges.map((e) => g.act.data[e]!) };
    }
  }
  if (perThread) {
    const un = g.unfin!.data;
    let any = 0;
    for (let v = 0; v < n; v++) any |= un[v]!;
    for (let t = 0; t < 32; t++) {
      if ((any & (1 << t)) === 0) continue;
      const ok = new Uint8Array(n);
      for (let v = 0; v < n; v++) if ((un[v]! & (1 << t)) !== 0) ok[v] = 1;
      const sub: Sub = { nodeOk: ok, exMask: 0xff & ~0x60, exVal: PROGRESS | t };
      const scc = fairScc(g, sub, fairness, scr);
      if (scc !== null) {
        const l = loopThrough(g, sub, scc, weak);
        const s = stemOf(l.start, parent, pact);
        return { kind: 'starvation', property: 'thread-progress', thread: t, rootIndex: s.rootIndex, stem: s.indices, loop: l.edges.map((e) => g.act.data[e]!) };
      }
    }
  }
  return null;
}

/** Returns the mask of threads enabled in `s` (actions whose `next` succeeds). */
function enabledThreads(model: Model, s: Int32Array): number {
  const acts: number[] = [];
  model.actions(s, acts);
  const out = new Int32Array(model.stateSize);
  let m = 0;
  for (const a of acts) if (model.next(s, a, out)) m |= 1 << (model.actionThread ? model.actionThread(s, a) : 0);
  return m;
}

/** Replays a liveness violation into a trace (a lasso, checked to close) and its message. */
function liveTrace(model: Model, roots: readonly Root[], f: LiveFound, fairness: Fairness, merge: boolean): { trace: Trace; message: string } {
  let stem = f.stem;
  let loopIdx = f.loop ?? [];
  if (merge) {
    const a = unmergeFrom(model, rootState(model, roots, f.rootIndex), stem);
    stem = a.indices;
    loopIdx = unmergeFrom(model, a.end, loopIdx).indices;
  }
  const indices = [...stem, ...loopIdx];
  const tr = replayChain(model, false, roots, { rootIndex: f.rootIndex, indices }, null);
  const stemLen = stem.length;
  if (f.loop === null) {
    return { trace: tr, message: `eventually-property '${f.property}' not met on a maximal path of ${tr.actions.length} steps` };
  }
  const loop = stemLen;
  const first = tr.states[loop]!;
  const last = tr.states[tr.states.length - 1]!;
  for (let k = 0; k < model.stateSize; k++) {
    if (first[k] !== last[k]) {
      throw new DiagnosticError(diagnostic('MMC201', `model ${model.name} is non-deterministic: the replayed loop of a lasso does not close (word ${k} differs)`));
    }
  }
  let all = -1;
  let some = 0;
  let moved = 0;
  for (let k = loop; k < tr.actions.length; k++) {
    const s = tr.states[k]!;
    const e = enabledThreads(model, s);
    all &= e;
    some |= e;
    moved |= 1 << (model.actionThread ? model.actionThread(s, tr.actions[k]!) : 0);
  }
  const threads: LassoThread[] = [];
  for (let t = 0; t < 32; t++) {
    if (((some | moved) & (1 << t)) === 0) continue;
    threads.push({ thread: t, enabledThroughout: (all & (1 << t)) !== 0, moved: (moved & (1 << t)) !== 0 });
  }
  const L = tr.actions.length - loop;
  const fair = fairness === 'weak' ? '; weakly fair: every thread enabled throughout the loop moves in it' : '; no fairness assumed';
  const where = `a loop of ${L} step${L === 1 ? '' : 's'} from step ${loop}`;
  const message =
    f.kind === 'non-progress'
      ? `non-progress cycle: ${where} repeats forever without a progress step${fair}`
      : f.kind === 'starvation'
        ? `thread ${f.thread} is kept from progress forever: ${where} repeats while it has not finished and takes no progress step (${threads.find((x) => x.thread === f.thread)?.enabledThroughout ? 'it is enabled throughout' : 'it is disabled in some states of the loop'})${fair}`
        : `eventually-property '${f.property}' never met: ${where} repeats forever through states that fail it${fair}`;
  return { trace: { ...tr, lasso: { loop, fairness, threads } }, message };
}
