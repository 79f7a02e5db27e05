/**
 * KVM's own mask derivations as DSL expressions, per kernel era: the default masks, the EPT masks,
 * the AMD C-bit adjustment, the L1TF mask, the MMIO setter with its checks in their real order (each
 * WARN an observable boolean), MMIO SPTE encode/decode, `is_mmio_spte` per era and VM type,
 * `is_shadow_present_pte`, the SEV-ES gate and the TDX gate.
 *
 * One set of expressions serves Z3 (`mmucheck prove`, `synth`) and the concrete evaluator
 * (`mmucheck mmio` binds a configuration and evaluates the same nodes). Era and flavour are
 * JavaScript values, so their branches are folded away when the expressions are built.
 *
 * Sources: shared/kernel/spte-facts.md §4-§7 (arch/x86/kvm/mmu/spte.c kvm_mmu_set_mmio_spte_mask,
 * kvm_mmu_reset_all_pte_masks, kvm_mmu_set_ept_masks, make_mmio_spte; arch/x86/kvm/mmu/mmu.c
 * get_mmio_spte_gfn; arch/x86/kvm/svm/svm.c svm_adjust_mmio_mask; arch/x86/kvm/svm/sev.c
 * sev_hardware_setup; arch/x86/kvm/vmx/tdx.c tdx_bringup, tdx_vm_init).
 */
import { type Bool, type BoolLike, type Bv, type BvLike, all, bit, bv, genmask, ite, lit, rsvdBits, toBool } from '../../src/dsl/index.js';
import type { Cpu } from '../cpus/index.js';
import type { Era } from '../spte/bits.js';
import { hasPerVmMmioSetter } from '../spte/era.js';
import { type Flavour, SVM_MMIO_BY_BIT, type SpteConsts, sameTable } from '../spte/consts.js';

/** A VM type: a normal VM, a TDX TD (per-VM MMIO value 0), an SEV-ES guest. */
export type VmType = 'default' | 'tdx' | 'sev-es';

/** Deliberate breakage for mutants: each switch removes or alters one piece of KVM's logic. */
export interface KvmVariant {
  /** Setter checks to skip (e.g. `R7` lets an MMIO value leave its mask). */
  readonly skipChecks?: readonly ('R5' | 'R6' | 'R7' | 'R8' | 'R9')[];
  /** Replace the EPT MMIO value. */
  readonly eptMmioValue?: bigint;
  /** Drop the 6.0 SEV-ES gate (sev_hardware_setup). */
  readonly noSevEsGate?: boolean;
  /** Drop svm_adjust_mmio_mask's skip of the C-bit. */
  readonly noCbitSkip?: boolean;
  /** Decode without the L1TF relocation. */
  readonly noL1tfRelocation?: boolean;
  /**
   * What-if (`mmucheck mmio --set`): the vendor's hardware_setup calls
   * kvm_mmu_set_mmio_spte_mask(value, mask, access) with these arguments instead of its own
   * (after kvm_mmu_reset_all_pte_masks, as every vendor call is).
   */
  readonly setterCall?: { readonly value: bigint; readonly mask: bigint; readonly access: bigint };
  /**
   * What-if: the VM's per-VM MMIO value is set with kvm_mmu_set_mmio_spte_value(kvm, value), which
   * checks nothing. The setter exists from 6.16 (era 6.13); ignored in earlier eras (6.10-6.15 keep
   * a per-VM value but only copy the global one into it).
   */
  readonly perVmValue?: bigint;
}

/** Returns `c ? t : e`, folded when `c` is a literal. */
export function sel(c: Bool, t: BvLike, e: BvLike): Bv {
  if (c.node.op === 'lit') return bv(c.node.value ? t : e);
  return ite(c, t, e);
}

/** Returns `c ? t : e` on booleans, folded when `c` is a literal. */
export function selB(c: Bool, t: BoolLike, e: BoolLike): Bool {
  if (c.node.op === 'lit') return toBool(c.node.value ? t : e);
  return c.and(t).or(c.not().and(e));
}

