/**
 * `mmucheck kernel PATH`: the SPTE rules proved on a Linux tree's own constants. Reads the tree's
 * version (→ era) and SPTE layout macros (src/kernel), prints the constants that differ from the
 * modelled era with file:line, builds the era's rules from the tree's constants (eraRules with
 * RuleOptions.consts), proves each with Z3 against its expectation, and evaluates the tree's own
 * static_asserts and BUILD_BUG_ONs. A violation is printed as compiler-style lines at the
 * #defines the rule depends on, with its counterexample. Exit codes as `ci`.
 */
import { hex64 } from '../../core/bits.js';
import { DiagnosticError, fail } from '../../core/diagnostic.js';
import type { Expectation } from '../../core/suite.js';
import type { Verdict } from '../../core/verdict.js';
import { CEvalError, evaluate } from '../../kernel/cexpr.js';
import type { Assertion } from '../../kernel/cpp.js';
import { CONST_SOURCES, type ConstName, RULE_DEPS, X86_64_CONFIG } from '../../kernel/layout.js';
import { type KernelTree, readTree, readVersion } from '../../kernel/tree.js';
import { type CaseReport, renderJunit } from '../../report/suite-report.js';
import { prove } from '../../smt/index.js';
import { type CatalogEntry, type Era, type SpteConsts, eraOf, eraRules, sameTable, spteConsts, witnessBlock, witnessLine } from '../../../model/spte/index.js';
import { expectationFor } from '../../../proofs/spte/expect.js';
import { bool, num, parse, str } from '../args.js';
import { type Command, toJson } from '../command.js';
import { requirePath, writeOutputFile } from '../output.js';
import { exitFor, judge } from './ci.js';

const usage = `usage: mmucheck kernel PATH [--json] [--junit FILE] [--quiet] [--timeout S]

Proves the SPTE layout rules on a Linux source tree's own constants (5.13 and later). Reads the
version from PATH/Makefile (-> era), the layout macros from arch/x86/kvm/mmu/spte.h, spte.c,
mmu_internal.h, arch/x86/kvm/mmu.h, arch/x86/include/asm/vmx.h and kvm_host.h, and the MMIO
setter calls in arch/x86/kvm/svm/svm.c (svm_adjust_mmio_mask, per mask_bit) and vmx/tdx.c
(tdx_vm_init, 6.16+), under an x86_64 configuration (${Object.keys(X86_64_CONFIG).join(', ')};
every other CONFIG_ is off), prints the constants that differ from the modelled era with
file:line, proves every rule of the era on the tree's constants (counterexamples decoded with
the tree's own bit positions) and evaluates the static_asserts and BUILD_BUG_ONs of the headers
and spte.c.
  --json        one JSON document on stdout: constants {NAME: {value, file, line, macro, modelled}}
                (svm.c's value and mask: 64 values by mask_bit), rules, asserts
  --junit FILE  write a JUnit XML report
  --quiet       print only the error lines and the summary
  --timeout S   per-query budget in seconds (default 30); a timeout is unknown, never holds
Exit codes as 'ci': 0 every verdict as expected, 10 a violation, 11 an expected violation not
found, 20 unknown, 64 input error (not a tree, missing file, a macro that cannot be evaluated).`;

/** One proved rule or evaluated assertion. */
interface Row {
  readonly id: string;
  readonly rule: string;
  readonly reason: string;
  readonly expected: Expectation;
  readonly verdict: Verdict<unknown>;
  readonly status: ReturnType<typeof judge>['status'];
  readonly seconds: number;
  /** Compiler-style lines for a violation (and the witness block). */
  readonly lines: readonly string[];
  readonly witness?: string;
  readonly counterexample?: Record<string, string>;
}

/** Returns the era of the tree's version (MMC008 before 5.13; eraOf's diagnostic, at the Makefile, otherwise). */
function treeEra(tree: Pick<KernelTree, 'version'>): Era {
  const v = tree.version;
  if (v.version < 5 || (v.version === 5 && v.patchlevel < 13)) {
    fail('MMC008', `Makefile: kernel ${v.text}: the 5.10-5.12 SPTE layout (SPTE_SPECIAL_MASK) and older are not modelled; mmucheck kernel reads 5.13 and later`, { subject: 'PATH' });
  }
  try {
    return eraOf(`${v.version}.${v.patchlevel}`);
  } catch (e) {
    if (e instanceof DiagnosticError) fail(e.diagnostic.code, `Makefile: kernel ${v.text}: ${e.diagnostic.message}`, { subject: 'PATH' });
    throw e;
  }
}

