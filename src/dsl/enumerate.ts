/**
 * Brute force over the DSL: a compiled evaluator (closures over a positional environment, same
 * semantics as `evaluate`), exhaustive enumeration of a rule spec's finite space with early pruning
 * of hypotheses, and witness shrinking. Used to cross-check Z3 verdicts on small domains.
 */
import { type BoolNode, type Env, type Node, type VarDecl, Bool, all, domainOf, evaluate, freeVars } from './expr.js';
import type { Rule } from './rule.js';
import type { RuleSpec } from './spec.js';

/** Values of variables (bit-vectors as bigint, booleans). */
type Assignment = Record<string, bigint | boolean>;

/** The result of a brute-force check. */
export interface EnumResult {
  /** Assignments enumerated. */
  readonly checked: number;
  /** Assignments inside the domain and the hypotheses. */
  readonly relevant: number;
  /** Counterexamples found. */
  readonly violations: number;
  /** The first counterexample, if any. */
  readonly first?: Assignment;
  /** Every counterexample when `collect` was asked for. */
  readonly all?: readonly Assignment[];
}

type Compiled = (env: readonly (bigint | boolean)[]) => bigint | boolean;

/**
 * Compiles an expression to a closure over a positional environment (faster than `evaluate` for
 * enumeration; same semantics, and the enumerator re-checks its first counterexample with
 * `evaluate`).
 */
function compile(root: Node, index: ReadonlyMap<string, number>, clock: { gen: number }): Compiled {
  const M = (1n << 64n) - 1n;
  const memo = new Map<Node, Compiled>();
  const go = (n: Node): Compiled => {
    const hit = memo.get(n);
    if (hit) return hit;
    const f = cached(n, raw(n));
    memo.set(n, f);
    return f;
  };
  // Shared sub-expressions (a role used in several comparisons) are computed once per assignment.
  const cached = (n: Node, f: Compiled): Compiled => {
    if (n.op === 'const' || n.op === 'lit' || n.op === 'var') return f;
    let gen = -1;
    let val: bigint | boolean = false;
    return (e) => {
      if (gen !== clock.gen) {
        val = f(e);
        gen = clock.gen;
      }
      return val;
    };
  };
  const raw = (n: Node): Compiled => {
    let f: Compiled;
    switch (n.op) {
      case 'const': { const v = n.value; f = () => v; break; }
      case 'lit': { const v = n.value; f = () => v; break; }
      case 'var': {
        const i = index.get(n.decl.name);
        if (i === undefined) throw new Error(`enumeration space lacks variable ${n.decl.name}`);
        f = n.sort === 'bv' ? (e) => (e[i] as bigint) & M : (e) => e[i] as boolean;
        break;
      }
      case 'not': {
        const a = go(n.a);
        f = n.sort === 'bv' ? (e) => ~(a(e) as bigint) & M : (e) => !a(e);
        break;
      }
      case 'popcount': {
        const a = go(n.a);
        f = (e) => { let v = a(e) as bigint; let c = 0n; while (v) { v &= v - 1n; c++; } return c; };
        break;
      }
      case 'ite': { const c = go(n.c); const t = go(n.t); const el = go(n.e); f = (e) => (c(e) ? t(e) : el(e)); break; }
      case 'and': case 'or':
        if (n.sort === 'bool') {
          const xs = n.args.map(go);
          f = n.op === 'and' ? (e) => xs.every((x) => x(e)) : (e) => xs.some((x) => x(e));
        } else {
          const a = go(n.a); const b = go(n.b);
          f = n.op === 'and' ? (e) => (a(e) as bigint) & (b(e) as bigint) : (e) => (a(e) as bigint) | (b(e) as bigint);
        }
        break;
      case 'eq': case 'ult': case 'ule': {
        const a = go(n.a); const b = go(n.b);
        f = n.op === 'eq' ? (e) => a(e) === b(e) : n.op === 'ult' ? (e) => (a(e) as bigint) < (b(e) as bigint) : (e) => (a(e) as bigint) <= (b(e) as bigint);
        break;
      }
      default: {
        const a = go(n.a); const b = go(n.b);
        switch (n.op) {
          case 'xor': f = (e) => (a(e) as bigint) ^ (b(e) as bigint); break;
          case 'add': f = (e) => ((a(e) as bigint) + (b(e) as bigint)) & M; break;
          case 'sub': f = (e) => ((a(e) as bigint) - (b(e) as bigint)) & M; break;
          case 'mul': f = (e) => ((a(e) as bigint) * (b(e) as bigint)) & M; break;
          case 'shl': f = (e) => { const s = b(e) as bigint; return s >= 64n ? 0n : ((a(e) as bigint) << s) & M; }; break;
          case 'lshr': f = (e) => { const s = b(e) as bigint; return s >= 64n ? 0n : (a(e) as bigint) >> s; }; break;
        }
      }
    }
    return f!;
  };
  return go(root);
}

/** Returns the free variables of a rule (assume, holds, observed values). */
export function ruleVars(rule: Rule): VarDecl[] {
  return freeVars(rule.assume, rule.holds, ...Object.values(rule.observe ?? {}));
}

/** Returns the conjuncts of a boolean node, flattening nested conjunctions. */
function conjuncts(n: Node): Node[] {
  return n.sort === 'bool' && n.op === 'and' ? n.args.flatMap(conjuncts) : [n];
}

/**
 * Enumerates every assignment of the spec's space and counts counterexamples (inside the
 * variables' domains and the hypotheses, with the property false). Variables are assigned in the
 * order the space lists them, and each conjunct of the hypotheses is tested as soon as its
 * variables are assigned, so ill-formed register states are pruned early; the count of
 * assignments covered (`checked`) is still the full product.
 */
