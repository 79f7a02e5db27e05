/**
 * The one expression language: 64-bit bit-vectors and booleans, with variables that carry their
 * own domain (a range, or a finite set of values). Two interpreters read it: the concrete evaluator
 * (`evaluate`, bigint) and the Z3 encoder in `src/smt`. Their semantics agree by construction and
 * are cross-checked by property tests:
 *
 * - arithmetic wraps modulo 2^64; comparisons are unsigned;
 * - a shift by 64 or more yields 0 (SMT-LIB `bvshl`/`bvlshr` semantics);
 * - `popcount` counts set bits of the 64-bit value.
 *
 * Nodes are immutable plain objects; sharing a sub-expression (reusing the same object) is free for
 * both interpreters, which memoise by node identity.
 *
 * @example
 *   const maxphy = bvVar('maxphyaddr', { min: 32n, max: 52n });
 *   const mask = ite(maxphy.ult(52), bit(51).or(1), 0);
 *   const rule = mask.and(genmask(10, 3)).eq(0);   // a Bool
 */
import { U64_MAX } from '../core/bits.js';
import { fail } from '../core/diagnostic.js';

/** Declaration of a variable, carried by every reference to it. */
export interface VarDecl {
  readonly name: string;
  readonly sort: 'bv' | 'bool';
  /** Inclusive unsigned lower bound (bv only). */
  readonly min?: bigint;
  /** Inclusive unsigned upper bound (bv only). */
  readonly max?: bigint;
  /** Finite set of allowed values (bv only), e.g. TDX GPAW {48, 52}. */
  readonly oneOf?: readonly bigint[];
  /** One line: what the variable means. */
  readonly doc?: string;
  /** How a value is shown: a plain number (configuration widths) or 64-bit hex (SPTEs, masks). */
  readonly display?: 'dec' | 'hex';
}

/** Binary bit-vector operators. */
export type BvBinOp = 'and' | 'or' | 'xor' | 'add' | 'sub' | 'mul' | 'shl' | 'lshr';
/** Bit-vector comparisons (unsigned). */
export type CmpOp = 'eq' | 'ult' | 'ule';

/** A bit-vector node (64 bits). */
export type BvNode =
  | { readonly sort: 'bv'; readonly op: 'const'; readonly value: bigint }
  | { readonly sort: 'bv'; readonly op: 'var'; readonly decl: VarDecl }
  | { readonly sort: 'bv'; readonly op: BvBinOp; readonly a: BvNode; readonly b: BvNode }
  | { readonly sort: 'bv'; readonly op: 'not'; readonly a: BvNode }
  | { readonly sort: 'bv'; readonly op: 'popcount'; readonly a: BvNode }
  | { readonly sort: 'bv'; readonly op: 'ite'; readonly c: BoolNode; readonly t: BvNode; readonly e: BvNode };

/** A boolean node. */
export type BoolNode =
  | { readonly sort: 'bool'; readonly op: 'lit'; readonly value: boolean }
  | { readonly sort: 'bool'; readonly op: 'var'; readonly decl: VarDecl }
  | { readonly sort: 'bool'; readonly op: CmpOp; readonly a: BvNode; readonly b: BvNode }
  | { readonly sort: 'bool'; readonly op: 'and' | 'or'; readonly args: readonly BoolNode[] }
  | { readonly sort: 'bool'; readonly op: 'not'; readonly a: BoolNode }
  | { readonly sort: 'bool'; readonly op: 'ite'; readonly c: BoolNode; readonly t: BoolNode; readonly e: BoolNode };

/** Any node. */
export type Node = BvNode | BoolNode;

/** Something usable as a bit-vector operand: an expression, a bigint, or a safe integer. */
export type BvLike = Bv | bigint | number;
/** Something usable as a boolean operand. */
export type BoolLike = Bool | boolean;

/** Returns the node of a bit-vector operand, truncating constants to 64 bits. */
export function bvNode(x: BvLike): BvNode {
  if (x instanceof Bv) return x.node;
  if (typeof x === 'number') {
    if (!Number.isSafeInteger(x) || x < 0) fail('MMC102', `bit-vector constant ${x} must be a non-negative safe integer`);
    x = BigInt(x);
  }
  return { sort: 'bv', op: 'const', value: x & U64_MAX };
}

/** Returns the node of a boolean operand. */
export function boolNode(x: BoolLike): BoolNode {
  return x instanceof Bool ? x.node : { sort: 'bool', op: 'lit', value: x };
}