/** Returns the era's constants with every constant the tree defines put in place of the modelled one. */
export function treeConsts(era: Era, tree: KernelTree): SpteConsts {
  const k: Record<string, unknown> = { ...spteConsts(era) };
  for (const name of Object.keys(CONST_SOURCES) as ConstName[]) k[name] = tree.constants[name].value;
  return k as unknown as SpteConsts;
}

/** A constant's value: a word, a table per mask_bit (svm.c), or none (not in this era). */
type ConstValue = bigint | readonly bigint[] | undefined;

/** Returns whether a tree's constant equals the modelled one. */
function sameValue(a: ConstValue, b: ConstValue): boolean {
  return Array.isArray(a) && Array.isArray(b) ? sameTable(a, b) : a === b;
}

/** The mask_bit shown for a table that equals the model: the first in the CPU domain (x86_phys_bits >= 32). */
const SHOWN_MASK_BIT = 32;

/** Returns the mask_bit a table is shown at: the first where it differs from `other`, else SHOWN_MASK_BIT. */
function shownBit(v: readonly bigint[], other: ConstValue): number {
  if (!Array.isArray(other)) return SHOWN_MASK_BIT;
  const order = [...Array.from({ length: 64 - SHOWN_MASK_BIT }, (_, i) => i + SHOWN_MASK_BIT), ...Array.from({ length: SHOWN_MASK_BIT }, (_, i) => i)];
  return order.find((i) => v[i] !== other[i]) ?? SHOWN_MASK_BIT;
}

/** Returns a constant as text; a table at one mask_bit (where it differs from `other`, if it does). */
function hexOf(v: ConstValue, other?: ConstValue): string {
  if (v === undefined) return '(none)';
  if (!Array.isArray(v)) return hex64(v as bigint);
  const i = shownBit(v, other);
  return `${hex64(v[i]!)} at mask_bit=${i}`;
}

/** Returns `(modelled ERA NAME: VALUE)`, for a table at the tree's shown mask_bit and with the count of mask_bits that differ. */
function modelledNote(era: string, n: string, tree: ConstValue, model: ConstValue): string {
  if (Array.isArray(tree) && Array.isArray(model)) {
    const i = shownBit(tree, model);
    const k = tree.filter((x, j) => x !== model[j]).length;
    return `(modelled ${era} ${n}: ${hex64(model[i]!)} at mask_bit=${i}; ${k} of 64 mask_bit values differ)`;
  }
  return `(modelled ${era} ${n}: ${hexOf(model)})`;
}

/** Returns a constant for --json: a hex string, an array of 64 hex strings (by mask_bit), or null. */
function jsonOf(v: ConstValue): string | string[] | null {
  return v === undefined ? null : Array.isArray(v) ? v.map((x) => hex64(x)) : hex64(v as bigint);
}

/**
 * Returns whether a flavour's rules read a constant: NPT and shadow paging do not use the EPT
 * setter's masks, EPT and TDX neither the legacy access mask nor svm.c's call; only TDX reads the
 * TD's per-VM value. Layout-wide rules read what they list.
 */
function relevant(n: ConstName, f: CatalogEntry['flavour']): boolean {
  if (f === 'all') return true;
  if (n.startsWith('tdx')) return f === 'tdx';
  if (f === 'npt' || f === 'shadow') return !n.startsWith('ept');
  return n !== 'legacyMmioAccess' && !n.startsWith('svm');
}

