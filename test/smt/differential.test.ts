/**
 * The two interpreters of the DSL agree: for random expression trees and random assignments, the
 * concrete evaluator's value is exactly what Z3 proves the expression equals under that assignment.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bool, type Bv, all, bv, bvVar, evaluate, genmask, invariant, ite, prove } from '../../src/internal.js';

const x = bvVar('x');
const y = bvVar('y');
const n = bvVar('n', { min: 0n, max: 70n });

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const interesting = fc.oneof(u64, fc.constantFrom(0n, 1n, 63n, 64n, 65n, (1n << 63n), (1n << 64n) - 1n), fc.bigInt({ min: 0n, max: 70n }));

const { expr } = fc.letrec<{ expr: Bv; cond: Bool }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(x, y, n),
    interesting.map((c) => bv(c)),
    fc.tuple(tie('expr'), tie('expr'), fc.constantFrom('and', 'or', 'xor', 'add', 'sub', 'mul', 'shl', 'shr') as fc.Arbitrary<'and'>).map(([a, b, op]) => (a as Bv)[op](b as Bv)),
    tie('expr').map((a) => (a as Bv).not()),
    tie('expr').map((a) => (a as Bv).popcount()),
    fc.tuple(tie('cond'), tie('expr'), tie('expr')).map(([c, a, b]) => ite(c as Bool, a as Bv, b as Bv)),
    fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 63 })).map(([h, l]) => genmask(h, l)),
    fc.constant(genmask(n.and(63), y.and(63))),
    fc.constantFrom(x.shr(n), x.shl(n), y.shr(n.add(x.and(7))), x.add(y).shr(1), x.mul(y).shr(60), x.sub(y).popcount()),
  ),
  cond: fc.tuple(tie('expr'), tie('expr'), fc.constantFrom('eq', 'ult', 'ule', 'ugt', 'uge', 'ne') as fc.Arbitrary<'eq'>).map(([a, b, op]) => (a as Bv)[op](b as Bv)),
}));

describe('evaluator ≡ Z3', () => {
  it('agree on random expressions and assignments', async () => {
    await fc.assert(
      fc.asyncProperty(expr, u64, u64, fc.bigInt({ min: 0n, max: 70n }), async (e, xv, yv, nv) => {
        const env = { x: xv, y: yv, n: nv };
        const value = evaluate(e, env);
        const pinned = all(x.eq(xv), y.eq(yv), n.eq(nv));
        const r = await prove(invariant('agree', 'differential', 'test', e.eq(value), { assume: pinned }));
        expect(r.verdict.kind).toBe('holds');
      }),
      { numRuns: 150, seed: 20261122 },
    );
  });
});
