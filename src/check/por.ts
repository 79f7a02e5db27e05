/**
 * Footprint-based partial-order reduction, domain-free.
 *
 * A model that implements {@link FootprintModel} reports, in terms of its own abstract locations
 * (small integers `0..locations-1`; the checker gives them no meaning):
 * - for the step an action takes in a state, the locations it actually read and wrote
 *   (`recordStep`: measured while the step runs, so it cannot under-report);
 * - for a thread, an over-approximation of every location any step it may still take may read
 *   or write (`future`: every branch of its remaining program, guards of blocked steps included);
 * - the locations the properties read (`visible`), and the locations that are only ever updated
 *   by blind commutative updates that no step reads (`monotone`, e.g. a sticky bitmask of reached
 *   witnesses);
 * - a per-thread progress number for the cycle proviso (`progress`).
 *
 * {@link FootprintPor.isLocal} then decides whether `{action}` may be explored alone in `state`
 * (a singleton persistent set), which is exactly the contract of `Model.isLocal`: a model assigns
 * `isLocal = (s, a) => por.isLocal(s, a)` and the BFS/DFS/parallel/shard explorers, their
 * statement merging and trace replay use it unchanged.
 *
 * ## Soundness (why the reduced search finds every violation, witness and deadlock)
 *
 * Let `a` be the step thread `t` takes in state `s` (threads are deterministic: at most one enabled
 * action per thread, a precondition of this hook), `R`/`W` the locations it read/wrote there,
 * `FR(u)`/`FW(u)` the declared future of every other unfinished thread `u`. `isLocal(s, a)` holds
 * only when all four conditions below hold.
 *
 * 1. Independence (persistence, C1). `W \ M` is disjoint from `FR(u) ∪ FW(u)` and `R \ M` from
 *    `FW(u)` for every `u ≠ t` (`M` = monotone locations). Take any path `s = s0 -b1-> ... -bn-> sn`
 *    of other threads' steps. Each `bi` is a step of some `u` from a later point of its program,
 *    so its accesses lie inside `FR(u) ∪ FW(u)` (the future over-approximates every branch, and a
 *    thread's future only shrinks as it moves). No `bi` writes a location of `R`, so in every `si`
 *    `a` reads the same values, is still enabled (its guard reads are in `R`) and does the same
 *    writes; no `bi` reads or writes a location of `W`, so `bi` sees the same values before and
 *    after `a`, and stays enabled or disabled alike. Hence `a` commutes with every `bi`: `{a}` is a
 *    persistent set of `s`.
 *    Blocked threads: only the threads that can move on such a path matter. Let `E` be the threads
 *    other than `t` enabled in `s`, closed under: a thread `u ∉ E`, `u ≠ t`, whose next step is
 *    disabled in `s` joins `E` when its guard's reads `G(u)` (measured in `s`) meet `FW(v)` of a
 *    thread `v ∈ E`. On a path of steps of threads other than `t` from `s`, only threads of `E`
 *    move: by induction along the path, the steps so far are steps of `E` and wrote only inside
 *    their futures, so no location of `G(u)` changed for `u ∉ E`, and `u`'s guard, a function of
 *    what it reads, still refuses. So the futures of threads outside `E` are not compared at all
 *    (a path where such a thread moves takes a step of `t`, hence `a`, first). A model that cannot
 *    measure a guard (`blockedGuard` absent or false) puts the thread in `E`.
 *    Monotone locations are excluded because every access to them is a
 *    blind update of the same commutative, idempotent kind (OR of a constant bit) whose value no
 *    step reads, so such updates commute in any order and influence no step.
 * 2. Visibility (C2). `W` is disjoint from `visible`, the locations any `always` (or `eventually`)
 *    property reads and any non-monotone location a `sometimes` property reads. So `a` changes
 *    no property's value, in `s` or in any `si` above (it writes the same locations there). A
 *    `sometimes` property that reads only monotone locations is upward closed in them: `a` can
 *    only make it true, never false, so a witness reached on a postponed path is still reached
 *    after `a`. A model whose properties' read sets it cannot bound must put every location in
 *    `visible` (no reduction).
 * 3. Cycle proviso (C3, the ignoring problem). `progress(next, t) > progress(s, t)`, and only
 *    thread `t`'s own steps change `progress(·, t)`. A cycle made only of reduced steps would have
 *    every step raise its thread's progress and none lower any: impossible. So every cycle of the
 *    reduced graph contains a fully expanded state, and no thread is postponed forever. (This is a
 *    static, timing-free condition: counts and verdicts are the same for any number of workers.)
 * 4. Deadlocks. A persistent-set search reaches every reachable terminal state (Godefroid), with no
 *    visibility condition; a state skipped by statement merging has an enabled action, so it is
 *    never terminal.
 *
 * With 1-3 the standard argument (induction on the length of a path to a bad state, and on the
 * state's height in the reduced graph, which 3 makes well founded) shows that a reachable state
 * violating an `always` property, a reachable witness of a `sometimes` property, or a reachable
 * deadlock has a counterpart found by the reduced search. Statement merging (`mergeStep` in
 * bfs-core) is sound for the same reasons: the merged step is invisible (1 and 2 make the skipped
 * state agree with its successor on every property; monotone witness bits only grow), cannot be
 * disabled (1), and is taken at once.
 *
 * What POR does not preserve: BFS depth. A reduced search takes postponed steps later, so a
 * counterexample it reports may be longer than the shortest one (replay still checks it).
 */

