/**
 * Canonical counterexamples. Z3 returns whichever model its search reached first, and that depends
 * on the solver's state (which queries ran before in the process), so the same refuted rule could
 * be reported with a different configuration from one run to the next. `canonicalCounterexample`
 * turns any counterexample into the lexicographically least one in a fixed variable order, which
 * depends only on the formula: booleans first (false before true), then bounded values (widths,
 * positions, small sets), then wide values (SPTEs, GFNs, masks); by name within each class. Each
 * variable in turn gets the smallest value for which a counterexample still exists given the
 * values already chosen, and that value is then fixed in the solver.
 *
 * A bit-vector's least value is found from its top bit down: only where the best known value has
 * a 1 is the solver asked (under an assumption) whether a value with that bit cleared and the lower bits
 * free still fails; every satisfiable answer lowers the bound to the model's value. Concrete
 * candidates (the domain's least value, the bit cleared) are tried with the evaluator first, so most
 * variables cost no solver call.
 */
import type { VarDecl } from '../dsl/expr.js';
import type { Encoder } from './encode.js';

type Assignment = Record<string, bigint | boolean>;
type Solver = import('z3-solver').Solver<'mmucheck'>;
type BvT = import('z3-solver').BitVec<64, 'mmucheck'>;
type BoolT = import('z3-solver').Bool<'mmucheck'>;

/** What the minimiser needs: the solver holding the refutation query, and how to read its models. */
export interface CanonicalQuery {
  readonly enc: Encoder;
  readonly solver: Solver;
  readonly vars: readonly VarDecl[];
  /** Reads every variable's value from the solver's current model. */
  readonly read: () => Assignment;
  /** True when an assignment is a counterexample under the concrete evaluator. */
  readonly refutes: (a: Assignment) => boolean;
}

/** Returns the variables in canonical order: booleans, bounded bit-vectors, wide bit-vectors; by name within each. */
export function canonicalOrder(vars: readonly VarDecl[]): VarDecl[] {
  const rank = (v: VarDecl): number => (v.sort === 'bool' ? 0 : v.oneOf !== undefined || v.max !== undefined ? 1 : 2);
  return [...vars].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The domain's least value of a bit-vector variable. */
function least(v: VarDecl): bigint {
  if (v.oneOf !== undefined) return v.oneOf.reduce((a, b) => (a < b ? a : b));
  return v.min ?? 0n;
}

/**
 * Returns the lexicographically least counterexample (see the module comment), starting from
 * `start`, a counterexample that the solver's last `check()` returned. The solver is left with
 * every variable fixed. Returns undefined when the solver answers `unknown` on the way (a timeout):
 * the caller then has a counterexample that is valid but not canonical.
 */
export async function canonicalCounterexample(q: CanonicalQuery, start: Assignment): Promise<Assignment | undefined> {
  const { enc, solver, refutes } = q;
  let cur: Assignment = { ...start };
  let guards = 0;
  /**
   * Asks the solver whether `extra` is satisfiable with what is fixed; on sat, `cur` becomes the
   * model. `extra` is asserted behind a fresh guard literal and the guard passed as an assumption
   * (a push costs about 5 ms on these solvers, more than most of the checks themselves).
   */
  const sat = async (extra: BoolT): Promise<boolean | undefined> => {
    const guard = enc.z3.Bool.const(`canonical!${guards++}`);
    solver.add(enc.z3.Implies(guard, extra));
    const r = await solver.check(guard);
    if (r === 'sat') cur = q.read();
    return r === 'unknown' ? undefined : r === 'sat';
  };
  /** Tries a concrete value: keeps it when the assignment still refutes the rule. */
  const tryConcrete = (name: string, value: bigint | boolean): boolean => {
    const next = { ...cur, [name]: value };
    if (!refutes(next)) return false;
    cur = next;
    return true;
  };
  for (const v of canonicalOrder(q.vars)) {
    const term = enc.variable(v);
    if (v.sort === 'bool') {
      const t = term as BoolT;
      if (cur[v.name] === true && !tryConcrete(v.name, false)) {
        const r = await sat(enc.z3.Not(t));
        if (r === undefined) return undefined;
      }
      solver.add(cur[v.name] === true ? t : enc.z3.Not(t));
      continue;
    }
    const t = term as BvT;
    const min = await leastValue(v, () => cur[v.name] as bigint, tryConcrete, (bound) => sat(t.ule(enc.z3.BitVec.val(bound, 64))));
    if (min === undefined) return undefined;
    solver.add(t.eq(enc.z3.BitVec.val(min, 64)));
  }
  return cur;
}

/**
 * Returns the least value of one bit-vector variable for which a counterexample exists (or
 * undefined on a solver `unknown`). `best()` is the variable's value in the current best
 * counterexample, which `tryConcrete` and `existsAtMost` (a solver call) update.
 *
 * Invariant, from the top bit down to bit k: every counterexample whose value is at most `best()`
 * has the same bits as `best()` above k. Where `best()` has a 0 at k, so does every such value;
 * where it has a 1, either a value with that bit 0 (and the lower bits anything) exists, and the
 * bound drops to it, or none does and the bit stays 1. At the end `best()` is the least value.
 */
async function leastValue(
  v: VarDecl,
  best: () => bigint,
  tryConcrete: (name: string, value: bigint) => boolean,
  existsAtMost: (bound: bigint) => Promise<boolean | undefined>,
): Promise<bigint | undefined> {
  if (best() === least(v) || tryConcrete(v.name, least(v))) return best();
  for (let k = best().toString(2).length - 1; k >= 0; k--) {
    const bit = 1n << BigInt(k);
    const hi = best();
    if ((hi & bit) === 0n) continue;
    const prefix = hi & ~(bit * 2n - 1n);
    // The smallest value with this prefix, then the bit alone cleared, before asking the solver.
    if (tryConcrete(v.name, prefix)) break;
    if (tryConcrete(v.name, hi & ~bit)) continue;
    // Below the domain's least value nothing exists; no need to ask.
    if ((prefix | (bit - 1n)) < least(v)) continue;
    const r = await existsAtMost(prefix | (bit - 1n));
    if (r === undefined) return undefined;
  }
  return best();
}
