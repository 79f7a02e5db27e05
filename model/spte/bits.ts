/**
 * SPTE bit constants, the one source of truth for bit positions (the layouts in this folder, the
 * executable MMU and the scenarios all read them). Facts from shared/kernel/spte-facts.md §2-§3,
 * citing arch/x86/kvm/mmu/spte.h, arch/x86/kvm/mmu/mmu.h and arch/x86/include/asm/vmx.h.
 */
import { bit64 as b, genmask64 as gm } from '../../src/core/bits.js';

/** Kernel eras with distinct SPTE rules (shared/kernel/spte-facts.md, era table). */
export const ERAS = ['5.13', '6.0', '6.10', '6.13'] as const;
/** An era tag: 5.13 = 5.13-5.18, 6.0 = 6.0-6.9, 6.10 = 6.10-6.12, 6.13 = 6.13 and later. */
export type Era = (typeof ERAS)[number];

/** Legacy x86-64 / PAE page-table bits (also AMD NPT), arch/x86/kvm/mmu/mmu.h PT_*. */
export const PT = {
  present: b(0),
  writable: b(1),
  user: b(2),
  pwt: b(3),
  pcd: b(4),
  accessed: b(5),
  dirty: b(6),
  pageSize: b(7),
  global: b(8),
  dirPat: b(12),
  nx: b(63),
} as const;

/** Intel EPT bits, arch/x86/include/asm/vmx.h VMX_EPT_*. */
export const EPT = {
  readable: b(0),
  writable: b(1),
  executable: b(2),
  rwx: gm(2, 0),
  memtype: gm(5, 3),
  ipat: b(6),
  accessed: b(8),
  dirty: b(9),
  /** Added to KVM's use in 6.10. */
  suppressVe: b(63),
  /** W|X without R: an EPT misconfiguration (how pre-6.10 EPT MMIO SPTEs fault). */
  misconfigWx: 0x6n,
} as const;

/** KVM software bits, arch/x86/kvm/mmu/spte.h (5.13 and later). */
export const SW = {
  /** SPTE_MMU_PRESENT_MASK: KVM considers the SPTE shadow-present. */
  mmuPresent: b(11),
  /** SPTE_TDP_AD_MASK: A/D type of a present TDP SPTE (bits 52-53). */
  tdpAdMask: gm(53, 52),
  tdpAdEnabled: 0n,
  tdpAdDisabled: b(52),
  tdpAdWrprotOnly: b(53),
  /** Access-tracking saved R and X bits (shift 54 of mask 0x5): bits 54 and 56. */
  accTrackSavedShift: 54,
  accTrackSavedBits: 0x5n,
  accTrackSaved: b(54) | b(56),
  /** Host- and MMU-writable for legacy shadow and NPT. */
  defaultHostWritable: b(9),
  defaultMmuWritable: b(10),
  /** Host- and MMU-writable for EPT. */
  eptHostWritable: b(57),
  eptMmuWritable: b(58),
  /** MMIO generation: low part bits 3..10 (gen 0..7), high part bits 52..62 (gen 8..18). */
  genLow: gm(10, 3),
  genHigh: gm(62, 52),
  genLowShift: 3,
  genHighShift: 44,
  genMask: gm(18, 0),
  genBits: 19,
  /** SPTE_MMIO_ALLOWED_MASK (6.0+): bits 63, 12..51, 0..2. */
  mmioAllowed: b(63) | gm(51, 12) | gm(2, 0),
  /** SHADOW_NONPRESENT_OR_RSVD_MASK_LEN: width of the L1TF relocation. */
  l1tfMaskLen: 5,
  /** Physical-address field of a present SPTE. */
  baseAddr: gm(51, 12),
} as const;

/** SHADOW_NONPRESENT_VALUE per era (bit 63 from 6.10 on x86_64, 0 before). */
export function nonPresentValue(era: Era): bigint {
  return era === '6.10' || era === '6.13' ? b(63) : 0n;
}

/** FROZEN_SPTE (REMOVED_SPTE before 6.11) per era: 0x5A0, with bit 63 from 6.10. */
export function frozenValue(era: Era): bigint {
  return nonPresentValue(era) | 0x5a0n;
}

/** ACC_* access encoding (KVM, not hardware). */
export const ACC = { exec: 1n, write: 2n, user: 4n, all: 7n } as const;

/** TDX shared-GPA bit as a GPA bit: 51 with GPAW 52 (5-level EPT), 47 with GPAW 48. */
export function tdxSharedGpaBit(gpaw: 48 | 52): number {
  return gpaw === 52 ? 51 : 47;
}
