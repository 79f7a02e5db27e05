/**
 * The Z3 interpreter of the DSL: every node becomes a 64-bit bit-vector or boolean term with the
 * same semantics as the concrete evaluator (wrap-around arithmetic, unsigned comparisons, shifts by
 * 64 or more give 0, as SMT-LIB's bvshl/bvlshr do). Shared sub-expressions are encoded once.
 */
import { fail } from '../core/diagnostic.js';
import type { BoolNode, BvNode, Node, VarDecl } from '../dsl/expr.js';
import type { BitVec, Bool } from 'z3-solver';
import type { Z3 } from './context.js';

type BvT = BitVec<64, 'mmucheck'>;
type BoolT = Bool<'mmucheck'>;

/** An encoder bound to one Z3 context; memoises by node identity. */
export class Encoder {
  readonly z3: Z3;
  private readonly memo = new Map<Node, BvT | BoolT>();
  private readonly vars = new Map<string, BvT | BoolT>();
  constructor(z3: Z3) {
    this.z3 = z3;
  }

  /**
   * Returns the Z3 term of a variable (created on first use). A bit-vector variable whose declared
   * domain is bounded (`max` or `oneOf`) below 2^k is a k-bit constant zero-extended to 64 bits:
   * the same models within the domain (every query asserts the domain), and a much smaller circuit
   * for Z3 to bit-blast wherever the variable is a shift amount or a bit position.
   */
  variable(decl: Pick<VarDecl, 'name' | 'sort' | 'max' | 'oneOf'>): BvT | BoolT {
    let v = this.vars.get(decl.name);
    if (!v) {
      if (decl.sort === 'bool') v = this.z3.Bool.const(decl.name);
      else {
        const top = decl.oneOf ? decl.oneOf.reduce((a, b) => (a > b ? a : b), 0n) : decl.max;
        const width = top === undefined ? 64 : Math.max(1, top.toString(2).length);
        v = width >= 64 ? this.z3.BitVec.const(decl.name, 64) : (this.z3.BitVec.const(decl.name, width).zeroExt(64 - width) as unknown as BvT);
      }
      this.vars.set(decl.name, v);
    }
    return v;
  }

  /** Returns the Z3 term of a bit-vector node. */
  bv(n: BvNode): BvT {
    const hit = this.memo.get(n);
    if (hit) return hit as BvT;
    const z = this.z3;
    let r: BvT;
    switch (n.op) {
      case 'const': r = z.BitVec.val(n.value, 64); break;
      case 'var': r = this.variable(n.decl) as BvT; break;
      case 'not': r = this.bv(n.a).not(); break;
      case 'popcount': {
        const a = this.bv(n.a);
        let sum: BvT = z.BitVec.val(0n, 64);
        for (let i = 0; i < 64; i++) sum = sum.add(z.Extract(i, i, a).zeroExt(63) as BvT);
        r = sum;
        break;
      }
      case 'ite': r = z.If(this.bool(n.c), this.bv(n.t), this.bv(n.e)) as BvT; break;
      default: {
        const a = this.bv(n.a);
        const b = this.bv(n.b);
        switch (n.op) {
          case 'and': r = a.and(b); break;
          case 'or': r = a.or(b); break;
          case 'xor': r = a.xor(b); break;
          case 'add': r = a.add(b); break;
          case 'sub': r = a.sub(b); break;
          case 'mul': r = a.mul(b); break;
          case 'shl': r = a.shl(b); break;
          case 'lshr': r = a.lshr(b); break;
        }
      }
    }
    this.memo.set(n, r);
    return r;
  }

  /** Returns the Z3 term of a boolean node. */
  bool(n: BoolNode): BoolT {
    const hit = this.memo.get(n);
    if (hit) return hit as BoolT;
    const z = this.z3;
    let r: BoolT;
    switch (n.op) {
      case 'lit': r = z.Bool.val(n.value); break;
      case 'var': r = this.variable(n.decl) as BoolT; break;
      case 'eq': r = this.bv(n.a).eq(this.bv(n.b)); break;
      case 'ult': r = this.bv(n.a).ult(this.bv(n.b)); break;
      case 'ule': r = this.bv(n.a).ule(this.bv(n.b)); break;
      case 'and': r = n.args.length === 0 ? z.Bool.val(true) : z.And(...n.args.map((x) => this.bool(x))); break;
      case 'or': r = n.args.length === 0 ? z.Bool.val(false) : z.Or(...n.args.map((x) => this.bool(x))); break;
      case 'not': r = z.Not(this.bool(n.a)); break;
      case 'ite': r = z.If(this.bool(n.c), this.bool(n.t), this.bool(n.e)) as BoolT; break;
      default: fail('MMC102', `unknown boolean node ${(n as { op: string }).op}`);
    }
    this.memo.set(n, r);
    return r;
  }
}
