/** Test helpers for the MMU tests. */
import { check, type CheckResult, type Trace } from '../../src/check/index.js';
import type { MmuMachine } from '../../src/mmu/machine.js';
import { expect } from 'vitest';
import { DiagnosticError, type Diagnostic } from '../../src/internal.js';

/** Returns a seeded PRNG in [0, 1). */
export function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


/** The outcome of one exploration of an MMU machine by the generic checker (BFS, exact store). */
export interface Explored {
  readonly result: CheckResult;
  readonly distinct: number;
  /** `always` invariants broken in the last state of the counterexample (empty when none). */
  readonly allBroken: readonly string[];
  /** The shortest counterexample of an `always` property, if any. */
  readonly trace?: Trace;
  /** `sometimes` witnesses not reached in a complete search. */
  readonly sometimesMissing: readonly string[];
  readonly complete: boolean;
}

/**
 * Explores `mm` with the generic checker (the one explorer) and summarises the verdict: unreduced
 * by default, in liveness mode (pinned counts, shortest counterexamples, I11 lassos), with POR
 * (opt-in on the MMU) and the default symmetry and merging in safety mode when `reduced`.
 */
export function explore(mm: MmuMachine, opts: { maxStates?: number; reduced?: boolean } = {}): Explored {
  // reduced: footprint POR and symmetry are safety-mode reductions (liveness mode switches them off)
  const result = check(mm, { strategy: 'bfs', store: 'exact', ...(opts.reduced ? { por: true, liveness: false } : { por: false, symmetry: false }), ...(opts.maxStates !== undefined ? { maxStates: opts.maxStates } : {}) });
  const v = result.verdict;
  // liveness mode reports a diagnostic (a user property that throws) as an error verdict, the safety BFS throws it
  if (v.kind === 'error') throw new DiagnosticError(v.diagnostic);
  // I11 in liveness mode (the MMU's default): a lasso, a non-progress cycle or a starved thread
  const live = v.kind === 'violated' && (v.witness.kind === 'non-progress' || v.witness.kind === 'starvation');
  const trace = v.kind === 'violated' && (v.witness.kind === 'always' || live) ? v.witness.trace : undefined;
  const last = !live ? trace?.states[trace.states.length - 1] : undefined;
  const allBroken = live ? ['I11'] : last ? mm.properties().filter((p) => p.expectation === 'always' && !p.check(last)).map((p) => p.name) : v.kind === 'violated' ? [v.witness.property] : [];
  const sometimesMissing = v.kind === 'violated' && v.witness.kind === 'sometimes' ? Object.entries(result.witnesses).filter(([, t]) => t === null).map(([k]) => k) : [];
  return { result, distinct: result.stats.distinctStates, allBroken, ...(trace ? { trace } : {}), sometimesMissing, complete: result.complete };
}

/** Returns the diagnostic `f` raises (fails the test when it raises none, or something else). */
export function diagOf(f: () => unknown): Diagnostic {
  try {
    f();
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostic;
    throw e;
  }
  return expect.unreachable('no diagnostic raised');
}
