/**
 * Shared runner of the `role` and `vmtypes` commands: runs proof cases, judges each against its
 * expected verdict (as `ci` does), prints one block per case with the counterexample by bit name,
 * or one JSON document with `--json`.
 */
import { fail } from '../../core/diagnostic.js';
import type { ProofCase } from '../../core/suite.js';
import { bool, num, parse, str } from '../args.js';
import type { CaseStatus } from '../../report/suite-report.js';
import { type Io, toJson } from '../command.js';
import { exitFor, judge } from './ci.js';

/** One judged case of a family command. */
export interface FamilyRow {
  readonly id: string;
  readonly rule: string;
  readonly title: string;
  readonly expected: string;
  readonly got: string;
  readonly status: CaseStatus;
  readonly seconds: number;
  readonly note?: string;
  readonly detail?: string;
  /** The counterexample (assignment, observed values, explanation lines) of a violated rule. */
  readonly witness?: unknown;
}

const STATUS: Record<CaseStatus, string> = { pass: 'ok', 'unexpected-violation': 'FAIL (violated)', mismatch: 'FAIL (differs)', unknown: 'UNKNOWN', error: 'ERROR' };

/** Runs the cases and writes the report; returns the exit code (src/core/exit.ts). */
export async function runFamily(family: string, cases: readonly ProofCase[], timeoutSeconds: number, json: boolean, io: Io, crossCheck = false): Promise<number> {
  const t0 = performance.now();
  const rows: FamilyRow[] = [];
  for (const c of cases) {
    const o = await c.run({ timeoutSeconds, crossCheck });
    const j = judge(c, o);
    const witness = o.verdict.kind === 'violated' ? o.verdict.witness : undefined;
    rows.push({
      id: c.id,
      rule: c.id.split('/').pop() ?? c.id,
      title: c.title,
      expected: c.expect.verdict,
      got: o.verdict.kind,
      status: j.status,
      seconds: o.seconds,
      ...(c.expect.note ? { note: c.expect.note } : {}),
      ...(j.status !== 'pass' && j.detail !== undefined ? { detail: j.detail } : {}),
      ...(witness !== undefined ? { witness } : {}),
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const code = exitFor(rows);
  if (json) {
    io.out(toJson({ family, seconds, exitCode: code, cases: rows }));
    return code;
  }
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${r.id}: ${r.got} (expected ${r.expected}, ${STATUS[r.status]}, ${r.seconds.toFixed(2)}s)`);
    if (r.note) out.push(`  why: ${r.note}`);
    const expl = (r.witness as { explanation?: readonly string[] } | undefined)?.explanation;
    for (const line of expl ?? []) out.push(`    ${line}`);
    if (r.detail) out.push(`  ${r.detail}`);
  }
  const n = (s: CaseStatus): number => rows.filter((r) => r.status === s).length;
  out.push(`${family}: ${rows.length} rules, ${n('pass')} as expected, ${n('unexpected-violation') + n('mismatch')} differ, ${n('unknown')} unknown, ${n('error')} errors (${seconds.toFixed(1)}s)`);
  io.out(out.join('\n'));
  return code;
}

/** The usage lines of the flags every family command takes besides `--era` and `--rule`. */
export const FAMILY_FLAGS = `  --cross-check also cross-check each Z3 verdict by exhaustive enumeration of the relevant values
  --timeout S   Z3 time budget per rule in seconds (default 30)
  --json        one JSON document on stdout`;

/**
 * The body of a family command: parses `--era`, `--rule`, `--timeout`, `--cross-check` and
 * `--json`, takes the cases of the era (`casesOf` validates the era name), keeps those of the rule
 * and runs them.
 */
export async function runFamilyCommand(
  name: string,
  argv: string[],
  io: Io,
  family: { readonly ruleNames: readonly string[]; casesOf(era: string): readonly ProofCase[] },
): Promise<number> {
  const p = parse(name, argv, { era: { type: 'string' }, rule: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, 'cross-check': { type: 'boolean' } });
  const era = str(p, 'era') ?? 'all';
  const rule = str(p, 'rule');
  if (rule !== undefined && !family.ruleNames.includes(rule)) {
    fail('MMC005', `--rule ${rule}: unknown rule; rules: ${family.ruleNames.join(', ')}`, { subject: '--rule' });
  }
  const cases = family.casesOf(era).filter((c) => rule === undefined || c.id.endsWith(`/${rule}`));
  if (cases.length === 0) fail('MMC005', `--era ${era} does not check --rule ${rule ?? ''}`, { subject: '--rule' });
  return runFamily(name, cases, num(p, 'timeout', 0.1, 86400, 30)!, bool(p, 'json'), io, bool(p, 'cross-check'));
}
