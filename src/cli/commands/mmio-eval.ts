/**
 * Concrete evaluation of the SPTE model for one machine, with the same expressions Z3 proves: what
 * KVM derives (value, mask, WARNs, gates) and each rule's verdict for that configuration. Rules that
 * quantify over SPTEs, gfns or generations are checked exhaustively when they mention only the
 * configuration, and at boundary samples otherwise (never called `holds` then).
 */
import { hex64 } from '../../core/bits.js';
import { type Bv, type Env, evaluate, freeVars } from '../../dsl/index.js';
import { CPU_VARS, cpuVars } from '../../../model/cpus/index.js';
import { type Derived, derive } from '../../../model/kvm/index.js';
import { type CatalogEntry, commonRules, flavourRules, spteConsts } from '../../../model/spte/index.js';
import type { Machine } from './cpu-flags.js';

/** One rule's verdict for a concrete machine. */
export interface ConcreteRule {
  readonly name: string;
  readonly flavour: string;
  /** holds/violated (exhaustive for this configuration), not-applicable (hypotheses false), no-violation-in-samples. */
  readonly verdict: 'holds' | 'violated' | 'not-applicable' | 'no-violation-in-samples';
  readonly exhaustive: boolean;
  readonly samples: number;
  readonly counterexample?: Record<string, string>;
}

/** Returns the derivations for a machine (symbolic CPU, bound by `machine.cfg`). */
export function machineDerived(m: Machine): Derived {
  return derive(m.era, m.flavour, spteConsts(m.era), cpuVars());
}

const CPU_NAMES = new Set<string>(CPU_VARS);

function candidates(name: string, d: Derived, env: Env): bigint[] {
  const ev = (x: Bv): bigint => evaluate(x, env);
  const x86 = ev(d.cpu.x86PhysBits);
  const pow = (n: bigint): bigint => (n >= 0n && n < 64n ? 1n << n : 0n);
  switch (name) {
    case 'gfn': {
      const maxGfn = ev(d.maxGfn);
      const gw = ev(d.cpu.tdxGpaw);
      return [...new Set([0n, 1n, maxGfn, pow(x86 - 12n) - 1n, pow(x86 - 12n), pow(gw - 13n) - 1n, maxGfn >> 1n, 0x12345n])];
    }
    case 'gen': return [0n, 0xffn, 0x100n, 0x7ffffn];
    case 'access': return [0n, 6n, 7n];
    case 'spte': {
      const base = d.consts.mmuPresent | ev(d.presentMask);
      const pa = (pow(x86) - 1n) & ~0xfffn;
      const v = ev(d.global.value);
      return [...new Set([base, base | 1n, base | 3n, base | 5n, base | 7n, base | 7n | pa, base & ~7n, v | d.consts.mmuPresent, v | base])];
    }
    default: return [0n];
  }
}

/** Returns every rule of the machine's era and flavour, evaluated concretely. */
export function evaluateRules(m: Machine, d: Derived = machineDerived(m)): ConcreteRule[] {
  const entries: CatalogEntry[] = [...commonRules(m.era), ...flavourRules(m.era, m.flavour)];
  const base: Record<string, bigint | boolean> = { ...m.cfg };
  return entries.map((e) => {
    const extra = freeVars(e.rule.assume, e.rule.holds).filter((v) => !CPU_NAMES.has(v.name));
    let envs: Record<string, bigint | boolean>[] = [base];
    for (const v of extra) envs = envs.flatMap((env) => candidates(v.name, d, env).map((c) => ({ ...env, [v.name]: c })));
    let applicable = 0;
    for (const env of envs) {
      if (!evaluate(e.rule.assume, env)) continue;
      applicable++;
      if (!evaluate(e.rule.holds, env)) {
        const cx: Record<string, string> = {};
        for (const v of extra) cx[v.name] = hex64(env[v.name] as bigint);
        for (const [k, x] of Object.entries(e.rule.observe ?? {})) {
          const val = evaluate(x as never, env) as bigint | boolean;
          cx[k] = typeof val === 'boolean' ? String(val) : hex64(val);
        }
        return { name: e.rule.name, flavour: e.flavour, verdict: 'violated', exhaustive: extra.length === 0, samples: envs.length, counterexample: cx };
      }
    }
    if (applicable === 0) return { name: e.rule.name, flavour: e.flavour, verdict: 'not-applicable', exhaustive: extra.length === 0, samples: envs.length };
    return extra.length === 0
      ? { name: e.rule.name, flavour: e.flavour, verdict: 'holds', exhaustive: true, samples: 1 }
      : { name: e.rule.name, flavour: e.flavour, verdict: 'no-violation-in-samples', exhaustive: false, samples: envs.length };
  });
}
