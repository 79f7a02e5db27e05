/**
 * `mmucheck mmio`: what KVM derives for one machine (MMIO value, mask, access mask, caching, the
 * SEV-ES and TDX gates, the WARNs it would print) and each rule's verdict for that configuration.
 * Concrete evaluation of the model's expressions only: Z3 is never started.
 */
import { hex64 } from '../../core/bits.js';
import { EXIT } from '../../core/exit.js';
import { type Bool, type Bv, evaluate } from '../../dsl/index.js';
import { type Command, toJson } from '../command.js';
import { bool, parse } from '../args.js';
import { CPU_FLAGS, CPU_FLAGS_USAGE, parseMachine } from './cpu-flags.js';
import { evaluateRules, machineDerived } from './mmio-eval.js';

const usage = `usage: mmucheck mmio --vendor intel|amd --maxphyaddr N [flags] [--json]

Prints what KVM derives for one machine: the MMIO SPTE value and mask, the access mask, whether
MMIO caching is on, the SEV-ES and TDX gates, the WARNs KVM would print, and every rule of the
era and flavour evaluated for this configuration (no solver).
${CPU_FLAGS_USAGE}
  --json                   one JSON document on stdout`;

/** The `mmio` command. */
export const mmioCommand: Command = {
  name: 'mmio',
  summary: 'what KVM derives for one machine: MMIO value/mask, caching, SEV-ES/TDX gates, WARNs, rule verdicts',
  usage,
  async run(argv, io) {
    const p = parse('mmio', argv, { ...CPU_FLAGS, json: { type: 'boolean' } });
    const m = parseMachine(p);
    const d = machineDerived(m);
    const env = { ...m.cfg };
    const b = (x: Bv): bigint => evaluate(x, env);
    const t = (x: Bool): boolean => evaluate(x, env);
    const enc = m.cfg.amd === true && m.cfg.mem_encrypt === true;
    const out = {
      kernel: m.kernel,
      era: m.era,
      flavour: m.flavour,
      vm: m.vm,
      configuration: Object.fromEntries(Object.entries(m.cfg).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
      x86PhysBits: Number(b(d.cpu.x86PhysBits)),
      value: hex64(b(d.vmValue(m.vm))),
      globalValue: hex64(b(d.global.value)),
      mask: hex64(b(d.global.mask)),
      accessMask: hex64(b(d.global.access)),
      mmioCaching: t(d.installs),
      // The SEV-ES gate (sev_hardware_setup), evaluated as if SEV-ES were requested.
      sevEsAllowed: enc ? evaluate(d.sevEsAllowed, { ...env, sev_es: true }) : null,
      tdxAllowed: m.cfg.amd === true ? null : t(d.tdxAllowed),
      l1tfMask: hex64(b(d.l1tf.L)),
      lowerGfnMask: hex64(b(d.l1tf.lowerGfnMask)),
      maxGfn: hex64(b(d.maxGfn)),
      warnings: d.warnings.filter((w) => t(w.when)).map((w) => `${w.id} ${w.text}`),
      rules: evaluateRules(m, d),
    };
    if (bool(p, 'json')) {
      io.out(toJson(out));
      return EXIT.ok;
    }
    io.out(`kernel ${m.kernel} (era ${m.era}), flavour ${m.flavour}, VM ${m.vm}, x86_phys_bits ${out.x86PhysBits}`);
    io.out(`  MMIO value   ${out.value}${m.vm === 'tdx' ? ` (per-VM; global ${out.globalValue})` : ''}`);
    io.out(`  MMIO mask    ${out.mask}`);
    io.out(`  access mask  ${out.accessMask}`);
    io.out(`  MMIO caching ${out.mmioCaching ? 'on' : 'off'}`);
    io.out(`  SEV-ES       ${out.sevEsAllowed === null ? 'n/a' : out.sevEsAllowed ? 'allowed' : 'disabled (no MMIO caching)'}`);
    io.out(`  TDX          ${out.tdxAllowed === null ? 'n/a' : out.tdxAllowed ? 'allowed' : 'disabled'}`);
    io.out(`  L1TF mask    ${out.l1tfMask}   lower gfn mask ${out.lowerGfnMask}`);
    io.out(`  WARNs        ${out.warnings.length ? '' : '(none)'}`);
    for (const w of out.warnings) io.out(`    ${w}`);
    io.out('  rules:');
    for (const r of out.rules) {
      io.out(`    ${r.verdict.padEnd(24)} ${r.name}${r.exhaustive ? '' : ` (${r.samples} samples)`}${r.counterexample ? '  ' + Object.entries(r.counterexample).map(([k, v]) => `${k}=${v}`).join(' ') : ''}`);
    }
    return EXIT.ok;
  },
};
