/**
 * Proving, refuting and synthesising with Z3 over the DSL.
 *
 * - `prove(rule)`: `holds` when `domains ∧ assume ∧ ¬holds` is unsat; `violated` with a concrete
 *   assignment of every variable otherwise; `unknown` on Z3 unknown or timeout (never `holds`).
 *   Every counterexample is re-checked by the concrete evaluator; a disagreement is an internal
 *   error, not a verdict.
 * - `synthesize(hard, labelled)`: a satisfying assignment, or the names of the labelled constraints
 *   that conflict (the unsat core).
 * - Every query can be exported as SMT-LIB2 that the native `z3` accepts.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { diagnostic, fail } from '../core/diagnostic.js';
import type { Verdict } from '../core/verdict.js';
import { type Bool, type Bv, type Env, type VarDecl, all, domainOf, evaluate, exprKey, freeVars } from '../dsl/expr.js';
import { counterexampleTest, ruleVars, simplifyCounterexample } from '../dsl/enumerate.js';
import type { Rule } from '../dsl/rule.js';
import { canonicalCounterexample } from './canonical.js';
import { z3Context } from './context.js';
import { Encoder } from './encode.js';

/** Values of variables (and observed derived values) in a counterexample or synthesis result. */
export type Assignment = Record<string, bigint | boolean>;

/** A counterexample to a rule: the variables' values and the observed derived values. */
export interface Counterexample {
  readonly assignment: Assignment;
  readonly observed: Assignment;
  readonly vars: readonly VarDecl[];
}

/** Options of one query. */
export interface QueryOptions {
  /** Z3 timeout in milliseconds (default 30000). A timeout is `unknown`. */
  readonly timeoutMs?: number;
  /** Write the query as SMT-LIB2 to this file. */
  readonly smt2File?: string;
}

/** The result of `prove`, with timing. */
export interface ProveResult {
  readonly verdict: Verdict<Counterexample>;
  readonly seconds: number;
  /** True when a structurally identical query had already been solved in this process. */
  readonly shared?: boolean;
}

type Solver = import('z3-solver').Solver<'mmucheck'>;

async function newSolver(timeoutMs: number): Promise<{ enc: Encoder; solver: Solver }> {
  const { z3 } = await z3Context();
  // Every DSL query is quantifier-free bit-vectors; declaring the logic selects Z3's QF_BV tactic (about 2x faster here).
  const solver = new z3.Solver('QF_BV');
  solver.set('timeout', Math.max(1, Math.round(timeoutMs)));
  return { enc: new Encoder(z3), solver };
}

/**
 * Writes the solver's assertions as SMT-LIB2 to `file`, whole (a temporary name, then a rename);
 * a failure is MMC006 naming `--smt2` (the flag every caller takes the directory from).
 */
function exportSmt2(solver: Solver, file: string | undefined, comment: string): void {
  if (!file) return;
  const body = solver.toSmtlib2('unknown');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, `; ${comment.replace(/\n/g, ' ')}\n${body.includes('(check-sat)') ? body : body + '\n(check-sat)'}\n`);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    fail('MMC006', `--smt2: cannot write ${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { subject: '--smt2' });
  }
}

function readAssignment(enc: Encoder, model: { eval(e: never, completion: boolean): unknown }, vars: readonly VarDecl[]): Assignment {
  const out: Assignment = {};
  for (const v of vars) {
    const term = enc.variable(v);
    const val = model.eval(term as never, true) as { value?: () => bigint };
    out[v.name] = v.sort === 'bv' ? (val.value as () => bigint).call(val) : enc.z3.isTrue(val as never);
  }
  return out;
}

/** Returns the values of observed expressions under an assignment (concrete evaluator). */
export function observe(obs: Readonly<Record<string, Bv | Bool>> | undefined, env: Env): Assignment {
  const out: Assignment = {};
  for (const [k, e] of Object.entries(obs ?? {})) out[k] = evaluate(e as Bv, env);
  return out;
}

/** What Z3 answered for one refutation query. */
type Answer =
  | { readonly kind: 'unsat' }
  | { readonly kind: 'unknown'; readonly reason: string }
  | { readonly kind: 'disagree' }
  | { readonly kind: 'sat'; readonly assignment: Assignment };

/**
 * Answers of this process's refutation queries, by structural key (`exprKey` of domain, hypotheses
 * and negated claim) and time budget. Obligations of several eras or flavours often reduce to the
 * same formula; Z3 solves it once and every obligation reads the same answer. Sound because the
 * key is equal only for structurally equal formulas, and every counterexample is still re-checked
 * against each rule by the concrete evaluator.
 */
const answers = new Map<string, Promise<Answer>>();

/** A rule's refutation query: its variables, their domain constraint, and its structural key. */
function query(rule: Rule): { vars: VarDecl[]; domain: Bool; key: string } {
  const vars = ruleVars(rule);
  const domain = all(...vars.map(domainOf));
  return { vars, domain, key: exprKey(domain, rule.assume, rule.holds) };
}

/** Returns the structural key of a rule's refutation query: equal keys, identical formulas. */
export function queryKey(rule: Rule): string {
  return query(rule).key;
}

/**
 * Returns the verdict of a rule over every assignment of its variables within their domains.
 * `shared` is true when an identical query had already been solved in this process.
 */
export async function prove(rule: Rule, opts: QueryOptions = {}): Promise<ProveResult> {
  const t0 = performance.now();
  const seconds = (): number => (performance.now() - t0) / 1000;
  const q = query(rule);
  const { vars, domain } = q;
  const refutes = counterexampleTest(rule, domain);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const key = `${timeoutMs}:${q.key}`;
  const encode = async (): Promise<{ enc: Encoder; solver: Solver }> => {
    const { enc, solver } = await newSolver(timeoutMs);
    solver.add(enc.bool(domain.node));
    solver.add(enc.bool(rule.assume.node));
    solver.add(enc.z3.Not(enc.bool(rule.holds.node)));
    exportSmt2(solver, opts.smt2File, `mmucheck rule ${rule.name}: unsat means the rule holds (${rule.ref})`);
    return { enc, solver };
  };
  let pending = answers.get(key);
  const shared = pending !== undefined;
  if (pending === undefined) {
    pending = (async (): Promise<Answer> => {
      const { enc, solver } = await encode();
      const r = await solver.check();
      if (r === 'unsat') return { kind: 'unsat' };
      if (r === 'unknown') return { kind: 'unknown', reason: `Z3 returned unknown: ${solver.reasonUnknown()}` };
      const read = (): Assignment => readAssignment(enc, solver.model() as never, vars);
      const raw = read();
      // Both interpreters must agree on Z3's own model, before it is simplified (the simplifier
      // keeps only assignments the evaluator accepts, so checking after it would hide a wrong model).
      if (!refutes(raw)) return { kind: 'disagree' };
      // The canonical counterexample depends on the formula only, never on Z3's state; if Z3 times
      // out on the way, the locally simplified one is reported instead.
      const canonical = await canonicalCounterexample({ enc, solver, vars, read, refutes }, raw);
      return { kind: 'sat', assignment: canonical ?? simplifyCounterexample(vars, raw, refutes) };
    })();
    answers.set(key, pending);
  } else if (opts.smt2File) {
    await encode();
  }
  const a = await pending;
  const done = (verdict: Verdict<Counterexample>): ProveResult => ({ verdict, seconds: seconds(), ...(shared ? { shared } : {}) });
  if (a.kind === 'unsat') return done({ kind: 'holds', domain: describeDomain(vars) });
  if (a.kind === 'unknown') return done({ kind: 'unknown', reason: a.reason });
  // A shared answer is re-checked against this rule too (it guards the structural key).
  if (a.kind === 'disagree' || !refutes(a.assignment)) {
    return done({ kind: 'error', diagnostic: diagnostic('MMC900', `internal error: Z3's counterexample to ${rule.name} does not refute it under the concrete evaluator`) });
  }
  const assignment = a.assignment;
  return done({ kind: 'violated', witness: { assignment, observed: observe(rule.observe, assignment), vars } });
}

