/**
 * Running a rule spec: Z3 decides the verdict over every value of every variable (`prove`); a
 * violation's witness is shrunk (bits cleared, switches turned off while it stays a counterexample
 * under the concrete evaluator) and explained in the domain's terms; the verdict is cross-checked by
 * brute force over the spec's enumeration space, and a disagreement is an error, never a verdict.
 */
import type { CaseContext, CaseOutcome } from '../core/suite.js';
import { evaluate } from '../dsl/expr.js';
import { type EnumResult, enumerate, shrinkWitness } from '../dsl/enumerate.js';
import type { RuleSpec } from '../dsl/spec.js';
import { type Assignment, prove } from './prove.js';

/** The witness of a violated rule spec. */
export interface SpecWitness {
  readonly assignment: Assignment;
  readonly observed: Assignment;
  /** The counterexample in kernel terms (register values by bit name, role fields, VM flags). */
  readonly explanation: readonly string[];
}

/** Options of a case run. */
export interface RunOptions {
  /** Cross-check the verdict by enumeration (default true). */
  readonly enumerate?: boolean;
}

/** Proves a spec with Z3, shrinks and explains a violation, and cross-checks by enumeration. */
export async function runSpec(spec: RuleSpec, ctx: CaseContext, opts: RunOptions = {}): Promise<CaseOutcome & { enumResult?: EnumResult }> {
  const t0 = performance.now();
  const seconds = (): number => (performance.now() - t0) / 1000;
  const smt2File = ctx.smt2Dir ? `${ctx.smt2Dir}/${spec.rule.name}.smt2` : undefined;
  const r = await prove(spec.rule, { timeoutMs: ctx.timeoutSeconds * 1000, ...(smt2File ? { smt2File } : {}) });
  const v = r.verdict;
  const er = opts.enumerate === false || v.kind === 'unknown' || v.kind === 'error' ? undefined : enumerate(spec);
  if (er && (er.violations === 0) !== (v.kind === 'holds')) {
    return {
      verdict: { kind: 'error', diagnostic: { code: 'MMC900', message: `internal error: Z3 says ${v.kind} but enumeration of ${er.checked} assignments found ${er.violations} counterexamples` } },
      seconds: seconds(),
      enumResult: er,
    };
  }
  if (er && er.relevant === 0) {
    return { verdict: { kind: 'error', diagnostic: { code: 'MMC402', message: `rule ${spec.rule.name} is vacuous: no enumerated assignment meets its hypotheses` } }, seconds: seconds(), enumResult: er };
  }
  if (v.kind !== 'violated') return { verdict: v, seconds: seconds(), ...(er ? { enumResult: er } : {}) };
  // Variables the rule does not mention (e.g. the paging mode of a rule that holds in both) get
  // the first value of their enumeration space, so the explanation can name them.
  const full: Assignment = { ...v.witness.assignment };
  for (const [k, vals] of Object.entries(spec.space)) if (!(k in full) && vals.length) full[k] = vals[0]!;
  const small = shrinkWitness(spec, full);
  const observed: Assignment = {};
  for (const [k, e] of Object.entries(spec.rule.observe ?? {})) observed[k] = evaluate(e as never, small) as bigint | boolean;
  const explanation = spec.explain(small);
  const witness: SpecWitness = { assignment: small, observed, explanation };
  return { verdict: { kind: 'violated', witness }, witnessText: explanation.join('; '), seconds: seconds(), ...(er ? { enumResult: er } : {}) };
}
