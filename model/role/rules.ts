/**
 * The obligations of the role family, per era:
 *
 * - `role-ignores-paging-bits-when-pg0`: with CR0.PG=0 the hardware walks no page tables, so the
 *   role must equal the role of the same vCPU with CR0.WP, every CR4 bit and every EFER bit cleared.
 * - `init-no-stale-role`: after INIT the vCPU holds the role its era computes for the new registers.
 * - `init-no-needless-reset`: INIT resets the MMU context only if CR0.PG was 1 before (with PG=0
 *   nothing the page walk uses changes: the review's sense of a needless reset).
 * - `init-resets-only-on-role-change`: INIT resets only if the era's own role changes.
 * - `init-pg0-wp1-no-reset`: the review's first case (INIT with CR0.PG=0 and CR0.WP=1) resets nothing.
 * - `init-clearing-nx-no-stale-role`: the review's second case (INIT clearing EFER.NX) leaves no
 *   stale role.
 *
 * INIT rules assume an L1 vCPU outside SMM whose role was consistent before the event
 * (shared/kernel/role-vmtype-facts.md §1.4).
 */
import { type Bool, type Bv, type Env, all, evaluate, lit } from '../../src/dsl/expr.js';
import { type Rule, invariant } from '../../src/dsl/rule.js';
import { CR0, CR0_BITS, CR4, CR4_BITS, EFER, EFER_BITS, showReg } from './bits.js';
import { type RoleConfig, type RoleEra, type Regs, VENDOR, VENDOR_NAMES, configVars, flags, regVars, vendorVar, wellFormed } from './regs.js';
import { hasVendorResets, initOutcome } from './reset.js';
import { type RoleMutation, type RolePair, roleOf, rolesEqual } from './role.js';
import { type EnumSpace, type RuleSpec, subsets } from './spec.js';

/** The names of the role rules, in report order. */
export const ROLE_RULE_NAMES = [
  'role-ignores-paging-bits-when-pg0',
  'init-no-stale-role',
  'init-no-needless-reset',
  'init-resets-only-on-role-change',
  'init-pg0-wp1-no-reset',
  'init-clearing-nx-no-stale-role',
] as const;
/** A role rule name. */
export type RoleRuleName = (typeof ROLE_RULE_NAMES)[number];

/** Register bits a brute-force check enumerates: every bit any era's role or reset decision reads. */
export const RELEVANT = {
  cr0: [CR0.PE, CR0.WP, CR0.CD, CR0.PG],
  cr4: [CR4.PSE, CR4.PAE, CR4.PGE, CR4.SMEP, CR4.SMAP, CR4.PKE, CR4.LA57, CR4.PCIDE],
  efer: [EFER.LME, EFER.LMA, EFER.NX],
} as const;

const REF_ROLE = 'arch/x86/kvm/mmu/mmu.c: kvm_calc_mmu_role_common/_ext (<=v5.18), kvm_calc_cpu_role (v5.19+)';
const REF_INIT = 'arch/x86/kvm/x86.c: kvm_vcpu_reset; svm.c init_vmcb; vmx.c vmx_set_cr0/enter_rmode';

function regSpace(prefix: string): Record<string, bigint[]> {
  return { [`${prefix}cr0`]: subsets(RELEVANT.cr0), [`${prefix}cr4`]: subsets(RELEVANT.cr4), [`${prefix}efer`]: subsets(RELEVANT.efer) };
}

function showRegs(env: Env, r: Regs): string {
  return `CR0=${showReg(evaluate(r.cr0, env), CR0_BITS)}, CR4=${showReg(evaluate(r.cr4, env), CR4_BITS)}, EFER=${showReg(evaluate(r.efer, env), EFER_BITS)}`;
}

function roleFields(env: Env, cfg: RoleConfig, p: RolePair): (readonly [string, bigint])[] {
  const role = evaluate(cfg.tdp, env) ? p.tdp : p.shadow;
  return role.map(([n, v]) => [n, evaluate(v, env)] as const);
}

/** Returns `field [a, b]` for every field in which two roles differ. */
function diff(env: Env, cfg: RoleConfig, a: RolePair, b: RolePair): string {
  const x = roleFields(env, cfg, a);
  const y = roleFields(env, cfg, b);
  const d = x.flatMap(([n, v], i) => (v !== y[i]![1] ? [`${n} [${v}, ${y[i]![1]}]`] : []));
  return d.length ? d.join(', ') : 'none';
}

function mode(env: Env, cfg: RoleConfig, vendor: Bv | undefined): string {
  const paging = evaluate(cfg.tdp, env) ? 'TDP' : 'shadow paging';
  return vendor ? `${paging}, ${VENDOR_NAMES[String(evaluate(vendor, env))] ?? '?'}` : paging;
}