/** `a ∧ b`, folded for literals. */
function andB(...xs: Bool[]): Bool {
  const live = xs.filter((x) => !(x.node.op === 'lit' && x.node.value));
  if (live.some((x) => x.node.op === 'lit' && !x.node.value)) return lit(false);
  return live.length === 0 ? lit(true) : all(...live);
}

/** The MMIO state KVM keeps (global before 6.10; the value becomes per-VM in 6.10). */
export interface MmioState {
  readonly value: Bv;
  readonly mask: Bv;
  readonly access: Bv;
  /** enable_mmio_caching as KVM sees it (5.13: the static module parameter). */
  readonly enable: Bool;
}

/** The L1TF derivation (kvm_mmu_reset_all_pte_masks). */
export interface L1tf {
  /** shadow_nonpresent_or_rsvd_mask. */
  readonly L: Bv;
  readonly lowPhysBits: Bv;
  /** shadow_nonpresent_or_rsvd_lower_gfn_mask. */
  readonly lowerGfnMask: Bv;
  /** WARN_ON_ONCE(x86_cache_bits >= 47) on an L1TF-affected part (C2). */
  readonly warnCacheBits: Bool;
}

/** A WARN (or BUG) KVM would print, as a condition. */
export interface Warning {
  readonly id: string;
  readonly text: string;
  readonly when: Bool;
}

/** Everything KVM derives for one era, flavour and CPU. */
export interface Derived {
  readonly era: Era;
  readonly flavour: Flavour;
  readonly consts: SpteConsts;
  readonly cpu: Cpu;
  readonly l1tf: L1tf;
  /** State after kvm_mmu_reset_all_pte_masks only (legacy/NPT defaults). */
  readonly reset: MmioState;
  /** Global state after the vendor's hardware_setup. */
  readonly global: MmioState;
  readonly warnings: readonly Warning[];
  /** The SEV-ES gate: SEV-ES is requested and KVM keeps it (6.0+: only with MMIO caching). */
  readonly sevEsAllowed: Bool;
  /** The TDX gate (6.16+): EPT, EPT A/D and MMIO caching on (TDP MMU assumed). */
  readonly tdxAllowed: Bool;
  /** Whether KVM installs MMIO SPTEs (enable_mmio_caching). */
  readonly installs: Bool;
  /** TDP on (EPT or NPT) for this flavour. */
  readonly tdp: boolean;
  /** kvm_mmu_max_gfn(). */
  readonly maxGfn: Bv;
  /** shadow_present_mask of present leaves. */
  readonly presentMask: Bv;
  /** The reserved-bit window of the hardware for this CPU (bits that fault as reserved). */
  readonly hwReserved: Bv;
  /** Bits the host may set in a present SPTE's address field (pfn bits plus SME/me bits). */
  readonly presentPaBits: Bv;
  /** The per-VM MMIO value (kvm->arch.shadow_mmio_value from 6.10). */
  vmValue(vm: VmType): Bv;
  /** is_mmio_spte(kvm, s). */
  isMmio(vm: VmType, s: Bv): Bool;
  /** is_shadow_present_pte(s). */
  isShadowPresent(s: Bv): Bool;
  /** make_mmio_spte(gfn, access) at a generation. */
  encode(vm: VmType, gfn: Bv, gen: Bv, access: Bv): Bv;
  /** get_mmio_spte_gfn. */
  decodeGfn(s: Bv): Bv;
  /** get_mmio_spte_generation. */
  decodeGen(s: Bv): Bv;
  /** get_mmio_spte_access. */
  decodeAccess(s: Bv): Bv;
  /** The generation bits of an MMIO SPTE (generation_mmio_spte_mask). */
  genBits(gen: Bv): Bv;
}

/** One call of kvm_mmu_set_mmio_spte_mask: the new state and its WARNs. */
export interface SetterResult {
  readonly state: MmioState;
  readonly warnings: Warning[];
}

