/**
 * What happens to the cached MMU role at vCPU INIT, per era: whether KVM resets the MMU context
 * (`kvm_mmu_reset_context` = `kvm_mmu_unload` + `kvm_init_mmu`, which recomputes the role from the
 * registers at that moment) and which role the vCPU holds afterwards.
 *
 * RESET is reached only from vCPU creation, where `kvm_arch_vcpu_create` calls `kvm_init_mmu`
 * right after `kvm_vcpu_reset` (v5.12, v5.14, v6.19), so the role after RESET is always recomputed;
 * the obligations therefore quantify over INIT.
 *
 * Facts: shared/kernel/role-vmtype-facts.md §1.1, from arch/x86/kvm/x86.c `kvm_vcpu_reset`
 * (v5.14+: reset iff the old CR0.PG was set), the v1 patch 06 decision
 * (`kvm_cr0_mmu_role_changed`/`kvm_cr4_mmu_role_changed`, Message-Id
 * 20210424004645.3950558-7-seanjc@google.com), arch/x86/kvm/svm/svm.c `init_vmcb` and
 * arch/x86/kvm/vmx/vmx.c `vmx_set_cr0`/`enter_rmode`.
 */
import { type Bool, type Bv, all, any, lit } from '../../src/dsl/expr.js';
import { CR0, CR4 } from './bits.js';
import { type RoleConfig, type RoleEra, type Regs, VENDOR, afterEvent, flags } from './regs.js';
import { type RoleMutation, type RolePair, chooseRole, roleOf } from './role.js';

/** The effect of one INIT on the MMU context. */
export interface InitOutcome {
  /** Registers after INIT. */
  readonly after: Regs;
  /** The role held before INIT (assumed consistent with the registers before). */
  readonly before: RolePair;
  /** The role the era's own calculation gives for the registers after INIT. */
  readonly fresh: RolePair;
  /** Whether KVM reset the MMU context (any reset on the path, common or vendor). */
  readonly reset: Bool;
  /** The role held after INIT. */
  readonly held: RolePair;
}

/**
 * Returns the v1 patch 06 decision: a CR0 role bit (PG, WP) or a CR4 role bit (PGE, PSE, PAE,
 * SMEP, SMAP, PKE) differs, or CR4.PCIDE went from 1 to 0.
 */
export function v1RoleChanged(old: Regs, now: Regs): Bool {
  const cr4Bits = CR4.PGE | CR4.PSE | CR4.PAE | CR4.SMEP | CR4.SMAP | CR4.PKE;
  return any(
    old.cr0.xor(now.cr0).and(CR0.PG | CR0.WP).ne(0),
    old.cr4.xor(now.cr4).and(cr4Bits).ne(0),
    all(old.cr4.and(CR4.PCIDE).ne(0), now.cr4.and(CR4.PCIDE).eq(0)),
  );
}

/**
 * Returns the effect of INIT in an era. `vendor` (see `VENDOR`) matters in v5.12 and v5.14 only;
 * `mutation` (a deliberately broken variant) applies to v5.15 and v5.19+.
 */
export function initOutcome(era: RoleEra, old: Regs, cfg: RoleConfig, vendor: Bv, mutation?: RoleMutation): InitOutcome {
  const after = afterEvent(era, 'init', old);
  const before = roleOf(era, old, cfg, mutation);
  const fresh = roleOf(era, after, cfg, mutation);
  const oldPg = flags(old).pg;
  const oldPe = flags(old).pe;
  const svm = vendor.eq(VENDOR.svm);
  const vmxNoUg = vendor.eq(VENDOR.vmxNoUg);
  // VMX without unrestricted guest: vmx_set_cr0 with PE=0 calls enter_rmode (and resets) unless the
  // vCPU is already in vm86 real mode, i.e. unless the old CR0.PE was 0. At that point CR0 is new
  // but CR4 and EFER (including a lingering EFER.LMA) are still the old ones.
  const vmxRmodeReset = all(vmxNoUg, oldPe);
  const mixed = roleOf(era, { cr0: after.cr0, cr4: old.cr4, efer: old.efer }, cfg, mutation);
  switch (era) {
    case 'v5.12':
      return { after, before, fresh, reset: any(svm, vmxRmodeReset), held: chooseRole(svm, fresh, chooseRole(vmxRmodeReset, mixed, before)) };
    case 'v1-patch06': {
      const reset = v1RoleChanged(old, after);
      return { after, before, fresh, reset, held: chooseRole(reset, fresh, before) };
    }
    case 'v5.14': {
      const common = oldPg;
      return {
        after, before, fresh,
        reset: any(common, svm, vmxRmodeReset),
        held: chooseRole(any(common, svm), fresh, chooseRole(vmxRmodeReset, mixed, before)),
      };
    }
    case 'v5.15':
    case 'v5.19+': {
      const reset = mutation === 'never-reset' ? lit(false) : mutation === 'always-reset' ? lit(true) : oldPg;
      return { after, before, fresh, reset, held: chooseRole(reset, fresh, before) };
    }
  }
}

/** Returns true when the era has vendor-specific resets (the vendor variable matters). */
export function hasVendorResets(era: RoleEra): boolean {
  return era === 'v5.12' || era === 'v5.14';
}