/** Returns the rules of one era. */
export function roleRuleSpecs(era: RoleEra, mutation?: RoleMutation): RuleSpec[] {
  const cfg = configVars();
  const cfgSpace: EnumSpace = { tdp: [false, true], smm: [false, true], guest_mode: [false], tdp_level: [4n], maxphyaddr: [46n] };
  const specs: RuleSpec[] = [];

  // 1. Architectural relevance under CR0.PG=0.
  {
    const r = regVars();
    const stripped: Regs = { cr0: r.cr0.and(CR0.PG), cr4: r.cr4.and(0), efer: r.efer.and(0) };
    const a = roleOf(era, r, cfg, mutation);
    const b = roleOf(era, stripped, cfg, mutation);
    const rule = invariant(
      'role-ignores-paging-bits-when-pg0',
      'with CR0.PG=0 no page table is walked, so CR0.WP, CR4 and EFER must not feed the role (or they cause needless resets and stale roles)',
      REF_ROLE,
      rolesEqual(cfg, a, b),
      { assume: all(wellFormed(r), flags(r).pg.not()) },
    );
    specs.push({
      rule,
      space: { ...regSpace(''), ...cfgSpace },
      shrink: ['cr0', 'cr4', 'efer', 'tdp', 'smm'],
      explain: (env) => [
        `registers: ${showRegs(env, r)} (${mode(env, cfg, undefined)})`,
        `role fields fed by bits the hardware ignores with CR0.PG=0 [role, role with WP/CR4/EFER cleared]: ${diff(env, cfg, a, b)}`,
      ],
    });
  }

  // 2-6. INIT.
  const old = regVars();
  const vendor = hasVendorResets(era) ? vendorVar() : undefined;
  const o = initOutcome(era, old, cfg, vendor ?? vendorVar(), mutation);
  // Unrestricted guest requires EPT, so the VMX+UG path implies TDP.
  const vendorOk = vendor ? vendor.eq(VENDOR.vmxUg).implies(cfg.tdp) : lit(true);
  const assume = all(wellFormed(old), cfg.smm.not(), cfg.guestMode.not(), vendorOk);
  const initSpace: EnumSpace = {
    ...regSpace(''),
    ...cfgSpace,
    smm: [false],
    ...(vendor ? { vendor: [0n, 1n, 2n] } : {}),
  };
  const observe: Record<string, Bv | Bool> = { reset: o.reset, 'cr0 after': o.after.cr0 };
  const explain = (env: Env): string[] => [
    `INIT from ${showRegs(env, old)} (${mode(env, cfg, vendor)})`,
    `after:      ${showRegs(env, o.after)}`,
    `MMU context reset: ${evaluate(o.reset, env) ? 'yes' : 'no'}; role changed [before, fresh]: ${diff(env, cfg, o.before, o.fresh)}`,
    `stale role fields [held, fresh]: ${diff(env, cfg, o.held, o.fresh)}`,
  ];
  const spec = (rule: Rule): RuleSpec => ({ rule, space: initSpace, explain, shrink: ['cr0', 'cr4', 'efer', 'tdp'] });
  const noStale = rolesEqual(cfg, o.held, o.fresh);
  const noNeedless = o.reset.implies(flags(old).pg);
  const onlyOnChange = o.reset.implies(rolesEqual(cfg, o.before, o.fresh).not());
  specs.push(
    spec(invariant('init-no-stale-role', 'a role that differs from the registers gives the guest wrong permissions or paging mode', REF_INIT, noStale, { assume, observe })),
    spec(invariant('init-no-needless-reset', 'with CR0.PG=0 before INIT nothing the page walk uses changes, so a reset only costs (INIT-SIPI-SIPI of parked APs)', REF_INIT, noNeedless, { assume, observe })),
    spec(invariant('init-resets-only-on-role-change', 'kvm_mmu_reset_context should run exactly when the role changes', REF_INIT, onlyOnChange, { assume, observe })),
    spec(invariant('init-pg0-wp1-no-reset', 'review case 1 (Message-Id YKVH4mzdAa+H9ROJ@google.com): INIT with CR0.PG=0 and CR0.WP=1 must not reset', REF_INIT, noNeedless, {
      assume: all(assume, flags(old).pg.not(), flags(old).wp), observe,
    })),
    spec(invariant('init-clearing-nx-no-stale-role', 'review case 2 (Message-Id YKQiTlDG1sZ4Zd2E@google.com): INIT clearing EFER.NX must not leave a stale role.nxe', REF_INIT, noStale, {
      assume: all(assume, flags(old).nx), observe,
    })),
  );
  return specs;
}

/** Returns the rules of one era (the shape `mmucheck prove` lists). */
export function roleRules(era: RoleEra, mutation?: RoleMutation): Rule[] {
  return roleRuleSpecs(era, mutation).map((s) => s.rule);
}
