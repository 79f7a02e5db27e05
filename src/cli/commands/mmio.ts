/**
 * `mmucheck mmio`: what KVM derives for one machine (MMIO value, mask, access mask, caching, the
 * SEV-ES and TDX gates, the WARNs it would print) and each rule's verdict for that configuration,
 * each violation labelled (known finding, by design, fixed upstream). `--set value=V,mask=M` is a
 * what-if: the MMIO setter called with the user's arguments, per era.
 * Concrete evaluation of the model's expressions only: Z3 is never started.
 */
import { hex64 } from '../../core/bits.js';
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { type Bool, type Bv, evaluate } from '../../dsl/index.js';
import type { KvmVariant } from '../../../model/kvm/index.js';
import { ERAS, type Era, flavourInEra, hasPerVmMmioSetter } from '../../../model/spte/index.js';
import { type Command, type Io, toJson } from '../command.js';
import { bool, parse, str } from '../args.js';
import { CPU_FLAGS, CPU_FLAGS_USAGE, type Machine, parseMachine } from './cpu-flags.js';
import { type ConcreteRule, evaluateRules, machineDerived } from './mmio-eval.js';

const usage = `usage: mmucheck mmio --vendor intel|amd --maxphyaddr N [flags] [--set value=V,mask=M[,access=A]] [--json]

Prints what KVM derives for one machine: the MMIO SPTE value and mask, the access mask, whether
MMIO caching is on, the SEV-ES and TDX gates, the WARNs KVM would print, and every rule of the
era and flavour evaluated for this configuration (no solver). Each violation is labelled: a known
finding, by design, or a known bug with the upstream fix.
${CPU_FLAGS_USAGE}
  --set value=V,mask=M[,access=A]
                           what-if: the vendor's hardware_setup calls kvm_mmu_set_mmio_spte_mask(V, M, A)
                           instead of its own call (A defaults to the vendor's: 0 for EPT, 0x6 otherwise);
                           prints the resulting value and mask, caching, the WARNs and every rule, for
                           each era (or the --kernel one), and where the era has the per-VM setter
                           (6.16+, era 6.13) also kvm_mmu_set_mmio_spte_value(kvm, V), which checks nothing
  --json                   one JSON document on stdout`;

/** The keys `--set` takes. */
const SET_KEYS = ['value', 'mask', 'access'] as const;

/** Parses `--set value=V,mask=M[,access=A]` (MMC001 naming --set and the keys). */
export function parseSet(text: string, defaultAccess: bigint): { value: bigint; mask: bigint; access: bigint } {
  const bad = (why: string): never =>
    fail('MMC001', `--set ${text}: ${why}; expected value=V,mask=M[,access=A] with keys ${SET_KEYS.join(', ')} (numbers in 0x hex or decimal, below 2^64)`, { subject: '--set' });
  const got: Partial<Record<(typeof SET_KEYS)[number], bigint>> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*(0x[0-9a-fA-F]+|[0-9]+)\s*$/.exec(part);
    if (!m) bad(`'${part}' is not key=number`);
    const key = m![1] as (typeof SET_KEYS)[number];
    if (!SET_KEYS.includes(key)) bad(`unknown key '${m![1]}'`);
    if (got[key] !== undefined) bad(`key '${key}' given twice`);
    const v = BigInt(m![2]!);
    if (v >> 64n) bad(`${key} ${m![2]} does not fit 64 bits`);
    got[key] = v;
  }
  if (got.value === undefined || got.mask === undefined) bad(`missing ${got.value === undefined ? 'value' : 'mask'}`);
  return { value: got.value!, mask: got.mask!, access: got.access ?? defaultAccess };
}

/** Returns what KVM derives for a machine (and a what-if variant), as plain values. */
function derivedValues(m: Machine, variant: KvmVariant = {}) {
  const d = machineDerived(m, variant);
  const env = { ...m.cfg };
  const b = (x: Bv): bigint => evaluate(x, env);
  const t = (x: Bool): boolean => evaluate(x, env);
  return {
    d, b, t,
    value: hex64(b(d.vmValue(m.vm))),
    globalValue: hex64(b(d.global.value)),
    mask: hex64(b(d.global.mask)),
    accessMask: hex64(b(d.global.access)),
    mmioCaching: t(d.installs),
    warnings: d.warnings.filter((w) => t(w.when)).map((w) => `${w.id} ${w.text}`),
  };
}

/** Writes the rule lines of `mmio` (verdict, name, samples, label, counterexample). */
function printRules(io: Io, rules: readonly ConcreteRule[], indent: string): void {
  for (const r of rules) {
    const cx = r.counterexample ? '  ' + Object.entries(r.counterexample).map(([k, v]) => `${k}=${v}`).join(' ') : '';
    io.out(`${indent}${r.verdict.padEnd(24)} ${r.name}${r.exhaustive ? '' : ` (${r.samples} samples)`}${r.label ? ` [${r.label}]` : ''}${cx}`);
  }
}

