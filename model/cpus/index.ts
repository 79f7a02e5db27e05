/**
 * The CPU-configuration domain: every property of the host that KVM's SPTE masks depend on, as DSL
 * variables with domains, plus the named constraints that exclude impossible machines. The same
 * constraints validate a concrete configuration given on the command line (`mmucheck mmio`), so a
 * contradictory machine is rejected by the rule that it breaks, never silently.
 *
 * Facts: shared/kernel/spte-facts.md §7 (arch/x86/kernel/cpu/amd.c, arch/x86/kvm/svm/svm.c,
 * arch/x86/kvm/vmx/vmx.c, arch/x86/kvm/mmu/spte.c).
 */
import { type Bool, type Bv, all, boolVar, bvVar, lit } from '../../src/dsl/index.js';

/** The CPU configuration as expressions (variables, or literals where a flavour pins them). */
export interface Cpu {
  /** Raw MAXPHYADDR, CPUID 0x80000008 EAX[7:0] (KVM's shadow_phys_bits / kvm_host.maxphyaddr). */
  readonly maxphyaddr: Bv;
  /** AMD (true) or Intel (false). */
  readonly amd: Bool;
  /** AMD SYSCFG.MemEncryptionModeEn: the part is SME/SEV capable and memory encryption is on. */
  readonly memEncrypt: Bool;
  /** AMD C-bit position, CPUID 0x8000001F EBX[5:0] (0 when memory encryption is off). */
  readonly cbit: Bv;
  /** AMD physical-address reduction, CPUID 0x8000001F EBX[11:6] (0 when memory encryption is off). */
  readonly physReduction: Bv;
  /**
   * The host kernel activated SME (sme_me_mask = 1 << C-bit). KVM puts sme_me_mask into every present
   * SPTE (shadow_me_mask up to 5.18, shadow_me_value from 5.19: svm_hardware_setup), so it matters
   * wherever a present SPTE meets the MMIO mask (present-never-mmio; svm_adjust_mmio_mask skips the
   * C-bit for this reason). No mask KVM derives depends on it.
   */
  readonly sme: Bool;
  /** Intel MKTME/TDX KeyID bits taken from the top of MAXPHYADDR. */
  readonly keyidBits: Bv;
  /** X86_BUG_L1TF. */
  readonly l1tf: Bool;
  /** boot_cpu_data.x86_cache_bits (L1D address width). */
  readonly cacheBits: Bv;
  /** Intel EPT enabled (TDP on Intel). */
  readonly ept: Bool;
  /** EPT accessed/dirty bits enabled by KVM (enable_ept_ad_bits: CPU support and EPT on). */
  readonly eptAd: Bool;
  /** EPT execute-only used by KVM (CPU support and EPT on). */
  readonly execOnly: Bool;
  /** TDX guest physical-address width, 48 or 52. */
  readonly tdxGpaw: Bv;
  /** SEV-ES requested (module parameter sev_es). */
  readonly sevEs: Bool;
  /** The kvm.mmio_caching module parameter. */
  readonly mmioCaching: Bool;
  /** Derived: boot_cpu_data.x86_phys_bits = MAXPHYADDR − reduction − KeyID bits. */
  readonly x86PhysBits: Bv;
}

/** The variable names of the CPU domain (also the keys of a concrete configuration). */
export const CPU_VARS = [
  'maxphyaddr', 'amd', 'mem_encrypt', 'cbit', 'phys_reduction', 'sme', 'keyid_bits', 'l1tf',
  'cache_bits', 'ept', 'ept_ad', 'exec_only', 'tdx_gpaw', 'sev_es', 'mmio_caching',
] as const;

/** A concrete configuration: a value for every CPU variable. */
export type CpuConfig = Record<(typeof CPU_VARS)[number], bigint | boolean>;

/** Which booleans a paging flavour pins (constant-folded at build time). */
export interface CpuPins {
  readonly amd?: boolean;
  readonly ept?: boolean;
  readonly eptAd?: boolean;
}

