/**
 * The obligations of the VM-type family. Each holds for every host configuration that exists and
 * every value userspace can pass (KVM_CREATE_VM type, KVM_CAP_DISABLE_QUIRKS2 mask).
 *
 * - `capability-fits-u32`: every supported type's bit survives in the u32 KVM_CAP_VM_TYPES value.
 * - `advertised-types-creatable`: a type whose bit is advertised can be created, and only those.
 * - `tdx-has-private-mem-and-protected-state`, `snp-has-private-mem-and-protected-state`.
 * - `protected-state-only-for-protected-types`: SEV-ES, SNP, TDX.
 * - `private-mem-only-for-private-types`: SW_PROTECTED, SNP, TDX.
 * - `measured-types-no-prefault-at-create`: SNP and TDX refuse KVM_PRE_FAULT_MEMORY until launch.
 * - `memslot-delete-never-fast-zaps-mirrored-tdp`: memslot deletion never takes
 *   `kvm_mmu_zap_all_fast` for a VM whose S-EPT must be torn down leaf-first (TDX).
 * - `default-vm-honours-slot-zap-quirk`: a DEFAULT VM zaps all exactly while the quirk is enabled.
 */
import { type Bool, type Env, all, any, evaluate } from '../../src/dsl/expr.js';
import { invariant } from '../../src/dsl/rule.js';
import type { RuleSpec } from '../role/spec.js';
import { QUIRK, VM_TYPES, VT, type VmEra, type VmOptions, validQuirks, vmState, vmVars } from './types.js';

/** The names of the VM-type rules, in report order. */
export const VM_RULE_NAMES = [
  'capability-fits-u32',
  'advertised-types-creatable',
  'tdx-has-private-mem-and-protected-state',
  'snp-has-private-mem-and-protected-state',
  'protected-state-only-for-protected-types',
  'private-mem-only-for-private-types',
  'measured-types-no-prefault-at-create',
  'memslot-delete-never-fast-zaps-mirrored-tdp',
  'default-vm-honours-slot-zap-quirk',
] as const;
/** A VM-type rule name. */
export type VmRuleName = (typeof VM_RULE_NAMES)[number];

/** The zap-policy rules (the ones a policy variant is checked against). */
export const ZAP_RULES: readonly VmRuleName[] = ['memslot-delete-never-fast-zaps-mirrored-tdp', 'default-vm-honours-slot-zap-quirk'];

const REF_TYPES = 'arch/x86/kvm/x86.c: kvm_arch_init_vm, kvm_is_vm_type_supported, KVM_CAP_VM_TYPES; svm.c svm_vm_init; tdx.c tdx_vm_init';
const REF_ZAP = 'arch/x86/kvm/mmu/mmu.c: kvm_arch_flush_shadow_memslot; mmu.h kvm_memslot_flush_zap_all; uapi KVM_X86_QUIRK_SLOT_ZAP_ALL';

/** Returns the name of a type value, or the number. */
export function typeName(value: bigint): string {
  return VM_TYPES.find((t) => t.value === value)?.name ?? `unknown type ${value}`;
}

