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
 * - optionally, the locations a step or a future touches only through commuting updates (`adds`,
 *   condition 1b), kept apart from its plain reads and writes.
 *
 * {@link FootprintPor.isLocal} then decides whether `{action}` may be explored alone in `state`
 * (a singleton persistent set), which is exactly the contract of `Model.isLocal`: a model assigns
 * `isLocal = (s, a) => por.isLocal(s, a)` and the BFS/DFS/parallel/shard explorers, their
 * statement merging and trace replay use it unchanged. {@link FootprintPor.persistent} computes
 * the smallest conflict-closed set of threads (condition 5), the contract of `Model.persistent`,
 * which BFS and DFS expansion use instead of the singleton choice when the model has it.
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
 *    thread's future only shrinks as it moves; with 1b a location may move from `FR ∪ FW` to `FA`
 *    as the thread advances, which is still a shrinking: a location in both `FR` and `FW`
 *    conflicts with everything it would conflict with in `FA`). No `bi` writes a location of `R`, so in every `si`
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
 * 1b. Commuting updates. A model may report a location `x` in a step's `adds` (and not in its `R`
 *    or `W`) only when the step touches `x` solely through an update `x := f(x)` whose function
 *    `f` does not depend on what the step read elsewhere being anything but what it is, such that
 *    nothing else the step does (its enabledness, its branches, its other writes, its successor
 *    pc) depends on the value of `x`, and such that the updates any two distinct threads may make
 *    to `x` commute (`f ∘ g = g ∘ f`: e.g. additions of constants, or each thread setting and
 *    clearing only its own bit of a mask). A future reports in `FA(u)` the locations `u` may
 *    touch only that way; a location `u` may also read or write plainly is in `FR(u)`/`FW(u)`,
 *    and then, if `u` may update it (commutingly or not), in `FW(u)` too: every location `u` may
 *    update is in `FA(u)` or `FW(u)`. (A location `u` reads plainly and updates commutingly,
 *    reported in `FR(u)` alone, would let another thread's plain read of it pass as independent.)
 *    Condition 1 then reads: `W \ M` is disjoint from `FR(u) ∪ FW(u) ∪ FA(u)`, `R \ M` from
 *    `FW(u) ∪ FA(u)`, and `A \ M` from `FR(u) ∪ FW(u)` (only `A ∩ FA(u)` may be non-empty). The
 *    argument of 1 goes through: a step `bi` of another thread that updates `x ∈ A` commutingly
 *    changes no value `a` depends on (a's behaviour does not depend on `x`) and `a`'s update of
 *    `x` changes nothing `bi` depends on, while the final value of `x` is the same in either
 *    order (the updates commute); every other location is as in 1. A write-lock acquisition that
 *    waits for the reader mask to be empty reads the mask: it is a plain read, in `FR`, and
 *    conflicts with every reader's update of it. For visibility (2) an update is a write.
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
 *    With symmetry, a canonical form permutes identical threads, so `progress(·, t)` of one
 *    thread may change without a step of `t`; the argument then counts the sum of `progress`
 *    over all threads: a permutation of threads with the same program (hence the same progress
 *    function of their own position) leaves the sum unchanged, and every reduced step raises it,
 *    so again no cycle is made of reduced steps only.
 *    Boundaries: the argument assumes every successor is explored. A model with `within` (states
 *    outside the boundary are not expanded) could have a postponed path leave the boundary where
 *    the full search's did not; no footprint model defines `within`, and one that does must not
 *    use this reduction.
 * 4. Deadlocks. A persistent-set search reaches every reachable terminal state (Godefroid), with no
 *    visibility condition; a state skipped by statement merging has an enabled action, so it is
 *    never terminal.
 *
 * 5. Sets of several threads (`persistent`). Threads are deterministic (one enabled action each).
 *    For a seed thread `t0` whose step passes 2 and 3, let `T` be the least set of threads with
 *    `t0 ∈ T` such that: (i) for an enabled `x ∈ T`, every unfinished thread `u` whose future
 *    the step of `x` conflicts with (conditions 1, 1b, measured as for a singleton) is in `T`;
 *    (ii) for a disabled unfinished `x ∈ T`, every unfinished thread `u` whose future writes (or
 *    updates) a location `x`'s guard read in `s` is in `T` (every unfinished thread when the
 *    guard cannot be measured). The set explored is `P` = the steps of the enabled threads of `T`,
 *    used only when every one of them passes 2 and 3 and `P` is smaller than every enabled action.
 *    `P` is persistent: on a path from `s` that takes no step of `P`, no thread of `T` moves (an
 *    enabled one has no other action, and by induction along the path, a disabled one stays
 *    disabled, since only threads outside `T` moved and by (ii) none of them writes what its
 *    guard reads); so every step on the path is a step of a thread `u ∉ T` inside `u`'s future,
 *    and by (i) each step of `P` commutes with it exactly as in 1. Visibility and the proviso
 *    are required of every step of `P`, so the argument below applies unchanged to each of
 *    them; the singleton sets of `isLocal` are the case `|P| = 1`. (Every set `persistent` tries
 *    is closed, whichever seed, so trying each seed and keeping the smallest is sound; the
 *    blocked-thread rule (ii) is the fixpoint of 1 seen from the other side.)
 *
 * With 1-3 (and 5) the standard argument (induction on the length of a path to a bad state, and on the
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

/**
 * Returns true when a step with plain reads `r`, plain writes `w` and commuting updates `a`
 * conflicts with a future with plain reads `fr`, plain writes `fw` and commuting updates `fa`,
 * outside `mono` (conditions 1 and 1b): `w` meets `fr ∪ fw ∪ fa`, `r` meets `fw ∪ fa`, or `a`
 * meets `fr ∪ fw`. Two commuting updates of one location (`a` and `fa`) do not conflict.
 */
function meets(w: LocSet, r: LocSet, a: LocSet, fr: LocSet, fw: LocSet, fa: LocSet, mono: LocSet): boolean {
  for (let k = 0; k < w.length; k++) {
    const f = fw[k]! | fa[k]!;
    const x = (w[k]! & (fr[k]! | f)) | (r[k]! & f) | (a[k]! & (fr[k]! | fw[k]!));
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
   * (both empty on entry) every location the step read (its guard included) or wrote, and, when
   * `adds` is given (empty on entry) and the model declares commuting updates, into `adds` instead
   * of `reads`/`writes` every location the step touched ONLY through commuting updates (condition
   * 1b of the module comment; a location also read or written otherwise stays in `reads`/`writes`,
   * and may be in `adds` too). Returns
   * false when the action is not enabled, or when the step did something the recording cannot
   * attribute to locations (then no reduction is made).
   */
  recordStep(state: Int32Array, action: number, out: Int32Array, reads: LocSet, writes: LocSet, adds?: LocSet): boolean;
  /**
   * Adds to `reads` and `writes` every location any step thread `t` may still take from `state`
   * may read or write (all branches of its remaining program, guards of blocked steps included),
   * and, when `adds` is given, into `adds` the locations it may touch only through commuting
   * updates (condition 1b; a location in `reads`/`writes` may be there too; every location the
   * thread may update, commutingly or not, must be in `writes` or `adds`); returns false when
   * `t` has finished (no future).
   */
  future(state: Int32Array, t: number, reads: LocSet, writes: LocSet, adds?: LocSet): boolean;
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
  futureSets?(state: Int32Array, t: number): { readonly reads: LocSet; readonly writes: LocSet; readonly adds?: LocSet } | undefined;
}

/** Why `isLocal` said no, counted per reason, and what `persistent` chose (for `stats`). */
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
  /** `persistent`: states asked (with two enabled actions or more). */
  states: number;
  /** `persistent`: states reduced to one enabled action, and to a proper set of several. */
  single: number;
  multi: number;
}

/** Decides singleton persistent sets (`isLocal`) and conflict-closed thread sets (`persistent`) from footprints (see the module comment). */
export class FootprintPor {
  readonly stats: PorStats = { asked: 0, local: 0, disabled: 0, unrecorded: 0, noProgress: 0, visible: 0, conflict: 0, states: 0, single: 0, multi: 0 };
  private readonly reads: LocSet;
  private readonly writes: LocSet;
  private readonly adds: LocSet;
  /** The empty set (the commuting updates of a future the model does not split). */
  private readonly none: LocSet;
  /** Per thread: the guard's reads of a blocked thread. */
  private readonly fr: LocSet[];
  /** Per thread: scratch copies of its future (when the model has no `futureSets`). */
  private readonly fw: LocSet[];
  private readonly fwCopy: LocSet[];
  private readonly faCopy: LocSet[];
  /** Per thread: its future's reads, writes and commuting updates (see `futureOf`). */
  private readonly futR: LocSet[];
  private readonly futW: LocSet[];
  private readonly futA: LocSet[];
  /** Per thread (`conflictsOthers`): 0 finished or the acting thread, 1 may move (in `E`), 2 blocked, 3 blocked and conflicting. */
  private readonly kind: Uint8Array;
  private out: Int32Array;
  /** `persistent` scratch, per thread: its current step's reads, writes and commuting updates. */
  private readonly sR: LocSet[];
  private readonly sW: LocSet[];
  private readonly sA: LocSet[];
  /**
   * `persistent` scratch, per thread: position of its action in `acts` (-1: none); 1 when that
   * step may be in a proper reduced set (recorded, invisible, raises progress); 1 unfinished;
   * the guard of a blocked thread (0 not asked, 1 in `fr`, 2 unknown); in the set being closed.
   */
  private readonly pos: Int32Array;
  private readonly ok: Uint8Array;
  private readonly live: Uint8Array;
  private readonly guard: Uint8Array;
  private readonly inT: Uint8Array;
  private readonly queue: Int32Array;
  private readonly best: Uint8Array;

  constructor(private readonly m: FootprintModel) {
    const L = m.locations;
    const n = m.threadCount;
    const sets = (): LocSet[] => Array.from({ length: n }, () => locSet(L));
    this.reads = locSet(L);
    this.writes = locSet(L);
    this.adds = locSet(L);
    this.none = locSet(L);
    this.fr = sets();
    this.fw = sets();
    this.fwCopy = sets();
    this.faCopy = sets();
    this.futR = this.fw.slice();
    this.futW = this.fwCopy.slice();
    this.futA = this.faCopy.slice();
    this.kind = new Uint8Array(n);
    this.out = new Int32Array(0);
    this.sR = sets();
    this.sW = sets();
    this.sA = sets();
    this.pos = new Int32Array(n);
    this.ok = new Uint8Array(n);
    this.live = new Uint8Array(n);
    this.guard = new Uint8Array(n);
    this.inT = new Uint8Array(n);
    this.queue = new Int32Array(n);
    this.best = new Uint8Array(n);
  }

  /**
   * Records `action`'s step in `state` into `r`, `w`, `a` (cleared here) and `this.out`; returns
   * 'ok', or why it may not be in a proper reduced set (conditions 1-3).
   */
  private step(state: Int32Array, action: number, t: number, r: LocSet, w: LocSet, a: LocSet): 'ok' | 'disabled' | 'unrecorded' | 'noProgress' | 'visible' {
    const m = this.m;
    if (this.out.length !== state.length) this.out = new Int32Array(state.length);
    r.fill(0);
    w.fill(0);
    a.fill(0);
    let ok: boolean;
    try {
      ok = m.recordStep(state, action, this.out, r, w, a);
    } catch {
      // The step raised (a diagnostic): let the explorer run it and report that.
      return 'unrecorded';
    }
    if (!ok) return 'disabled';
    if (!(m.progress(this.out, t) > m.progress(state, t))) return 'noProgress';
    if (intersects(w, m.visible, null) || intersects(a, m.visible, null)) return 'visible';
    return 'ok';
  }

  /** `Model.isLocal`: true when `{action}` is a singleton persistent set of `state` that is invisible and makes progress. */
  isLocal(state: Int32Array, action: number): boolean {
    const st = this.stats;
    st.asked++;
    const r = this.reads;
    const w = this.writes;
    const a = this.adds;
    const t = this.m.actionThread(state, action);
    const why = this.step(state, action, t, r, w, a);
    if (why !== 'ok') {
      st[why]++;
      return false;
    }
    if (this.conflictsOthers(state, t, w, r, a)) {
      st.conflict++;
      return false;
    }
    st.local++;
    return true;
  }

  /**
   * `Model.persistent`: writes into `sel` the positions in `acts` (the enabled actions of `state`,
   * one per thread at most) of the smallest conflict-closed set of threads found (condition 5 of
   * the module comment) and returns how many, or 0 when no proper subset of `acts` qualifies (or a
   * thread has two enabled actions, or `sel` is too small): then every action is explored.
   */
  persistent(state: Int32Array, acts: readonly number[], sel: Int32Array): number {
    const m = this.m;
    const n = m.threadCount;
    const na = acts.length;
    if (na < 2) return 0;
    this.stats.states++;
    const { pos, ok, live, guard, inT, queue, best, sR, sW, sA, fr } = this;
    pos.fill(-1);
    for (let i = 0; i < na; i++) {
      const t = m.actionThread(state, acts[i]!);
      if (t < 0 || t >= n || pos[t]! >= 0) return 0;
      pos[t] = i;
    }
    for (let u = 0; u < n; u++) {
      live[u] = this.futureOf(state, u) ? 1 : 0;
      guard[u] = 0;
      ok[u] = pos[u]! >= 0 && this.step(state, acts[pos[u]!]!, u, sR[u]!, sW[u]!, sA[u]!) === 'ok' ? 1 : 0;
      // an enabled thread with no future (a model inconsistency): compare it with everything
      if (pos[u]! >= 0 && live[u] === 0) return 0;
    }
    const mono = m.monotone;
    const guardOf = m.blockedGuard?.bind(m);
    let bestCount = na;
    for (let seed = 0; seed < n && bestCount > 1; seed++) {
      if (ok[seed] === 0) continue;
      inT.fill(0);
      inT[seed] = 1;
      queue[0] = seed;
      let qh = 0;
      let qt = 1;
      let count = 1;
      let fail = false;
      const join = (u: number): void => {
        inT[u] = 1;
        queue[qt++] = u;
        if (pos[u]! >= 0) {
          count++;
          if (ok[u] === 0 || count >= bestCount) fail = true;
        }
      };
      while (qh < qt && !fail) {
        const x = queue[qh++]!;
        if (pos[x]! >= 0) {
          // an enabled member: every thread whose future its step conflicts with joins (1, 1b)
          for (let u = 0; u < n && !fail; u++) {
            if (inT[u] !== 0 || live[u] === 0) continue;
            if (meets(sW[x]!, sR[x]!, sA[x]!, this.futR[u]!, this.futW[u]!, this.futA[u]!, mono)) join(u);
          }
          continue;
        }
        // a blocked member: every thread that may write what its guard reads joins (it may enable it)
        if (guard[x] === 0) {
          fr[x]!.fill(0);
          guard[x] = guardOf !== undefined && guardOf(state, x, fr[x]!) ? 1 : 2;
        }
        for (let u = 0; u < n && !fail; u++) {
          if (inT[u] !== 0 || live[u] === 0) continue;
          if (guard[x] === 2 || intersects(fr[x]!, this.futW[u]!, null) || intersects(fr[x]!, this.futA[u]!, null)) join(u);
        }
      }
      if (fail) continue;
      bestCount = count;
      best.set(inT);
    }
    if (bestCount >= na) return 0;
    if (bestCount > sel.length) return 0;
    let c = 0;
    for (let i = 0; i < na; i++) if (best[m.actionThread(state, acts[i]!)] !== 0) sel[c++] = i;
    if (c === 1) this.stats.single++;
    else this.stats.multi++;
    return c;
  }

  /**
   * Returns true when writes `w`, reads `r` and commuting updates `a` of thread `t`'s step meet
   * the future of another unfinished thread that may move on a path avoiding `t`, outside the
   * monotone locations (condition 1).
   */
  private conflictsOthers(state: Int32Array, t: number, w: LocSet, r: LocSet, a: LocSet): boolean {
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
      if (!meets(w, r, a, this.futR[u]!, this.futW[u]!, this.futA[u]!, mono)) continue;
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
          if (kind[v] !== 1 || (!intersects(gr[u]!, this.futW[v]!, null) && !intersects(gr[u]!, this.futA[v]!, null))) continue;
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

  /** Points `futR[u]`/`futW[u]`/`futA[u]` at thread `u`'s future (the model's own sets, or copies); false when `u` has finished. */
  private futureOf(state: Int32Array, u: number): boolean {
    const m = this.m;
    if (m.futureSets !== undefined) {
      const f = m.futureSets(state, u);
      if (f === undefined) return false;
      this.futR[u] = f.reads;
      this.futW[u] = f.writes;
      this.futA[u] = f.adds ?? this.none;
      return true;
    }
    const r = this.fw[u]!;
    const w = this.fwCopy[u]!;
    const a = this.faCopy[u]!;
    r.fill(0);
    w.fill(0);
    a.fill(0);
    if (!m.future(state, u, r, w, a)) return false;
    this.futR[u] = r;
    this.futW[u] = w;
    this.futA[u] = a;
    return true;
  }
}