/**
 * Returns the effect of `kvm_mmu_set_mmio_spte_mask(value, mask, access)` (R1-R9 in their real
 * order; "→0" means the value is dropped). `called` guards the WARNs (the call may not happen).
 */
export function setMmioMask(
  era: Era,
  k: SpteConsts,
  ctx: { L: Bv; lowerGfnMask: Bv; allow: Bool },
  value: Bv,
  mask: Bv,
  access: Bv,
  tag: string,
  called: Bool,
  variant: KvmVariant = {},
): SetterResult {
  const skip = new Set(variant.skipChecks ?? []);
  const w: Warning[] = [];
  const warn = (id: string, text: string, c: Bool): void => void w.push({ id: `${id}`, text: `${tag}: ${text}`, when: andB(called, c) });
  warn('R1', 'BUG: access mask does not fit 32 bits', access.shr(32).ne(0));
  warn('R2', 'WARN: MMIO value overlaps the lower GFN mask', value.and(ctx.lowerGfnMask).ne(0));
  // R3 (6.0+): enable := allow_mmio_caching. In 5.13 the module parameter itself is the flag.
  let enable: Bool = ctx.allow;
  // R4
  let v = sel(enable, value, 0);
  // R5 (6.0+)
  if (k.mmioAllowed !== undefined && !skip.has('R5')) {
    const r5 = mask.and(bv(k.mmioAllowed).not()).ne(0);
    warn('R5', 'WARN: MMIO mask has bits outside SPTE_MMIO_ALLOWED_MASK', r5);
    v = sel(r5, 0, v);
  }
  // R6
  if (!skip.has('R6')) {
    const r6 = v.and(ctx.L.shl(k.l1tfLen)).ne(0);
    warn('R6', 'WARN: MMIO value collides with the L1TF relocated GFN bits', r6);
    v = sel(r6, 0, v);
  }
  // R7 || R8 (short-circuit: R8 is evaluated only when R7 did not fire)
  const r7 = skip.has('R7') ? lit(false) : v.and(mask).ne(v);
  const r8 = skip.has('R8') ? lit(false) : v.ne(0).and(mask.and(k.frozen).eq(v));
  warn('R7', 'WARN: MMIO value is not inside its mask', r7);
  warn('R8', 'WARN: a frozen SPTE would match the MMIO value', r7.not().and(r8));
  v = sel(r7.or(r8), 0, v);
  // R9 (6.0+; 5.19.0 had it without R3)
  if (era !== '5.13' && !skip.has('R9')) enable = selB(v.eq(0), false, enable);
  return { state: { value: v, mask, access, enable }, warnings: w };
}

/** Returns the L1TF mask derivation (spte-facts §7.3). */
export function l1tfMasks(k: SpteConsts, cpu: Cpu): L1tf {
  const active = cpu.l1tf.and(cpu.cacheBits.ult(47));
  const low = ite(active, cpu.cacheBits.sub(k.l1tfLen), cpu.x86PhysBits);
  return {
    L: ite(active, rsvdBits(cpu.cacheBits.sub(k.l1tfLen), cpu.cacheBits.sub(1)), 0),
    lowPhysBits: low,
    lowerGfnMask: genmask(low.sub(1), 12),
    warnCacheBits: cpu.l1tf.and(cpu.cacheBits.uge(47)),
  };
}

/** Returns the entry of a per-mask_bit table (64 entries) at a symbolic mask_bit. */
function byMaskBit(table: readonly bigint[], mb: Bv): Bv {
  let out: Bv = bv(table[63] ?? 0n);
  for (let i = 62; i >= 0; i--) out = table[i] === table[i + 1] ? out : ite(mb.eq(i), table[i]!, out);
  return out;
}

/**
 * Returns the value and mask svm_adjust_mmio_mask passes to kvm_mmu_set_mmio_spte_mask
 * (spte-facts §7.2): mask_bit is x86_phys_bits, one higher when that is the C-bit; the value and
 * mask per mask_bit come from the constants (the modelled formula, or a tree's svm.c).
 */