/** A set of abstract locations: bit `i` of word `i >>> 5`. */
export type LocSet = Uint32Array;

/** Returns an empty location set for `n` locations. */
export function locSet(n: number): LocSet {
  return new Uint32Array((n + 31) >>> 5);
}

/** Adds location `i`. */
export function addLoc(s: LocSet, i: number): void {
  s[i >>> 5] = s[i >>> 5]! | (1 << (i & 31));
}

/** Returns true when location `i` is in `s`. */
export function hasLoc(s: LocSet, i: number): boolean {
  return (s[i >>> 5]! & (1 << (i & 31))) !== 0;
}

/** Adds every location of `b` to `a` (same size). */
export function unionInto(a: LocSet, b: LocSet): void {
  for (let k = 0; k < a.length; k++) a[k] = a[k]! | b[k]!;
}

/** Returns true when `a \ except` and `b` share a location (`except` may be null). */
export function intersects(a: LocSet, b: LocSet, except: LocSet | null): boolean {
  for (let k = 0; k < a.length; k++) {
    const x = except === null ? a[k]! : a[k]! & ~except[k]!;
    if ((x & b[k]!) !== 0) return true;
  }
  return false;
}

/** Returns true when `w` meets `fr ∪ fw`, or `r` (when given) meets `fw`, outside `mono` (condition 1). */
function meets(w: LocSet, r: LocSet | null, fr: LocSet, fw: LocSet, mono: LocSet): boolean {
  for (let k = 0; k < w.length; k++) {
    const x = (w[k]! & (fr[k]! | fw[k]!)) | (r === null ? 0 : r[k]! & fw[k]!);
    if ((x & ~mono[k]!) !== 0) return true;
  }
  return false;
}

/** Returns true when every location of `a \ except` is in `b`. */
export function subsetOf(a: LocSet, b: LocSet, except: LocSet | null): boolean {
  for (let k = 0; k < a.length; k++) {
    const x = except === null ? a[k]! : a[k]! & ~except[k]!;
    if ((x & ~b[k]!) !== 0) return false;
  }
  return true;
}

/** Returns the locations of `s` (ascending). */
export function locList(s: LocSet): number[] {
  const out: number[] = [];
  for (let k = 0; k < s.length; k++) for (let b = 0; b < 32; b++) if ((s[k]! & (1 << b)) !== 0) out.push(k * 32 + b);
  return out;
}

