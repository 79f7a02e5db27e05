/**
 * Options, statistics and results of a checker run.
 */
import type { Verdict } from '../core/verdict.js';

/** Search strategy: BFS (shortest counterexample, the default), DFS (low memory), seeded random walks. */
export type Strategy = 'bfs' | 'dfs' | 'random';

/** Visited-state store: 64-bit fingerprints (default) or whole states. */
export type StoreMode = 'fingerprint' | 'exact';

/** A live progress sample (for the stderr line). */
export interface Progress {
  readonly generatedStates: number;
  readonly distinctStates: number;
  readonly depth: number;
  readonly queue: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly memoryBytes: number;
}

/** A start point of the search other than the initial states (used by shards). */
export interface Root {
  /** The state (already canonical when symmetry is on). */
  readonly state: Int32Array;
  /** Index of the initial state the prefix path starts from. */
  readonly initIndex: number;
  /** Action indices (positions in the enabled-action list) from that initial state to `state`. */
  readonly path: readonly number[];
}

/** How to run the checker. Every field is optional. */
export interface CheckOptions {
  /** Default `bfs`. */
  readonly strategy?: Strategy;
  /** Default `fingerprint`. */
  readonly store?: StoreMode;
  /** Partial-order reduction through `Model.isLocal`; default on (no effect without `isLocal`). */
  readonly por?: boolean;
  /**
   * Statement merging (BFS, with POR, without symmetry in effect): a successor whose reduced set is
   * a single local action is not stored, the action is taken at once (SPIN's statement merging).
   * Default on; changes state counts and depths (not verdicts); traces list every action.
   */
  readonly merge?: boolean;
  /** Symmetry reduction through `Model.canonicalize`; default on (no effect without it). */
  readonly symmetry?: boolean;
  /** States at this depth are not expanded; hitting it makes the search incomplete. */
  readonly maxDepth?: number;
  /** Stop after this many distinct states (random: generated states). */
  readonly maxStates?: number;
  /** Wall-time budget in seconds. */
  readonly timeSeconds?: number;
  /**
   * Stop when the process's resident memory exceeds this. Without it there is no memory budget,
   * but a failed allocation still ends the search `unknown` (memory exhausted) with its statistics.
   */
  readonly maxMemoryBytes?: number;
  /**
   * Asked about every 100 ms: a reason to stop (e.g. `interrupted (SIGINT)`), or null to go on. A
   * stopped search is `unknown` with that reason and its partial statistics. Run the search with
   * `checkAsync` (or `checkParallel`) so that the event loop, and so a signal handler that sets
   * what this reads, runs during the search.
   */
  readonly shouldStop?: () => string | null;
  /** Seed of the random strategy (default 1). */
  readonly seed?: number;
  /** Number of random walks (default 1000). */
  readonly walks?: number;
  /** Called about every `progressMs` (default 1000) with a sample. */
  readonly onProgress?: (p: Progress) => void;
  readonly progressMs?: number;
  /** Start points instead of the initial states (shards). */
  readonly roots?: readonly Root[];
  /** Expected number of states, to pre-size the store. */
  readonly expectedStates?: number;
  /**
   * Liveness mode (BFS): judges `eventually` with cycles, non-progress cycles (`Model.isProgress`)
   * and per-thread progress (`Model.unfinished`) under `fairness`. Default on when the model
   * declares any of them and the strategy is BFS; off, `eventually` is judged on acyclic paths and
   * progress is not judged. Runs on one thread, without POR or symmetry, merging only a thread's own local steps (see liveness.ts).
   */
  readonly liveness?: boolean;
  /**
   * Fairness of liveness mode: `weak` (default): a cycle in which a thread (`Model.actionThread`)
   * is enabled in every state and never moves is not a counterexample; `none`: every cycle is.
   * Strong fairness is not offered.
   */
  readonly fairness?: Fairness;
}

/** Fairness assumption of liveness mode (see `CheckOptions.fairness`). */
export type Fairness = 'weak' | 'none';

/** How a thread behaved in the loop of a lasso. */
export interface LassoThread {
  readonly thread: number;
  /** Enabled (some action of it enabled) in every state of the loop. */
  readonly enabledThroughout: boolean;
  /** Took at least one step in the loop. */
  readonly moved: boolean;
}