export function svmMmioArgs(cpu: Cpu, k: Pick<SpteConsts, 'svmMmioValue' | 'svmMmioMask'>, variant: KvmVariant = {}): { value: Bv; mask: Bv } {
  const mb = variant.noCbitSkip ? cpu.x86PhysBits : ite(cpu.cbit.eq(cpu.x86PhysBits), cpu.x86PhysBits.add(1), cpu.x86PhysBits);
  const formula = ite(mb.ult(52), rsvdBits(mb, 51).or(1), 0);
  const of = (t: readonly bigint[]): Bv => (sameTable(t, SVM_MMIO_BY_BIT) ? formula : byMaskBit(t, mb));
  return { value: of(k.svmMmioValue), mask: of(k.svmMmioMask) };
}

/** Returns svm_adjust_mmio_mask's mask with the modelled formula (spte-facts §7.2). */
export function svmMmioMask(cpu: Cpu, variant: KvmVariant = {}): Bv {
  return svmMmioArgs(cpu, { svmMmioValue: SVM_MMIO_BY_BIT, svmMmioMask: SVM_MMIO_BY_BIT }, variant).mask;
}

/**
 * Returns every derivation for an era, flavour and CPU. The CPU is usually `cpuVars(pinsFor(f))`
 * (symbolic) or the unpinned variables bound by a concrete configuration.
 */
