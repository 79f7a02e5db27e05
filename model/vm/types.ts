/**
 * x86 KVM VM types, the supported-types capability, the per-VM confidential-computing flags and
 * the memslot-deletion zap policy, as DSL expressions over the host configuration and the type
 * userspace passes to KVM_CREATE_VM.
 *
 * Facts: shared/kernel/role-vmtype-facts.md Part 2, from arch/x86/include/uapi/asm/kvm.h
 * (`KVM_X86_*_VM`, quirk bits), arch/x86/kvm/x86.c (`kvm_arch_init_vm`, `kvm_x86_vendor_init`,
 * `kvm_is_vm_type_supported`, `KVM_CAP_VM_TYPES`), arch/x86/kvm/svm/svm.c `svm_vm_init`,
 * arch/x86/kvm/svm/sev.c `sev_set_cpu_caps`, arch/x86/kvm/vmx/tdx.c `tdx_vm_init`,
 * arch/x86/kvm/vmx/main.c `vt_init`, arch/x86/kvm/mmu.h `kvm_memslot_flush_zap_all` and
 * arch/x86/kvm/mmu/mmu.c `kvm_arch_flush_shadow_memslot` (v6.8 to v6.19 snapshots).
 */
import { type Bool, type Bv, all, any, boolVar, bv, bvVar, ite, lit } from '../../src/dsl/expr.js';

/** One VM type. */
export interface VmTypeInfo {
  readonly name: string;
  /** The uapi define. */
  readonly uapi: string;
  /** The value userspace passes to KVM_CREATE_VM; bit `value` of KVM_CAP_VM_TYPES advertises it. */
  readonly value: bigint;
  /** First release that accepts it (TDX: 6.16 per merge-window reports, unverified). */
  readonly since: string;
  /** Host vendor whose module adds it, or `any`. */
  readonly vendor: 'any' | 'amd' | 'intel';
}

/** Every x86 VM type (uapi/asm/kvm.h, v6.19). */
export const VM_TYPES: readonly VmTypeInfo[] = [
  { name: 'DEFAULT', uapi: 'KVM_X86_DEFAULT_VM', value: 0n, since: '(always; named in 6.8)', vendor: 'any' },
  { name: 'SW_PROTECTED', uapi: 'KVM_X86_SW_PROTECTED_VM', value: 1n, since: '6.8', vendor: 'any' },
  { name: 'SEV', uapi: 'KVM_X86_SEV_VM', value: 2n, since: '6.10', vendor: 'amd' },
  { name: 'SEV_ES', uapi: 'KVM_X86_SEV_ES_VM', value: 3n, since: '6.10', vendor: 'amd' },
  { name: 'SNP', uapi: 'KVM_X86_SNP_VM', value: 4n, since: '6.11', vendor: 'amd' },
  { name: 'TDX', uapi: 'KVM_X86_TDX_VM', value: 5n, since: '6.16', vendor: 'intel' },
];

/** Type values by name. */
export const VT = { DEFAULT: 0n, SW_PROTECTED: 1n, SEV: 2n, SEV_ES: 3n, SNP: 4n, TDX: 5n } as const;

/** KVM_X86_QUIRK_* bits used here (uapi/asm/kvm.h). */
export const QUIRK = { CD_NW_CLEARED: 1n << 1n, SLOT_ZAP_ALL: 1n << 7n, STUFF_FEATURE_MSRS: 1n << 8n, IGNORE_GUEST_PAT: 1n << 9n } as const;

/**
 * Kernel eras of the VM-type model: `v6.11` (types 0-4, memslot deletion always zaps all),
 * `v6.12` (the SLOT_ZAP_ALL quirk and the DEFAULT-only fast zap), `v6.19` (TDX added in 6.16;
 * current).
 */
export const VM_ERAS = ['v6.11', 'v6.12', 'v6.19'] as const;
/** A VM-type era. */
export type VmEra = (typeof VM_ERAS)[number];

