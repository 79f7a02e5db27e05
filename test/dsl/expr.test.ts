import { describe, expect, it } from 'vitest';
import { bit, bv, bvVar, evaluate, freeVars, genmask, ite, DiagnosticError, field, layout, decodeView } from '../../src/internal.js';

describe('expression evaluator', () => {
  it('genmask with concrete and symbolic bounds matches GENMASK_ULL', () => {
    const hi = bvVar('hi', { min: 0n, max: 63n });
    const lo = bvVar('lo', { min: 0n, max: 63n });
    for (const [h, l] of [[51, 12], [63, 0], [10, 3], [3, 10], [0, 0], [63, 63]] as const) {
      const want = h < l ? 0n : ((1n << BigInt(h - l + 1)) - 1n) << BigInt(l);
      expect(evaluate(genmask(hi, lo), { hi: BigInt(h), lo: BigInt(l) })).toBe(want);
      expect(evaluate(genmask(h, l), {})).toBe(want);
    }
  });
  it('wraps arithmetic modulo 2^64 and zeroes shifts of 64 or more', () => {
    expect(evaluate(bv(0).sub(1), {})).toBe((1n << 64n) - 1n);
    expect(evaluate(bit(64), {})).toBe(0n);
    expect(evaluate(bv(1n << 63n).shr(64), {})).toBe(0n);
    expect(evaluate(bv(0xffn).popcount(), {})).toBe(8n);
  });
  it('evaluates ite and comparisons unsigned', () => {
    const x = bvVar('x');
    expect(evaluate(ite(x.ult(52), bit(51).or(1), 0), { x: 48n })).toBe((1n << 51n) | 1n);
    expect(evaluate(ite(x.ult(52), bit(51).or(1), 0), { x: 52n })).toBe(0n);
    expect(evaluate(bv(0).sub(1).ugt(5), {})).toBe(true);
  });
  it('reports an unbound variable as a diagnostic', () => {
    expect(() => evaluate(bvVar('nope'), {})).toThrow(DiagnosticError);
  });
  it('collects free variables once each', () => {
    const x = bvVar('x', { min: 1n, max: 3n });
    expect(freeVars(x.add(x).eq(x)).map((d) => d.name)).toEqual(['x']);
  });
});

describe('layouts', () => {
  it('rejects overlapping fields in a view, naming both', () => {
    expect(() => layout('bad', '', { v: [field('a', 11, 11, ''), field('gen', 11, 3, '')] })).toThrow(/a \(bits 11..11\) and gen \(bits 11..3\) overlap/);
  });
  it('decodes fields high to low', () => {
    const l = layout('t', '', { v: [field('lo', 3, 0, ''), field('hi', 7, 4, '')] });
    expect(decodeView(l.views['v']!, 0xa5n).map((d) => [d.name, d.value])).toEqual([['hi', 0xan], ['lo', 5n]]);
  });
});