/** A 64-bit bit-vector expression with fluent operators. */
export class Bv {
  readonly node: BvNode;
  constructor(node: BvNode) {
    this.node = node;
  }
  private bin(op: BvBinOp, o: BvLike): Bv {
    return new Bv({ sort: 'bv', op, a: this.node, b: bvNode(o) });
  }
  and(o: BvLike): Bv { return this.bin('and', o); }
  or(o: BvLike): Bv { return this.bin('or', o); }
  xor(o: BvLike): Bv { return this.bin('xor', o); }
  add(o: BvLike): Bv { return this.bin('add', o); }
  sub(o: BvLike): Bv { return this.bin('sub', o); }
  mul(o: BvLike): Bv { return this.bin('mul', o); }
  shl(o: BvLike): Bv { return this.bin('shl', o); }
  shr(o: BvLike): Bv { return this.bin('lshr', o); }
  not(): Bv { return new Bv({ sort: 'bv', op: 'not', a: this.node }); }
  /** Returns `this & ~o`. */
  clear(o: BvLike): Bv { return this.and(bv(o).not()); }
  popcount(): Bv { return new Bv({ sort: 'bv', op: 'popcount', a: this.node }); }
  eq(o: BvLike): Bool { return new Bool({ sort: 'bool', op: 'eq', a: this.node, b: bvNode(o) }); }
  ne(o: BvLike): Bool { return this.eq(o).not(); }
  ult(o: BvLike): Bool { return new Bool({ sort: 'bool', op: 'ult', a: this.node, b: bvNode(o) }); }
  ule(o: BvLike): Bool { return new Bool({ sort: 'bool', op: 'ule', a: this.node, b: bvNode(o) }); }
  ugt(o: BvLike): Bool { return bv(o).ult(this); }
  uge(o: BvLike): Bool { return bv(o).ule(this); }
  /** Returns true when `this & mask == 0`. */
  disjoint(mask: BvLike): Bool { return this.and(mask).eq(0); }
  /** Returns true when every bit of `this` is inside `mask`. */
  within(mask: BvLike): Bool { return this.clear(mask).eq(0); }
  /** Returns true when bit `n` of `this` is set (n may be symbolic). */
  test(n: BvLike): Bool { return this.and(bit(n)).ne(0); }
}

/** A boolean expression with fluent connectives. */
export class Bool {
  readonly node: BoolNode;
  constructor(node: BoolNode) {
    this.node = node;
  }
  and(...o: BoolLike[]): Bool { return all(this, ...o); }
  or(...o: BoolLike[]): Bool { return any(this, ...o); }
  not(): Bool { return new Bool({ sort: 'bool', op: 'not', a: this.node }); }
  implies(o: BoolLike): Bool { return any(this.not(), o); }
  iff(o: BoolLike): Bool { return new Bool({ sort: 'bool', op: 'ite', c: this.node, t: boolNode(o), e: boolNode(o instanceof Bool ? o.not() : !o) }); }
}

/** Returns a bit-vector expression for a constant or an existing expression. */
export function bv(x: BvLike): Bv {
  return x instanceof Bv ? x : new Bv(bvNode(x));
}

/** Returns a boolean literal. */
export function lit(b: boolean): Bool {
  return new Bool({ sort: 'bool', op: 'lit', value: b });
}

/** Returns a bit-vector variable with its domain. */
export function bvVar(name: string, dom: Omit<VarDecl, 'name' | 'sort'> = {}): Bv {
  if (dom.min !== undefined && dom.max !== undefined && dom.min > dom.max) {
    fail('MMC102', `variable ${name}: min ${dom.min} exceeds max ${dom.max}`, { subject: name });
  }
  return new Bv({ sort: 'bv', op: 'var', decl: { name, sort: 'bv', ...dom } });
}

/** Returns a boolean variable. */
export function boolVar(name: string, doc?: string): Bool {
  return new Bool({ sort: 'bool', op: 'var', decl: doc === undefined ? { name, sort: 'bool' } : { name, sort: 'bool', doc } });
}

/** Returns `1 << n` (0 when n >= 64); n may be symbolic. */
export function bit(n: BvLike): Bv {
  return bv(1).shl(n);
}

/**
 * Returns the mask of bits lo..hi inclusive, with symbolic bounds allowed (Linux GENMASK_ULL);
 * 0 when hi < lo. Bounds must be below 64.
 */
export function genmask(hi: BvLike, lo: BvLike): Bv {
  const H = bv(hi);
  const L = bv(lo);
  const ones = bv((1n << 64n) - 1n);
  return ite(H.ult(L), 0, ones.shl(L).and(ones.shr(bv(63).sub(H))));
}

/** Returns the kernel's rsvd_bits(lo, hi): bits lo..hi, 0 when hi < lo. */
export function rsvdBits(lo: BvLike, hi: BvLike): Bv {
  return genmask(hi, lo);
}

/** Returns a bit-vector if-then-else. */
export function ite(c: BoolLike, t: BvLike, e: BvLike): Bv {
  return new Bv({ sort: 'bv', op: 'ite', c: boolNode(c), t: bvNode(t), e: bvNode(e) });
}