/** Returns the CPU domain as variables, with the given booleans pinned to literals. */
export function cpuVars(pins: CpuPins = {}): Cpu {
  const maxphyaddr = bvVar('maxphyaddr', { min: 32n, max: 52n, doc: 'raw MAXPHYADDR (CPUID 0x80000008 EAX[7:0])', display: 'dec' });
  const physReduction = bvVar('phys_reduction', { min: 0n, max: 63n, doc: 'AMD PhysAddrReduction (CPUID 0x8000001F EBX[11:6])', display: 'dec' });
  const keyidBits = bvVar('keyid_bits', { min: 0n, max: 15n, doc: 'Intel MKTME/TDX KeyID bits', display: 'dec' });
  return {
    maxphyaddr,
    amd: pins.amd === undefined ? boolVar('amd', 'AMD (true) or Intel (false)') : lit(pins.amd),
    memEncrypt: boolVar('mem_encrypt', 'AMD SYSCFG.MemEncryptionModeEn'),
    cbit: bvVar('cbit', { min: 0n, max: 63n, doc: 'AMD C-bit position (CPUID 0x8000001F EBX[5:0])', display: 'dec' }),
    physReduction,
    sme: boolVar('sme', 'host SME active'),
    keyidBits,
    l1tf: boolVar('l1tf', 'X86_BUG_L1TF'),
    cacheBits: bvVar('cache_bits', { min: 32n, max: 52n, doc: 'x86_cache_bits (L1D address width)', display: 'dec' }),
    ept: pins.ept === undefined ? boolVar('ept', 'EPT enabled') : lit(pins.ept),
    eptAd: pins.eptAd === undefined ? boolVar('ept_ad', 'EPT A/D bits enabled') : lit(pins.eptAd),
    execOnly: boolVar('exec_only', 'EPT execute-only supported'),
    tdxGpaw: bvVar('tdx_gpaw', { oneOf: [48n, 52n], doc: 'TDX guest physical-address width', display: 'dec' }),
    sevEs: boolVar('sev_es', 'SEV-ES requested'),
    mmioCaching: boolVar('mmio_caching', 'kvm.mmio_caching module parameter'),
    x86PhysBits: maxphyaddr.sub(physReduction).sub(keyidBits),
  };
}

/** A named constraint of the CPU domain: what makes a machine impossible, and which flag to blame. */
export interface CpuConstraint {
  /** Stable name, e.g. `cbit-in-reserved-range`. */
  readonly name: string;
  /** The CLI flag a contradictory configuration is reported against. */
  readonly flag: string;
  /** One line: what is required (shown in the diagnostic). */
  readonly text: string;
  /** Why (fact and source). */
  readonly reason: string;
  readonly expr: Bool;
}

