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
import { type CatalogEntry, type Era, type SpteConsts, eraOf, eraRules, spteConsts, witnessBlock, witnessLine } from '../../../model/spte/index.js';
import { expectationFor } from '../../../proofs/spte/expect.js';
import { bool, num, parse, str } from '../args.js';
import { type Command, toJson } from '../command.js';
import { requirePath, writeOutputFile } from '../output.js';
import { exitFor, judge } from './ci.js';

const usage = `usage: mmucheck kernel PATH [--json] [--junit FILE] [--quiet] [--timeout S]

Proves the SPTE layout rules on a Linux source tree's own constants (5.13 and later). Reads the
version from PATH/Makefile (-> era), the layout macros from arch/x86/kvm/mmu/spte.h, spte.c,
mmu_internal.h, arch/x86/kvm/mmu.h, arch/x86/include/asm/vmx.h and kvm_host.h under an x86_64
configuration (${Object.keys(X86_64_CONFIG).join(', ')}; every other CONFIG_ is off),
prints the constants that differ from the modelled era with file:line, proves every rule of the
era on the tree's constants and evaluates the tree's static_asserts and BUILD_BUG_ONs.
  --json        one JSON document on stdout: constants {NAME: {value, file, line, macro, modelled}}, rules, asserts
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

function hexOf(v: bigint | undefined): string {
  return v === undefined ? '(none)' : hex64(v);
}

/** Returns the compiler-style lines of a violated rule: one per constant it depends on, differing ones first. */
function ruleLines(e: CatalogEntry, tree: KernelTree, model: SpteConsts, headline: string): string[] {
  // NPT and shadow paging do not use the EPT setter's masks, EPT and TDX not the legacy access mask.
  const deps = (RULE_DEPS[e.rule.name] ?? []).filter((n) => (e.flavour === 'npt' || e.flavour === 'shadow' ? !n.startsWith('ept') : e.flavour === 'all' || n !== 'legacyMmioAccess'));
  const differs = (n: ConstName): boolean => tree.constants[n].value !== model[n];
  const ordered = [...deps.filter(differs), ...deps.filter((n) => !differs(n))];
  return ordered.map((n, i) => {
    const c = tree.constants[n];
    const was = differs(n) ? ` (modelled ${model.era}: ${hexOf(model[n])})` : '';
    return i === 0
      ? `${c.file}:${c.line}: error: rule ${e.rule.name}${e.flavour === 'all' ? '' : ` (${e.flavour})`}: ${headline}; ${c.source} = ${hexOf(c.value)}${was}`
      : `${c.file}:${c.line}: note: rule ${e.rule.name} depends on ${c.source} = ${hexOf(c.value)}${was}`;
  });
}

/** Proves one rule of the era on the tree's constants. */
async function proveRule(e: CatalogEntry, tree: KernelTree, model: SpteConsts, timeoutS: number): Promise<Row> {
  const r = await prove(e.rule, { timeoutMs: timeoutS * 1000 });
  const expected = expectationFor(e.era, e.flavour, e.rule.name);
  const id = `${e.era}/${e.flavour}/${e.rule.name}`;
  const v = r.verdict;
  let witness: string | undefined;
  let lines: string[] = [];
  let counterexample: Record<string, string> | undefined;
  if (v.kind === 'violated') {
    witness = witnessLine(e, v.witness);
    lines = [...ruleLines(e, tree, model, e.rule.reason), ...witnessBlock(e, v.witness, e.era)];
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
    const differing = (Object.keys(CONST_SOURCES) as ConstName[]).filter((n) => tree.constants[n].value !== model[n]);
    const rows: Row[] = [];
    for (const e of eraRules(era, { consts })) rows.push(await proveRule(e, tree, model, timeoutS));
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
          return [n, { value: c.value === undefined ? null : hex64(c.value), file: c.file, line: c.line, macro: c.source, modelled: model[n] === undefined ? null : hex64(model[n] as bigint), differs: differing.includes(n) }];
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
        io.out(`${c.file}:${c.line}: ${c.source} = ${hexOf(c.value)} (modelled ${era} ${n}: ${hexOf(model[n] as bigint | undefined)})`);
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
