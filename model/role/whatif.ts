/**
 * The INIT what-if of `mmucheck role --init`: one concrete register state before INIT, evaluated
 * with the same expressions the role rules prove (`initOutcome`): whether KVM resets the MMU
 * context, the role before and after, and every stale field (held role != the role the era
 * computes for the new registers). The vCPU is an L1 vCPU outside SMM, as in the INIT rules.
 */
import { type Env, evaluate } from '../../src/dsl/expr.js';
import { CR0, CR0_BITS, CR4, CR4_BITS, EFER, EFER_BITS, definedMask, showReg } from './bits.js';
import { type Regs, type RoleEra, VENDOR, configVars, regVars, vendorVar, wellFormed } from './regs.js';
import { initOutcome } from './reset.js';
import type { Role } from './role.js';

/** The vendor paths of the what-if: SVM, VMX with unrestricted guest, VMX without it. */
export const INIT_VENDORS = { amd: VENDOR.svm, intel: VENDOR.vmxUg, 'intel-no-ug': VENDOR.vmxNoUg } as const;
/** A vendor name of the what-if. */
export type InitVendor = keyof typeof INIT_VENDORS;

/** The concrete input of the what-if. */
export interface InitInput {
  readonly cr0: bigint;
  readonly cr4: bigint;
  readonly efer: bigint;
  readonly vendor: InitVendor;
  /** TDP (EPT/NPT) or shadow paging. */
  readonly tdp: boolean;
}

/** One role field before INIT, as held after INIT, and as the era computes it from the new registers. */
export interface FieldRow {
  readonly field: string;
  readonly before: bigint;
  readonly held: bigint;
  readonly fresh: bigint;
}

/** The answer of the what-if for one era. */
export interface InitWhatIf {
  readonly era: RoleEra;
  readonly before: { cr0: string; cr4: string; efer: string };
  readonly after: { cr0: string; cr4: string; efer: string };
  readonly reset: boolean;
  readonly fields: readonly FieldRow[];
  /** Fields whose held value differs from the fresh one. */
  readonly stale: readonly string[];
}

/**
 * Returns what makes the input impossible, naming the flag to blame, or undefined: a register
 * state `wellFormed` (regs.ts) rejects, clause by clause, or VMX unrestricted guest without TDP.
 */
export function brokenRegisterRule(i: InitInput): { flag: string; text: string } | undefined {
  if (i.vendor === 'intel' && !i.tdp) return { flag: '--vendor', text: 'VMX unrestricted guest needs EPT: use --vendor intel-no-ug with --tdp off' };
  const r = regVars();
  if (evaluate(wellFormed(r), { cr0: i.cr0, cr4: i.cr4, efer: i.efer })) return undefined;
  const f = { pe: (i.cr0 & CR0.PE) !== 0n, pg: (i.cr0 & CR0.PG) !== 0n, pae: (i.cr4 & CR4.PAE) !== 0n, pcide: (i.cr4 & CR4.PCIDE) !== 0n, lme: (i.efer & EFER.LME) !== 0n, lma: (i.efer & EFER.LMA) !== 0n };
  const checks: [boolean, string, string][] = [
    [(i.cr0 & ~definedMask(CR0_BITS)) === 0n, '--cr0', `only defined CR0 bits (${showReg(definedMask(CR0_BITS), CR0_BITS)})`],
    [(i.cr4 & ~definedMask(CR4_BITS)) === 0n, '--cr4', `only defined CR4 bits (${showReg(definedMask(CR4_BITS), CR4_BITS)})`],
    [(i.efer & ~definedMask(EFER_BITS)) === 0n, '--efer', `only defined EFER bits (${showReg(definedMask(EFER_BITS), EFER_BITS)})`],
    [(i.cr0 & CR0.NW) === 0n || (i.cr0 & CR0.CD) !== 0n, '--cr0', 'CR0.NW needs CR0.CD (kvm_is_valid_cr0)'],
    [!f.pg || f.pe, '--cr0', 'CR0.PG needs CR0.PE (kvm_is_valid_cr0)'],
    [f.lma === (f.lme && f.pg), '--efer', 'EFER.LMA must equal EFER.LME && CR0.PG (kvm_is_valid_sregs)'],
    [!f.lma || f.pae, '--cr4', 'long mode (EFER.LMA) needs CR4.PAE'],
    [!f.pcide || f.lma, '--cr4', 'CR4.PCIDE only in long mode (kvm_set_cr4)'],
  ];
  const bad = checks.find(([ok]) => !ok);
  return bad ? { flag: bad[1], text: bad[2] } : { flag: '--cr0', text: 'a register state KVM can hold (regs.ts wellFormed)' };
}

/** Returns the effect of INIT from the given registers in an era. */
export function initWhatIf(era: RoleEra, i: InitInput): InitWhatIf {
  const old = regVars();
  const cfg = configVars();
  const o = initOutcome(era, old, cfg, vendorVar());
  // An L1 vCPU outside SMM; tdp_level and maxphyaddr only fill fields that INIT does not change.
  const env: Env = { cr0: i.cr0, cr4: i.cr4, efer: i.efer, vendor: INIT_VENDORS[i.vendor], tdp: i.tdp, smm: false, guest_mode: false, tdp_level: 4n, maxphyaddr: 46n };
  const pick = (p: { tdp: Role; shadow: Role }): Role => (i.tdp ? p.tdp : p.shadow);
  const before = pick(o.before);
  const held = pick(o.held);
  const fresh = pick(o.fresh);
  const fields = before.map(([field, v], k) => ({ field, before: evaluate(v, env), held: evaluate(held[k]![1], env), fresh: evaluate(fresh[k]![1], env) }));
  const show = (r: Regs): { cr0: string; cr4: string; efer: string } => ({
    cr0: showReg(evaluate(r.cr0, env), CR0_BITS), cr4: showReg(evaluate(r.cr4, env), CR4_BITS), efer: showReg(evaluate(r.efer, env), EFER_BITS),
  });
  return { era, before: show(old), after: show(o.after), reset: evaluate(o.reset, env), fields, stale: fields.filter((f) => f.held !== f.fresh).map((f) => f.field) };
}
