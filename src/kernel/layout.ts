/**
 * Where KVM's SPTE layout lives in a Linux tree: the files read (in include order), the x86_64
 * configuration they are read under, and one table from each modelled constant to the kernel
 * macro (or setter argument) that defines it, with the spellings of older eras. Plain data: the
 * CLI matches the keys with the model's constants record.
 */

/**
 * The configuration `#if`/`#ifdef`/`IS_ENABLED` are decided under: a 64-bit x86 host with KVM for
 * Intel (VMX, TDX host) and AMD (SVM, SEV). Every other CONFIG_ symbol is undefined (0 in `#if`),
 * e.g. CONFIG_X86_32, CONFIG_KVM_PROVE_MMU, CONFIG_KVM_WERROR.
 */
export const X86_64_CONFIG: Readonly<Record<string, string>> = {
  CONFIG_X86: '1',
  CONFIG_X86_64: '1',
  CONFIG_64BIT: '1',
  CONFIG_KVM: '1',
  CONFIG_KVM_X86: '1',
  CONFIG_KVM_INTEL: '1',
  CONFIG_KVM_INTEL_TDX: '1',
  CONFIG_KVM_AMD: '1',
  CONFIG_KVM_AMD_SEV: '1',
  CONFIG_X86_5LEVEL: '1',
  CONFIG_AMD_MEM_ENCRYPT: '1',
  CONFIG_DYNAMIC_PHYSICAL_MASK: '1',
  CONFIG_INTEL_TDX_HOST: '1',
};

/**
 * A file of the tree, and whether a tree without it is refused. kvm_host.h and mmu_internal.h
 * define none of the modelled constants: they are read, when present, for their assertions.
 */
export interface TreeFile {
  readonly path: string;
  readonly required: boolean;
  /** false: read only for the setter calls, its static_asserts/BUILD_BUG_ONs are not obligations. */
  readonly asserts?: boolean;
}

/** The files read, in the order their macros enter the one table (the include order of spte.c, then the vendor files). */
export const TREE_FILES: readonly TreeFile[] = [
  { path: 'arch/x86/include/asm/vmx.h', required: true },
  { path: 'arch/x86/include/asm/kvm_host.h', required: false },
  { path: 'arch/x86/kvm/mmu.h', required: true },
  { path: 'arch/x86/kvm/mmu/mmu_internal.h', required: false },
  { path: 'arch/x86/kvm/mmu/spte.h', required: true },
  { path: 'arch/x86/kvm/mmu/spte.c', required: true },
  // The vendor MMIO setter calls. VMX has none of its own from 5.13: vmx.c (vmx/main.c from 6.16)
  // calls kvm_mmu_set_ept_masks(has_ad_bits, has_exec_only) with run-time booleans, and the EPT
  // value and mask are the arguments spte.c's kvm_mmu_set_ept_masks passes (read above).
  { path: 'arch/x86/kvm/svm/svm.c', required: true, asserts: false },
  { path: 'arch/x86/kvm/vmx/tdx.c', required: false, asserts: false },
];

/** The file whose presence (with the top Makefile) makes a directory a Linux tree. */
export const SPTE_H = 'arch/x86/kvm/mmu/spte.h';
/** The file holding the MMIO setter calls and mask set-up the layout needs. */
export const SPTE_C = 'arch/x86/kvm/mmu/spte.c';
/** The AMD vendor module (svm_adjust_mmio_mask). */
export const SVM_C = 'arch/x86/kvm/svm/svm.c';
/** The TDX part of the Intel vendor module (tdx_vm_init, 6.16+). */
export const TDX_C = 'arch/x86/kvm/vmx/tdx.c';

/**
 * How to find one constant: C expressions tried in order (the first whose macros are all defined
 * wins), or an argument of a call inside a function of spte.c.
 */
export interface ConstSource {
  /** Expressions over the tree's macros, newest spelling first. */
  readonly exprs?: readonly string[];
  /**
   * A call `fn(... args ...)` inside the definition of `within` in `file` (default spte.c),
   * argument `arg` (0-based). `perMaskBit`: the argument is a function of the local `mask_bit`
   * (svm_adjust_mmio_mask), read as a table over mask_bit 0..63; a local the argument names is
   * replaced by its last assignment above the call, evaluated at each mask_bit.
   */
  readonly call?: { readonly file?: string; readonly within: string; readonly fn: string; readonly arg: number; readonly perMaskBit?: boolean };
  /** An assignment `lhs = expr;` inside the definition of `within`, with these locals fixed. */
  readonly assign?: { readonly within: string; readonly lhs: string; readonly locals: Readonly<Record<string, bigint>> };
  /** When nothing matches: the value the constant has in eras without it (undefined: required). */
  readonly absent?: bigint | 'none';
}

