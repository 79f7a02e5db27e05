/**
 * Rendering of `mmucheck ci` results: a verdict table for people, JUnit XML and JSON for CI.
 */
import type { Expectation } from '../core/suite.js';
import type { VerdictKind } from '../core/verdict.js';

/** The judgement of one case against its expectation. */
export type CaseStatus =
  /** The engine's verdict equals the expectation (and pins match). */
  | 'pass'
  /** The engine found a violation where `holds` was expected. */
  | 'unexpected-violation'
  /** The verdict or a pinned figure differs from the expectation in another way. */
  | 'mismatch'
  /** Z3 unknown, timeout, or a bound hit. */
  | 'unknown'
  /** The case could not be evaluated (diagnostic or internal error). */
  | 'error';

/** One row of the report. */
export interface CaseReport {
  readonly suite: string;
  readonly id: string;
  readonly title: string;
  readonly expected: Expectation;
  readonly got: VerdictKind;
  readonly status: CaseStatus;
  readonly seconds: number;
  readonly distinctStates?: number;
  /** Why the status is not `pass`, or the witness summary for an expected violation. */
  readonly detail?: string;
}

const STATUS_TEXT: Record<CaseStatus, string> = {
  pass: 'ok',
  'unexpected-violation': 'FAIL (violated)',
  mismatch: 'FAIL (differs)',
  unknown: 'UNKNOWN',
  error: 'ERROR',
};

/** Returns the verdict table as fixed-width text. */
export function renderTable(rows: readonly CaseReport[]): string {
  const head = ['suite', 'case', 'expected', 'got', 'states', 'time', 'status'];
  const body = rows.map((r) => [
    r.suite,
    r.id,
    r.expected.verdict,
    r.got,
    r.distinctStates === undefined ? '' : String(r.distinctStates),
    `${r.seconds.toFixed(2)}s`,
    STATUS_TEXT[r.status],
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  const findings = rows.filter((r) => r.status === 'pass' && r.got === 'violated');
  if (findings.length) {
    out.push('', `Expected violations (findings, known bugs, mutants): ${findings.length}`);
    for (const r of findings) out.push(`  ${r.id}: ${r.expected.note ?? r.title}`, ...(r.detail ? [`    ${r.detail.split('\n').join('\n    ')}`] : []));
  }
  const bad = rows.filter((r) => r.status !== 'pass');
  for (const r of bad) out.push('', `${STATUS_TEXT[r.status]}: ${r.id}`, `  ${(r.detail ?? '').split('\n').join('\n  ')}`);
  return out.join('\n');
}

/** Returns a one-line summary, e.g. `ci: 120 cases, 120 as expected, 0 differ, 0 unknown, 0 errors`. */
export function renderSummary(rows: readonly CaseReport[], seconds: number): string {
  const n = (s: CaseStatus): number => rows.filter((r) => r.status === s).length;
  return `ci: ${rows.length} cases, ${n('pass')} as expected, ${n('unexpected-violation') + n('mismatch')} differ, ${n('unknown')} unknown, ${n('error')} errors (${seconds.toFixed(1)}s)`;
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Returns JUnit XML: one testsuite per family, one testcase per case. */
export function renderJunit(rows: readonly CaseReport[]): string {
  const suites = [...new Set(rows.map((r) => r.suite))];
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="mmucheck" tests="${rows.length}">`];
  for (const s of suites) {
    const rs = rows.filter((r) => r.suite === s);
    const failures = rs.filter((r) => r.status === 'unexpected-violation' || r.status === 'mismatch' || r.status === 'unknown').length;
    const errors = rs.filter((r) => r.status === 'error').length;
    const time = rs.reduce((a, r) => a + r.seconds, 0);
    parts.push(`  <testsuite name="${xml(s)}" tests="${rs.length}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">`);
    for (const r of rs) {
      parts.push(`    <testcase classname="${xml(s)}" name="${xml(r.id)}" time="${r.seconds.toFixed(3)}">`);
      if (r.status === 'error') parts.push(`      <error message="${xml(r.detail ?? 'error')}"/>`);
      else if (r.status !== 'pass') parts.push(`      <failure type="${r.status}" message="${xml(`expected ${r.expected.verdict}, got ${r.got}: ${r.detail ?? ''}`)}"/>`);
      parts.push('    </testcase>');
    }
    parts.push('  </testsuite>');
  }
  parts.push('</testsuites>');
  return parts.join('\n') + '\n';
}
