/**
 * Kernel version → era: `--kernel X.Y` accepts any release from 5.13 to the newest verified kernel (6.18).
 */
import { fail } from '../../src/core/diagnostic.js';
import { ERAS, type Era } from './bits.js';

/** What each era covers, for `mmucheck list` and diagnostics. */
export const ERA_RANGES: Readonly<Record<Era, string>> = {
  '5.13': '5.13-5.18',
  '6.0': '6.0-6.9',
  '6.10': '6.10-6.12',
  '6.13': '6.13 and later (TDX host 6.16+)',
};

/**
 * The newest kernel whose SPTE facts were checked against its source (../shared/kernel/spte-facts.md,
 * S13). A newer `--kernel` is refused rather than silently taken as the newest era: its layout may
 * have moved on.
 *
 * Re-checked 2026-12-06 for 7.x (issue 14): the stored torvalds/linux copies of
 * arch/x86/kvm/mmu/spte.h (commits 006100212d7f..., 6facedb196ba...) are 5.x layouts (REMOVED_SPTE,
 * SPTE_SPECIAL_MASK), and the newest spte.c found (index file 145976604, EXPORT_SYMBOL_FOR_KVM_INTERNAL,
 * ~6.18: kvm_mmu_set_mmio_spte_mask with R5-R9 as modelled, kvm_mmu_set_mmio_spte_value without
 * checks) is the S13 copy already modelled. No 7.x spte.h, spte.c, mmu.h or vmx.c was available,
 * and a second search (session 5) found none either: the stored torvalds/linux arch/x86/kvm/mmu
 * files are still those versions; "KVM x86 MMU changes for 7." and "kvm-x86-mmu-7.0" occur nowhere;
 * the 10 stored copies defining SPTE_MMIO_ALLOWED_MASK are 6.x trees or the unmerged MBEC series;
 * 7.x Makefiles appear only in documents, without their spte.h. The 6.19 MMU pull (kvm-x86-mmu-6.19)
 * touches only mmu/mmu.c (skip MMIO SPTE invalidation when caching is off), which leaves the layout
 * alone, but other 6.19 pulls were not seen, so 6.18 stays the newest verified kernel,
 * and posted series would change the layout if merged (Intel MBEC, Dec 2025: a 4-bit ACC field,
 * shadow_ux_mask in present EPT SPTEs and a wider MMIO generation; FROZEN_SPTE NP|0x498, 2024, not in
 * the latest copies). So 7.x stays refused until a 7.x tree is read (`mmucheck kernel PATH`).
 */
export const NEWEST_VERIFIED_KERNEL = '6.18';

/**
 * The per-VM MMIO value setter kvm_mmu_set_mmio_spte_value(kvm, value) (arch/x86/kvm/mmu/spte.c,
 * no checks) and its one caller, tdx_vm_init (value 0), arrived with TDX host support in 6.16, not
 * in 6.10. Verified 2026-12-06 (issue 14): the 6.10 patch "KVM: x86/mmu: Track shadow MMIO value on
 * a per-VM basis" (Message-ID 20240412173532.3481264-6-pbonzini@redhat.com, 6.10 pull) only adds
 * kvm->arch.shadow_mmio_value, copied from the global value in kvm_mmu_init_vm: no setter, no
 * mmu.h change. The setter is "KVM: x86/mmu: Add setter for shadow_mmio_value" (posted as
 * 20250226195529.2314580-16-pbonzini@redhat.com, "[split into new patch]"), queued in kvm.git
 * kvm-coco-queue on 2025-03-14 as 5a46fd48d884 beside 7d10ffb1acac "KVM: TDX: Set per-VM
 * shadow_mmio_value to 0", ahead of 0036b87a95f1 which the stored torvalds/linux history holds;
 * that TDX series was queued for the 6.16 merge window. (An older RFC, 2022, had the setter inside
 * the per-VM patch; that version was not merged.) In era terms: the 6.13 era from 6.16 on.
 */
export const PER_VM_MMIO_SETTER = { since: '6.16', era: '6.13' as Era } as const;

/** Returns whether an era has kvm_mmu_set_mmio_spte_value (from 6.16, inside the 6.13 era). */
export function hasPerVmMmioSetter(era: Era): boolean {
  return era === PER_VM_MMIO_SETTER.era;
}

/** The default era (the newest). */
export const DEFAULT_ERA: Era = '6.13';

/** Returns the era of a kernel version `X.Y` (MMC005 for older, malformed or unknown versions). */
export function eraOf(version: string): Era {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  const allowed = `allowed: 5.13 to ${NEWEST_VERIFIED_KERNEL} (5.13-5.18, 5.19-6.9, 6.10-6.12, 6.13-${NEWEST_VERIFIED_KERNEL}) (eras 5.13, 6.0, 6.10, 6.13)`;
  if (!m) fail('MMC005', `--kernel ${version}: not a kernel version X.Y; ${allowed}`, { subject: '--kernel' });
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 5 && minor >= 13 && minor <= 18) return '5.13';
  // 5.19.y carries the 6.0 MMIO-caching fixes (spte-facts §8); 5.19.0's sticky-off bug is not modelled.
  if (major === 5 && minor === 19) return '6.0';
  if (major === 6 && minor <= 9) return '6.0';
  if (major === 6 && minor <= 12) return '6.10';
  const [nMaj, nMin] = NEWEST_VERIFIED_KERNEL.split('.').map(Number) as [number, number];
  if (major > nMaj || (major === nMaj && minor > nMin)) {
    fail('MMC005', `--kernel ${version}: newer than the newest kernel whose SPTE layout was verified (${NEWEST_VERIFIED_KERNEL}); ${allowed}`, { subject: '--kernel' });
  }
  if (major === 6 && minor >= 13) return '6.13';
  fail('MMC005', `--kernel ${version}: unknown or unsupported kernel; ${allowed}`, { subject: '--kernel' });
}

/** Returns whether a string is an era tag. */
export function isEra(s: string): s is Era {
  return (ERAS as readonly string[]).includes(s);
}
