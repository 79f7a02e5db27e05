/**
 * `mmucheck decode`: an SPTE decoded in every view of its flavour's layout (fields, bit numbers,
 * values) and classified for that era (present, MMIO, frozen, non-present) under a machine
 * configuration (defaults per flavour, overridable with the configuration flags).
 */
import { describeBits, hex64, parseBigint } from '../../core/bits.js';
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { bv, decodeView, evaluate } from '../../dsl/index.js';
import { LAYOUT_NAMES, type LayoutName, spteLayout } from '../../../model/spte/index.js';
import { type Command, toJson } from '../command.js';
import { bool, choice, parse } from '../args.js';
import { CPU_FLAGS, CPU_FLAGS_USAGE, parseMachine } from './cpu-flags.js';
import { machineDerived } from './mmio-eval.js';

const usage = `usage: mmucheck decode --flavour ept|tdx|npt|shadow|shadow-pae [--kernel X.Y] 0xSPTE [configuration flags] [--json]

Decodes an SPTE in every view of the flavour's layout and classifies it for the era. The MMIO
classification depends on the machine: defaults are Intel MAXPHYADDR 46 (ept, tdx, shadow, shadow-pae) and
AMD MAXPHYADDR 48 without memory encryption (npt); override with the flags below. A flavour the
machine cannot have (NPT on Intel, EPT with --ept off) is MMC004.
  --flavour F              the SPTE's layout: ept, tdx, npt, shadow, shadow-pae (required)
  --json                   one JSON document: classification, predicates, MMIO fields, every view
${CPU_FLAGS_USAGE}`;

/**
 * Raises MMC004 when the flavour cannot exist on the machine the flags describe: NPT only on AMD,
 * EPT and TDX only on Intel with EPT on, legacy shadow paging on Intel only with EPT off.
 */
function flavourFitsMachine(name: LayoutName, amd: boolean, ept: boolean, argv: readonly string[]): void {
  if (name === 'npt' && !amd) fail('MMC004', '--flavour npt with --vendor intel: contradictory configuration: NPT exists only on AMD (use --flavour ept or shadow)', { subject: '--vendor' });
  if ((name === 'ept' || name === 'tdx') && (amd || !ept)) {
    fail('MMC004', `--flavour ${name} with ${amd ? '--vendor amd' : '--ept off'}: contradictory configuration: ${name === 'tdx' ? 'TDX' : 'EPT'} SPTEs need --vendor intel --ept on (use --flavour ${amd ? 'npt' : 'shadow'})`, { subject: amd ? '--vendor' : '--ept' });
  }
  if ((name === 'shadow' || name === 'shadow-pae') && !amd && ept && argv.includes('--ept')) {
    fail('MMC004', `--flavour ${name} with --ept on: contradictory configuration: with EPT on, KVM uses EPT SPTEs (use --flavour ept, or --ept off)`, { subject: '--ept' });
  }
}

/** The `decode` command. */
export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode an SPTE field by field in every view and classify it (present/MMIO/frozen/non-present)',
  usage,
  async run(argv, io) {
    const p = parse('decode', argv, { ...CPU_FLAGS, flavour: { type: 'string' }, json: { type: 'boolean' } }, 1);
    const name = choice(p, 'flavour', LAYOUT_NAMES, undefined) as LayoutName | undefined;
    if (name === undefined) fail('MMC001', `decode: --flavour is required: one of ${LAYOUT_NAMES.join(', ')}`, { subject: '--flavour' });
    const text = p.positionals[0];
    if (text === undefined) fail('MMC001', 'decode: the SPTE value is required, e.g. 0x8000000000000006', { subject: 'SPTE' });
    const word = parseBigint(text);
    if (word === undefined || word >= 1n << 64n) fail('MMC003', `decode: ${text}: must be a 64-bit value (0x..., 0b... or decimal)`, { subject: 'SPTE' });
    const amd = name === 'npt';
    const argvVm = name === 'tdx' && !argv.includes('--vm') ? ['--vm', 'tdx'] : [];
    const p2 = argvVm.length ? parse('decode', [...argv, ...argvVm], { ...CPU_FLAGS, flavour: { type: 'string' }, json: { type: 'boolean' } }, 1) : p;
    const m = parseMachine(p2, { vendor: amd ? 'amd' : 'intel', maxphyaddr: amd ? 48 : 46, ept: name === 'ept' || name === 'tdx' });
    flavourFitsMachine(name, m.cfg.amd === true, m.cfg.ept === true, argv);
    if (name === 'npt' && m.flavour !== 'npt') fail('MMC004', '--flavour npt with --npt off: contradictory configuration: with NPT off, KVM uses shadow paging (use --flavour shadow)', { subject: '--npt' });
    const lay = spteLayout(name, m.era);
    const d = machineDerived(m);
    const env = { ...m.cfg };
    const s = bv(word);
    const isMmio = evaluate(d.isMmio(m.vm, s), env);
    const present = evaluate(d.isShadowPresent(s), env);
    const frozen = word === d.consts.frozen;
    const nonPresent = word === d.consts.nonPresent;
    const classification = frozen ? 'frozen' : isMmio && present ? 'ambiguous (present and MMIO)' : isMmio ? 'MMIO' : present ? 'present' : nonPresent ? 'non-present (SHADOW_NONPRESENT_VALUE)' : 'non-present';
    const mmio = isMmio
      ? {
          gfn: hex64(evaluate(d.decodeGfn(s), env)),
          generation: hex64(evaluate(d.decodeGen(s), env)),
          access: hex64(evaluate(d.decodeAccess(s), env)),
        }
      : null;
    const views = Object.fromEntries(
      Object.entries(lay.views).map(([v, fields]) => [v, decodeView(fields, word).map((f) => ({ field: f.name, bits: f.bits, value: hex64(f.value), doc: f.doc }))]),
    );
    if (bool(p, 'json')) {
      io.out(toJson({ spte: hex64(word), flavour: name, kernel: m.kernel, era: m.era, vm: m.vm, bits: describeBits(word), classification, predicates: { isMmio, shadowPresent: present, frozen, nonPresentValue: nonPresent }, mmio, mmioValue: hex64(evaluate(d.vmValue(m.vm), env)), mmioMask: hex64(evaluate(d.global.mask, env)), views }));
      return EXIT.ok;
    }
    io.out(`${hex64(word)}  ${name} @ ${m.kernel} (era ${m.era}), set bits ${describeBits(word)}`);
    io.out(`classification: ${classification}  (is_mmio_spte=${isMmio}, is_shadow_present_pte=${present}; MMIO value ${hex64(evaluate(d.vmValue(m.vm), env))} mask ${hex64(evaluate(d.global.mask, env))})`);
    if (mmio) io.out(`MMIO: gfn ${mmio.gfn} generation ${mmio.generation} access ${mmio.access}`);
    for (const [v, fields] of Object.entries(views)) {
      io.out(`view ${v}:`);
      for (const f of fields) io.out(`  ${f.field.padEnd(14)} [${f.bits.padStart(6)}] = ${BigInt(f.value) > 9n ? '0x' + BigInt(f.value).toString(16) : BigInt(f.value).toString()}`);
    }
    return EXIT.ok;
  },
};
