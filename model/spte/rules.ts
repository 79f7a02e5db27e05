/**
 * The SPTE layout obligations, per era and flavour: every compile-time assert of spte.h (SA1-SA12)
 * and the runtime properties of KVM's MMIO derivation (spte-facts.md §6). Rules are built from an
 * era's constants and KVM's derivations, so mutants (moved bits, skipped checks) reuse them.
 */
import { type Bool, type Bv, all, bit, bv, bvVar, genmask, invariant, lit, type Rule } from '../../src/dsl/index.js';
import { type Cpu, cpuDomain, cpuVars } from '../cpus/index.js';
import { type Derived, type KvmVariant, type VmType, derive, pinsFor } from '../kvm/index.js';
import type { Era } from './bits.js';
import { type Flavour, type SpteConsts, flavourInEra, spteConsts } from './consts.js';

const SPTE_H = 'arch/x86/kvm/mmu/spte.h';
const SPTE_C = 'arch/x86/kvm/mmu/spte.c';

/** A rule of the catalog: the flavour it belongs to (`all` for layout-wide asserts), and how to decode observed words. */
export interface CatalogEntry {
  readonly rule: Rule;
  readonly era: Era;
  readonly flavour: Flavour | 'all';
  /** Observed word name → layout view used to decode it in a counterexample. */
  readonly decodeAs: Readonly<Record<string, string>>;
}

/** Options for building rules: altered constants or KVM logic (mutants). */
export interface RuleOptions {
  readonly consts?: SpteConsts;
  readonly variant?: KvmVariant;
}

/** Free SPTE-side variables shared by the rules. */
export const SPTE_VARS = {
  spte: bvVar('spte', { doc: 'an SPTE value', display: 'hex' }),
  gfn: bvVar('gfn', { doc: 'guest frame number', display: 'hex' }),
  gen: bvVar('gen', { doc: 'memslots generation (19 bits used)', display: 'hex' }),
  access: bvVar('access', { min: 0n, max: 7n, doc: 'ACC_* access bits', display: 'dec' }),
} as const;

/** The VM type a flavour's rules are stated for. */
export function vmFor(f: Flavour): VmType {
  return f === 'tdx' ? 'tdx' : 'default';
}

/** Returns the derivations of an era and flavour over the symbolic CPU domain. */
export function deriveFor(era: Era, f: Flavour, opts: RuleOptions = {}): Derived {
  return derive(era, f, opts.consts ?? spteConsts(era), cpuVars(pinsFor(f)), opts.variant ?? {});
}

/** The hypotheses every flavoured rule shares: a possible CPU, and for TDX a TD that KVM accepts. */
export function baseAssume(d: Derived): Bool {
  return d.flavour === 'tdx' ? cpuDomain(d.cpu).and(d.tdxAllowed) : cpuDomain(d.cpu);
}

/** Returns the constraint "s is a shadow-present leaf KVM's make_spte can produce" for the flavour. */
export function presentSpte(d: Derived, s: Bv): Bool {
  const k = d.consts;
  const pa = s.and(genmask(51, 12));
  if (d.flavour === 'ept' || d.flavour === 'tdx') {
    const allowed = genmask(11, 0).or(genmask(51, 12)).or(k.tdpAdMask).or(k.accTrackSaved).or(k.eptHostWritable).or(k.eptMmuWritable).or(k.eptPresentHigh);
    return all(
      s.and(k.mmuPresent | k.eptPresentHigh).eq(k.mmuPresent | k.eptPresentHigh),
      s.within(allowed),
      pa.within(d.presentPaBits),
      // R (the user mask) is set unless access tracking cleared RWX.
      s.test(0).or(s.and(7).eq(0)),
    );
  }
  const allowed = genmask(11, 0).or(genmask(51, 12)).or(bit(63)).or(d.flavour === 'npt' ? k.tdpAdMask : 0n);
  return all(s.and(k.mmuPresent | 1n).eq(k.mmuPresent | 1n), s.within(allowed), pa.within(d.presentPaBits));
}

/** The legal gfn and generation of an MMIO SPTE (kvm_mmu_max_gfn; TDX: below the shared bit). */
export function legalMmio(d: Derived, gfn: Bv, gen: Bv, access: Bv): Bool {
  const parts = [gfn.ule(d.maxGfn), gen.ule(d.consts.genMask), access.ule(7)];
  if (d.flavour === 'tdx') parts.push(gfn.ult(bit(d.cpu.tdxGpaw.sub(13))));
  return all(...parts);
}