/**
 * What a model reports for footprint-based partial-order reduction (see the module comment for
 * what each member must guarantee). Threads are deterministic: a thread has at most one enabled
 * action in a state.
 */
export interface FootprintModel {
  /** Number of abstract locations. */
  readonly locations: number;
  /** Number of threads. */
  readonly threadCount: number;
  /** The thread that performs `action`. */
  actionThread(state: Int32Array, action: number): number;
  /**
   * Runs `action` from `state` into `out` (same size) while recording into `reads` and `writes`
   * (both empty on entry) every location the step read (its guard included) or wrote. Returns
   * false when the action is not enabled, or when the step did something the recording cannot
   * attribute to locations (then no reduction is made).
   */
  recordStep(state: Int32Array, action: number, out: Int32Array, reads: LocSet, writes: LocSet): boolean;
  /**
   * Adds to `reads` and `writes` every location any step thread `t` may still take from `state`
   * may read or write (all branches of its remaining program, guards of blocked steps included);
   * returns false when `t` has finished (no future).
   */
  future(state: Int32Array, t: number, reads: LocSet, writes: LocSet): boolean;
  /** Locations read by properties (see the module comment, condition 2). */
  readonly visible: LocSet;
  /** Locations only ever blindly updated by a commutative, idempotent operation and read by no step. */
  readonly monotone: LocSet;
  /** A progress number of thread `t` that only `t`'s steps change (condition 3). */
  progress(state: Int32Array, t: number): number;
  /**
   * Optional: when thread `t` has not finished and its next step is disabled in `state`, adds to
   * `reads` every location its guard read there and returns true (condition 1, blocked threads);
   * returns false otherwise (enabled, finished, or the guard could not be recorded).
   */
  blockedGuard?(state: Int32Array, t: number, reads: LocSet): boolean;
  /**
   * Optional, instead of `future` where the model keeps futures as sets: thread `t`'s future reads
   * and writes, not to be modified (undefined when `t` has finished).
   */
  futureSets?(state: Int32Array, t: number): { readonly reads: LocSet; readonly writes: LocSet } | undefined;
}

/** Why `isLocal` said no, counted per reason (for `stats`). */
export interface PorStats {
  /** Actions asked about. */
  asked: number;
  /** Answered true. */
  local: number;
  disabled: number;
  /** The step could not be recorded precisely. */
  unrecorded: number;
  /** The step does not raise its thread's progress (cycle proviso). */
  noProgress: number;
  /** The step writes a location a property reads. */
  visible: number;
  /** The step conflicts with another thread's future. */
  conflict: number;
}

/** Decides singleton persistent sets from footprints (see the module comment). */
export class FootprintPor {
  readonly stats: PorStats = { asked: 0, local: 0, disabled: 0, unrecorded: 0, noProgress: 0, visible: 0, conflict: 0 };
  private readonly reads: LocSet;
  private readonly writes: LocSet;
  /** Per thread: the guard's reads of a blocked thread. */
  private readonly fr: LocSet[];
  /** Per thread: scratch copies of its future (when the model has no `futureSets`). */
  private readonly fw: LocSet[];
  private readonly fwCopy: LocSet[];
  /** Per thread: its future's reads and writes (see `futureOf`). */
  private readonly futR: LocSet[];
  private readonly futW: LocSet[];
  /** Per thread (`conflictsOthers`): 0 finished or the acting thread, 1 may move (in `E`), 2 blocked, 3 blocked and conflicting. */
  private readonly kind: Uint8Array;
  private out: Int32Array;

  constructor(private readonly m: FootprintModel) {
    this.reads = locSet(m.locations);
    this.writes = locSet(m.locations);
    this.fr = Array.from({ length: m.threadCount }, () => locSet(m.locations));
    this.fw = Array.from({ length: m.threadCount }, () => locSet(m.locations));
    this.fwCopy = Array.from({ length: m.threadCount }, () => locSet(m.locations));
    this.futR = this.fw.slice();
    this.futW = this.fwCopy.slice();
    this.kind = new Uint8Array(m.threadCount);
    this.out = new Int32Array(0);
  }