/**
 * The loop of a lasso counterexample: `states[loop]` is the loop start and the last state of the
 * trace equals it (the last action closes the loop), so the run repeats `actions[loop..]` forever.
 */
export interface Lasso {
  readonly loop: number;
  readonly fairness: Fairness;
  /** Every thread that is enabled somewhere in the loop or moves in it (by thread number). */
  readonly threads: readonly LassoThread[];
}

/** Final statistics of a run. */
export interface CheckStats {
  readonly distinctStates: number;
  readonly generatedStates: number;
  /** Deepest level (BFS) or path length (DFS, random) reached; initial states are depth 0. */
  readonly maxDepth: number;
  readonly seconds: number;
  /** Peak resident set size of the process (includes worker threads). */
  readonly peakMemoryBytes: number;
  /** Bytes held by the visited set (table, plus arena in exact mode) and parent pointers. */
  readonly storeBytes: number;
  /** `storeBytes / distinctStates`. */
  readonly bytesPerState: number;
  /** Estimated probability that fingerprint compaction missed a state (0 in exact mode). */
  readonly missedStateProbability: number;
  /** States left unexplored in the queue when the run stopped. */
  readonly queueLeft: number;
  /** Number of worker threads (1 when single-threaded). */
  readonly workers: number;
}

/** A counterexample path, rebuilt by replay. */
export interface Trace {
  /** Index of the initial state. */
  readonly initIndex: number;
  /** Action indices (positions in each state's enabled-action list). */
  readonly actionIndices: readonly number[];
  /** The action values taken. */
  readonly actions: readonly number[];
  /** The states, initial first (length = actions + 1); concrete (not canonicalised). */
  readonly states: readonly Int32Array[];
  /** `formatAction` of each action. */
  readonly labels: readonly string[];
  /** Present for a lasso (a run that loops forever): where the loop starts and who moved in it. */
  readonly lasso?: Lasso;
}

/** Why a run is `violated`. */
export interface ModelCounterexample {
  /**
   * `always`: a safety property fails in the last state; `eventually`: a maximal path ends without
   * meeting the condition; `deadlock`: a terminal state not marked final; `sometimes`: the witness
   * was never found in a complete search (no trace); `non-progress`: a fair cycle without a
   * progress step (a lasso); `starvation`: a fair cycle in which an unfinished thread makes no
   * progress step (a lasso). An `eventually` counterexample is a lasso when it loops.
   */
  readonly kind: 'always' | 'eventually' | 'deadlock' | 'sometimes' | 'non-progress' | 'starvation';
  /** Property name (`deadlock` for deadlocks). */
  readonly property: string;
  /** One line for people. */
  readonly message: string;
  readonly trace?: Trace;
}

/** The result of a run. */
export interface CheckResult {
  readonly model: string;
  readonly strategy: Strategy;
  /**
   * `holds`: complete search, every `always` held, every `sometimes` witnessed, no deadlock;
   * `violated`: a counterexample; `unknown`: a bound was hit (the reason says which) or the
   * strategy is not exhaustive; `error`: a malformed or non-deterministic model.
   */
  readonly verdict: Verdict<ModelCounterexample>;
  /** True when every reachable state (in the reduced graph) was explored. */
  readonly complete: boolean;
  readonly stats: CheckStats;
  /** Witness traces of `sometimes` properties, by name (null when not found). */
  readonly witnesses: Readonly<Record<string, Trace | null>>;
  /** Reductions actually in effect. */
  /** `merge`: statement merging was in effect (BFS only; absent from results of other strategies). */
  readonly reductions: { readonly por: boolean; readonly symmetry: boolean; readonly merge?: boolean };
  /** Present when liveness mode ran (see `CheckOptions.liveness`). */
  readonly liveness?: LivenessInfo;
}

/** What liveness mode judged and what it cost. */
export interface LivenessInfo {
  readonly fairness: Fairness;
  /** What was judged, e.g. `non-progress cycles`, `eventually done`. */
  readonly judged: readonly string[];
  /** Edges logged (transitions between stored states). */
  readonly edges: number;
  /** Bytes of the edge log and per-state liveness data (held, not counting the growable arrays' spare capacity), per edge. */
  readonly bytesPerEdge: number;
  /** Seconds spent in the cycle analysis (SCCs), included in the run's seconds. */
  readonly sccSeconds: number;
  /** Why POR, merging and symmetry are off, and that it runs on one thread. */
  readonly notes: readonly string[];
}
