/**
 * `mmucheck vmtypes`: the VM-type family (KVM_CAP_VM_TYPES, the CoCo flags each type sets, the
 * memslot-deletion zap policy) per kernel era and for caught variants, proved with Z3.
 * `--type T` is a what-if: one type on one host, per era.
 */
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { VM_ERAS, VM_RULE_NAMES, VM_TYPES, type VmEra, type VmTypeWhatIf, vmTypeOf, vmTypeWhatIf } from '../../../model/vm/index.js';
import { VM_VARIANTS, variantCases } from '../../../proofs/vmtype/index.js';
import { bool, choice, parse, str } from '../args.js';
import { type Command, type Io, toJson } from '../command.js';
import { FAMILY_FLAGS, runFamilyCommand } from './family-run.js';

const keys = VM_VARIANTS.map((v) => v.key);
const typeNames = VM_TYPES.map((t) => t.name);
const usage = `usage: mmucheck vmtypes [--era KEY] [--rule NAME] [--timeout S] [--cross-check] [--json]
       mmucheck vmtypes --type T [--era ${VM_ERAS.join('|')}|all] [--vendor intel|amd] [--disable-quirks MASK] [--json]

Proves the VM-type obligations (capability fits u32, CoCo flags consistent, memslot deletion never
fast-zaps a TD) per kernel era and for historical/mutant variants, against expected verdicts.
  --era KEY     ${keys.join(', ')}, or all (default)
  --rule NAME   one rule: ${VM_RULE_NAMES.join(', ')}
${FAMILY_FLAGS}

What-if (--type): KVM_CREATE_VM with type T (${typeNames.join(', ')}, or its number) on a host with
every feature of its vendor: whether it is created, KVM_CAP_VM_TYPES and the type's bit in it, the
per-VM flags, the disabled quirks, the era's zap policy and what memslot deletion does.
  --era E               ${VM_ERAS.join(', ')} or all (default)
  --vendor intel|amd    host vendor (default: the type's own; intel for DEFAULT and SW_PROTECTED)
  --disable-quirks MASK KVM_CAP_DISABLE_QUIRKS2 argument after creation (default 0; e.g. 0x80 SLOT_ZAP_ALL)`;

/** Runs the VM-type what-if. */
function runType(argv: string[], io: Io): number {
  const p = parse('vmtypes', argv, { type: { type: 'string' }, era: { type: 'string' }, vendor: { type: 'string' }, 'disable-quirks': { type: 'string' }, json: { type: 'boolean' } });
  const t = str(p, 'type')!;
  const info = vmTypeOf(t);
  if (!info) fail('MMC003', `--type ${t}: unknown VM type; types: ${VM_TYPES.map((x) => `${x.name} (${x.value})`).join(', ')}`, { subject: '--type' });
  const era = str(p, 'era') ?? 'all';
  if (era !== 'all' && !(VM_ERAS as readonly string[]).includes(era)) fail('MMC003', `--era ${era}: with --type, one of ${[...VM_ERAS, 'all'].join(', ')}`, { subject: '--era' });
  const vendor = choice(p, 'vendor', ['intel', 'amd'] as const, info!.vendor === 'amd' ? 'amd' : 'intel')!;
  const q = str(p, 'disable-quirks') ?? '0';
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(q) || BigInt(q) >> 64n) fail('MMC001', `--disable-quirks ${q}: not a 64-bit number (0x hex or decimal)`, { subject: '--disable-quirks' });
  const eras: VmEra[] = era === 'all' ? [...VM_ERAS] : [era as VmEra];
  const rows = eras.map((e) => vmTypeWhatIf(e, info!.name, vendor, BigInt(q)));
  if (bool(p, 'json')) {
    io.out(toJson({ type: info!.name, vendor, eras: rows }));
    return EXIT.ok;
  }
  for (const r of rows) io.out(describe(r).join('\n'));
  return EXIT.ok;
}

/** Returns the text lines of one era's answer. */
function describe(r: VmTypeWhatIf): string[] {
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  return [
    `era ${r.era}: ${r.type.uapi} (${r.type.value}) on an ${r.vendor === 'amd' ? 'AMD' : 'Intel'} host`,
    `  KVM_CREATE_VM      ${r.created ? 'succeeds' : 'fails (EINVAL: type not supported)'}`,
    `  KVM_CAP_VM_TYPES   ${r.capability}; bit ${r.capabilityBit} ${r.advertised ? 'set' : 'clear'}`,
    ...(r.created
      ? [
          `  flags              has_private_mem ${yes(r.flags.hasPrivateMem)}, has_protected_state ${yes(r.flags.hasProtectedState)}, pre_fault_allowed ${yes(r.flags.preFaultAllowed)}, mirrored TDP ${yes(r.flags.mirroredTdp)}`,
          `  disabled quirks    ${r.disabledQuirks} (SLOT_ZAP_ALL ${r.slotZapAllQuirk ? 'enabled' : 'disabled'})`,
          `  zap policy         ${r.zapPolicy}: memslot deletion does ${r.memslotDelete}`,
        ]
      : []),
  ];
}

export const vmtypesCommand: Command = {
  name: 'vmtypes',
  summary: 'prove the VM-type rules: KVM_CAP_VM_TYPES, CoCo flags, memslot-deletion zap policy; --type: one type what-if',
  usage,
  run: (argv, io) =>
    argv.some((a) => a === '--type' || a.startsWith('--type='))
      ? Promise.resolve(runType(argv, io))
      : runFamilyCommand('vmtypes', argv, io, {
          ruleNames: VM_RULE_NAMES,
          casesOf(era) {
            if (era !== 'all' && !keys.includes(era)) fail('MMC003', `--era ${era}: must be one of ${[...keys, 'all'].join(', ')}`, { subject: '--era' });
            return VM_VARIANTS.filter((v) => era === 'all' || v.key === era).flatMap(variantCases);
          },
        }),
};
