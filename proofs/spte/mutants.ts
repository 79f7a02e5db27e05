/**
 * Mutants: for each rule family a deliberately broken variant of the layout or of KVM's logic that
 * the prover must report as violated (a rule that cannot fail would pass these too).
 */
import { bit64, genmask64 } from '../../src/internal.js';
import { type CatalogEntry, type Era, type Flavour, type RuleOptions, commonRules, flavourRules, spteConsts } from '../../model/spte/index.js';

/** A mutant: what is broken, and which rules must catch it. */
export interface Mutant {
  readonly name: string;
  readonly doc: string;
  readonly era: Era;
  readonly flavour: Flavour | 'all';
  readonly rules: readonly string[];
  readonly opts: RuleOptions;
}

const k13 = spteConsts('6.13');
const k0 = spteConsts('6.0');

/** Every mutant. */
export const MUTANTS: readonly Mutant[] = [
  { name: 'mmu-present-in-generation', doc: 'SPTE_MMU_PRESENT_MASK moved to bit 10, inside the generation range', era: '6.13', flavour: 'all', rules: ['sa7-present-bit-outside-generation'], opts: { consts: { ...k13, mmuPresent: bit64(10) } } },
  { name: 'mmu-present-in-generation', doc: 'SPTE_MMU_PRESENT_MASK moved to bit 10: MMIO SPTEs look present', era: '6.13', flavour: 'ept', rules: ['mmio-spte-recognised'], opts: { consts: { ...k13, mmuPresent: bit64(10) } } },
  { name: 'mmio-value-leaves-mask', doc: 'EPT MMIO value 0xE (bit 3 outside the mask 0x7) with the R7 check removed', era: '6.13', flavour: 'ept', rules: ['setter-effective-invariant'], opts: { variant: { eptMmioValue: 0xen, skipChecks: ['R7'] } } },
  { name: 'mask-outside-allowed', doc: 'EPT MMIO mask widened to 0xF with the R5 (SPTE_MMIO_ALLOWED_MASK) check removed', era: '6.0', flavour: 'ept', rules: ['setter-effective-invariant'], opts: { consts: { ...k0, eptMmioMask: 0xfn }, variant: { skipChecks: ['R5'] } } },
  { name: 'frozen-without-bit-63', doc: 'FROZEN_SPTE without SHADOW_NONPRESENT_VALUE (0x5A0) in 6.13', era: '6.13', flavour: 'tdx', rules: ['nonpresent-never-mmio', 'one-global-mask-vmx-and-tdx'], opts: { consts: { ...k13, frozen: 0x5a0n } } },
  { name: 'nonpresent-zero', doc: 'SHADOW_NONPRESENT_VALUE 0 in 6.13 (as on 32-bit hosts)', era: '6.13', flavour: 'tdx', rules: ['nonpresent-never-mmio'], opts: { consts: { ...k13, nonPresent: 0n } } },
  { name: 'frozen-matches-mmio', doc: 'FROZEN_SPTE 0x6 (W|X) with the R8 check removed', era: '6.0', flavour: 'ept', rules: ['nonpresent-never-mmio', 'setter-effective-invariant'], opts: { consts: { ...k0, frozen: 0x6n }, variant: { skipChecks: ['R8'] } } },
  { name: 'no-sev-es-gate', doc: 'sev_hardware_setup without the MMIO-caching gate', era: '6.0', flavour: 'npt', rules: ['sev-es-reserved-bit'], opts: { variant: { noSevEsGate: true } } },
  { name: 'no-cbit-skip', doc: 'svm_adjust_mmio_mask without skipping the C-bit', era: '6.0', flavour: 'npt', rules: ['sev-es-reserved-bit'], opts: { variant: { noCbitSkip: true } } },
  { name: 'saved-bits-on-ad-type', doc: 'access-tracking saved bits shifted to 52 (on the A/D type)', era: '6.13', flavour: 'all', rules: ['sa2-ad-type-vs-saved-bits'], opts: { consts: { ...k13, accTrackSavedShift: 52n, accTrackSaved: bit64(52) | bit64(54) } } },
  { name: 'saved-bits-on-ad-type', doc: 'access-tracking saved bits shifted to 52 (on the A/D type)', era: '6.13', flavour: 'ept', rules: ['acc-track-saved-bits-free'], opts: { consts: { ...k13, accTrackSavedShift: 52n, accTrackSaved: bit64(52) | bit64(54) } } },
  { name: 'generation-high-narrow', doc: 'generation high part 52..61 (10 bits) while MMIO_SPTE_GEN_MASK stays 19 bits', era: '6.13', flavour: 'all', rules: ['sa9-generation-bit-counts', 'generation-width'], opts: { consts: { ...k13, genHigh: genmask64(61, 52) } } },
  { name: 'no-l1tf-relocation', doc: 'get_mmio_spte_gfn without the L1TF relocation', era: '6.13', flavour: 'ept', rules: ['mmio-roundtrip-below-x86-phys-bits'], opts: { variant: { noL1tfRelocation: true } } },
  { name: 'mmio-value-readable', doc: 'EPT MMIO value 0x1 (R only): a readable present SPTE matches it', era: '6.0', flavour: 'ept', rules: ['present-never-mmio'], opts: { variant: { eptMmioValue: 0x1n } } },
  { name: 'ept-mmio-value-rwx', doc: 'EPT MMIO value 0x7 (RWX): no misconfiguration, the access would succeed', era: '6.0', flavour: 'ept', rules: ['reserved-bits-or-caching-off', 'present-never-mmio'], opts: { variant: { eptMmioValue: 0x7n } } },
  { name: 'ad-enabled-nonzero', doc: 'SPTE_TDP_AD_ENABLED encoded as bit 52 (reserved in PAE)', era: '6.13', flavour: 'all', rules: ['sa1-ad-enabled-is-zero'], opts: { consts: { ...k13, tdpAdEnabled: bit64(52) } } },
  { name: 'host-writable-on-saved-x', doc: 'EPT host-writable moved to bit 56 (the saved X bit)', era: '6.13', flavour: 'all', rules: ['sa5-host-writable-vs-saved-bits'], opts: { consts: { ...k13, eptHostWritable: bit64(56) } } },
  { name: 'mmu-writable-on-ad-type', doc: 'EPT MMU-writable moved to bit 53 (the A/D type)', era: '6.13', flavour: 'all', rules: ['sa4-mmu-writable-vs-ad-type'], opts: { consts: { ...k13, eptMmuWritable: bit64(53) } } },
  { name: 'frozen-with-present-bit', doc: 'FROZEN_SPTE with bit 11 set', era: '6.13', flavour: 'all', rules: ['sa11-frozen-value-not-present'], opts: { consts: { ...k13, frozen: k13.frozen | bit64(11) } } },
  { name: 'nonpresent-with-present-bit', doc: 'SHADOW_NONPRESENT_VALUE with bit 11 set', era: '6.13', flavour: 'all', rules: ['sa10-nonpresent-value-not-present'], opts: { consts: { ...k13, nonPresent: k13.nonPresent | bit64(11) } } },
  { name: 'allowed-mask-has-gen', doc: 'SPTE_MMIO_ALLOWED_MASK including bit 3 (generation)', era: '6.13', flavour: 'all', rules: ['sa8-allowed-mask-avoids-present-and-generation'], opts: { consts: { ...k13, mmioAllowed: (k13.mmioAllowed ?? 0n) | bit64(3) } } },
  { name: 'host-writable-on-ad-type', doc: 'EPT host-writable moved to bit 52 (the A/D type)', era: '6.13', flavour: 'all', rules: ['sa3-host-writable-vs-ad-type'], opts: { consts: { ...k13, eptHostWritable: bit64(52) } } },
  { name: 'mmu-writable-on-saved-r', doc: 'EPT MMU-writable moved to bit 54 (the saved R bit)', era: '6.13', flavour: 'all', rules: ['sa6-mmu-writable-vs-saved-bits'], opts: { consts: { ...k13, eptMmuWritable: bit64(54) } } },
  { name: 'ept-mmio-value-zero', doc: 'EPT MMIO value 0 with the R9 check (value 0 turns caching off) removed: a literal 0 SPTE is MMIO', era: '6.13', flavour: 'ept', rules: ['zero-spte-not-mmio'], opts: { variant: { eptMmioValue: 0n, skipChecks: ['R9'] } } },
  { name: 'prot-bits-shifted', doc: 'EPT-violation prot bits assumed at 4..6', era: '6.13', flavour: 'all', rules: ['sa12-rwx-to-violation-prot-bits'], opts: { consts: { ...k13, eptViolationProt: genmask64(6, 4) } } },
];

/** Returns the catalog entries a mutant produces for its rules. */
export function mutantEntries(m: Mutant): CatalogEntry[] {
  const all = m.flavour === 'all' ? commonRules(m.era, m.opts) : flavourRules(m.era, m.flavour, m.opts);
  return all.filter((e) => m.rules.includes(e.rule.name));
}
