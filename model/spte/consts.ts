/**
 * The SPTE constants of one kernel era as one record, built from `bits.ts`. Rules and derivations
 * read this record (never the raw constants) so that a mutant can move one bit and the prover must
 * catch it.
 */
import { genmask64 as gm } from '../../src/core/bits.js';
import { EPT, type Era, PT, SW, frozenValue, nonPresentValue } from './bits.js';

/** The paging flavours. */
export const FLAVOURS = ['ept', 'tdx', 'npt', 'shadow'] as const;
/** A paging flavour: Intel EPT, TDX (mirror EPT + shared direct root), AMD NPT, legacy shadow paging. */
export type Flavour = (typeof FLAVOURS)[number];

/** Returns whether a flavour exists in an era (TDX host support is 6.16+, inside the 6.13 era). */
export function flavourInEra(f: Flavour, era: Era): boolean {
  return f !== 'tdx' || era === '6.13';
}

/** SPTE constants of one era (see spte-facts.md §3). */
export interface SpteConsts {
  readonly era: Era;
  readonly mmuPresent: bigint;
  readonly tdpAdMask: bigint;
  readonly tdpAdEnabled: bigint;
  readonly accTrackSavedBits: bigint;
  readonly accTrackSavedShift: bigint;
  readonly accTrackSaved: bigint;
  readonly eptHostWritable: bigint;
  readonly eptMmuWritable: bigint;
  readonly defaultHostWritable: bigint;
  readonly defaultMmuWritable: bigint;
  readonly genLow: bigint;
  readonly genHigh: bigint;
  readonly genLowShift: bigint;
  readonly genHighShift: bigint;
  /** MMIO_SPTE_GEN_MASK: the advertised generation (19 bits). */
  readonly genMask: bigint;
  /** Advertised low/high part widths (static_assert in spte.h). */
  readonly genLowBits: bigint;
  readonly genHighBits: bigint;
  /** SPTE_MMIO_ALLOWED_MASK (6.0+; undefined before). */
  readonly mmioAllowed: bigint | undefined;
  readonly nonPresent: bigint;
  readonly frozen: bigint;
  readonly l1tfLen: bigint;
  /** EPT MMIO value and mask (kvm_mmu_set_ept_masks). */
  readonly eptMmioValue: bigint;
  readonly eptMmioMask: bigint;
  /** EPT present mask beyond R: SUPPRESS_VE from 6.10. */
  readonly eptPresentHigh: bigint;
  /** Legacy/NPT MMIO access mask and EPT access mask. */
  readonly legacyMmioAccess: bigint;
  /**
   * svm_adjust_mmio_mask (arch/x86/kvm/svm/svm.c): the value and mask it passes to
   * kvm_mmu_set_mmio_spte_mask, indexed by `mask_bit` (0..63: x86_phys_bits, or one above it when
   * that is the C-bit; KVM's C-bit skip itself is modelled in model/kvm), and the access mask.
   */
  readonly svmMmioValue: readonly bigint[];
  readonly svmMmioMask: readonly bigint[];
  readonly svmMmioAccess: bigint;
  /** The per-VM MMIO value tdx_vm_init gives a TD with kvm_mmu_set_mmio_spte_value (arch/x86/kvm/vmx/tdx.c, 6.16+). */
  readonly tdxMmioValue: bigint;
  /** EPT-violation exit-qualification prot bits (asm/vmx.h), and the RWX mask they mirror. */
  readonly eptViolationProt: bigint;
  readonly eptRwx: bigint;
  readonly eptRwxToProtShift: bigint;
}

/** rsvd_bits(s, e) of arch/x86/kvm/mmu.h: bits s..e, 0 when e < s. */
export function rsvdBits64(s: number, e: number): bigint {
  return e < s ? 0n : ((1n << BigInt(e - s + 1)) - 1n) << BigInt(s);
}

/** svm_adjust_mmio_mask's mask per mask_bit: reserved bits mask_bit..51 plus P below 52, else 0 (spte-facts §7.2). */
export const SVM_MMIO_BY_BIT: readonly bigint[] = Object.freeze(Array.from({ length: 64 }, (_, mb) => (mb < 52 ? rsvdBits64(mb, 51) | PT.present : 0n)));

/** Returns whether two per-mask_bit tables are equal. */
export function sameTable(a: readonly bigint[], b: readonly bigint[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Returns the constants of an era. */
export function spteConsts(era: Era): SpteConsts {
  const late = era === '6.10' || era === '6.13';
  return {
    era,
    mmuPresent: SW.mmuPresent,
    tdpAdMask: SW.tdpAdMask,
    tdpAdEnabled: SW.tdpAdEnabled,
    accTrackSavedBits: SW.accTrackSavedBits,
    accTrackSavedShift: BigInt(SW.accTrackSavedShift),
    accTrackSaved: SW.accTrackSaved,
    eptHostWritable: SW.eptHostWritable,
    eptMmuWritable: SW.eptMmuWritable,
    defaultHostWritable: SW.defaultHostWritable,
    defaultMmuWritable: SW.defaultMmuWritable,
    genLow: SW.genLow,
    genHigh: SW.genHigh,
    genLowShift: BigInt(SW.genLowShift),
    genHighShift: BigInt(SW.genHighShift),
    genMask: SW.genMask,
    genLowBits: 8n,
    genHighBits: 11n,
    mmioAllowed: era === '5.13' ? undefined : SW.mmioAllowed,
    nonPresent: nonPresentValue(era),
    frozen: frozenValue(era),
    l1tfLen: BigInt(SW.l1tfMaskLen),
    eptMmioValue: EPT.misconfigWx,
    eptMmioMask: late ? EPT.rwx | EPT.suppressVe : EPT.rwx,
    eptPresentHigh: late ? EPT.suppressVe : 0n,
    legacyMmioAccess: 0x6n,
    svmMmioValue: SVM_MMIO_BY_BIT,
    svmMmioMask: SVM_MMIO_BY_BIT,
    svmMmioAccess: PT.writable | PT.user,
    tdxMmioValue: 0n,
    eptViolationProt: gm(5, 3),
    eptRwx: EPT.rwx,
    eptRwxToProtShift: 3n,
  };
}

/** The PT_* / EPT hardware bits, re-exported for layouts. */
export { EPT, PT, SW };