/** Returns a boolean if-then-else. */
export function iteB(c: BoolLike, t: BoolLike, e: BoolLike): Bool {
  return new Bool({ sort: 'bool', op: 'ite', c: boolNode(c), t: boolNode(t), e: boolNode(e) });
}

/** Returns the conjunction (true when empty). */
export function all(...xs: BoolLike[]): Bool {
  if (xs.length === 1) return xs[0] instanceof Bool ? xs[0] : lit(xs[0]!);
  return new Bool({ sort: 'bool', op: 'and', args: xs.map(boolNode) });
}

/** Returns the disjunction (false when empty). */
export function any(...xs: BoolLike[]): Bool {
  if (xs.length === 1) return xs[0] instanceof Bool ? xs[0] : lit(xs[0]!);
  return new Bool({ sort: 'bool', op: 'or', args: xs.map(boolNode) });
}

/** Returns `a => b`. */
export function implies(a: BoolLike, b: BoolLike): Bool {
  return any(toBool(a).not(), b);
}

/** Returns a Bool for a boolean operand. */
export function toBool(x: BoolLike): Bool {
  return x instanceof Bool ? x : lit(x);
}

/** A variable assignment: name to bigint (bv) or boolean (bool). */
export type Env = ReadonlyMap<string, bigint | boolean> | Readonly<Record<string, bigint | boolean>>;

function lookup(env: Env, name: string): bigint | boolean | undefined {
  return env instanceof Map ? env.get(name) : (env as Record<string, bigint | boolean>)[name];
}

const shiftOut = (n: bigint): boolean => n >= 64n;

/**
 * Returns the value of an expression under an assignment (bigint for bit-vectors, boolean for
 * booleans). Unbound variables and sort mismatches raise MMC102.
 */
export function evaluate(e: Bv, env: Env): bigint;
export function evaluate(e: Bool, env: Env): boolean;
export function evaluate(e: Bv | Bool, env: Env): bigint | boolean {
  const memo = new Map<Node, bigint | boolean>();
  return e instanceof Bv ? evalBv(e.node, env, memo) : evalBool(e.node, env, memo);
}

/** Returns the value of a raw node (see `evaluate`). */
export function evaluateNode(n: Node, env: Env): bigint | boolean {
  const memo = new Map<Node, bigint | boolean>();
  return n.sort === 'bv' ? evalBv(n, env, memo) : evalBool(n, env, memo);
}

function evalBv(n: BvNode, env: Env, memo: Map<Node, bigint | boolean>): bigint {
  const hit = memo.get(n);
  if (hit !== undefined) return hit as bigint;
  let r: bigint;
  switch (n.op) {
    case 'const': r = n.value; break;
    case 'var': {
      const v = lookup(env, n.decl.name);
      if (typeof v !== 'bigint') fail('MMC102', `variable ${n.decl.name} is unbound or not a bit-vector`, { subject: n.decl.name });
      r = v & U64_MAX;
      break;
    }
    case 'not': r = ~evalBv(n.a, env, memo) & U64_MAX; break;
    case 'popcount': {
      let v = evalBv(n.a, env, memo);
      let c = 0n;
      while (v) { v &= v - 1n; c++; }
      r = c;
      break;
    }
    case 'ite': r = evalBool(n.c, env, memo) ? evalBv(n.t, env, memo) : evalBv(n.e, env, memo); break;
    default: {
      const a = evalBv(n.a, env, memo);
      const b = evalBv(n.b, env, memo);
      switch (n.op) {
        case 'and': r = a & b; break;
        case 'or': r = a | b; break;
        case 'xor': r = a ^ b; break;
        case 'add': r = (a + b) & U64_MAX; break;
        case 'sub': r = (a - b) & U64_MAX; break;
        case 'mul': r = (a * b) & U64_MAX; break;
        case 'shl': r = shiftOut(b) ? 0n : (a << b) & U64_MAX; break;
        case 'lshr': r = shiftOut(b) ? 0n : a >> b; break;
      }
    }
  }
  memo.set(n, r);
  return r;
}

function evalBool(n: BoolNode, env: Env, memo: Map<Node, bigint | boolean>): boolean {
  const hit = memo.get(n);
  if (hit !== undefined) return hit as boolean;
  let r: boolean;
  switch (n.op) {
    case 'lit': r = n.value; break;
    case 'var': {
      const v = lookup(env, n.decl.name);
      if (typeof v !== 'boolean') fail('MMC102', `variable ${n.decl.name} is unbound or not a boolean`, { subject: n.decl.name });
      r = v;
      break;
    }
    case 'eq': r = evalBv(n.a, env, memo) === evalBv(n.b, env, memo); break;
    case 'ult': r = evalBv(n.a, env, memo) < evalBv(n.b, env, memo); break;
    case 'ule': r = evalBv(n.a, env, memo) <= evalBv(n.b, env, memo); break;
    case 'and': r = n.args.every((x) => evalBool(x, env, memo)); break;
    case 'or': r = n.args.some((x) => evalBool(x, env, memo)); break;
    case 'not': r = !evalBool(n.a, env, memo); break;
    case 'ite': r = evalBool(n.c, env, memo) ? evalBool(n.t, env, memo) : evalBool(n.e, env, memo); break;
  }
  memo.set(n, r);
  return r;
}

