/**
 * The registers that feed the MMU role as DSL variables, their well-formedness, and vCPU RESET and
 * INIT as transitions of CR0/CR4/EFER, per kernel era.
 *
 * Facts: shared/kernel/role-vmtype-facts.md §1.1-§1.3 (arch/x86/kvm/x86.c `kvm_vcpu_reset`,
 * `kvm_is_valid_cr0`, `kvm_is_valid_sregs`; arch/x86/kvm/svm/svm.c `init_vmcb`;
 * arch/x86/kvm/vmx/vmx.c `vmx_vcpu_reset`, `vmx_set_cr0`, `enter_rmode`).
 */
import { type Bool, type Bv, all, boolVar, bv, bvVar, implies } from '../../src/dsl/expr.js';
import { CR0, CR0_BITS, CR4, CR4_BITS, EFER, EFER_BITS, definedMask } from './bits.js';

/**
 * Kernel eras of the role computation and of the RESET/INIT reset decision.
 *
 * - `v5.12`: mainline before the 2021 vCPU RESET/INIT series. No reset in common code; SVM's
 *   `init_vmcb` resets unconditionally, VMX resets only without unrestricted guest (from
 *   `enter_rmode`, with CR0 new but CR4/EFER old). Role bits taken raw, not gated on CR0.PG.
 * - `v1-patch06`: the v5.12 role with the series' v1 patch 06 decision in `kvm_vcpu_reset`
 *   (reset iff a CR0 role bit PG/WP or a CR4 role bit PGE/PSE/PAE/SMEP/SMAP/PKE changed, or PCIDE
 *   went 1->0): the code the May 2021 review found both problems in. Vendor resets left out, as in
 *   the review. Alias `pre`.
 * - `v5.14`: the fix (patches 03/54 and 26/54 of June 2021): reset iff old CR0.PG, role gated on
 *   CR0.PG; vendor resets still present.
 * - `v5.15`: vendor resets gone, CR0/CR4/EFER written by common code, INIT keeps CD/NW, adds
 *   `ext.efer_lma`.
 * - `v5.19+`: `cpu_role`/`root_role` split (same decision up to v6.19). Alias `post`.
 */
export const ROLE_ERAS = ['v5.12', 'v1-patch06', 'v5.14', 'v5.15', 'v5.19+'] as const;
/** A role era. */
export type RoleEra = (typeof ROLE_ERAS)[number];
/** Short names accepted by the CLI. */
export const ROLE_ERA_ALIASES: Readonly<Record<string, RoleEra>> = { pre: 'v1-patch06', post: 'v5.19+' };

/** Returns an era from its name or alias, or undefined. */
export function roleEra(name: string): RoleEra | undefined {
  return ROLE_ERA_ALIASES[name] ?? (ROLE_ERAS as readonly string[]).find((e) => e === name) as RoleEra | undefined;
}

/** The register state that feeds the role. */
export interface Regs {
  readonly cr0: Bv;
  readonly cr4: Bv;
  readonly efer: Bv;
}

/** vCPU mode and VM configuration that also feed the role (not written by RESET/INIT). */
export interface RoleConfig {
  /** `tdp_enabled` (EPT/NPT) versus shadow paging. */
  readonly tdp: Bool;
  /** vCPU in SMM (`is_smm`). */
  readonly smm: Bool;
  /** vCPU in guest mode, i.e. running L2 (`is_guest_mode`). */
  readonly guestMode: Bool;
  /** TDP root level (`kvm_mmu_get_tdp_level`, from the host and guest CPUID), 4 or 5. */
  readonly tdpLevel: Bv;
  /** Guest MAXPHYADDR from CPUID (v5.12 `ext.maxphyaddr` only). */
  readonly maxphyaddr: Bv;
}

/**
 * The vendor code path that RESET/INIT takes in eras with vendor resets: 0 SVM, 1 VMX with
 * unrestricted guest, 2 VMX without unrestricted guest.
 */
export const VENDOR = { svm: 0n, vmxUg: 1n, vmxNoUg: 2n } as const;
/** Vendor names by value, for printing. */
export const VENDOR_NAMES: Readonly<Record<string, string>> = { '0': 'SVM', '1': 'VMX (unrestricted guest)', '2': 'VMX (no unrestricted guest)' };

/** Returns the register variables with a name prefix (`''` for the state before an event). */
export function regVars(prefix = ''): Regs {
  return {
    cr0: bvVar(`${prefix}cr0`, { display: 'hex', doc: 'guest CR0 (vcpu->arch.cr0)' }),
    cr4: bvVar(`${prefix}cr4`, { display: 'hex', doc: 'guest CR4 (vcpu->arch.cr4)' }),
    efer: bvVar(`${prefix}efer`, { display: 'hex', doc: 'guest EFER (vcpu->arch.efer)' }),
  };
}