/**
 * The memslot deletion/move policy (`kvm_arch_flush_shadow_memslot`):
 * - `always-zap-all`: `kvm_mmu_zap_all_fast` for every VM (up to 6.11; on a TDX kernel this is the
 *   tdp-protocol.md T2 race);
 * - `default-and-quirk`: zap all only for DEFAULT VMs with KVM_X86_QUIRK_SLOT_ZAP_ALL enabled, else
 *   only the slot's leaves (6.12+);
 * - `quirk-only`: zap all whenever the quirk is enabled, whatever the type (the first form of the
 *   quirk, before the vm_type test; with TDX it honours the quirk).
 */
export const ZAP_POLICIES = ['always-zap-all', 'default-and-quirk', 'quirk-only'] as const;
/** A zap policy. */
export type ZapPolicy = (typeof ZAP_POLICIES)[number];

/** Returns an era's own zap policy. */
export function eraPolicy(era: VmEra): ZapPolicy {
  return era === 'v6.11' ? 'always-zap-all' : 'default-and-quirk';
}

/** The host configuration and the KVM_CREATE_VM / KVM_CAP_DISABLE_QUIRKS2 arguments. */
export interface VmVars {
  /** The `type` argument of KVM_CREATE_VM (an unsigned long). */
  readonly vmType: Bv;
  /** AMD host (kvm-amd, SVM) versus Intel (kvm-intel, VMX). */
  readonly amd: Bool;
  readonly swProtectedConfig: Bool;
  readonly tdpMmu: Bool;
  readonly sev: Bool;
  readonly sevEs: Bool;
  readonly snp: Bool;
  readonly tdx: Bool;
  /** Quirks userspace disabled with KVM_CAP_DISABLE_QUIRKS2 after creation. */
  readonly userDisabledQuirks: Bv;
}

/** Returns the variables. */
export function vmVars(): VmVars {
  return {
    vmType: bvVar('vm_type', { display: 'dec', doc: 'KVM_CREATE_VM type argument' }),
    amd: boolVar('amd', 'AMD host (SVM); false: Intel (VMX)'),
    swProtectedConfig: boolVar('sw_protected_config', 'CONFIG_KVM_SW_PROTECTED_VM'),
    tdpMmu: boolVar('tdp_mmu_enabled', 'tdp_mmu_allowed && tdp_enabled'),
    sev: boolVar('sev_enabled', 'SEV usable (sev_set_cpu_caps)'),
    sevEs: boolVar('sev_es_enabled', 'SEV-ES usable'),
    snp: boolVar('sev_snp_enabled', 'SEV-SNP usable'),
    tdx: boolVar('enable_tdx', 'TDX usable (vt_init)'),
    userDisabledQuirks: bvVar('disabled_quirks_by_user', { display: 'hex', doc: 'KVM_CAP_DISABLE_QUIRKS2 argument' }),
  };
}

/** The derived state of one VM. */
export interface VmState {
  /** Types the host supports, before truncation to the u32 field. */
  readonly supportedWide: Bv;
  /** `kvm_caps.supported_vm_types` (u32), returned by KVM_CAP_VM_TYPES. */
  readonly capability: Bv;
  /** KVM_CREATE_VM succeeds (`kvm_is_vm_type_supported`). */
  readonly created: Bool;
  readonly hasPrivateMem: Bool;
  readonly hasProtectedState: Bool;
  readonly preFaultAllowed: Bool;
  /** `kvm_has_mirrored_tdp`: S-EPT mirrored in a mirror root; it must be torn down leaf-first. */
  readonly mirroredTdp: Bool;
  /** `kvm->arch.disabled_quirks` after creation and the user's KVM_CAP_DISABLE_QUIRKS2. */
  readonly disabledQuirks: Bv;
  readonly slotZapAllQuirk: Bool;
  /** Memslot deletion zaps everything (`kvm_mmu_zap_all_fast`) rather than the slot's leaves. */
  readonly zapAll: Bool;
  /** Host configurations that exist (SEV-ES needs SEV, SNP needs SEV-ES, SEV only on AMD, TDX only on Intel with the TDP MMU). */
  readonly hostOk: Bool;
}

