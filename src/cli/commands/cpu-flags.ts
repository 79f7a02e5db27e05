/**
 * The CPU-configuration flags shared by `mmio`, `synth` and `decode`: parsed into a concrete
 * configuration of the model's CPU variables and validated against the domain's named constraints
 * (a contradiction names the flag and what is allowed: MMC004).
 */
import { fail } from '../../core/diagnostic.js';
import { evaluate } from '../../dsl/index.js';
import { type CpuConfig, cpuConstraints, cpuVars } from '../../../model/cpus/index.js';
import type { VmType } from '../../../model/kvm/index.js';
import { type Era, type Flavour, NEWEST_VERIFIED_KERNEL, eraOf } from '../../../model/spte/index.js';
import { type FlagSpec, type Parsed, choice, int, onOff, str } from '../args.js';

/** The kernel assumed without --kernel (the newest modelled; era 6.13). */
export const LATEST_KERNEL = NEWEST_VERIFIED_KERNEL;

/**
 * For a constraint, the flags that take part in it besides its own (a contradiction names the
 * flags the user gave, not one the user did not give).
 */
const TAKES_PART: Readonly<Record<string, readonly string[]>> = {
  'phys-bits-at-least-32': ['--phys-reduction', '--keyid-bits', '--maxphyaddr'],
  'cbit-in-reserved-range': ['--cbit', '--phys-reduction', '--keyid-bits', '--maxphyaddr', '--mem-encrypt'],
  'cache-bits-cover-phys-bits': ['--cache-bits', '--maxphyaddr', '--phys-reduction', '--keyid-bits'],
  'reduction-only-with-mem-encrypt': ['--phys-reduction', '--mem-encrypt', '--vendor'],
  'mem-encrypt-amd-only': ['--mem-encrypt', '--vendor'],
  'keyid-bits-intel-only': ['--keyid-bits', '--vendor'],
  'sme-needs-mem-encrypt': ['--sme', '--mem-encrypt', '--vendor'],
  'sev-es-needs-mem-encrypt': ['--vm', '--mem-encrypt', '--vendor'],
  'l1tf-intel-only': ['--l1tf', '--vendor'],
  'ept-intel-only': ['--ept', '--vendor'],
};

/** The configuration flags. */
export const CPU_FLAGS: FlagSpec = {
  vendor: { type: 'string' },
  kernel: { type: 'string' },
  maxphyaddr: { type: 'string' },
  ept: { type: 'string' },
  npt: { type: 'string' },
  ad: { type: 'string' },
  'exec-only': { type: 'string' },
  l1tf: { type: 'string' },
  'cache-bits': { type: 'string' },
  'mem-encrypt': { type: 'string' },
  cbit: { type: 'string' },
  'phys-reduction': { type: 'string' },
  sme: { type: 'string' },
  'keyid-bits': { type: 'string' },
  'mmio-caching': { type: 'string' },
  vm: { type: 'string' },
  'tdx-gpaw': { type: 'string' },
};

/** Usage lines of the configuration flags. */
export const CPU_FLAGS_USAGE = `  --vendor intel|amd       CPU vendor
  --kernel X.Y             kernel version (5.13 and later; default ${LATEST_KERNEL})
  --maxphyaddr N           raw MAXPHYADDR, 32..52
  --ept on|off             Intel: kvm_intel.ept (default on); off selects shadow paging
  --npt on|off             AMD: kvm_amd.npt (default on); off selects shadow paging
  --ad on|off              the CPU supports EPT A/D bits (default on); KVM enables them only with EPT
  --exec-only on|off       the CPU supports EPT execute-only (default on); used only with EPT
  --l1tf on|off            L1TF-affected part (Intel only; default off)
  --cache-bits N           x86_cache_bits, 32..52 (default x86_phys_bits)
  --mem-encrypt on|off     AMD memory encryption enabled in SYSCFG (default off)
  --cbit N                 AMD C-bit position (required with --mem-encrypt on)
  --phys-reduction N       AMD physical-address reduction (default 5 with --mem-encrypt on)
  --sme on|off             host SME active (default off): sme_me_mask (the C-bit) is set in every
                           present SPTE (shadow_me_value), which the MMIO mask must not match
  --keyid-bits N           Intel MKTME/TDX KeyID bits, 0..15 (default 0)
  --mmio-caching on|off    kvm.mmio_caching module parameter (default on)
  --vm default|tdx|sev-es  VM type (default default)
  --tdx-gpaw 48|52         TDX guest physical-address width (default 52)`;

/** A parsed, validated machine. */
export interface Machine {
  readonly kernel: string;
  readonly era: Era;
  readonly flavour: Flavour;
  readonly vm: VmType;
  readonly cfg: CpuConfig;
  /** What the CPU supports but KVM does not enable, one sentence each (e.g. EPT A/D with ept=0). */
  readonly notes: readonly string[];
}

