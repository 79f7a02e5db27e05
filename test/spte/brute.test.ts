/**
 * Brute force over a reduced CPU domain agrees with every Z3 verdict: for each rule that quantifies
 * only over the CPU configuration, enumerate the reduced domain with the concrete evaluator, and ask
 * Z3 the same rule restricted to the same reduced domain; "no counterexample found" must equal
 * "holds", and any brute-force counterexample must be a Z3 counterexample too.
 */
import { describe, expect, it } from 'vitest';
import { type Bool, all, any, boolVar, bvVar, evaluate, freeVars, invariant, prove } from '../../src/internal.js';
import { CPU_VARS, type CpuConfig } from '../../model/cpus/index.js';
import { ERAS, eraRules } from '../../model/spte/index.js';
import { inDomain } from './helpers.js';

const SETS: Record<string, readonly bigint[]> = {
  maxphyaddr: [32n, 36n, 39n, 43n, 46n, 48n, 51n, 52n],
  cbit: [0n, 43n, 46n, 47n, 50n, 51n],
  phys_reduction: [0n, 1n, 5n],
  keyid_bits: [0n, 6n],
  cache_bits: [40n, 44n, 46n, 47n, 52n],
  tdx_gpaw: [48n, 52n],
};
const BOOLS = ['amd', 'mem_encrypt', 'sme', 'l1tf', 'ept', 'ept_ad', 'exec_only', 'sev_es', 'mmio_caching'] as const;

function enumerate(): CpuConfig[] {
  let out: Record<string, bigint | boolean>[] = [{}];
  for (const [k, vals] of Object.entries(SETS)) out = out.flatMap((e) => vals.map((v) => ({ ...e, [k]: v })));
  for (const b of BOOLS) out = out.flatMap((e) => [{ ...e, [b]: false }, { ...e, [b]: true }]);
  return (out as CpuConfig[]).filter(inDomain);
}

function restriction(): Bool {
  const parts: Bool[] = Object.entries(SETS).map(([k, vals]) => {
    const v = bvVar(k, k === 'tdx_gpaw' ? { oneOf: [48n, 52n], display: 'dec' } : { min: k === 'maxphyaddr' || k === 'cache_bits' ? 32n : 0n, max: k === 'maxphyaddr' || k === 'cache_bits' ? 52n : k === 'keyid_bits' ? 15n : 63n, display: 'dec' });
    return any(...vals.map((x) => v.eq(x)));
  });
  return all(...parts);
}

describe('brute force vs Z3 on a reduced domain', () => {
  const configs = enumerate();
  const entries = ERAS.flatMap((era) => eraRules(era)).filter((e) => freeVars(e.rule.assume, e.rule.holds).every((v) => (CPU_VARS as readonly string[]).includes(v.name)));
  it('enumerates a non-trivial domain', () => {
    expect(configs.length).toBeGreaterThan(1000);
    expect(entries.length).toBeGreaterThan(20);
  });
  it('every configuration-only rule: brute force and Z3 agree', async () => {
    const R = restriction();
    void boolVar;
    for (const e of entries) {
      const names = new Set(freeVars(e.rule.assume, e.rule.holds).map((v) => v.name));
      // Only vary the variables the rule mentions.
      const seen = new Set<string>();
      let bad: CpuConfig | undefined;
      for (const c of configs) {
        const key = [...names].map((n) => String(c[n as keyof CpuConfig])).join(',');
        if (seen.has(key)) continue;
        seen.add(key);
        if (evaluate(e.rule.assume, c) && !evaluate(e.rule.holds, c)) { bad = c; break; }
      }
      const z = await prove(invariant(e.rule.name, e.rule.reason, e.rule.ref, e.rule.holds, { assume: all(e.rule.assume, R) }), { timeoutMs: 20_000 });
      expect(z.verdict.kind, `${e.era}/${e.flavour}/${e.rule.name}`).toBe(bad ? 'violated' : 'holds');
    }
  });
});