  /** `Model.isLocal`: true when `{action}` is a singleton persistent set of `state` that is invisible and makes progress. */
  isLocal(state: Int32Array, action: number): boolean {
    const m = this.m;
    const st = this.stats;
    st.asked++;
    if (this.out.length !== state.length) this.out = new Int32Array(state.length);
    const r = this.reads;
    const w = this.writes;
    r.fill(0);
    w.fill(0);
    const t = m.actionThread(state, action);
    let ok: boolean;
    try {
      ok = m.recordStep(state, action, this.out, r, w);
    } catch {
      // The step raised (a diagnostic): let the explorer run it and report that.
      st.unrecorded++;
      return false;
    }
    if (!ok) {
      st.disabled++;
      return false;
    }
    if (!(m.progress(this.out, t) > m.progress(state, t))) {
      st.noProgress++;
      return false;
    }
    if (intersects(w, m.visible, null)) {
      st.visible++;
      return false;
    }
    if (this.conflictsOthers(state, t, w, r)) {
      st.conflict++;
      return false;
    }
    st.local++;
    return true;
  }

  /**
   * Returns true when writes `w` (and reads `r`, when given) of thread `t`'s step meet the
   * future of another unfinished thread that may move on a path avoiding `t`, outside the
   * monotone locations (condition 1).
   */
  private conflictsOthers(state: Int32Array, t: number, w: LocSet, r: LocSet | null): boolean {
    const m = this.m;
    const n = m.threadCount;
    const mono = m.monotone;
    const { fr: gr, kind } = this;
    // First the threads whose futures conflict: one that is not blocked settles it at once (the
    // common case, with no guard measured but its own); only conflicting blocked threads need `E`.
    const guardOf = m.blockedGuard?.bind(m);
    let blockedConflicts = 0;
    for (let u = 0; u < n; u++) {
      kind[u] = 0;
      if (u === t || !this.futureOf(state, u)) continue;
      if (!meets(w, r, this.futR[u]!, this.futW[u]!, mono)) continue;
      if (guardOf === undefined) return true;
      gr[u]!.fill(0);
      if (!guardOf(state, u, gr[u]!)) return true;
      kind[u] = 3; // blocked, conflicting: its guard's reads are in gr[u]
      blockedConflicts++;
    }
    if (blockedConflicts === 0 || guardOf === undefined) return false;
    // E (condition 1, blocked threads): the other threads that are not blocked, and a blocked one
    // whose guard reads what a thread of E may write (fixpoint); a conflicting thread in E conflicts.
    for (let u = 0; u < n; u++) {
      if (u === t || kind[u] === 3) continue;
      gr[u]!.fill(0);
      if (guardOf(state, u, gr[u]!)) kind[u] = 2;
      else if (this.futureOf(state, u)) kind[u] = 1;
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (let u = 0; u < n; u++) {
        if (kind[u] !== 2 && kind[u] !== 3) continue;
        for (let v = 0; v < n; v++) {
          if (kind[v] !== 1 || !intersects(gr[u]!, this.futW[v]!, null)) continue;
          if (kind[u] === 3) return true;
          kind[u] = 1;
          this.futureOf(state, u);
          changed = true;
          break;
        }
      }
    }
    return false;
  }

  /** Points `futR[u]`/`futW[u]` at thread `u`'s future (the model's own sets, or copies); false when `u` has finished. */
  private futureOf(state: Int32Array, u: number): boolean {
    const m = this.m;
    if (m.futureSets !== undefined) {
      const f = m.futureSets(state, u);
      if (f === undefined) return false;
      this.futR[u] = f.reads;
      this.futW[u] = f.writes;
      return true;
    }
    const r = this.fw[u]!;
    const w = this.fwCopy[u]!;
    r.fill(0);
    w.fill(0);
    if (!m.future(state, u, r, w)) return false;
    this.futR[u] = r;
    this.futW[u] = w;
    return true;
  }


}
