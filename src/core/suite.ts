/**
 * Proof suites: obligations with expected verdicts, run by `mmucheck ci`. Each family (SPTE layout
 * rules, checker toys, MMU scenarios, role, VM types) registers its cases in `proofs/index.ts`.
 */
import type { ExpectedVerdict, Verdict } from './verdict.js';

/**
 * What an expected violation records, so reports keep kernel issues apart from deliberately broken
 * inputs:
 * - `finding`: the engine refutes the modelled kernel code and no upstream fix is modelled (an open
 *   issue, or one by design);
 * - `known-bug`: a kernel bug fixed upstream, or a design the kernel rejected, that the model reproduces;
 * - `mutant`: a deliberately broken input (layout, derivation, protocol) the engine must catch.
 */
export type CaseKind = 'finding' | 'known-bug' | 'mutant';

/** Every case kind, in the order reports list them. */
export const CASE_KINDS: readonly CaseKind[] = ['finding', 'known-bug', 'mutant'];

/** What a case is expected to return, and what is pinned. */
export interface Expectation {
  readonly verdict: ExpectedVerdict;
  /** For an expected violation: what it records (every registered case expecting a violation has one). */
  readonly kind?: CaseKind;
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
  /** The step trace of an explicit-state violation: one label per step, in order (the initial state excluded). */
  readonly trace?: readonly string[];
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
