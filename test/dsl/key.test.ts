/**
 * exprKey: equal exactly for structurally equal expressions, whatever object sharing they use; and
 * prove() answers a structurally identical query once per process (marked `shared`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bv, type Node, Bool, bit, bv, bvVar, exprKey, genmask, invariant, ite, prove } from '../../src/internal.js';

const x = bvVar('x');
const n = bvVar('n', { min: 0n, max: 63n });

/** A deep copy with no shared objects. */
function clone(node: Node): Node {
  return JSON.parse(JSON.stringify(node, (_k, v: unknown) => (typeof v === 'bigint' ? { $big: v.toString() } : v)), (_k, v: unknown) =>
    v && typeof v === 'object' && '$big' in v ? BigInt((v as { $big: string }).$big) : v,
  ) as Node;
}
const text = (node: Node): string => JSON.stringify(node, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

const leaf = fc.oneof(fc.constantFrom(x, n), fc.bigInt({ min: 0n, max: 70n }).map((c) => bv(c)));
const { expr } = fc.letrec<{ expr: Bv }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.tuple(tie('expr'), tie('expr'), fc.constantFrom('and', 'or', 'sub', 'shl') as fc.Arbitrary<'and'>).map(([a, b, op]) => (a as Bv)[op](b as Bv)),
    tie('expr').map((a) => (a as Bv).not()),
  ),
}));

describe('exprKey', () => {
  it('ignores sharing: a shared DAG and its unshared copy have the same key', () => {
    const m = genmask(n, 12);
    const shared = m.and(x).eq(m);
    const copy = new Bool(clone(shared.node) as Bool['node']);
    expect(copy.node).not.toBe(shared.node);
    expect(exprKey(copy)).toBe(exprKey(shared));
  });
  it('separates constants, operators, operand order, variable names and domains', () => {
    const base = exprKey(x.and(bit(3)).eq(0));
    expect(exprKey(x.and(bit(4)).eq(0))).not.toBe(base);
    expect(exprKey(x.or(bit(3)).eq(0))).not.toBe(base);
    expect(exprKey(bv(bit(3)).and(x).eq(0))).not.toBe(base);
    expect(exprKey(bvVar('y').and(bit(3)).eq(0))).not.toBe(base);
    expect(exprKey(bvVar('x', { max: 7n }).and(bit(3)).eq(0))).not.toBe(base);
    expect(exprKey(x.and(bit(3)).ule(0))).not.toBe(base);
    expect(exprKey(x.and(bit(3)).eq(0), x.eq(1))).not.toBe(exprKey(x.eq(1), x.and(bit(3)).eq(0)));
  });
  it('equal keys exactly when the trees are equal (random expressions)', () => {
    fc.assert(
      fc.property(expr, expr, (a, b) => {
        expect(exprKey(a) === exprKey(b)).toBe(text(a.node) === text(b.node));
        expect(exprKey(new Bool({ sort: 'bool', op: 'eq', a: clone(a.node) as Bv['node'], b: bv(0).node }))).toBe(exprKey(a.eq(0)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('prove answers an identical query once per process', () => {
  it('the second, structurally identical rule is shared and gets the same verdict and witness', async () => {
    const mk = (name: string): ReturnType<typeof invariant> => {
      const mask = ite(n.ult(40), bit(51), 0);
      return invariant(name, 'r', 'ref', mask.and(x).eq(0), { observe: { mask } });
    };
    const a = await prove(mk('first'));
    const b = await prove(mk('second'));
    expect(a.shared).toBeUndefined();
    expect(b.shared).toBe(true);
    expect(b.verdict).toEqual(a.verdict);
    expect(a.verdict.kind).toBe('violated');
    const c = await prove(mk('third'), { timeoutMs: 12_345 });
    expect(c.shared).toBeUndefined(); // another budget is another query
  });
});