/** Returns the rules of an era (with an optional zap policy or extra-type variant). */
export function vmRuleSpecs(era: VmEra, opts: VmOptions = {}): RuleSpec[] {
  const v = vmVars();
  const s = vmState(era, v, opts);
  const is = (x: bigint): Bool => v.vmType.eq(x);
  const assume = all(s.hostOk, v.userDisabledQuirks.within(validQuirks(era)));
  const created = all(assume, s.created);
  const space = {
    vm_type: [0n, 1n, 2n, 3n, 4n, 5n, 6n, 31n, 32n, 33n, 64n, 1n << 63n],
    amd: [false, true],
    sw_protected_config: [false, true],
    tdp_mmu_enabled: [false, true],
    sev_enabled: [false, true],
    sev_es_enabled: [false, true],
    sev_snp_enabled: [false, true],
    enable_tdx: [false, true],
    disabled_quirks_by_user: [0n, QUIRK.SLOT_ZAP_ALL, QUIRK.IGNORE_GUEST_PAT, QUIRK.SLOT_ZAP_ALL | QUIRK.CD_NW_CLEARED],
  };
  const observe = {
    capability: s.capability,
    created: s.created,
    has_private_mem: s.hasPrivateMem,
    has_protected_state: s.hasProtectedState,
    pre_fault_allowed: s.preFaultAllowed,
    disabled_quirks: s.disabledQuirks,
    zap_all: s.zapAll,
  };
  const explain = (env: Env): string[] => {
    const type = evaluate(v.vmType, env);
    const on = (b: Bool): boolean => evaluate(b, env);
    const host = [
      on(v.amd) ? 'AMD' : 'Intel',
      ...(['swProtectedConfig', 'tdpMmu', 'sev', 'sevEs', 'snp', 'tdx'] as const).filter((k) => on(v[k])).map((k) => ({ swProtectedConfig: 'CONFIG_KVM_SW_PROTECTED_VM', tdpMmu: 'tdp_mmu', sev: 'sev', sevEs: 'sev_es', snp: 'sev_snp', tdx: 'enable_tdx' })[k]),
    ].join(', ');
    const cap = evaluate(s.capability, env);
    const zap = on(s.zapAll) ? 'kvm_mmu_zap_all_fast (zap everything)' : 'only the slot\'s leaves';
    return [
      `KVM_CREATE_VM type ${type} (${typeName(type)}) on ${host}: ${on(s.created) ? 'created' : 'refused (-EINVAL)'}`,
      `KVM_CAP_VM_TYPES = 0x${cap.toString(16)} {${VM_TYPES.filter((t) => (cap >> t.value) & 1n).map((t) => t.name).join(', ')}}; wide set 0x${evaluate(s.supportedWide, env).toString(16)}`,
      `has_private_mem=${on(s.hasPrivateMem)}, has_protected_state=${on(s.hasProtectedState)}, pre_fault_allowed=${on(s.preFaultAllowed)}, mirrored TDP=${on(s.mirroredTdp)}`,
      `disabled quirks 0x${evaluate(s.disabledQuirks, env).toString(16)} (SLOT_ZAP_ALL ${on(s.slotZapAllQuirk) ? 'enabled' : 'disabled'}): memslot deletion zaps ${zap}`,
    ];
  };
  const spec = (name: VmRuleName, reason: string, ref: string, holds: Bool, hyp: Bool = created): RuleSpec => ({
    rule: invariant(name, reason, ref, holds, { assume: hyp, observe }),
    space,
    explain,
    shrink: ['disabled_quirks_by_user', 'sw_protected_config', 'tdp_mmu_enabled', 'sev_snp_enabled', 'sev_es_enabled', 'sev_enabled', 'enable_tdx'],
  });
  return [
    spec('capability-fits-u32', 'KVM_CAP_VM_TYPES is a u32 bitmap: a supported type whose bit falls outside it can never be discovered or created', REF_TYPES, s.supportedWide.within(0xffffffffn), assume),
    spec('advertised-types-creatable', 'userspace creates exactly the types the capability advertises', REF_TYPES, s.created.iff(s.supportedWide.test(v.vmType).and(v.vmType.ult(64))), assume),
    spec('tdx-has-private-mem-and-protected-state', 'a TD keeps its memory in guest_memfd and its vCPU state in the TDX module', 'arch/x86/kvm/vmx/tdx.c: tdx_vm_init', is(VT.TDX).implies(all(s.hasPrivateMem, s.hasProtectedState))),
    spec('snp-has-private-mem-and-protected-state', 'an SNP guest has private (RMP-protected) memory and an encrypted VMSA', 'arch/x86/kvm/svm/svm.c: svm_vm_init', is(VT.SNP).implies(all(s.hasPrivateMem, s.hasProtectedState))),
    spec('protected-state-only-for-protected-types', 'register ioctls are refused only where the state really is protected (SEV-ES, SNP, TDX)', REF_TYPES, s.hasProtectedState.implies(any(is(VT.SEV_ES), is(VT.SNP), is(VT.TDX)))),
    spec('private-mem-only-for-private-types', 'private memory (one memslot address space, no SMM) only for SW_PROTECTED, SNP and TDX', REF_TYPES, s.hasPrivateMem.implies(any(is(VT.SW_PROTECTED), is(VT.SNP), is(VT.TDX)))),
    spec('measured-types-no-prefault-at-create', 'SNP and TDX must not pre-fault memory before the launch measurement is finalised', 'arch/x86/kvm/x86.c: kvm_arch_init_vm; svm_vm_init; tdx_vm_init', any(is(VT.SNP), is(VT.TDX)).implies(s.preFaultAllowed.not())),
    spec('memslot-delete-never-fast-zaps-mirrored-tdp', 'fast zap skips mirror roots and S-EPT must be torn down leaf-first, so a TD would keep private pages mapped after the slot is gone (tdp-protocol.md T2)', REF_ZAP, s.mirroredTdp.implies(s.zapAll.not())),
    spec('default-vm-honours-slot-zap-quirk', 'DEFAULT VMs keep the historical zap-all unless userspace disables KVM_X86_QUIRK_SLOT_ZAP_ALL', REF_ZAP, is(VT.DEFAULT).implies(s.zapAll.iff(s.slotZapAllQuirk))),
  ];
}