/** Returns the named constraints that exclude impossible machines. */
export function cpuConstraints(c: Cpu): CpuConstraint[] {
  const amdEnc = c.amd.and(c.memEncrypt);
  return [
    {
      name: 'mem-encrypt-amd-only', flag: '--mem-encrypt', text: 'memory encryption (SME/SEV) exists only on AMD',
      reason: 'SYSCFG.MemEncryptionModeEn is an AMD MSR bit (arch/x86/kernel/cpu/amd.c)', expr: c.memEncrypt.implies(c.amd),
    },
    {
      name: 'reduction-only-with-mem-encrypt', flag: '--phys-reduction', text: 'a physical-address reduction needs --vendor amd --mem-encrypt on',
      reason: 'x86_phys_bits is reduced by CPUID 0x8000001F EBX[11:6] only when memory encryption is enabled (amd.c)',
      expr: amdEnc.not().implies(c.physReduction.eq(0)),
    },
    {
      name: 'keyid-bits-intel-only', flag: '--keyid-bits', text: 'KeyID bits exist only on Intel (MKTME/TDX)',
      reason: 'MKTME/TDX KeyIDs are an Intel feature (vmx_setup_me_spte_mask, arch/x86/kvm/vmx/vmx.c)', expr: c.amd.implies(c.keyidBits.eq(0)),
    },
    {
      name: 'phys-bits-at-least-32', flag: '--phys-reduction', text: 'MAXPHYADDR minus the reduction and KeyID bits must leave x86_phys_bits >= 32',
      reason: 'stated assumption: no x86-64 host has fewer than 32 usable physical-address bits',
      expr: c.physReduction.add(c.keyidBits).ule(c.maxphyaddr.sub(32)),
    },
    {
      name: 'cbit-in-reserved-range', flag: '--cbit', text: 'the C-bit must lie in [x86_phys_bits, 51] when memory encryption is on, and be 0 otherwise',
      reason: 'the C-bit is taken from the bits the reduction removes or above them, below bit 52 (spte-facts §7.2, svm_adjust_mmio_mask)',
      expr: all(amdEnc.implies(c.cbit.uge(c.x86PhysBits).and(c.cbit.ule(51))), amdEnc.not().implies(c.cbit.eq(0))),
    },
    {
      name: 'sme-needs-mem-encrypt', flag: '--sme', text: 'SME can be active only on AMD with memory encryption on',
      reason: 'sme_me_mask is set only when SYSCFG.MemEncryptionModeEn is set (arch/x86/mm/mem_encrypt_identity.c)', expr: c.sme.implies(amdEnc),
    },
    {
      name: 'sev-es-needs-mem-encrypt', flag: '--vm', text: 'SEV-ES needs --vendor amd --mem-encrypt on',
      reason: 'SEV-ES is an AMD memory-encryption feature (arch/x86/kvm/svm/sev.c)', expr: c.sevEs.implies(amdEnc),
    },
    {
      name: 'l1tf-intel-only', flag: '--l1tf', text: 'AMD parts are not L1TF-affected',
      reason: 'X86_BUG_L1TF is never set on AMD (spte-facts §7.3)', expr: c.l1tf.implies(c.amd.not()),
    },
    {
      name: 'cache-bits-cover-phys-bits', flag: '--cache-bits', text: 'x86_cache_bits must be at least x86_phys_bits',
      reason: 'the L1D address width is never narrower than the physical address width (spte-facts §7.1)',
      expr: c.cacheBits.uge(c.x86PhysBits),
    },
    {
      name: 'ept-intel-only', flag: '--ept', text: 'EPT exists only on Intel',
      reason: 'EPT is VMX (arch/x86/kvm/vmx)', expr: c.ept.implies(c.amd.not()),
    },
    {
      name: 'ept-ad-needs-ept', flag: '--ad', text: 'EPT A/D bits are enabled only with EPT (ept_ad is what KVM enables, not what the CPU supports)',
      reason: 'vmx.c hardware_setup clears enable_ept_ad_bits when enable_ept is 0; the CLI derives the enabled value from --ad (support) and --ept', expr: c.eptAd.implies(c.ept),
    },
    {
      name: 'exec-only-needs-ept', flag: '--exec-only', text: 'execute-only is used only with EPT (exec_only is what KVM uses, not what the CPU supports)',
      reason: 'kvm_mmu_set_ept_masks, the only reader of cpu_has_vmx_ept_execute_only(), runs only with EPT (vmx.c); the CLI derives the used value from --exec-only (support) and --ept', expr: c.execOnly.implies(c.ept),
    },
  ];
}

/** Returns the conjunction of every CPU constraint. */
export function cpuDomain(c: Cpu): Bool {
  return all(...cpuConstraints(c).map((k) => k.expr));
}

/** Returns the environment of a concrete configuration, keyed by variable name. */
export function cpuEnv(cfg: CpuConfig): Record<string, bigint | boolean> {
  return { ...cfg };
}