/** Returns the configuration variables. */
export function configVars(): RoleConfig {
  return {
    tdp: boolVar('tdp', 'tdp_enabled: EPT/NPT (true) or shadow paging (false)'),
    smm: boolVar('smm', 'vCPU in system management mode'),
    guestMode: boolVar('guest_mode', 'vCPU running a nested guest (L2)'),
    tdpLevel: bvVar('tdp_level', { oneOf: [4n, 5n], display: 'dec', doc: 'TDP root level' }),
    maxphyaddr: bvVar('maxphyaddr', { min: 36n, max: 52n, display: 'dec', doc: 'guest CPUID MAXPHYADDR' }),
  };
}

/** Returns the vendor variable (eras with vendor resets). */
export function vendorVar(): Bv {
  return bvVar('vendor', { oneOf: [VENDOR.svm, VENDOR.vmxUg, VENDOR.vmxNoUg], display: 'dec', doc: '0 SVM, 1 VMX+UG, 2 VMX without UG' });
}

/** Boolean views of the bits the role code reads. */
export interface Flags {
  readonly pe: Bool; readonly wp: Bool; readonly pg: Bool;
  readonly pse: Bool; readonly pae: Bool; readonly pge: Bool; readonly pcide: Bool;
  readonly la57: Bool; readonly smep: Bool; readonly smap: Bool; readonly pke: Bool;
  readonly lme: Bool; readonly lma: Bool; readonly nx: Bool;
}

/** Returns the flags of a register state. */
export function flags(r: Regs): Flags {
  const t = (v: Bv, m: bigint): Bool => v.and(m).ne(0);
  return {
    pe: t(r.cr0, CR0.PE), wp: t(r.cr0, CR0.WP), pg: t(r.cr0, CR0.PG),
    pse: t(r.cr4, CR4.PSE), pae: t(r.cr4, CR4.PAE), pge: t(r.cr4, CR4.PGE), pcide: t(r.cr4, CR4.PCIDE),
    la57: t(r.cr4, CR4.LA57), smep: t(r.cr4, CR4.SMEP), smap: t(r.cr4, CR4.SMAP), pke: t(r.cr4, CR4.PKE),
    lme: t(r.efer, EFER.LME), lma: t(r.efer, EFER.LMA), nx: t(r.efer, EFER.NX),
  };
}

/**
 * Returns true for a register state KVM can hold: only defined bits; CR0.NW needs CR0.CD and
 * CR0.PG needs CR0.PE (`kvm_is_valid_cr0`); EFER.LMA = EFER.LME && CR0.PG and long mode needs
 * CR4.PAE (`kvm_is_valid_sregs`, `kvm_set_cr0`); CR4.PCIDE only in long mode (`kvm_set_cr4`,
 * clearing CR0.PG with PCIDE set faults).
 */
export function wellFormed(r: Regs): Bool {
  const f = flags(r);
  return all(
    r.cr0.within(definedMask(CR0_BITS)),
    r.cr4.within(definedMask(CR4_BITS)),
    r.efer.within(definedMask(EFER_BITS)),
    implies(r.cr0.and(CR0.NW).ne(0), r.cr0.and(CR0.CD).ne(0)),
    implies(f.pg, f.pe),
    f.lma.iff(all(f.lme, f.pg)),
    implies(f.lma, f.pae),
    implies(f.pcide, f.lma),
  );
}

/** The architectural RESET value of CR0: ET, CD and NW (0x60000010). */
export const CR0_RESET = CR0.ET | CR0.CD | CR0.NW;

/** The vCPU events that rewrite CR0/CR4/EFER. */
export type VcpuEvent = 'reset' | 'init';

/**
 * Returns the registers after RESET or INIT. CR4 and EFER become 0 in every era. CR0 becomes
 * 0x60000010 on RESET; on INIT it is 0x60000010 up to v5.14 (vendor code forced CD/NW) and ET
 * plus the old CD and NW from v5.15 (`kvm_vcpu_reset`).
 */
export function afterEvent(era: RoleEra, event: VcpuEvent, old: Regs): Regs {
  const keepsCdNw = event === 'init' && (era === 'v5.15' || era === 'v5.19+');
  return {
    cr0: keepsCdNw ? old.cr0.and(CR0.CD | CR0.NW).or(CR0.ET) : bv(CR0_RESET),
    cr4: bv(0),
    efer: bv(0),
  };
}