/** Returns a compact description of a domain, e.g. `maxphyaddr∈[32,52], ept∈bool`. */
export function describeDomain(vars: readonly VarDecl[]): string {
  if (vars.length === 0) return 'constants';
  return vars
    .map((v) =>
      v.sort === 'bool'
        ? `${v.name}∈bool`
        : v.oneOf
          ? `${v.name}∈{${v.oneOf.join(',')}}`
          : v.min !== undefined || v.max !== undefined
            ? `${v.name}∈[${v.min ?? 0n},${v.max ?? 'max'}]`
            : `${v.name}∈u64`,
    )
    .join(', ');
}

/** A constraint with a name, so an unsat core can be reported by names. */
export interface Labelled {
  readonly label: string;
  readonly expr: Bool;
}

/** The result of synthesis. */
export type SynthResult =
  | { readonly kind: 'sat'; readonly assignment: Assignment; readonly seconds: number }
  | { readonly kind: 'unsat'; readonly core: readonly string[]; readonly seconds: number }
  | { readonly kind: 'unknown'; readonly reason: string; readonly seconds: number };

/**
 * Returns an assignment satisfying `hard` and every labelled constraint (variables within their
 * domains), or the labels of a conflicting subset.
 */
export async function synthesize(hard: readonly Bool[], labelled: readonly Labelled[], opts: QueryOptions = {}): Promise<SynthResult> {
  const t0 = performance.now();
  const seconds = (): number => (performance.now() - t0) / 1000;
  const vars = freeVars(...hard, ...labelled.map((l) => l.expr));
  const { enc, solver } = await newSolver(opts.timeoutMs ?? 30_000);
  const z = enc.z3;
  solver.add(enc.bool(all(...vars.map(domainOf)).node));
  for (const h of hard) solver.add(enc.bool(h.node));
  const guards = labelled.map((l, i) => {
    const g = z.Bool.const(`label!${i}`);
    solver.add(z.Implies(g, enc.bool(l.expr.node)));
    return g;
  });
  exportSmt2(solver, opts.smt2File, `mmucheck synthesis: labels ${labelled.map((l) => l.label).join(', ')}`);
  const r = await solver.check(...guards);
  if (r === 'unknown') return { kind: 'unknown', reason: `Z3 returned unknown: ${solver.reasonUnknown()}`, seconds: seconds() };
  if (r === 'unsat') {
    const core = solver.unsatCore();
    const names: string[] = [];
    for (let i = 0; i < core.length(); i++) {
      const m = /^label!(\d+)$/.exec(core.get(i).toString());
      if (m) names.push(labelled[Number(m[1])]!.label);
    }
    return { kind: 'unsat', core: names, seconds: seconds() };
  }
  const assignment = readAssignment(enc, solver.model() as never, vars);
  const ok = [...hard, ...labelled.map((l) => l.expr)].every((e) => evaluate(e, assignment));
  if (!ok) return { kind: 'unknown', reason: 'internal error: Z3 model does not satisfy the constraints under the concrete evaluator', seconds: seconds() };
  return { kind: 'sat', assignment, seconds: seconds() };
}

/** Returns a satisfying assignment of `e` within the variables' domains, or undefined (used to show a rule is not vacuous). */
export async function satisfiable(e: Bool, opts: QueryOptions = {}): Promise<SynthResult> {
  return synthesize([e], [], opts);
}
