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
  'ept-ad-needs-ept': ['--ad', '--ept'],
  'exec-only-needs-ept': ['--exec-only', '--ept'],
};

/** The configuration flags. */
export const CPU_FLAGS: FlagSpec = {
  vendor: { type: 'string' },
  kernel: { type: 'string' },
  maxphyaddr: { type: 'string' },
  ept: { type: 'string' },
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
  --ept on|off             Intel EPT (default on)
  --ad on|off              EPT A/D bits (default on with EPT)
  --exec-only on|off       EPT execute-only (default on with EPT)
  --l1tf on|off            L1TF-affected part (Intel only; default off)
  --cache-bits N           x86_cache_bits, 32..52 (default x86_phys_bits)
  --mem-encrypt on|off     AMD memory encryption enabled in SYSCFG (default off)
  --cbit N                 AMD C-bit position (required with --mem-encrypt on)
  --phys-reduction N       AMD physical-address reduction (default 5 with --mem-encrypt on)
  --sme on|off             host SME active (default off)
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
    ept_ad: onOff(p, 'ad', ept)!,
    exec_only: onOff(p, 'exec-only', ept)!,
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
  const flavour: Flavour = amd ? 'npt' : ept ? (vm === 'tdx' ? 'tdx' : 'ept') : 'shadow';
  return { kernel, era, flavour, vm, cfg };
}
