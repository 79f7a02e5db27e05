/**
 * The VM-type what-if of `mmucheck vmtypes --type T`: one KVM_CREATE_VM type on one host, evaluated
 * with the same expressions the VM-type rules prove (`vmState`): whether the VM can be created, the
 * KVM_CAP_VM_TYPES value and the type's bit in it, the per-VM flags, the disabled quirks and what
 * memslot deletion does.
 *
 * The host has every feature its vendor offers in the era (CONFIG_KVM_SW_PROTECTED_VM, the TDP MMU,
 * SEV/SEV-ES/SNP on AMD, TDX on Intel from v6.19), so a type fails only where the era or vendor
 * lacks it.
 */
import { type Bool, type Env, evaluate } from '../../src/dsl/expr.js';
import { VM_TYPES, type VmEra, eraPolicy, validQuirks, vmState, vmVars } from './types.js';

/** The answer of the what-if. */
export interface VmTypeWhatIf {
  readonly era: VmEra;
  readonly type: { readonly name: string; readonly value: number; readonly uapi: string };
  readonly vendor: 'intel' | 'amd';
  /** KVM_CREATE_VM succeeds (kvm_is_vm_type_supported). */
  readonly created: boolean;
  /** KVM_CAP_VM_TYPES (hex) and whether bit `type` is set in it. */
  readonly capability: string;
  readonly capabilityBit: string;
  readonly advertised: boolean;
  /** The per-VM flags (meaningful only when created). */
  readonly flags: { readonly hasPrivateMem: boolean; readonly hasProtectedState: boolean; readonly preFaultAllowed: boolean; readonly mirroredTdp: boolean };
  readonly disabledQuirks: string;
  readonly slotZapAllQuirk: boolean;
  /** The era's zap policy and what memslot deletion does for this VM. */
  readonly zapPolicy: string;
  readonly memslotDelete: 'kvm_mmu_zap_all_fast' | "zap only the slot's leaves";
}

/** Returns a type by name (`SEV_ES`, `sev-es`) or number, or undefined. */
export function vmTypeOf(text: string): (typeof VM_TYPES)[number] | undefined {
  const t = text.trim().toUpperCase().replace(/-/g, '_');
  return VM_TYPES.find((x) => x.name === t || x.uapi === t || (/^\d+$/.test(t) && x.value === BigInt(t)));
}

/** Returns the what-if for a type, era, vendor and the quirks userspace disables (a subset of the era's valid quirks). */
export function vmTypeWhatIf(era: VmEra, typeName: string, vendor: 'intel' | 'amd', userDisabledQuirks = 0n): VmTypeWhatIf {
  const info = vmTypeOf(typeName);
  if (!info) throw new Error(`internal error: unknown VM type ${typeName}`);
  const amd = vendor === 'amd';
  const v = vmVars();
  const s = vmState(era, v);
  const env: Env = {
    vm_type: info.value, amd, sw_protected_config: true, tdp_mmu_enabled: true,
    sev_enabled: amd, sev_es_enabled: amd, sev_snp_enabled: amd, enable_tdx: !amd && era === 'v6.19',
    disabled_quirks_by_user: userDisabledQuirks & validQuirks(era),
  };
  const b = (x: Bool): boolean => evaluate(x, env);
  const cap = evaluate(s.capability, env);
  const zapAll = b(s.zapAll);
  return {
    era,
    type: { name: info.name, value: Number(info.value), uapi: info.uapi },
    vendor,
    created: b(s.created),
    capability: '0x' + cap.toString(16),
    capabilityBit: '0x' + (1n << info.value).toString(16),
    advertised: ((cap >> info.value) & 1n) === 1n,
    flags: { hasPrivateMem: b(s.hasPrivateMem), hasProtectedState: b(s.hasProtectedState), preFaultAllowed: b(s.preFaultAllowed), mirroredTdp: b(s.mirroredTdp) },
    disabledQuirks: '0x' + evaluate(s.disabledQuirks, env).toString(16),
    slotZapAllQuirk: b(s.slotZapAllQuirk),
    zapPolicy: eraPolicy(era),
    memslotDelete: zapAll ? 'kvm_mmu_zap_all_fast' : "zap only the slot's leaves",
  };
}
