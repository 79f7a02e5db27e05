import { describe, expect, it } from 'vitest';
import { bit, bv, bvVar, boolVar, genmask, invariant, ite, prove, satisfiable, simplifyCounterexample, synthesize, all } from '../../src/internal.js';

describe('prove', () => {
  it('proves a rule over a ranged domain and refutes a false one with a checked witness', async () => {
    const maxphy = bvVar('maxphyaddr', { min: 32n, max: 52n });
    const mask = ite(maxphy.ult(52), bit(51).or(1), 0);
    const ok = await prove(invariant('mask-avoids-gen', 'r', 'ref', mask.and(genmask(10, 3)).eq(0)));
    expect(ok.verdict.kind).toBe('holds');
    const bad = await prove(invariant('mask-nonzero', 'r', 'ref', mask.ne(0), { observe: { mask } }));
    expect(bad.verdict.kind).toBe('violated');
    if (bad.verdict.kind === 'violated') {
      expect(bad.verdict.witness.assignment['maxphyaddr']).toBe(52n);
      expect(bad.verdict.witness.observed['mask']).toBe(0n);
    }
  });
  it('respects finite domains and assumptions', async () => {
    const gpaw = bvVar('gpaw', { oneOf: [48n, 52n] });
    const r = await prove(invariant('shared-bit', 'r', 'ref', ite(gpaw.eq(52), 51, 47).add(1).eq(gpaw)));
    expect(r.verdict.kind).toBe('holds');
    const e = boolVar('ept');
    const r2 = await prove(invariant('assumed', 'r', 'ref', e, { assume: e }));
    expect(r2.verdict.kind).toBe('holds');
  });
  it('symbolic genmask and popcount agree with their meaning', async () => {
    const lo = bvVar('lo', { min: 0n, max: 63n });
    const hi = bvVar('hi', { min: 0n, max: 63n });
    const r = await prove(invariant('genmask-width', 'r', 'ref', genmask(hi, lo).popcount().eq(hi.sub(lo).add(1)), { assume: lo.ule(hi) }));
    expect(r.verdict.kind).toBe('holds');
  });
  it('reports a timeout or unknown as unknown, never holds', async () => {
    // A hard multiplication query with a 1 ms budget.
    const x = bvVar('x');
    const y = bvVar('y');
    const r = await prove(invariant('hard', 'r', 'ref', x.mul(y).mul(x).ne(bv(0x9e3779b97f4a7c15n)).or(x.eq(1))), { timeoutMs: 1 });
    expect(['unknown', 'violated']).toContain(r.verdict.kind);
  });
});

describe('simplifyCounterexample', () => {
  it('turns booleans off, lowers small domains, clears wide bits, keeping a counterexample', async () => {
    const w = bvVar('w', { min: 32n, max: 52n });
    const x = bvVar('x', { display: 'hex' });
    const b = boolVar('b');
    // Fails whenever bit 5 of x is set and w > 40: the simplest counterexample is x = 0x20, w = 41, b off.
    const rule = invariant('simple', 'r', 'ref', x.test(5).and(w.ugt(40)).not().or(b.and(x.eq(0))));
    const r = await prove(rule);
    expect(r.verdict.kind).toBe('violated');
    if (r.verdict.kind !== 'violated') return;
    const a = r.verdict.witness.assignment;
    expect(a['x']).toBe(0x20n);
    expect(a['b']).toBe(false);
    expect(a['w']).toBe(41n);
    expect(simplifyCounterexample([], { y: 5n }, () => true)).toEqual({ y: 5n });
  });
});

describe('synthesize', () => {
  it('finds a value inside a mask, or names the conflicting rules', async () => {
    const v = bvVar('value');
    const m = bvVar('mask');
    const sat = await synthesize([m.eq(0x7)], [{ label: 'value-in-mask', expr: v.within(m) }, { label: 'value-nonzero', expr: v.ne(0) }]);
    expect(sat.kind).toBe('sat');
    const unsat = await synthesize(
      [m.eq(0x7)],
      [
        { label: 'value-in-mask', expr: v.within(m) },
        { label: 'value-has-bit-51', expr: v.test(51) },
        { label: 'unrelated', expr: v.ne(5) },
      ],
    );
    expect(unsat.kind).toBe('unsat');
    if (unsat.kind === 'unsat') expect([...unsat.core].sort()).toEqual(['value-has-bit-51', 'value-in-mask']);
    const s = await satisfiable(all(v.eq(1), m.eq(1)));
    expect(s.kind).toBe('sat');
  });
});