/**
 * Modelled constant (model/spte/consts.ts SpteConsts field) → where the tree defines it.
 * `absent: 'none'` marks a constant that does not exist in older eras (SPTE_MMIO_ALLOWED_MASK
 * before 6.0); `absent: 0n` one that is 0 there (SHADOW_NONPRESENT_VALUE before 6.10).
 */
export const CONST_SOURCES = {
  mmuPresent: { exprs: ['SPTE_MMU_PRESENT_MASK'] },
  tdpAdMask: { exprs: ['SPTE_TDP_AD_MASK'] },
  tdpAdEnabled: { exprs: ['SPTE_TDP_AD_ENABLED', 'SPTE_TDP_AD_ENABLED_MASK'] },
  accTrackSavedBits: { exprs: ['SHADOW_ACC_TRACK_SAVED_BITS_MASK'] },
  accTrackSavedShift: { exprs: ['SHADOW_ACC_TRACK_SAVED_BITS_SHIFT'] },
  accTrackSaved: { exprs: ['SHADOW_ACC_TRACK_SAVED_MASK', 'SHADOW_ACC_TRACK_SAVED_BITS_MASK << SHADOW_ACC_TRACK_SAVED_BITS_SHIFT'] },
  eptHostWritable: { exprs: ['EPT_SPTE_HOST_WRITABLE'] },
  eptMmuWritable: { exprs: ['EPT_SPTE_MMU_WRITABLE'] },
  defaultHostWritable: { exprs: ['DEFAULT_SPTE_HOST_WRITABLE', 'DEFAULT_SPTE_HOST_WRITEABLE'] },
  defaultMmuWritable: { exprs: ['DEFAULT_SPTE_MMU_WRITABLE', 'DEFAULT_SPTE_MMU_WRITEABLE'] },
  genLow: { exprs: ['MMIO_SPTE_GEN_LOW_MASK'] },
  genHigh: { exprs: ['MMIO_SPTE_GEN_HIGH_MASK'] },
  genLowShift: { exprs: ['MMIO_SPTE_GEN_LOW_SHIFT'] },
  genHighShift: { exprs: ['MMIO_SPTE_GEN_HIGH_SHIFT'] },
  genMask: { exprs: ['MMIO_SPTE_GEN_MASK'] },
  genLowBits: { exprs: ['MMIO_SPTE_GEN_LOW_BITS'] },
  genHighBits: { exprs: ['MMIO_SPTE_GEN_HIGH_BITS'] },
  mmioAllowed: { exprs: ['SPTE_MMIO_ALLOWED_MASK'], absent: 'none' },
  nonPresent: { exprs: ['SHADOW_NONPRESENT_VALUE'], absent: 0n },
  frozen: { exprs: ['FROZEN_SPTE', 'REMOVED_SPTE'] },
  l1tfLen: { exprs: ['SHADOW_NONPRESENT_OR_RSVD_MASK_LEN'] },
  eptMmioValue: { call: { within: 'kvm_mmu_set_ept_masks', fn: 'kvm_mmu_set_mmio_spte_mask', arg: 0 } },
  eptMmioMask: { call: { within: 'kvm_mmu_set_ept_masks', fn: 'kvm_mmu_set_mmio_spte_mask', arg: 1 } },
  // shadow_present_mask with execute-only EPT: what EPT adds to the present mask beyond R.
  eptPresentHigh: { assign: { within: 'kvm_mmu_set_ept_masks', lhs: 'shadow_present_mask', locals: { has_exec_only: 1n, has_ad_bits: 1n } } },
  legacyMmioAccess: { call: { within: 'kvm_mmu_reset_all_pte_masks', fn: 'kvm_mmu_set_mmio_spte_mask', arg: 2 } },
  svmMmioValue: { call: { file: SVM_C, within: 'svm_adjust_mmio_mask', fn: 'kvm_mmu_set_mmio_spte_mask', arg: 0, perMaskBit: true } },
  svmMmioMask: { call: { file: SVM_C, within: 'svm_adjust_mmio_mask', fn: 'kvm_mmu_set_mmio_spte_mask', arg: 1, perMaskBit: true } },
  svmMmioAccess: { call: { file: SVM_C, within: 'svm_adjust_mmio_mask', fn: 'kvm_mmu_set_mmio_spte_mask', arg: 2 } },
  // 6.16+ (TDX host); a tree without tdx.c has no TDs, and the TDX rules keep the modelled 0.
  tdxMmioValue: { call: { file: TDX_C, within: 'tdx_vm_init', fn: 'kvm_mmu_set_mmio_spte_value', arg: 1 }, absent: 0n },
  eptViolationProt: { exprs: ['EPT_VIOLATION_PROT_MASK', 'EPT_VIOLATION_RWX_MASK', 'EPT_VIOLATION_READABLE | EPT_VIOLATION_WRITABLE | EPT_VIOLATION_EXECUTABLE'] },
  eptRwx: { exprs: ['VMX_EPT_RWX_MASK'] },
  eptRwxToProtShift: { exprs: ['ilog2(EPT_VIOLATION_RWX_TO_PROT(1))', 'EPT_VIOLATION_RWX_SHIFT', 'ilog2(EPT_VIOLATION_READABLE)'] },
} as const satisfies Record<string, ConstSource>;