function k0(era: Era, opts: RuleOptions): SpteConsts {
  return opts.consts ?? spteConsts(era);
}

/** Returns the layout-wide compile-time asserts SA1-SA12 and the generation-width rule of an era. */
export function commonRules(era: Era, opts: RuleOptions = {}): CatalogEntry[] {
  const k = k0(era, opts);
  const e = (rule: Rule, decodeAs: Record<string, string> = {}): CatalogEntry => ({ rule, era, flavour: 'all', decodeAs });
  const c = (x: bigint): Bv => bv(x);
  const out: CatalogEntry[] = [
    e(invariant('sa1-ad-enabled-is-zero', 'PAE reserves bits 52-62, so the "A/D enabled" type of a present TDP SPTE must encode as 0', `${SPTE_H}: static_assert(SPTE_TDP_AD_ENABLED == 0)`, c(k.tdpAdEnabled).eq(0))),
    e(invariant('sa2-ad-type-vs-saved-bits', 'the A/D type must survive access tracking, so it cannot share bits with the saved R/X bits', `${SPTE_H}: static_assert(!(SPTE_TDP_AD_MASK & SHADOW_ACC_TRACK_SAVED_MASK))`, c(k.tdpAdMask).disjoint(k.accTrackSaved))),
    e(invariant('sa3-host-writable-vs-ad-type', 'EPT host-writable must not alias the A/D type', `${SPTE_H}: static_assert(!(EPT_SPTE_HOST_WRITABLE & SPTE_TDP_AD_MASK))`, c(k.eptHostWritable).disjoint(k.tdpAdMask))),
    e(invariant('sa4-mmu-writable-vs-ad-type', 'EPT MMU-writable must not alias the A/D type', `${SPTE_H}: static_assert(!(EPT_SPTE_MMU_WRITABLE & SPTE_TDP_AD_MASK))`, c(k.eptMmuWritable).disjoint(k.tdpAdMask))),
    e(invariant('sa5-host-writable-vs-saved-bits', 'access tracking must not clobber EPT host-writable', `${SPTE_H}: static_assert(!(EPT_SPTE_HOST_WRITABLE & SHADOW_ACC_TRACK_SAVED_MASK))`, c(k.eptHostWritable).disjoint(k.accTrackSaved))),
    e(invariant('sa6-mmu-writable-vs-saved-bits', 'access tracking must not clobber EPT MMU-writable', `${SPTE_H}: static_assert(!(EPT_SPTE_MMU_WRITABLE & SHADOW_ACC_TRACK_SAVED_MASK))`, c(k.eptMmuWritable).disjoint(k.accTrackSaved))),
    e(invariant('sa7-present-bit-outside-generation', 'an MMIO SPTE carries the generation, so a generation must never make it look shadow-present', `${SPTE_H}: static_assert(!(SPTE_MMU_PRESENT_MASK & (MMIO_SPTE_GEN_LOW_MASK | MMIO_SPTE_GEN_HIGH_MASK)))`, c(k.mmuPresent).disjoint(k.genLow | k.genHigh))),
  ];
  if (k.mmioAllowed !== undefined) {
    out.push(e(invariant('sa8-allowed-mask-avoids-present-and-generation', 'the MMIO mask may only use bits that are neither the present bit nor the generation', `${SPTE_H}: static_assert(!(SPTE_MMIO_ALLOWED_MASK & (SPTE_MMU_PRESENT_MASK | MMIO_SPTE_GEN_LOW_MASK | MMIO_SPTE_GEN_HIGH_MASK)))`, c(k.mmioAllowed).disjoint(k.mmuPresent | k.genLow | k.genHigh))));
  }
  out.push(e(invariant('sa9-generation-bit-counts', 'the generation split must have the advertised 8 low and 11 high bits', `${SPTE_H}: static_assert(MMIO_SPTE_GEN_LOW_BITS == 8 && MMIO_SPTE_GEN_HIGH_BITS == 11)`, all(c(k.genLow).popcount().eq(k.genLowBits), c(k.genHigh).popcount().eq(k.genHighBits)))));
  if (era === '6.10' || era === '6.13') {
    out.push(e(invariant('sa10-nonpresent-value-not-present', 'the initial non-present value must not look shadow-present', `${SPTE_H}: static_assert(!(SHADOW_NONPRESENT_VALUE & SPTE_MMU_PRESENT_MASK))`, c(k.nonPresent).disjoint(k.mmuPresent))));
  }
  out.push(
    e(invariant('sa11-frozen-value-not-present', 'a frozen (removed) SPTE must not look shadow-present', `${SPTE_H}: static_assert(!(FROZEN_SPTE & SPTE_MMU_PRESENT_MASK)) (REMOVED_SPTE before 6.11)`, c(k.frozen).disjoint(k.mmuPresent))),
    e(invariant('sa12-rwx-to-violation-prot-bits', 'shifting RWX left by 3 must give exactly the EPT-violation prot exit-qualification bits', 'arch/x86/include/asm/vmx.h: static_assert on EPT_VIOLATION_PROT_*', c(k.eptRwx).shl(k.eptRwxToProtShift).eq(k.eptViolationProt))),
  );
  const gen = SPTE_VARS.gen;
  const genBits = gen.shl(k.genLowShift).and(k.genLow).or(gen.shl(k.genHighShift).and(k.genHigh));
  const back = genBits.and(k.genLow).shr(k.genLowShift).or(genBits.and(k.genHigh).shr(k.genHighShift));
  out.push(
    e(
      invariant(
        'generation-width',
        'every generation in MMIO_SPTE_GEN_MASK must fit the SPTE generation bits and come back unchanged',
        `${SPTE_C}: generation_mmio_spte_mask; ${SPTE_H}: MMIO_SPTE_GEN_MASK, get_mmio_spte_generation`,
        all(back.eq(gen), c(k.genMask).eq(bit(k.genLowBits + k.genHighBits).sub(1)), c(k.genLow | k.genHigh).popcount().eq(c(k.genMask).popcount())),
        { assume: gen.ule(k.genMask), observe: { gen_bits: genBits, decoded_gen: back } },
      ),
      { gen_bits: 'mmio' },
    ),
  );
  return out;
}

