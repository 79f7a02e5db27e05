/** Shared helpers of the SPTE trust tests: random valid CPU configurations and pinned rules. */
import fc from 'fast-check';
import { type Bool, type Rule, type VarDecl, all, boolVar, bvVar, evaluate, freeVars, invariant } from '../../src/internal.js';
import { type CpuConfig, cpuDomain, cpuVars } from '../../model/cpus/index.js';

/** An arbitrary CPU configuration (not yet filtered by the domain's constraints). */
export const rawConfig: fc.Arbitrary<CpuConfig> = fc.record({
  maxphyaddr: fc.bigInt({ min: 32n, max: 52n }),
  amd: fc.boolean(),
  mem_encrypt: fc.boolean(),
  cbit: fc.bigInt({ min: 0n, max: 52n }),
  phys_reduction: fc.constantFrom(0n, 1n, 5n, 6n),
  sme: fc.boolean(),
  keyid_bits: fc.constantFrom(0n, 0n, 4n, 6n),
  l1tf: fc.boolean(),
  cache_bits: fc.bigInt({ min: 32n, max: 52n }),
  ept: fc.boolean(),
  ept_ad: fc.boolean(),
  exec_only: fc.boolean(),
  tdx_gpaw: fc.constantFrom(48n, 52n),
  sev_es: fc.boolean(),
  mmio_caching: fc.boolean(),
});

const DOMAIN = cpuDomain(cpuVars());

/** Repairs a raw configuration into the domain where cheap (so fewer samples are filtered away). */
export function repair(c: CpuConfig): CpuConfig {
  const r = { ...c };
  if (r.amd) { r.keyid_bits = 0n; r.l1tf = false; r.ept = false; r.ept_ad = false; r.exec_only = false; }
  const enc = r.amd === true && r.mem_encrypt === true;
  if (!enc) { r.phys_reduction = 0n; r.cbit = 0n; r.sme = false; r.sev_es = false; }
  if (!r.amd) r.mem_encrypt = false;
  const x86 = (r.maxphyaddr as bigint) - (r.phys_reduction as bigint) - (r.keyid_bits as bigint);
  if (enc && ((r.cbit as bigint) < x86 || (r.cbit as bigint) > 51n)) r.cbit = x86 > 51n ? 51n : x86 + ((r.cbit as bigint) % (52n - x86 > 0n ? 52n - x86 : 1n));
  if ((r.cache_bits as bigint) < x86) r.cache_bits = x86;
  if (!r.ept) { r.ept_ad = false; r.exec_only = false; }
  return r;
}

/** Returns whether a configuration satisfies every named constraint. */
export function inDomain(c: CpuConfig): boolean {
  return evaluate(DOMAIN, c);
}

/** Returns a valid configuration arbitrary. */
export const validConfig: fc.Arbitrary<CpuConfig> = rawConfig.map(repair).filter(inDomain);

/** Returns the rule with every variable in `env` pinned by an extra hypothesis. */
export function pinned(rule: Rule, env: Record<string, bigint | boolean>): Rule {
  const vars = freeVars(rule.assume, rule.holds);
  const pins: Bool[] = vars.filter((v) => env[v.name] !== undefined).map((v) => pinVar(v, env[v.name]!));
  return invariant(rule.name, rule.reason, rule.ref, rule.holds, { assume: all(rule.assume, ...pins) });
}

function pinVar(d: VarDecl, value: bigint | boolean): Bool {
  if (d.sort === 'bool') return value ? boolVar(d.name) : boolVar(d.name).not();
  const { name, sort, ...dom } = d;
  void sort;
  return bvVar(name, dom).eq(value as bigint);
}