export function derive(era: Era, flavour: Flavour, k: SpteConsts, cpu: Cpu, variant: KvmVariant = {}): Derived {
  const late = era === '6.10' || era === '6.13';
  const l1tf = l1tfMasks(k, cpu);
  const ctx = { L: l1tf.L, lowerGfnMask: l1tf.lowerGfnMask, allow: cpu.mmioCaching };
  // kvm_mmu_reset_all_pte_masks: defaults for legacy/NPT.
  const defMask = ite(cpu.maxphyaddr.ult(52), bit(51).or(1), 0);
  const reset = setMmioMask(era, k, ctx, defMask, defMask, bv(k.legacyMmioAccess), 'reset_all_pte_masks', lit(true), variant);
  // Vendor hardware_setup.
  const eptCall = andB(cpu.amd.not(), cpu.ept);
  const svmCall = andB(cpu.amd, cpu.memEncrypt);
  const ept = setMmioMask(era, k, ctx, bv(variant.eptMmioValue ?? k.eptMmioValue), bv(k.eptMmioMask), bv(0), 'kvm_mmu_set_ept_masks', eptCall, variant);
  const svmArgs = svmMmioArgs(cpu, k, variant);
  const svm = setMmioMask(era, k, ctx, svmArgs.value, svmArgs.mask, bv(k.svmMmioAccess), 'svm_adjust_mmio_mask', svmCall, variant);
  const pick = (f: (s: MmioState) => Bv): Bv => sel(eptCall, f(ept.state), sel(svmCall, f(svm.state), f(reset.state)));
  const w = variant.setterCall;
  const whatIf = w === undefined ? undefined : setMmioMask(era, k, ctx, bv(w.value), bv(w.mask), bv(w.access), 'kvm_mmu_set_mmio_spte_mask (--set)', lit(true), variant);
  const global: MmioState = whatIf?.state ?? {
    value: pick((s) => s.value),
    mask: pick((s) => s.mask),
    access: pick((s) => s.access),
    enable: selB(eptCall, ept.state.enable, selB(svmCall, svm.state.enable, reset.state.enable)),
  };
  const warnings: Warning[] = [
    { id: 'C2', text: 'reset_all_pte_masks: WARN_ON_ONCE: L1TF part with x86_cache_bits >= 47, no L1TF mask', when: l1tf.warnCacheBits },
    ...reset.warnings,
    ...(whatIf ? whatIf.warnings : [...ept.warnings, ...svm.warnings]),
  ].filter((x) => !(x.when.node.op === 'lit' && !x.when.node.value));
  const enc = cpu.amd.and(cpu.memEncrypt);
  const sevEsAllowed = andB(cpu.sevEs, enc, variant.noSevEsGate || era === '5.13' ? lit(true) : global.enable);
  const tdxAllowed = era === '6.13' ? andB(cpu.amd.not(), cpu.ept, cpu.eptAd, global.enable) : lit(false);
  const tdp = flavour !== 'shadow';
  const maxGfn = bit((tdp ? cpu.maxphyaddr : bv(52)).sub(12)).sub(1);
  // Present mask: legacy/NPT bit 0; EPT (exec_only ? 0 : R) | SUPPRESS_VE (6.10+).
  const presentMask =
    flavour === 'ept' || flavour === 'tdx'
      ? sel(cpu.execOnly, 0, 1).or(k.eptPresentHigh)
      : flavour === 'npt'
        ? bv(1)
        : sel(cpu.ept, sel(cpu.execOnly, 0, 1).or(k.eptPresentHigh), 1);
  // Hardware-reserved address bits: with AMD memory encryption the bits at and above the reduced
  // x86_phys_bits except the C-bit; otherwise the bits at and above MAXPHYADDR (up to 51).
  const hwReserved = sel(enc, genmask(51, cpu.x86PhysBits).and(bit(cpu.cbit).not()), genmask(51, cpu.maxphyaddr));
  // Present leaves map host pfns below x86_phys_bits, plus the SME C-bit (me_mask ≤5.18, me_value 5.19+).
  const presentPaBits = genmask(cpu.x86PhysBits.sub(1), 12).or(sel(cpu.sme, bit(cpu.cbit), 0));
  // kvm_mmu_set_mmio_spte_value exists from 6.16 (era 6.13; model/spte/era.ts PER_VM_MMIO_SETTER).
  const perVm = hasPerVmMmioSetter(era) ? variant.perVmValue : undefined;
  const vmValue = (vm: VmType): Bv => (perVm !== undefined ? bv(perVm) : vm === 'tdx' && late ? bv(k.tdxMmioValue) : global.value);
  const genBits = (gen: Bv): Bv => gen.shl(k.genLowShift).and(k.genLow).or(gen.shl(k.genHighShift).and(k.genHigh));
  return {
    era, flavour, consts: k, cpu, l1tf, reset: reset.state, global, warnings, sevEsAllowed, tdxAllowed,
    installs: global.enable,
    tdp, maxGfn, presentMask, hwReserved, presentPaBits,
    vmValue,
    isMmio(vm, s) {
      const m = s.and(global.mask).eq(vmValue(vm));
      return era === '5.13' ? m.and(global.value.ne(0)) : m.and(global.enable);
    },
    isShadowPresent: (s) => s.and(k.mmuPresent).ne(0),
    encode(vm, gfn, gen, access) {
      const gpa = gfn.shl(12);
      return genBits(gen.and(k.genMask))
        .or(vmValue(vm))
        .or(access.and(global.access))
        .or(gpa)
        .or(l1tf.L)
        .or(gpa.and(l1tf.L).shl(k.l1tfLen));
    },
    decodeGfn(s) {
      const lo = s.and(l1tf.lowerGfnMask);
      return (variant.noL1tfRelocation ? lo : lo.or(s.shr(k.l1tfLen).and(l1tf.L))).shr(12);
    },
    decodeGen: (s) => s.and(k.genLow).shr(k.genLowShift).or(s.and(k.genHigh).shr(k.genHighShift)),
    decodeAccess: (s) => s.and(global.access),
    genBits,
  };
}

/** The CPU booleans each flavour pins. */
export function pinsFor(f: Flavour): { amd?: boolean; ept?: boolean; eptAd?: boolean } {
  switch (f) {
    case 'ept': return { amd: false, ept: true };
    case 'tdx': return { amd: false, ept: true };
    case 'npt': return { amd: true, ept: false, eptAd: false };
    case 'shadow': return { ept: false, eptAd: false };
  }
}
