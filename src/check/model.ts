/**
 * The model interface of the explicit-state checker, shaped like stateright's `Model`.
 *
 * A state is a fixed-size `Int32Array` of `stateSize` words, canonical by construction (two equal
 * states are equal word for word). Actions are small non-negative integers; `actions` must list the
 * enabled actions of a state in a deterministic order, because a path is stored as the indices of
 * the actions taken and rebuilt by replay. The checker knows nothing of SPTEs: everything
 * domain-specific is inside the model value.
 */

/** How a property is judged. */
export type PropertyExpectation =
  /** Safety: must hold in every reachable state; a violation is reported with the shortest path (BFS). */
  | 'always'
  /** Reachability witness: some reachable state must satisfy it; not found in a complete search is a failure. */
  | 'sometimes'
  /**
   * Liveness: every fair run must reach a state satisfying it. In BFS (liveness mode, the default
   * when a model declares liveness) both kinds of counterexample are judged: a maximal finite run
   * (a terminal state) and a fair cycle (a lasso) whose states, and the stem to it, all fail the
   * condition; fairness is `CheckOptions.fairness`. DFS, random walks and `liveness: false` judge
   * it on acyclic paths only, as stateright does (a run that loops forever is not reported).
   */
  | 'eventually';

/** A named property of a model. */
export interface Property {
  readonly name: string;
  readonly expectation: PropertyExpectation;
  /** One sentence: what it means, for reports. */
  readonly doc?: string;
  /** Returns true when the condition holds in `state`. Must not keep or mutate `state`. */
  check(state: Int32Array): boolean;
  /**
   * Every state word `check` may read, in any state (an over-approximation; absent: it may read
   * any word). A breadth-first search judges an `always` property that declares them only on a
   * state that differs in one of these words from the state it was first reached from (that
   * state satisfied it, see src/check/bfs-core.ts): `check` must be a function of these words.
   */
  readonly words?: readonly number[];
}

/** A value in an ITF trace state (the Apalache / Quint trace format). */
export type ItfValue =
  | boolean
  | number
  | string
  | { readonly '#bigint': string }
  | { readonly '#tup': readonly ItfValue[] }
  | { readonly '#set': readonly ItfValue[] }
  | { readonly '#map': readonly (readonly [ItfValue, ItfValue])[] }
  | readonly ItfValue[]
  | { readonly [key: string]: ItfValue };