/** A modelled constant's name. */
export type ConstName = keyof typeof CONST_SOURCES;

/**
 * The constants each SPTE rule reads (model/spte/rules.ts), so that a violation points at the
 * #defines it depends on. Rules not listed read the setter constants.
 */
export const RULE_DEPS: Readonly<Record<string, readonly ConstName[]>> = {
  'sa1-ad-enabled-is-zero': ['tdpAdEnabled'],
  'sa2-ad-type-vs-saved-bits': ['tdpAdMask', 'accTrackSaved'],
  'sa3-host-writable-vs-ad-type': ['eptHostWritable', 'tdpAdMask'],
  'sa4-mmu-writable-vs-ad-type': ['eptMmuWritable', 'tdpAdMask'],
  'sa5-host-writable-vs-saved-bits': ['eptHostWritable', 'accTrackSaved'],
  'sa6-mmu-writable-vs-saved-bits': ['eptMmuWritable', 'accTrackSaved'],
  'sa7-present-bit-outside-generation': ['mmuPresent', 'genLow', 'genHigh'],
  'sa8-allowed-mask-avoids-present-and-generation': ['mmioAllowed', 'mmuPresent', 'genLow', 'genHigh'],
  'sa9-generation-bit-counts': ['genLow', 'genHigh', 'genLowBits', 'genHighBits'],
  'sa10-nonpresent-value-not-present': ['nonPresent', 'mmuPresent'],
  'sa11-frozen-value-not-present': ['frozen', 'mmuPresent'],
  'sa12-rwx-to-violation-prot-bits': ['eptRwx', 'eptRwxToProtShift', 'eptViolationProt'],
  'generation-width': ['genLow', 'genHigh', 'genLowShift', 'genHighShift', 'genMask', 'genLowBits', 'genHighBits'],
  'setter-effective-invariant': ['tdxMmioValue', 'eptMmioValue', 'eptMmioMask', 'svmMmioValue', 'svmMmioMask', 'mmioAllowed', 'frozen', 'l1tfLen', 'legacyMmioAccess'],
  'present-never-mmio': ['mmuPresent', 'eptPresentHigh', 'tdpAdMask', 'accTrackSaved', 'eptHostWritable', 'eptMmuWritable', 'tdxMmioValue', 'eptMmioValue', 'eptMmioMask', 'svmMmioValue', 'svmMmioMask'],
  'nonpresent-never-mmio': ['nonPresent', 'frozen', 'tdxMmioValue', 'eptMmioValue', 'eptMmioMask', 'svmMmioValue', 'svmMmioMask'],
  'zero-spte-not-mmio': ['tdxMmioValue', 'eptMmioValue', 'eptMmioMask', 'svmMmioValue', 'svmMmioMask', 'nonPresent'],
  'mmio-roundtrip': ['genLow', 'genHigh', 'genLowShift', 'genHighShift', 'genMask', 'l1tfLen', 'tdxMmioValue', 'eptMmioValue', 'eptMmioMask', 'svmMmioValue', 'svmMmioMask', 'svmMmioAccess'],
  'mmio-roundtrip-below-x86-phys-bits': ['genLow', 'genHigh', 'genLowShift', 'genHighShift', 'genMask', 'l1tfLen', 'tdxMmioValue', 'eptMmioValue', 'eptMmioMask', 'svmMmioValue', 'svmMmioMask', 'svmMmioAccess'],
  'mmio-spte-recognised': ['mmuPresent', 'genLow', 'genHigh', 'tdxMmioValue', 'eptMmioValue', 'eptMmioMask', 'svmMmioValue', 'svmMmioMask', 'l1tfLen'],
  'reserved-bits-or-caching-off': ['eptMmioValue', 'eptMmioMask', 'svmMmioValue', 'svmMmioMask', 'legacyMmioAccess'],
  'sev-es-reserved-bit': ['svmMmioValue', 'svmMmioMask', 'svmMmioAccess', 'legacyMmioAccess', 'l1tfLen'],
  'acc-track-saved-bits-free': ['accTrackSavedBits', 'accTrackSavedShift', 'accTrackSaved', 'tdpAdMask', 'eptHostWritable', 'eptMmuWritable', 'mmuPresent'],
  'one-global-mask-vmx-and-tdx': ['mmuPresent', 'eptPresentHigh', 'nonPresent', 'frozen', 'tdxMmioValue', 'eptMmioValue', 'eptMmioMask', 'genLow', 'genHigh'],
};

/** The macro that marks the 5.10-5.12 layout (MMIO recognised by SPTE bits 52-53), which is not modelled. */
export const OLD_LAYOUT_MARK = 'SPTE_SPECIAL_MASK';
