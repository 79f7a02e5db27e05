/**
 * Exit codes of the CLI (documented in the README), after TLC's ranges.
 */
export const EXIT = {
  /** Everything as expected (every verdict equals its expectation). */
  ok: 0,
  /** A violation that was not expected (a rule or invariant broken, a user spec that fails). */
  violation: 10,
  /** A verdict differs from the expected one in another way (expected violation not found, pinned count changed). */
  mismatch: 11,
  /** Z3 unknown, timeout, or a state/depth/time bound hit: nothing proved, nothing refuted. */
  unknown: 20,
  /** Usage or input error (bad flag, out-of-range value, unknown name, malformed spec). */
  usage: 64,
  /** Internal error (a bug in mmucheck). */
  internal: 70,
} as const;

/** An exit code. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