/** A model the checker can explore. */
export interface Model {
  /** Model name (for reports). */
  readonly name: string;
  /** Number of Int32 words in every state. */
  readonly stateSize: number;
  /** Returns the initial states (each of `stateSize` words). */
  initStates(): Int32Array[];
  /** Appends the enabled actions of `state` to `out`, in a deterministic order. */
  actions(state: Int32Array, out: number[]): void;
  /**
   * Writes the successor of `state` under `action` into `out` (same size) and returns true, or
   * returns false when the action is not enabled. Must not mutate `state`.
   */
  next(state: Int32Array, action: number, out: Int32Array): boolean;
  /**
   * Optional, for speed: right after a `next` that returned true, writes into `words` the position
   * of every word in which that successor may differ from its state (a superset: a position may
   * repeat or name an unchanged word; none may be missing) and returns how many, or -1 when the
   * model cannot tell this time (or they do not fit in `words`). A breadth-first search then
   * computes the successor's store hash from its parent's and these words only (see
   * `sumsDiffAt` in hash.ts) instead of comparing every word. A missing position corrupts the
   * hash silently (states wrongly merged or duplicated): a model that implements it must test it
   * against a comparison of the whole states (see test/check/incremental-hash.test.ts).
   */
  written?(words: Int32Array): number;
  /**
   * Optional, with `written`: `next` into an `out` that already holds the words of `state` (the
   * caller puts back the words of `state` that the step changed, by `written`, instead of copying
   * the whole state for every successor). `out` may be `state` itself: a step taken in place (the
   * BFS and the liveness engine take the steps of a merged chain so); a step that is not enabled
   * must then leave it unchanged.
   */
  stepFrom?(state: Int32Array, action: number, out: Int32Array): boolean;
  /** The properties to check. */
  properties(): readonly Property[];
  /** Returns false for states outside the exploration boundary (they are not expanded). */
  within?(state: Int32Array): boolean;
  /** Returns true for terminal states that are legitimate ends (not deadlocks). Absent: every terminal state is a legitimate end. */
  isFinal?(state: Int32Array): boolean;
  /**
   * Symmetry: writes the canonical representative of `state`'s orbit into `out` (e.g. identical
   * vCPUs sorted). Must satisfy: canonical states have the same properties as their orbit.
   */
  canonicalize?(state: Int32Array, out: Int32Array): void;
  /**
   * Partial-order reduction: returns true when `action` only touches state private to its thread
   * and is invisible to every property, so it commutes with every other action; or, more
   * generally, when `{action}` is a singleton persistent set that is invisible and respects a
   * cycle proviso (`FootprintPor.isLocal` in `por.ts` decides that from footprints). The checker may
   * then explore it alone (a singleton persistent set), and with statement merging (BFS, default
   * with POR, `CheckOptions.merge`) take it at once after the step that enabled it, without storing
   * the state in between.
   */
  isLocal?(state: Int32Array, action: number): boolean;
  /**
   * Partial-order reduction, optional refinement of `isLocal`: returns the thread (process) that
   * performs `action`. When present, the checker explores alone the enabled actions of the first
   * thread whose enabled actions are all local (SPIN's rule, so a local non-deterministic choice
   * such as "pick frame 0 or 1" can be reduced). When absent, a local action must be the only
   * enabled action of its thread, and it is explored alone. In both cases the checker adds no
   * cycle proviso of its own (such as "no successor visited before"): `isLocal`'s contract carries
   * it (local steps form no cycle; `FootprintPor.isLocal` requires each reduced step to raise its
   * thread's progress), which keeps counts the same for any number of workers.
   */
  actionThread?(state: Int32Array, action: number): number;
  /**
   * Partial-order reduction beyond singletons (optional, needs `isLocal`): writes into `sel` the
   * positions in `actions` (the enabled actions of `state`, in `actions`' order) of a persistent
   * set of `state` that is a proper subset of them, every action of which is invisible and
   * respects a cycle proviso, and returns how many; or returns 0 (explore every action).
   * `FootprintPor.persistent` in `por.ts` computes conflict-closed sets of threads from footprints.
   * When present, BFS (its expansion; statement merging keeps using `isLocal`) and DFS use it
   * instead of the singleton choice of `isLocal`/`actionThread`, so it must find every singleton
   * `isLocal` would. Counterexample paths still index the full `actions` list (replay unchanged).
   */
  persistent?(state: Int32Array, actions: readonly number[], sel: Int32Array): number;
  /**
   * Liveness: returns true when taking `action` in `state` is a progress step (SPIN's progress
   * labels, as steps: a step out of a state at a `progress` label). When present, BFS looks for
   * non-progress cycles (SPIN's `-l`): a fair cycle none of whose steps is a progress step.
   */
  isProgress?(state: Int32Array, action: number): boolean;
  /**
   * Liveness, per-thread progress (needs `isProgress` and `actionThread`): returns the bit mask of
   * the threads (numbered by `actionThread`, 0..31) that have not finished in `state`. When
   * present, BFS also checks that no thread is kept from progress forever: a fair cycle through
   * states where thread t has not finished, with no progress step of t, is a counterexample
   * (whether t keeps moving, is blocked, or is enabled only now and then).
   */
  unfinished?(state: Int32Array): number;
  /**
   * Partial-order reduction when the caller does not say (`CheckOptions.por` undefined, or no
   * `--por` flag): false makes it opt-in for this model (`check`, `checkAsync` and the CLI honour
   * it; the default is on). For models whose reduction costs more time than it saves states.
   */
  readonly porByDefault?: boolean;
  /** Returns a short human name for an action in a state, e.g. `vcpu1: cmpxchg spte[0]`. */
  formatAction(state: Int32Array, action: number): string;
  /** Returns the ITF variables of a state (64-bit values as `{"#bigint": "..."}`). */
  toItf(state: Int32Array): Record<string, ItfValue>;
}
