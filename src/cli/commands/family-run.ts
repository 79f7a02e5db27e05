/**
 * Shared runner of the `role` and `vmtypes` commands: runs proof cases, judges each against its
 * expected verdict (as `ci` does), prints one block per case with the counterexample by bit name,
 * or one JSON document with `--json`.
 */
import type { ProofCase } from '../../core/suite.js';
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