/** Runs `mmio --set`: the what-if call per era. */
function runSet(m: Machine, text: string, eras: readonly Era[], json: boolean, io: Io): number {
  const tdpEpt = m.flavour === 'ept' || m.flavour === 'tdx';
  const call = parseSet(text, tdpEpt ? 0n : 0x6n);
  const rows = eras.map((era) => {
    const me: Machine = { ...m, era };
    const g = derivedValues(me, { setterCall: call });
    const perVm = hasPerVmMmioSetter(era);
    return {
      era,
      global: { value: g.globalValue, mask: g.mask, accessMask: g.accessMask, mmioCaching: g.mmioCaching, warnings: g.warnings },
      rules: evaluateRules(me, { setterCall: call }),
      ...(perVm ? { perVm: { value: hex64(call.value), mask: g.mask, mmioCaching: g.mmioCaching, rules: evaluateRules(me, { setterCall: call, perVmValue: call.value }) } } : {}),
    };
  });
  const callText = `kvm_mmu_set_mmio_spte_mask(${hex64(call.value)}, ${hex64(call.mask)}, ${hex64(call.access)})`;
  if (json) {
    io.out(toJson({ flavour: m.flavour, vm: m.vm, configuration: Object.fromEntries(Object.entries(m.cfg).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])), set: { value: hex64(call.value), mask: hex64(call.mask), access: hex64(call.access) }, notes: m.notes, eras: rows }));
    return EXIT.ok;
  }
  io.out(`what-if: hardware_setup calls ${callText} after kvm_mmu_reset_all_pte_masks, instead of its own call; flavour ${m.flavour}, VM ${m.vm}`);
  for (const n of m.notes) io.out(`  note: ${n}`);
  for (const r of rows) {
    io.out(`era ${r.era}:`);
    io.out(`  global setter: value ${r.global.value}  mask ${r.global.mask}  access ${r.global.accessMask}  MMIO caching ${r.global.mmioCaching ? 'on' : 'off'}`);
    io.out(`  WARNs ${r.global.warnings.length ? '' : '(none)'}`);
    for (const w of r.global.warnings) io.out(`    ${w}`);
    io.out('  rules:');
    printRules(io, r.rules, '    ');
    if (r.perVm) {
      io.out(`  per-VM setter kvm_mmu_set_mmio_spte_value(kvm, ${r.perVm.value}) (no checks, no WARN): value ${r.perVm.value}  mask ${r.perVm.mask} (global)  MMIO caching ${r.perVm.mmioCaching ? 'on' : 'off'} (global)`);
      io.out('  rules with that per-VM value:');
      printRules(io, r.perVm.rules, '    ');
    }
  }
  return EXIT.ok;
}

/** The `mmio` command. */
export const mmioCommand: Command = {
  name: 'mmio',
  summary: 'what KVM derives for one machine: MMIO value/mask, caching, SEV-ES/TDX gates, WARNs, rule verdicts; --set: setter what-if',
  usage,
  async run(argv, io) {
    const p = parse('mmio', argv, { ...CPU_FLAGS, set: { type: 'string' }, json: { type: 'boolean' } });
    const m = parseMachine(p);
    const set = str(p, 'set');
    if (set !== undefined) {
      const eras = str(p, 'kernel') === undefined ? ERAS.filter((e) => flavourInEra(m.flavour, e)) : [m.era];
      return runSet(m, set, eras, bool(p, 'json'), io);
    }
    const g = derivedValues(m);
    const { d, b, t } = g;
    const enc = m.cfg.amd === true && m.cfg.mem_encrypt === true;
    const out = {
      kernel: m.kernel,
      era: m.era,
      flavour: m.flavour,
      vm: m.vm,
      configuration: Object.fromEntries(Object.entries(m.cfg).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
      notes: m.notes,
      x86PhysBits: Number(b(d.cpu.x86PhysBits)),
      value: g.value,
      globalValue: g.globalValue,
      mask: g.mask,
      accessMask: g.accessMask,
      mmioCaching: g.mmioCaching,
      // shadow_me_value: the SME C-bit KVM sets in every present SPTE.
      meValue: hex64(m.cfg.sme === true ? 1n << (m.cfg.cbit as bigint) : 0n),
      // The SEV-ES gate (sev_hardware_setup), evaluated as if SEV-ES were requested.
      sevEsAllowed: enc && m.flavour === 'npt' ? evaluate(d.sevEsAllowed, { ...m.cfg, sev_es: true }) : null,
      tdxAllowed: m.cfg.amd === true ? null : t(d.tdxAllowed),
      l1tfMask: hex64(b(d.l1tf.L)),
      lowerGfnMask: hex64(b(d.l1tf.lowerGfnMask)),
      maxGfn: hex64(b(d.maxGfn)),
      warnings: g.warnings,
      rules: evaluateRules(m),
    };
    if (bool(p, 'json')) {
      io.out(toJson(out));
      return EXIT.ok;
    }
    io.out(`kernel ${m.kernel} (era ${m.era}), flavour ${m.flavour}, VM ${m.vm}, x86_phys_bits ${out.x86PhysBits}`);
    for (const n of m.notes) io.out(`  note: ${n}`);
    io.out(`  MMIO value   ${out.value}${m.vm === 'tdx' ? ` (per-VM; global ${out.globalValue})` : ''}`);
    io.out(`  MMIO mask    ${out.mask}`);
    io.out(`  access mask  ${out.accessMask}`);
    io.out(`  MMIO caching ${out.mmioCaching ? 'on' : 'off'}`);
    if (m.cfg.sme === true) io.out(`  SME          C-bit ${out.meValue} in every present SPTE (shadow_me_value)`);
    io.out(`  SEV-ES       ${out.sevEsAllowed === null ? 'n/a' : out.sevEsAllowed ? 'allowed' : 'disabled (no MMIO caching)'}`);
    io.out(`  TDX          ${out.tdxAllowed === null ? 'n/a' : out.tdxAllowed ? 'allowed' : 'disabled'}`);
    io.out(`  L1TF mask    ${out.l1tfMask}   lower gfn mask ${out.lowerGfnMask}`);
    io.out(`  WARNs        ${out.warnings.length ? '' : '(none)'}`);
    for (const w of out.warnings) io.out(`    ${w}`);
    io.out('  rules:');
    printRules(io, out.rules, '    ');
    return EXIT.ok;
  },
};