/** Returns the compiler-style lines of a violated rule: one per constant it depends on, differing ones first. */
function ruleLines(e: CatalogEntry, tree: KernelTree, model: SpteConsts, headline: string): string[] {
  // NPT and shadow paging do not use the EPT setter's masks, EPT and TDX not the legacy access mask.
  const deps = (RULE_DEPS[e.rule.name] ?? []).filter((n) => relevant(n, e.flavour));
  const differs = (n: ConstName): boolean => !sameValue(tree.constants[n].value, model[n]);
  const ordered = [...deps.filter(differs), ...deps.filter((n) => !differs(n))];
  return ordered.map((n, i) => {
    const c = tree.constants[n];
    const was = differs(n) ? ` ${modelledNote(model.era, n, c.value, model[n])}` : '';
    return i === 0
      ? `${c.file}:${c.line}: error: rule ${e.rule.name}${e.flavour === 'all' ? '' : ` (${e.flavour})`}: ${headline}; ${c.source} = ${hexOf(c.value, model[n])}${was}`
      : `${c.file}:${c.line}: note: rule ${e.rule.name} depends on ${c.source} = ${hexOf(c.value, model[n])}${was}`;
  });
}

/** Proves one rule of the era on the tree's constants. */
async function proveRule(e: CatalogEntry, tree: KernelTree, model: SpteConsts, consts: SpteConsts, timeoutS: number): Promise<Row> {
  const r = await prove(e.rule, { timeoutMs: timeoutS * 1000 });
  const expected = expectationFor(e.era, e.flavour, e.rule.name);
  const id = `${e.era}/${e.flavour}/${e.rule.name}`;
  const v = r.verdict;
  let witness: string | undefined;
  let lines: string[] = [];
  let counterexample: Record<string, string> | undefined;
  if (v.kind === 'violated') {
    witness = witnessLine(e, v.witness);
    // decoded with the tree's own constants: a moved bit is shown where the tree put it
    lines = [...ruleLines(e, tree, model, e.rule.reason), ...witnessBlock(e, v.witness, e.era, consts)];
    counterexample = Object.fromEntries([...Object.entries(v.witness.assignment), ...Object.entries(v.witness.observed)].map(([k, x]) => [k, typeof x === 'boolean' ? String(x) : hex64(x)]));
  }
  const pc = { suite: 'kernel', id, title: e.rule.reason, expect: expected } as unknown as Parameters<typeof judge>[0];
  const j = judge(pc, { verdict: v, seconds: r.seconds, ...(witness ? { witnessText: witness } : {}) });
  return { id, rule: e.rule.name, reason: e.rule.reason, expected, verdict: v, status: j.status, seconds: r.seconds, lines, ...(witness ? { witness } : {}), ...(counterexample ? { counterexample } : {}) };
}

/** Evaluates one of the tree's own assertions with the macros defined above it. */
function checkAssertion(a: Assertion): Row | { skipped: string; id: string } {
  const id = `${a.file}:${a.line}`;
  let value: bigint;
  try {
    value = evaluate(a.cond, a.macros);
  } catch (e) {
    if (e instanceof CEvalError) return { id, skipped: `${a.kind}(${a.text}): not a constant expression over the tree's macros (${e.message})` };
    throw e;
  }
  const holds = a.kind === 'static_assert' ? value !== 0n : value === 0n;
  const verdict: Verdict<unknown> = holds ? { kind: 'holds', domain: 'the tree\'s constants' } : { kind: 'violated', witness: null };
  const lines = holds ? [] : [`${id}: error: ${a.kind}(${a.text}) ${a.kind === 'static_assert' ? 'is false' : 'is true'} (the expression is ${hex64(value)})`];
  return {
    id: `assert/${id}`, rule: `${a.kind}@${id}`, reason: `${a.kind}(${a.text})`, expected: { verdict: 'holds' }, verdict,
    status: holds ? 'pass' : 'unexpected-violation', seconds: 0, lines, ...(holds ? {} : { witness: `${a.text} = ${hex64(value)}` }),
  };
}