export function enumerate(spec: RuleSpec, opts: { collect?: boolean } = {}): EnumResult {
  const vars = freeVars(spec.rule.assume, spec.rule.holds);
  const mentioned = new Set(vars.map((v) => v.name));
  for (const n of mentioned) if (!(n in spec.space)) throw new Error(`internal error: rule ${spec.rule.name}: enumeration space lacks ${n}`);
  const names = Object.keys(spec.space).filter((n) => mentioned.has(n));
  const index = new Map(names.map((n, i) => [n, i] as const));
  const clock = { gen: 0 };
  // Each conjunct of (domains ∧ assume) is checked at the depth of its last variable.
  const checksAt: Compiled[][] = names.map(() => []);
  const always: Compiled[] = [];
  for (const c of conjuncts(all(...vars.map(domainOf), spec.rule.assume).node)) {
    const depth = Math.max(-1, ...freeVars(new Bool(c as BoolNode)).map((v) => index.get(v.name)!));
    const f = compile(c, index, clock);
    if (depth < 0) always.push(f);
    else checksAt[depth]!.push(f);
  }
  const prop = compile(spec.rule.holds.node, index, clock);
  const values = names.map((n) => spec.space[n]!);
  const env: (bigint | boolean)[] = values.map((v) => v[0]!);
  let relevant = 0, violations = 0;
  let first: Assignment | undefined;
  const found: Assignment[] = [];
  const go = (d: number): void => {
    if (d === names.length) {
      relevant++;
      if (!prop(env)) {
        violations++;
        const a = Object.fromEntries(names.map((n, i) => [n, env[i]!])) as Assignment;
        first ??= a;
        if (opts.collect) found.push(a);
      }
      return;
    }
    for (const v of values[d]!) {
      env[d] = v;
      clock.gen++;
      if (checksAt[d]!.every((f) => f(env))) go(d + 1);
    }
  };
  const total = values.reduce((p, v) => p * v.length, 1);
  clock.gen++;
  if (always.every((f) => f(env))) go(0);
  if (first !== undefined && !isCounterexample(spec.rule, first)) throw new Error(`internal error: compiled and concrete evaluators disagree on ${spec.rule.name}`);
  return { checked: total, relevant, violations, ...(first !== undefined ? { first } : {}), ...(opts.collect ? { all: found } : {}) };
}

/**
 * Returns a test for counterexamples of `rule`: inside the variables' domains (`domain`, built from
 * them when not given) and the hypotheses, and refuting the property. The conjunction is built once.
 */
export function counterexampleTest(rule: Rule, domain?: Bool): (env: Env) => boolean {
  const refutation = all(domain ?? all(...ruleVars(rule).map(domainOf)), rule.assume, rule.holds.not());
  return (env) => evaluate(refutation, env);
}

/** Returns true when an assignment is inside the domains and the hypotheses and refutes the property. */
export function isCounterexample(rule: Rule, env: Env): boolean {
  return counterexampleTest(rule)(env);
}

/**
 * Returns a simpler counterexample than `a`, still one (`refutes`): booleans turned off; small
 * numeric domains (configuration widths, finite sets: at most 65 values) lowered to the smallest
 * value that still fails; wide values (SPTEs, GFNs, masks) first tried at 0, then cleared bit by
 * bit from the top. Repeated until nothing changes, so each reported value is locally minimal: changing that one value alone in those ways makes the rule hold. A few hundred
 * concrete evaluations, no solver calls.
 */
export function simplifyCounterexample(vars: readonly VarDecl[], a: Assignment, refutes: (a: Assignment) => boolean): Assignment {
  const cur: Record<string, bigint | boolean> = { ...a };
  const tryValue = (name: string, v: bigint | boolean): boolean => {
    const old = cur[name]!;
    cur[name] = v;
    if (refutes(cur)) return true;
    cur[name] = old;
    return false;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of vars) {
      const v = cur[d.name];
      if (v === undefined) continue;
      if (typeof v === 'boolean') {
        if (v && tryValue(d.name, false)) changed = true;
        continue;
      }
      const lo = d.min ?? 0n;
      const small = d.oneOf !== undefined || (d.max !== undefined && d.max - lo <= 64n);
      if (small) {
        // Every smaller value of the domain, ascending (at most 64): the smallest that still fails.
        const cands = d.oneOf ? [...d.oneOf].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)) : Array.from({ length: Number(v - lo) }, (_, k) => lo + BigInt(k));
        for (const c of cands) {
          if (c >= v) break;
          if (tryValue(d.name, c)) { changed = true; break; }
        }
        continue;
      }
      if (v === 0n) continue;
      if (tryValue(d.name, 0n)) { changed = true; continue; }
      for (let i = 63; i >= 0; i--) {
        const b = 1n << BigInt(i);
        const now = cur[d.name] as bigint;
        if ((now & b) !== 0n && tryValue(d.name, now & ~b)) changed = true;
      }
    }
  }
  return cur;
}

/**
 * Returns a smaller counterexample of a rule spec: `simplifyCounterexample` over the variables
 * in `spec.shrink` (the others keep their values).
 */
export function shrinkWitness(spec: RuleSpec, a: Assignment): Assignment {
  const decls = new Map(ruleVars(spec.rule).map((d) => [d.name, d] as const));
  const vars = spec.shrink.map((name): VarDecl => decls.get(name) ?? { name, sort: typeof a[name] === 'boolean' ? 'bool' : 'bv' });
  return simplifyCounterexample(vars, a, counterexampleTest(spec.rule));
}
