/**
 * Proof suites: obligations with expected verdicts, run by `mmucheck ci`. Each family (SPTE layout
 * rules, checker toys, MMU scenarios, role, VM types) registers its cases in `proofs/index.ts`.
 */
import type { ExpectedVerdict, Verdict } from './verdict.js';

/** What a case is expected to return, and what is pinned. */
export interface Expectation {
  readonly verdict: ExpectedVerdict;
  /** Pinned distinct-state count for explicit-state cases. */
  readonly distinctStates?: number;
  /** A golden ITF trace (path relative to the repository root) for violated explicit-state cases. */
  readonly goldenTrace?: string;
  /** Why this expectation: for a violation, the finding or the known kernel bug. */
  readonly note?: string;
}

/** What running one case returned. */
export interface CaseOutcome {
  readonly verdict: Verdict<unknown>;
  /** A short rendering of the witness (counterexample) for the table and reports. */
  readonly witnessText?: string;
  /** Distinct states, for explicit-state cases. */
  readonly distinctStates?: number;
  /** The ITF trace, for explicit-state violations. */
  readonly itf?: unknown;
  /** Wall time. */
  readonly seconds: number;
}

/** Options the ci runner passes to every case. */
export interface CaseContext {
  /** Per-query or per-case time budget in seconds. */
  readonly timeoutSeconds: number;
  /** Directory for SMT-LIB2 exports, if requested. */
  readonly smt2Dir?: string;
  /**
   * Also cross-check each Z3 verdict by exhaustive enumeration, where the family has a finite
   * enumeration space (role, vmtype). The test suite always does; `ci --cross-check` asks for it.
   */
  readonly crossCheck?: boolean;
}

/** One obligation with its expected verdict. */
export interface ProofCase {
  /** Family, e.g. `spte`, `check`, `mmu`, `tdx`, `role`, `vmtype`. */
  readonly suite: string;
  /** Unique, stable id, e.g. `spte/6.13/ept/mmio-mask-avoids-generation`. */
  readonly id: string;
  /** One sentence: what is checked. */
  readonly title: string;
  readonly expect: Expectation;
  /**
   * Cases with the same affinity run in the same process when ci spreads cases over processes,
   * because they share work there (e.g. the same solver query, answered once per process).
   */
  readonly affinity?: string;
  run(ctx: CaseContext): Promise<CaseOutcome>;
}
