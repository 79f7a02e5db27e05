/**
 * Expected verdicts of the SPTE obligations, per era and flavour. Every expected `violated` refutes
 * KVM's real derivation (as modelled from spte-facts.md): a `finding` where no upstream fix is
 * modelled, a `known-bug` where a later kernel fixed it; the note says what the counterexample
 * means. Nothing here was bent to pass.
 */
import type { Expectation } from '../../src/internal.js';
import type { Era, Flavour } from '../../model/spte/index.js';

const ROUNDTRIP_REDUCED =
  'finding (spte-facts §5.2 caveat): get_mmio_spte_gfn keeps only GPA bits below shadow_nonpresent_or_rsvd_lower_gfn_mask = GENMASK(x86_phys_bits-1, 12), but kvm_mmu_max_gfn() admits GPAs up to the raw MAXPHYADDR; when x86_phys_bits is reduced (Intel MKTME/TDX KeyID bits, arch/x86/kernel/cpu/intel.c detect_tme: x86_phys_bits -= keyid_bits; AMD SME/SEV PhysAddrReduction) an MMIO GPA in [x86_phys_bits, MAXPHYADDR) decodes to a different gfn. Behavioural impact (whether a guest can hit MMIO there) not verified; mmio-roundtrip-below-x86-phys-bits holds';
const ROUNDTRIP_SHADOW =
  'finding: with shadow paging kvm_mmu_max_gfn() uses 52 bits, so a guest gfn above the host x86_phys_bits (a guest MAXPHYADDR larger than the host\'s, or a reduced host width) gets an MMIO SPTE whose upper GPA bits the decoder drops; behavioural impact not verified';
const CACHING_513 =
  'finding, fixed in 5.19 (8b9e74bfbf8c): in 5.13-5.18 enable_mmio_caching is the static module parameter, so with MAXPHYADDR 52 (or an AMD C-bit that consumes the last reserved bit) the setter zeroes the MMIO value but KVM still installs MMIO SPTEs (make_mmio_spte WARN_ON(V == 0)); is_mmio_spte then rejects them because it requires value != 0';
const SEV_513 =
  'finding, fixed in 6.0 (0c29397ac1fd "Disable SEV-ES support if MMIO caching is disabled"): before 6.0 SEV-ES stays enabled when svm_adjust_mmio_mask finds no reserved bit (x86_phys_bits == C-bit == 51, or MMIO caching off), so an SEV-ES guest\'s MMIO SPTE has no reserved bit';
const TDX_SETTER =
  'finding, by design: tdx_vm_init sets the TD\'s per-VM MMIO value to 0 through kvm_mmu_set_mmio_spte_value, which performs no validation, so "caching on <=> value != 0" no longer holds per VM; soundness rests on every non-present value carrying bit 63 (nonpresent-never-mmio holds for TDX)';
const TDX_ZERO =
  'finding (spte-facts §5.4): with the TD value 0 and the global mask 0x8000000000000007, a literal 0 SPTE is classified MMIO; harmless only because 6.10+ x86_64 never installs 0 as a non-present value (SHADOW_NONPRESENT_VALUE = bit 63)';

/** Returns the expectation of a rule in an era and flavour (`all` for layout-wide asserts). */
export function expectationFor(era: Era, flavour: Flavour | 'all', rule: string): Expectation {
  const finding = (note: string): Expectation => ({ verdict: 'violated', kind: 'finding', note });
  const fixedUpstream = (note: string): Expectation => ({ verdict: 'violated', kind: 'known-bug', note });
  if (rule === 'mmio-roundtrip') return finding(flavour === 'shadow' ? ROUNDTRIP_SHADOW : ROUNDTRIP_REDUCED);
  if (era === '5.13' && (flavour === 'npt' || flavour === 'shadow') && (rule === 'mmio-spte-recognised' || rule === 'reserved-bits-or-caching-off')) return fixedUpstream(CACHING_513);
  if (era === '5.13' && rule === 'sev-es-reserved-bit') return fixedUpstream(SEV_513);
  if (flavour === 'tdx' && rule === 'setter-effective-invariant') return finding(TDX_SETTER);
  if (flavour === 'tdx' && rule === 'zero-spte-not-mmio') return finding(TDX_ZERO);
  return { verdict: 'holds' };
}