/** Returns the variables an expression mentions, in first-seen order (by name; one decl per name). */
export function freeVars(...es: (Bv | Bool)[]): VarDecl[] {
  const seen = new Set<Node>();
  const out = new Map<string, VarDecl>();
  const stack: Node[] = es.map((e) => e.node);
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.op === 'var') {
      const prev = out.get(n.decl.name);
      if (prev && prev !== n.decl && (prev.sort !== n.decl.sort || prev.min !== n.decl.min || prev.max !== n.decl.max)) {
        fail('MMC102', `variable ${n.decl.name} is declared twice with different domains`, { subject: n.decl.name });
      }
      if (!prev) out.set(n.decl.name, n.decl);
      continue;
    }
    // Children pushed last-first, so they are visited in order (first-seen order of variables).
    const kids = childrenOf(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return [...out.values()];
}

/** Returns the domain constraint of a variable (range and finite set), as a Bool. */
export function domainOf(d: VarDecl): Bool {
  if (d.sort === 'bool') return lit(true);
  const v = new Bv({ sort: 'bv', op: 'var', decl: d });
  const parts: Bool[] = [];
  if (d.min !== undefined) parts.push(v.uge(d.min));
  if (d.max !== undefined) parts.push(v.ule(d.max));
  if (d.oneOf) parts.push(any(...d.oneOf.map((x) => v.eq(x))));
  return parts.length ? all(...parts) : lit(true);
}

/** Returns true when a value lies in a variable's declared domain. */
export function inDomain(d: VarDecl, value: bigint | boolean): boolean {
  if (d.sort === 'bool') return typeof value === 'boolean';
  if (typeof value !== 'bigint') return false;
  if (d.min !== undefined && value < d.min) return false;
  if (d.max !== undefined && value > d.max) return false;
  if (d.oneOf && !d.oneOf.includes(value)) return false;
  return true;
}

/** Interned structure: canonical node text -> id, and node object -> id (see `exprKey`). */
const internIds = new Map<string, number>();
const nodeIds = new WeakMap<Node, number>();

/**
 * Returns a key that is equal for two lists of expressions, within this process, exactly when
 * they are structurally equal (same operators, constants and variable declarations in the same
 * positions), whatever object sharing they use. Nodes are hash-consed: each distinct structure gets
 * an id once, memoised by node identity, so shared sub-expressions cost nothing. Used to solve a
 * query once when several obligations reduce to the same formula.
 */
export function exprKey(...es: (Bv | Bool)[]): string {
  const declText = (d: VarDecl): string =>
    `${d.sort}:${d.name}:${d.min ?? ''}:${d.max ?? ''}:${d.oneOf ? d.oneOf.join(',') : ''}`;
  const idOf = (root: Node): number => {
    // Iterative post-order: deep expressions must not overflow the stack.
    const stack: Array<{ n: Node; done: boolean }> = [{ n: root, done: false }];
    while (stack.length) {
      const top = stack.pop()!;
      const n = top.n;
      if (nodeIds.has(n)) continue;
      const kids = childrenOf(n);
      if (!top.done) {
        stack.push({ n, done: true });
        for (const k of kids) if (!nodeIds.has(k)) stack.push({ n: k, done: false });
        continue;
      }
      const own = n.op === 'const' ? `c${n.value.toString(16)}` : n.op === 'lit' ? `l${n.value}` : n.op === 'var' ? `v${declText(n.decl)}` : n.op;
      const text = `${n.sort}|${own}|${kids.map((k) => nodeIds.get(k)!).join(',')}`;
      let id = internIds.get(text);
      if (id === undefined) { id = internIds.size; internIds.set(text, id); }
      nodeIds.set(n, id);
    }
    return nodeIds.get(root)!;
  };
  return es.map((e) => idOf(e.node)).join(';');
}

/** Returns the operands of a node, in order. */
function childrenOf(n: Node): Node[] {
  switch (n.op) {
    case 'const': case 'lit': case 'var': return [];
    case 'not': case 'popcount': return [n.a];
    case 'ite': return [n.c, n.t, n.e];
    case 'and': case 'or': return n.sort === 'bool' ? [...n.args] : [n.a, n.b];
    default: return [n.a, n.b];
  }
}
