/**
 * Turns what a strategy found into a `CheckResult`: rebuilds traces by replay, picks the verdict.
 */
import { DiagnosticError } from '../core/diagnostic.js';
import { errorVerdict, holds, unknown, violated } from '../core/verdict.js';
import type { Model } from './model.js';
import type { Found, PropTable } from './common.js';
import { type Chain, replayChain } from './trace.js';
import type { CheckResult, CheckStats, ModelCounterexample, Root, Strategy, Trace } from './types.js';

/** What a finished search hands to {@link buildResult}. */
export interface SearchOutcome {
  readonly model: Model;
  readonly strategy: Strategy;
  readonly props: PropTable;
  readonly reductions: { readonly por: boolean; readonly symmetry: boolean; readonly merge?: boolean };
  readonly roots: readonly Root[];
  readonly violation: Found | null;
  /** Per sometimes property (index in props.sometimes). */
  readonly witnesses: readonly (Found | null)[];
  /** True when the search exhausted the (reduced) state graph without a bound. */
  readonly complete: boolean;
  /** Why it is incomplete. */
  readonly incompleteReason: string | null;
  readonly stats: CheckStats;
  /** Returns the index path of a discovery. */
  readonly chainOf: (f: Found) => Chain;
}

/** Returns the counterexample text for a found violation. */
function describe(props: PropTable, f: Found, len: number): string {
  const name = f.prop >= 0 ? props.all[f.prop]!.name : 'deadlock';
  switch (f.kind) {
    case 'always':
      return `always-property '${name}' fails after ${len} steps`;
    case 'deadlock':
      return `deadlock: a terminal state that the model does not mark final, after ${len} steps`;
    case 'eventually':
      return `eventually-property '${name}' not met on a maximal path of ${len} steps`;
    default:
      return `property '${name}'`;
  }
}

/** Returns the result of a search. */
export function buildResult(o: SearchOutcome): CheckResult {
  const { model, props } = o;
  const base = { model: model.name, strategy: o.strategy, complete: o.complete, stats: o.stats, reductions: o.reductions };
  const rebuild = (f: Found): Trace => replayChain(model, o.reductions.symmetry, o.roots, o.chainOf(f), [f.h1, f.h2], o.reductions.merge === true);
  try {
    const witnesses: Record<string, Trace | null> = {};
    props.sometimes.forEach((p, i) => {
      const w = o.witnesses[i];
      witnesses[p.name] = w ? rebuild(w) : null;
    });
    if (o.violation) {
      const trace = rebuild(o.violation);
      const cx: ModelCounterexample = {
        kind: o.violation.kind === 'sometimes' ? 'always' : o.violation.kind,
        property: o.violation.prop >= 0 ? props.all[o.violation.prop]!.name : 'deadlock',
        message: describe(props, o.violation, trace.actions.length),
        trace,
      };
      return { ...base, verdict: violated(cx), witnesses };
    }
    if (!o.complete) {
      return { ...base, verdict: unknown(o.incompleteReason ?? 'search incomplete'), witnesses };
    }
    const missing = props.sometimes.filter((p) => witnesses[p.name] === null);
    if (missing.length > 0) {
      const p = missing[0]!;
      const cx: ModelCounterexample = {
        kind: 'sometimes',
        property: p.name,
        message: `sometimes-property '${p.name}' was never witnessed in a complete search of ${o.stats.distinctStates} states${missing.length > 1 ? ` (nor ${missing
          .slice(1)
          .map((q) => `'${q.name}'`)
          .join(', ')})` : ''}: the behaviour it stands for is unreachable, so the always-properties may hold vacuously`,
      };
      return { ...base, verdict: violated(cx), witnesses };
    }
    const red = [o.reductions.por ? 'POR' : '', o.reductions.merge ? 'merging' : '', o.reductions.symmetry ? 'symmetry' : ''].filter(Boolean).join(', ');
    return { ...base, verdict: holds(`all ${o.stats.distinctStates} reachable states of ${model.name}${red ? ` (reduced: ${red})` : ''}`), witnesses };
  } catch (e) {
    if (e instanceof DiagnosticError) return { ...base, verdict: errorVerdict(e.diagnostic), witnesses: {} };
    throw e;
  }
}