/** Returns the flavoured rules of an era (empty when the flavour does not exist in it). */
export function flavourRules(era: Era, f: Flavour, opts: RuleOptions = {}): CatalogEntry[] {
  if (!flavourInEra(f, era)) return [];
  const d = deriveFor(era, f, opts);
  const k = d.consts;
  const vm = vmFor(f);
  const base = baseAssume(d);
  const { spte, gfn, gen, access } = SPTE_VARS;
  const late = era === '6.10' || era === '6.13';
  const out: CatalogEntry[] = [];
  const e = (rule: Rule, decodeAs: Record<string, string> = {}): void => void out.push({ rule, era, flavour: f, decodeAs });
  const cfg = { mmio_value: d.vmValue(vm), mmio_mask: d.global.mask, mmio_caching: d.installs } as const;

  // Setter's effective invariant (spte-facts §6.2).
  {
    const v = d.vmValue(vm);
    const m = d.global.mask;
    const good = all(v.within(m), v.disjoint(d.l1tf.L.shl(k.l1tfLen)), m.and(k.frozen).ne(v), k.mmioAllowed === undefined ? lit(true) : m.within(k.mmioAllowed));
    const holds = era === '5.13' ? v.ne(0).implies(all(d.installs, good)) : all(d.installs.iff(v.ne(0)), d.installs.implies(good));
    e(invariant('setter-effective-invariant', 'after kvm_mmu_set_mmio_spte_mask, caching is on exactly when the MMIO value is non-zero, and then the value lies in its mask (and the mask in SPTE_MMIO_ALLOWED_MASK), avoids the L1TF relocation bits and cannot match a frozen SPTE', `${SPTE_C}: kvm_mmu_set_mmio_spte_mask${f === 'tdx' ? '; arch/x86/kvm/vmx/tdx.c: tdx_vm_init -> kvm_mmu_set_mmio_spte_value(kvm, 0)' : ''}`, holds, { assume: base, observe: { ...cfg, l1tf_mask: d.l1tf.L } }), { mmio_value: 'mmio', mmio_mask: 'mmio' });
  }
  // No shadow-present SPTE is classified MMIO.
  e(invariant('present-never-mmio', 'a shadow-present SPTE classified as MMIO would be emulated instead of mapped (and its pfn lost)', `${SPTE_H}: is_mmio_spte, is_shadow_present_pte; ${SPTE_C}: make_spte`, d.isMmio(vm, spte).not(), { assume: all(base, presentSpte(d, spte)), observe: { present_spte: spte, ...cfg } }), { present_spte: 'present', mmio_value: 'mmio', mmio_mask: 'mmio' });
  // No frozen or non-present SPTE is classified MMIO.
  e(invariant('nonpresent-never-mmio', 'SHADOW_NONPRESENT_VALUE and FROZEN_SPTE are installed as non-present values; classifying either as MMIO would emulate a fault on ordinary memory', `${SPTE_H}: SHADOW_NONPRESENT_VALUE, FROZEN_SPTE, is_mmio_spte`, all(d.isMmio(vm, bv(k.nonPresent)).not(), d.isMmio(vm, bv(k.frozen)).not()), { assume: base, observe: { nonpresent_value: bv(k.nonPresent), frozen_value: bv(k.frozen), ...cfg } }), { nonpresent_value: 'nonpresent', frozen_value: 'nonpresent', mmio_value: 'mmio', mmio_mask: 'mmio' });
  if (late) {
    e(invariant('zero-spte-not-mmio', 'a literal 0 SPTE should not be classified as MMIO', `${SPTE_H}: is_mmio_spte (per-VM value, 6.10+); spte-facts §5.4`, d.isMmio(vm, bv(0)).not(), { assume: base, observe: cfg }), { mmio_value: 'mmio', mmio_mask: 'mmio' });
  }
  // MMIO encode/decode round trip; the SPTE is recognised as MMIO and not as present.
  {
    const s = d.encode(vm, gfn, gen, access);
    const assume = all(base, d.installs, legalMmio(d, gfn, gen, access));
    const observe = { mmio_spte: s, decoded_gfn: d.decodeGfn(s), decoded_gen: d.decodeGen(s), x86_phys_bits: d.cpu.x86PhysBits, lower_gfn_mask: d.l1tf.lowerGfnMask, l1tf_mask: d.l1tf.L, ...cfg };
    e(invariant('mmio-roundtrip', 'get_mmio_spte_gfn/generation/access must return what make_mmio_spte encoded, for every legal gfn and generation, or the MMIO is emulated at the wrong address or generation', `${SPTE_C}: make_mmio_spte; arch/x86/kvm/mmu/mmu.c: get_mmio_spte_gfn, get_mmio_spte_access; ${SPTE_H}: get_mmio_spte_generation`, all(d.decodeGfn(s).eq(gfn), d.decodeGen(s).eq(gen), d.decodeAccess(s).eq(access.and(d.global.access))), { assume, observe }), { mmio_spte: 'mmio', mmio_value: 'mmio', mmio_mask: 'mmio' });
    e(invariant('mmio-roundtrip-below-x86-phys-bits', 'the round trip restricted to GPAs below the (possibly reduced) x86_phys_bits: isolates the part of mmio-roundtrip that KVM\'s decoder is built for', `${SPTE_C}: make_mmio_spte; arch/x86/kvm/mmu/mmu.c: get_mmio_spte_gfn (shadow_nonpresent_or_rsvd_lower_gfn_mask)`, all(d.decodeGfn(s).eq(gfn), d.decodeGen(s).eq(gen), d.decodeAccess(s).eq(access.and(d.global.access))), { assume: all(assume, gfn.ult(bit(d.cpu.x86PhysBits.sub(12)))), observe }), { mmio_spte: 'mmio', mmio_value: 'mmio', mmio_mask: 'mmio' });
    e(invariant('mmio-spte-recognised', 'every MMIO SPTE KVM installs must be classified MMIO and not shadow-present', `${SPTE_C}: make_mmio_spte; ${SPTE_H}: is_mmio_spte, is_shadow_present_pte`, all(d.isMmio(vm, s), d.isShadowPresent(s).not()), { assume, observe }), { mmio_spte: 'mmio', mmio_value: 'mmio', mmio_mask: 'mmio' });
  }
  // The MMIO value faults: EPT misconfiguration (W|X), or a reserved bit plus P for legacy/NPT.
  if (f !== 'tdx') {
    const v = d.global.value;
    const faults = f === 'ept' ? v.and(7).eq(6) : all(v.test(0), v.and(d.hwReserved).ne(0));
    e(invariant('reserved-bits-or-caching-off', 'MMIO SPTEs must fault in a recognisable way (reserved physical-address bits plus P on NPT/shadow, an EPT misconfiguration on EPT), or KVM must not install them', `${SPTE_C}: kvm_mmu_reset_all_pte_masks, kvm_mmu_set_mmio_spte_mask (R9), make_mmio_spte; arch/x86/kvm/svm/svm.c: svm_adjust_mmio_mask`, d.installs.implies(faults), { assume: base, observe: { ...cfg, hw_reserved: d.hwReserved, x86_phys_bits: d.cpu.x86PhysBits } }), { mmio_value: 'mmio', mmio_mask: 'mmio', hw_reserved: 'mmio' });
  }
  // SEV-ES: MMIO SPTEs carry a hardware-reserved bit other than the C-bit.
  if (f === 'npt') {
    const v = d.vmValue('sev-es');
    e(invariant('sev-es-reserved-bit', 'an SEV-ES guest can only do MMIO through #NPF with a reserved-bit fault, so its MMIO SPTEs need a reserved bit that is not the C-bit', 'arch/x86/kvm/svm/sev.c: sev_hardware_setup (MMIO caching gate, 6.0); arch/x86/kvm/svm/svm.c: svm_adjust_mmio_mask', v.and(d.hwReserved).ne(0), { assume: all(base, d.sevEsAllowed), observe: { ...cfg, hw_reserved: d.hwReserved, x86_phys_bits: d.cpu.x86PhysBits } }), { mmio_value: 'mmio', mmio_mask: 'mmio', hw_reserved: 'mmio' });
  }
  // Access tracking: the saved R/X bits collide with nothing a present EPT SPTE uses.
  if (f === 'ept' || f === 'tdx') {
    const used = bv(k.tdpAdMask | k.eptHostWritable | k.eptMmuWritable | k.mmuPresent).or(genmask(51, 12)).or(genmask(10, 0)).or(d.presentMask);
    const saved = bv(k.accTrackSavedBits).shl(k.accTrackSavedShift);
    e(invariant('acc-track-saved-bits-free', 'mark_spte_for_access_track saves R and X in bits 54/56; they must collide with no bit a present SPTE uses', `${SPTE_C}: mark_spte_for_access_track; ${SPTE_H}: SHADOW_ACC_TRACK_SAVED_BITS_SHIFT`, all(saved.eq(k.accTrackSaved), saved.disjoint(used)), { assume: base, observe: { saved_bits: saved, used_bits: used } }), { saved_bits: 'present', used_bits: 'present' });
  }
  // One global MMIO mask serves both VMX VMs and TDs (6.16+: only the value is per-VM).
  if (f === 'tdx') {
    const parts: Bool[] = [];
    for (const v of ['default', 'tdx'] as const) {
      parts.push(d.isMmio(v, d.encode(v, gfn, gen, access)), d.isMmio(v, bv(k.nonPresent)).not(), d.isMmio(v, bv(k.frozen)).not(), presentSpte(d, spte).implies(d.isMmio(v, spte).not()));
    }
    e(invariant('one-global-mask-vmx-and-tdx', 'the MMIO mask and enable flag stay global while only the value is per-VM, so one mask must recognise both VMX and TD MMIO SPTEs and reject every present, non-present and frozen SPTE of both', `${SPTE_H}: is_mmio_spte(kvm, spte); arch/x86/kvm/x86.h kvm->arch.shadow_mmio_value; arch/x86/kvm/vmx/tdx.c: tdx_vm_init`, all(...parts), { assume: all(base, legalMmio(d, gfn, gen, access)), observe: { vmx_mmio_spte: d.encode('default', gfn, gen, access), td_mmio_spte: d.encode('tdx', gfn, gen, access), present_spte: spte, mmio_mask: d.global.mask } }), { vmx_mmio_spte: 'mmio', td_mmio_spte: 'mmio', present_spte: 'present', mmio_mask: 'mmio' });
  }
  return out;
}

/** Returns every rule of an era: layout-wide asserts, then each flavour's rules. */
export function eraRules(era: Era, opts: RuleOptions = {}): CatalogEntry[] {
  return [...commonRules(era, opts), ...(['ept', 'tdx', 'npt', 'shadow'] as const).flatMap((f) => flavourRules(era, f, opts))];
}

/** Returns the CPU used by a flavour's rules (for tests and synthesis). */
export function cpuFor(f: Flavour): Cpu {
  return cpuVars(pinsFor(f));
}