/** Parses and validates the configuration flags. `defaults` supplies a vendor/MAXPHYADDR when the command does not require them. */
export function parseMachine(p: Parsed, defaults: { vendor?: 'intel' | 'amd'; maxphyaddr?: number; ept?: boolean } = {}): Machine {
  const kernel = str(p, 'kernel') ?? LATEST_KERNEL;
  const era = eraOf(kernel);
  const vendor = choice(p, 'vendor', ['intel', 'amd'] as const, defaults.vendor);
  if (vendor === undefined) fail('MMC001', '--vendor is required: intel or amd', { subject: '--vendor' });
  const maxphyaddr = int(p, 'maxphyaddr', 32, 52, defaults.maxphyaddr);
  if (maxphyaddr === undefined) fail('MMC001', '--maxphyaddr is required: an integer from 32 to 52', { subject: '--maxphyaddr' });
  const amd = vendor === 'amd';
  const ept = onOff(p, 'ept', defaults.ept ?? !amd)!;
  const npt = onOff(p, 'npt', amd)!;
  if (!amd && npt) fail('MMC004', `--npt on (with --vendor ${vendor}): contradictory configuration: NPT exists only on AMD; Intel's TDP is --ept on|off`, { subject: '--npt' });
  const { eptAd, execOnly, notes } = enabledEptFeatures(ept, onOff(p, 'ad', true)!, onOff(p, 'exec-only', true)!, amd);
  const memEncrypt = onOff(p, 'mem-encrypt', false)!;
  const cbitS = str(p, 'cbit');
  if (memEncrypt && amd && cbitS === undefined) fail('MMC004', '--mem-encrypt on needs --cbit N (the C-bit position, CPUID 0x8000001F EBX[5:0])', { subject: '--cbit' });
  const cbit = int(p, 'cbit', 0, 63, 0)!;
  const physReduction = int(p, 'phys-reduction', 0, 63, memEncrypt && amd ? 5 : 0)!;
  const keyidBits = int(p, 'keyid-bits', 0, 15, 0)!;
  const x86 = maxphyaddr - physReduction - keyidBits;
  const vm = choice(p, 'vm', ['default', 'tdx', 'sev-es'] as const, 'default')!;
  const cfg: CpuConfig = {
    maxphyaddr: BigInt(maxphyaddr),
    amd,
    mem_encrypt: memEncrypt,
    cbit: BigInt(cbit),
    phys_reduction: BigInt(physReduction),
    sme: onOff(p, 'sme', false)!,
    keyid_bits: BigInt(keyidBits),
    l1tf: onOff(p, 'l1tf', false)!,
    cache_bits: BigInt(int(p, 'cache-bits', 32, 52, Math.max(32, Math.min(52, x86)))!),
    ept,
    ept_ad: eptAd,
    exec_only: execOnly,
    tdx_gpaw: BigInt(choice(p, 'tdx-gpaw', ['48', '52'] as const, '52')!),
    sev_es: vm === 'sev-es',
    mmio_caching: onOff(p, 'mmio-caching', true)!,
  };
  // Validate against the domain's named constraints, first broken one wins.
  const c = cpuVars();
  for (const k of cpuConstraints(c)) {
    if (!evaluate(k.expr, cfg)) {
      const x86Text = `x86_phys_bits=${x86}`;
      const named = (TAKES_PART[k.name] ?? [k.flag]).filter((f) => str(p, f.slice(2)) !== undefined);
      const flags = named.length ? named : [k.flag];
      const shown = flags.map((f) => (str(p, f.slice(2)) !== undefined ? `${f} ${str(p, f.slice(2))}` : f));
      const text = shown.length > 1 ? `${shown[0]} (with ${shown.slice(1).join(', ')})` : shown[0]!;
      const here = k.name === 'cbit-in-reserved-range' || k.name === 'phys-bits-at-least-32' || k.name === 'cache-bits-cover-phys-bits' ? ` (here ${x86Text})` : '';
      fail('MMC004', `${text}: contradictory configuration (${k.name}): ${k.text}${here}`, { subject: flags[0]! });
    }
  }
  if (vm === 'tdx') {
    if (amd || !ept) fail('MMC004', '--vm tdx: contradictory configuration: TDX needs --vendor intel --ept on', { subject: '--vm' });
    const m = /^(\d+)\.(\d+)/.exec(kernel);
    if (era !== '6.13' || (m && Number(m[1]) === 6 && Number(m[2]) < 16)) fail('MMC004', `--vm tdx: TDX host support needs --kernel 6.16 or later (got ${kernel})`, { subject: '--vm' });
  }
  if (amd && !npt && vm === 'sev-es') fail('MMC004', '--vm sev-es (with --npt off): contradictory configuration: SEV-ES needs NPT (sev_hardware_setup gives up without npt_enabled)', { subject: '--vm' });
  const flavour: Flavour = amd ? (npt ? 'npt' : 'shadow') : ept ? (vm === 'tdx' ? 'tdx' : 'ept') : 'shadow';
  return { kernel, era, flavour, vm, cfg, notes };
}

/**
 * Returns what KVM enables of the EPT features the CPU supports: vmx.c hardware_setup clears
 * enable_ept_ad_bits when EPT is off (`if (!cpu_has_vmx_ept_ad_bits() || !enable_ept)
 * enable_ept_ad_bits = 0`), and execute-only is read only by kvm_mmu_set_ept_masks, which runs only
 * with EPT. So a CPU with A/D support and ept=0 is a valid machine whose A/D bits are off.
 */
export function enabledEptFeatures(ept: boolean, adSupported: boolean, execOnlySupported: boolean, amd: boolean): { eptAd: boolean; execOnly: boolean; notes: string[] } {
  const on = ept && !amd;
  const notes: string[] = [];
  if (!amd && !ept && adSupported) notes.push('EPT A/D bits supported but not enabled: ept=0 makes vmx hardware_setup clear enable_ept_ad_bits');
  if (!amd && !ept && execOnlySupported) notes.push('EPT execute-only supported but unused: kvm_mmu_set_ept_masks runs only with EPT');
  return { eptAd: on && adSupported, execOnly: on && execOnlySupported, notes };
}
