/**
 * `mmucheck synth`: asks Z3 for an MMIO value and mask that satisfy every setter check and MMIO
 * obligation for one machine, or proves that none exists and names the conflicting rules (the
 * unsat core, by rule name). The constraints are the model's own expressions with the machine's
 * configuration pinned.
 */
import { describeBits, hex64 } from '../../core/bits.js';
import { EXIT } from '../../core/exit.js';
import { type Bool, type Bv, all, bvVar, evaluate, genmask } from '../../dsl/index.js';
import { type Labelled, synthesize } from '../../smt/index.js';
import { cpuVars } from '../../../model/cpus/index.js';
import { type Command, toJson } from '../command.js';
import { bool, num, parse } from '../args.js';
import { CPU_FLAGS, CPU_FLAGS_USAGE, parseMachine } from './cpu-flags.js';
import { machineDerived } from './mmio-eval.js';

const usage = `usage: mmucheck synth --vendor intel|amd --maxphyaddr N [flags] [--timeout S] [--json]

Asks Z3 for an MMIO SPTE value and mask valid for this machine (every check of
kvm_mmu_set_mmio_spte_mask and every MMIO obligation), or proves none exists and names the
conflicting rules.
${CPU_FLAGS_USAGE}
  --timeout S              Z3 budget in seconds (default 30)
  --json                   one JSON document on stdout`;

/** The `synth` command. */
export const synthCommand: Command = {
  name: 'synth',
  summary: 'ask Z3 for a valid MMIO value and mask for one machine, or name the rules that make it impossible',
  usage,
  async run(argv, io) {
    const p = parse('synth', argv, { ...CPU_FLAGS, timeout: { type: 'string' }, json: { type: 'boolean' } });
    const m = parseMachine(p);
    const d = machineDerived(m);
    const k = d.consts;
    const c = cpuVars();
    const value = bvVar('value', { doc: 'synthesised MMIO value', display: 'hex' });
    const mask = bvVar('mask', { doc: 'synthesised MMIO mask', display: 'hex' });
    const ept = m.flavour === 'ept' || m.flavour === 'tdx';
    const gpaBits = genmask(c.maxphyaddr.sub(1), 12);
    const L = d.l1tf.L;
    const rules: Labelled[] = [
      { label: 'value-nonzero (R9: caching on)', expr: value.ne(0) },
      { label: 'value-in-mask (R7)', expr: value.within(mask) },
      { label: 'value-avoids-lower-gfn-mask (R2)', expr: value.disjoint(d.l1tf.lowerGfnMask) },
      { label: 'value-avoids-l1tf-relocation (R6)', expr: value.disjoint(L.shl(k.l1tfLen)) },
      { label: 'frozen-does-not-match (R8)', expr: mask.and(k.frozen).ne(value) },
      { label: 'nonpresent-does-not-match', expr: mask.and(k.nonPresent).ne(value) },
      { label: 'mask-avoids-generation-and-present (SA7/SA8)', expr: mask.disjoint(k.genLow | k.genHigh | k.mmuPresent) },
      { label: 'mask-avoids-access-bits', expr: mask.disjoint(d.global.access) },
      { label: 'gpa-bits-in-mask-are-set-in-value', expr: mask.and(gpaBits.or(L)).within(value) },
      { label: 'mask-avoids-l1tf-relocation', expr: mask.disjoint(L.shl(k.l1tfLen)) },
      ept
        ? { label: 'ept-misconfig (W|X without R)', expr: value.and(7).eq(6).and(mask.and(7).eq(7)) }
        : { label: 'faults-as-reserved (P plus a hardware-reserved bit)', expr: all(value.test(0), value.and(d.hwReserved).ne(0)) },
    ];
    if (k.mmioAllowed !== undefined) rules.push({ label: 'mask-in-allowed (R5: SPTE_MMIO_ALLOWED_MASK)', expr: mask.within(k.mmioAllowed) });
    if (ept && k.eptPresentHigh) rules.push({ label: 'mask-has-suppress-ve (6.10+ present SPTEs carry bit 63)', expr: mask.and(k.eptPresentHigh).ne(0) });
    if (m.vm === 'sev-es') rules.push({ label: 'sev-es-reserved-bit (not only the C-bit)', expr: value.and(d.hwReserved).ne(0) });
    if (m.vm === 'tdx') {
      rules.push({ label: 'td-nonpresent-and-frozen-do-not-match-value-0', expr: all(mask.and(k.nonPresent).ne(0), mask.and(k.frozen).ne(0)) });
      rules.push({ label: 'td-mmio-spte-matches-value-0', expr: mask.and(gpaBits.or(L).or(k.genLow | k.genHigh)).eq(0) });
    }
    // Pin every CPU variable to the machine (by equality on the variable itself).
    const vars = new Map<string, Bv | Bool>(Object.entries({
      maxphyaddr: c.maxphyaddr, amd: c.amd, mem_encrypt: c.memEncrypt, cbit: c.cbit, phys_reduction: c.physReduction, sme: c.sme,
      keyid_bits: c.keyidBits, l1tf: c.l1tf, cache_bits: c.cacheBits, ept: c.ept, ept_ad: c.eptAd, exec_only: c.execOnly,
      tdx_gpaw: c.tdxGpaw, sev_es: c.sevEs, mmio_caching: c.mmioCaching,
    }));
    const hard: Bool[] = [];
    for (const [n, x] of vars) {
      const val = m.cfg[n as keyof typeof m.cfg];
      if (typeof val === 'boolean') hard.push(val ? (x as Bool) : (x as Bool).not());
      else hard.push((x as Bv).eq(val));
    }
    const r = await synthesize(hard, rules, { timeoutMs: num(p, 'timeout', 0.001, 86400, 30)! * 1000 });
    const env = { ...m.cfg };
    const kvm = { value: hex64(evaluate(d.vmValue(m.vm), env)), mask: hex64(evaluate(d.global.mask, env)), mmioCaching: evaluate(d.installs, env) };
    if (r.kind === 'unknown') {
      if (bool(p, 'json')) io.out(toJson({ result: 'unknown', reason: r.reason, kvm }));
      else io.out(`synth: unknown (${r.reason})`);
      return EXIT.unknown;
    }
    if (r.kind === 'unsat') {
      if (bool(p, 'json')) io.out(toJson({ result: 'impossible', conflicting: r.core, kvm, seconds: r.seconds, flavour: m.flavour, era: m.era }));
      else {
        io.out(`no MMIO value and mask exist for this machine (${m.flavour}, era ${m.era}); conflicting rules:`);
        for (const l of r.core) io.out(`  ${l}`);
        io.out(`KVM derives: value ${kvm.value} mask ${kvm.mask} caching ${kvm.mmioCaching ? 'on' : 'off'}`);
      }
      return EXIT.ok;
    }
    const v = r.assignment['value'] as bigint;
    const mk = r.assignment['mask'] as bigint;
    if (bool(p, 'json')) {
      io.out(toJson({ result: 'found', value: hex64(v), mask: hex64(mk), rules: rules.map((x) => x.label), kvm, seconds: r.seconds, flavour: m.flavour, era: m.era }));
      return EXIT.ok;
    }
    io.out(`found (${m.flavour}, era ${m.era}): value ${hex64(v)} bits ${describeBits(v)}`);
    io.out(`                       mask  ${hex64(mk)} bits ${describeBits(mk)}`);
    io.out(`satisfies: ${rules.map((x) => x.label).join('; ')}`);
    io.out(`KVM derives: value ${kvm.value} mask ${kvm.mask} caching ${kvm.mmioCaching ? 'on' : 'off'}`);
    return EXIT.ok;
  },
};