/** The `kernel` command. */
export const kernelCommand: Command = {
  name: 'kernel',
  summary: "prove the SPTE rules on a Linux tree's own constants (PATH: a source tree, 5.13 and later)",
  usage,
  async run(argv, io) {
    const p = parse('kernel', argv, { json: { type: 'boolean' }, junit: { type: 'string' }, quiet: { type: 'boolean' }, timeout: { type: 'string' } }, 1);
    const root = p.positionals[0];
    if (root === undefined) fail('MMC001', 'kernel: give the path of a Linux source tree (mmucheck kernel PATH)', { subject: 'PATH' });
    const junit = str(p, 'junit');
    if (junit !== undefined) requirePath('--junit', junit);
    const timeoutS = num(p, 'timeout', 0.001, 86400, 30)!;
    const t0 = performance.now();
    const era = treeEra({ version: readVersion(root) });
    const tree = readTree(root);
    const model = spteConsts(era);
    const consts = treeConsts(era, tree);
    const differing = (Object.keys(CONST_SOURCES) as ConstName[]).filter((n) => !sameValue(tree.constants[n].value, model[n]));
    const rows: Row[] = [];
    for (const e of eraRules(era, { consts })) rows.push(await proveRule(e, tree, model, consts, timeoutS));
    const skipped: { id: string; skipped: string }[] = [];
    for (const a of tree.assertions) {
      const r = checkAssertion(a);
      if ('skipped' in r) skipped.push(r);
      else rows.push(r);
    }
    const seconds = (performance.now() - t0) / 1000;
    const code = exitFor(rows);
    const count = (s: string): number => rows.filter((r) => r.status === s).length;
    const summary = `kernel ${tree.version.text} (era ${era}): ${rows.length} obligations, ${count('pass')} as expected, ${count('unexpected-violation')} violations, ${count('mismatch')} differ, ${count('unknown')} unknown; ${differing.length} constants differ from the model; ${skipped.length} asserts not constant (${seconds.toFixed(1)}s)`;
    if (junit !== undefined) writeOutputFile('--junit', junit, renderJunit(rows.map(toCaseReport)));
    if (bool(p, 'json')) {
      io.out(toJson({
        tree: tree.root, version: tree.version.text, era, summary, exitCode: code, seconds,
        constants: Object.fromEntries((Object.keys(CONST_SOURCES) as ConstName[]).map((n) => {
          const c = tree.constants[n];
          return [n, { value: jsonOf(c.value), file: c.file, line: c.line, macro: c.source, modelled: jsonOf(model[n]), differs: differing.includes(n) }];
        })),
        rules: rows.map((r) => ({
          id: r.id, rule: r.rule, verdict: r.verdict.kind, expected: r.expected.verdict, status: r.status, seconds: r.seconds, reason: r.reason,
          ...(r.expected.note ? { note: r.expected.note } : {}),
          ...(r.verdict.kind === 'unknown' ? { unknownReason: r.verdict.reason } : {}),
          ...(r.lines.length ? { errors: r.lines.filter((l) => /^\S+:\d+: (error|note):/.test(l)) } : {}),
          ...(r.counterexample ? { counterexample: r.counterexample } : {}),
        })),
        notConstant: skipped,
      }));
      return code;
    }
    if (!bool(p, 'quiet')) {
      io.out(`kernel ${tree.version.text} at ${tree.root}: era ${era}`);
      if (!differing.length) io.out('constants: every modelled constant has the value of the modelled era');
      for (const n of differing) {
        const c = tree.constants[n];
        io.out(`${c.file}:${c.line}: ${c.source} = ${hexOf(c.value, model[n])} ${modelledNote(era, n, c.value, model[n])}`);
      }
      const w = Math.max(...rows.map((r) => r.id.length));
      for (const r of rows) {
        const st = r.status === 'pass' ? (r.verdict.kind === 'violated' ? 'ok (expected violation)' : 'ok') : r.status.toUpperCase();
        io.out(`  ${r.id.padEnd(w)} ${r.verdict.kind.padEnd(9)} ${st}`);
      }
      for (const s of skipped) io.out(`${s.id}: note: ${s.skipped}`);
    }
    for (const r of rows) {
      if (r.status === 'pass') continue;
      io.out('');
      if (r.verdict.kind === 'unknown') io.out(`${r.id}: unknown: ${r.verdict.reason}`);
      else if (r.status === 'mismatch') io.out(`${r.id}: expected a violation (${r.expected.note ?? 'known finding'}) but it holds on this tree`);
      for (const l of r.lines) io.out(l);
    }
    io.out(summary);
    return code;
  },
};

function toCaseReport(r: Row): CaseReport {
  return {
    suite: 'kernel', id: r.id, title: r.reason, expected: r.expected, got: r.verdict.kind, status: r.status, seconds: r.seconds,
    ...(r.status !== 'pass' && r.lines.length ? { detail: r.lines.join('\n') } : {}),
    ...(r.witness ? { witness: r.witness } : {}),
  };
}