/** Options: a hypothetical extra type number (a mutant of the capability) and the zap policy. */
export interface VmOptions {
  readonly policy?: ZapPolicy;
  /** An extra advertised type (always supported), e.g. 32 to show the u32 capability losing it. */
  readonly extraType?: bigint;
}

/** Returns the VM state of an era as expressions of the variables. */
export function vmState(era: VmEra, v: VmVars, opts: VmOptions = {}): VmState {
  const t = v.vmType;
  const is = (x: bigint): Bool => t.eq(x);
  const hasTdx = era === 'v6.19';
  const hostOk = all(
    v.sevEs.implies(v.sev),
    v.snp.implies(v.sevEs),
    v.sev.implies(v.amd),
    v.tdx.implies(all(v.amd.not(), v.tdpMmu, lit(hasTdx))),
  );
  const bitIf = (c: Bool, type: bigint): Bv => ite(c, 1n << type, 0);
  let supportedWide = bv(1).or(bitIf(all(v.swProtectedConfig, v.tdpMmu), VT.SW_PROTECTED))
    .or(bitIf(v.sev, VT.SEV)).or(bitIf(v.sevEs, VT.SEV_ES)).or(bitIf(v.snp, VT.SNP));
  if (hasTdx) supportedWide = supportedWide.or(bitIf(v.tdx, VT.TDX));
  if (opts.extraType !== undefined) supportedWide = supportedWide.or(bv(1).shl(opts.extraType));
  const capability = supportedWide.and(0xffffffffn);
  const created = all(t.ult(32), capability.test(t));
  // kvm_arch_init_vm, then svm_vm_init (AMD) or vt_vm_init -> tdx_vm_init / vmx_vm_init (Intel).
  const svmCoco = all(v.amd, is(VT.DEFAULT).not(), is(VT.SW_PROTECTED).not());
  const td = all(v.amd.not(), is(VT.TDX));
  const hasPrivateMem = any(all(svmCoco, is(VT.SNP)), td, all(svmCoco.not(), td.not(), is(VT.SW_PROTECTED)));
  const hasProtectedState = any(all(svmCoco, any(is(VT.SEV_ES), is(VT.SNP))), td);
  const preFaultAllowed = any(all(svmCoco, hasPrivateMem.not()), all(svmCoco.not(), td.not(), any(is(VT.DEFAULT), is(VT.SW_PROTECTED))));
  const mirroredTdp = is(VT.TDX);
  // disabled_quirks = inapplicable & supported (Intel: CD_NW_CLEARED; AMD: IGNORE_GUEST_PAT, from
  // 6.15-6.17 on), TDX adds IGNORE_GUEST_PAT, then whatever userspace disables.
  const inapplicable = era === 'v6.19' ? ite(v.amd, QUIRK.IGNORE_GUEST_PAT, QUIRK.CD_NW_CLEARED) : bv(0);
  const disabledQuirks = inapplicable.or(ite(td, QUIRK.IGNORE_GUEST_PAT, 0)).or(v.userDisabledQuirks);
  const slotZapAllQuirk = disabledQuirks.and(QUIRK.SLOT_ZAP_ALL).eq(0);
  const policy = opts.policy ?? eraPolicy(era);
  const zapAll = policy === 'always-zap-all' ? lit(true) : policy === 'quirk-only' ? slotZapAllQuirk : all(is(VT.DEFAULT), slotZapAllQuirk);
  return { supportedWide, capability, created, hasPrivateMem, hasProtectedState, preFaultAllowed, mirroredTdp, disabledQuirks, slotZapAllQuirk, zapAll, hostOk };
}

/** Returns the quirks userspace may disable in an era (KVM_X86_VALID_QUIRKS; SLOT_ZAP_ALL from 6.12). */
export function validQuirks(era: VmEra): bigint {
  return era === 'v6.11' ? 0x7fn : era === 'v6.12' ? 0xffn : 0x3ffn;
}
