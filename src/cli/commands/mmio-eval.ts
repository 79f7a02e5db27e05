/**
 * Concrete evaluation of the SPTE model for one machine, with the same expressions Z3 proves: what
 * KVM derives (value, mask, WARNs, gates) and each rule's verdict for that configuration. Rules that
 * quantify over SPTEs, gfns or generations are checked exhaustively when they mention only the
 * configuration, and at boundary samples otherwise (never called `holds` then).
 */
import { hex64 } from '../../core/bits.js';
import { Bool, Bv, type Env, type Rule, all, evaluate, freeVars } from '../../dsl/index.js';
import { CPU_VARS, cpuVars } from '../../../model/cpus/index.js';
import { type Derived, type KvmVariant, derive } from '../../../model/kvm/index.js';
import { type CatalogEntry, type Era, type Flavour, commonRules, flavourRules, spteConsts } from '../../../model/spte/index.js';
import { expectationFor } from '../../../proofs/spte/expect.js';
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
  /** For a violation: a known finding, by design, fixed upstream (with the commit), or new. */
  readonly label?: string;
}

/** Returns the derivations for a machine (symbolic CPU, bound by `machine.cfg`). */
export function machineDerived(m: Machine, variant: KvmVariant = {}): Derived {
  return derive(m.era, m.flavour, spteConsts(m.era), cpuVars(), variant);
}

/**
 * Returns what a violation of a rule is, from proofs/spte/expect.ts: `by design`, `fixed in X.Y
 * (commit)`, `known finding`, or, for a rule expected to hold, `not a known finding` (`whatIf`:
 * `caused by the --set call`, the user's own values).
 */
export function violationLabel(era: Era, flavour: Flavour | 'all', rule: string, whatIf = false): string {
  const ex = expectationFor(era, flavour, rule);
  if (ex.verdict !== 'violated') return whatIf ? 'caused by the --set call' : 'not a known finding: please report it';
  const note = ex.note ?? '';
  const fixed = /fixed in ([\d.]+) \(([0-9a-f]{12})/.exec(note);
  if (ex.kind === 'known-bug' && fixed) return `known bug, fixed in ${fixed[1]} by ${fixed[2]}`;
  if (/by design/.test(note)) return 'by design (see the README Findings)';
  return 'known finding (see the README Findings)';
}

/**
 * Returns a rule with the machine fixed: every free CPU variable of the rule equals its value in
 * `cfg` (extra hypotheses), so Z3 quantifies only over SPTEs, GFNs, generations and access bits.
 */
export function fixMachine(rule: Rule, cfg: Readonly<Record<string, bigint | boolean>>): Rule {
  const fixes = freeVars(rule.assume, rule.holds, ...Object.values(rule.observe ?? {}))
    .filter((d) => CPU_NAMES.has(d.name))
    .map((d) => {
      const v = cfg[d.name]!;
      return d.sort === 'bool'
        ? (v ? new Bool({ sort: 'bool', op: 'var', decl: d }) : new Bool({ sort: 'bool', op: 'var', decl: d }).not())
        : new Bv({ sort: 'bv', op: 'var', decl: d }).eq(v as bigint);
    });
  return fixes.length ? { ...rule, assume: all(rule.assume, ...fixes) } : rule;
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

/** Returns every rule of the machine's era and flavour, evaluated concretely (`variant`: a what-if). */
export function evaluateRules(m: Machine, variant: KvmVariant = {}): ConcreteRule[] {
  const d = machineDerived(m, variant);
  const whatIf = variant.setterCall !== undefined || variant.perVmValue !== undefined;
  const entries: CatalogEntry[] = [...commonRules(m.era), ...flavourRules(m.era, m.flavour, { variant })];
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
        return { name: e.rule.name, flavour: e.flavour, verdict: 'violated', exhaustive: extra.length === 0, samples: envs.length, counterexample: cx, label: violationLabel(m.era, e.flavour, e.rule.name, whatIf) };
      }
    }
    if (applicable === 0) return { name: e.rule.name, flavour: e.flavour, verdict: 'not-applicable', exhaustive: extra.length === 0, samples: envs.length };
    return extra.length === 0
      ? { name: e.rule.name, flavour: e.flavour, verdict: 'holds', exhaustive: true, samples: 1 }
      : { name: e.rule.name, flavour: e.flavour, verdict: 'no-violation-in-samples', exhaustive: false, samples: envs.length };
  });
}
