/**
 * Rendering of `mmucheck ci` results: a verdict table for people, JUnit XML and JSON for CI.
 * Every report carries the evidence: the witness of every violation (labelled with its case id),
 * and the whole step trace of a failing model-checking case.
 */
import { CASE_KINDS, type CaseKind, type Expectation } from '../core/suite.js';
import type { VerdictKind } from '../core/verdict.js';
import { escapeMarkup as xml } from './escape.js';

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
  /** Why the status is not `pass` (absent for a pass, and when the witness says it all). */
  readonly detail?: string;
  /** The witness summary of a violation the engine reported, expected or not. */
  readonly witness?: string;
  /** The step trace of a model-checking violation, one label per step. */
  readonly trace?: readonly string[];
}

/** A status in words, as the reports print it. */
export const STATUS_TEXT: Record<CaseStatus, string> = {
  pass: 'ok',
  'unexpected-violation': 'FAIL (violated)',
  mismatch: 'FAIL (differs)',
  unknown: 'UNKNOWN',
  error: 'ERROR',
};

/** How the text report heads the expected violations of each kind. */
const KIND_HEADING: Record<CaseKind, string> = {
  finding: 'Findings (kernel issues: the engine refutes the modelled kernel code)',
  'known-bug': 'Known bugs (fixed upstream or designs the kernel did not take, reproduced by the model)',
  mutant: 'Mutants (deliberately broken inputs the engine must catch)',
};

/** Counts of one suite (or of all rows). */
export interface Tally {
  readonly cases: number;
  readonly asExpected: number;
  readonly differ: number;
  readonly unknown: number;
  readonly errors: number;
}

/** Returns the counts of the rows by status. */
export function tally(rows: readonly CaseReport[]): Tally {
  const n = (s: CaseStatus): number => rows.filter((r) => r.status === s).length;
  return { cases: rows.length, asExpected: n('pass'), differ: n('unexpected-violation') + n('mismatch'), unknown: n('unknown'), errors: n('error') };
}

/** Returns the suites of the rows in order of first appearance. */
export function suitesOf(rows: readonly CaseReport[]): string[] {
  return [...new Set(rows.map((r) => r.suite))];
}

/** Returns fixed-width text: `head`, a rule, then `body`, columns padded to their widest cell. */
function columns(head: readonly string[], body: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/** Returns the per-suite summary: one line per suite with its counts, then the total. */
export function renderSuiteSummary(rows: readonly CaseReport[]): string {
  const cells = (name: string, t: Tally): string[] => [name, String(t.cases), String(t.asExpected), String(t.differ), String(t.unknown), String(t.errors)];
  const body = suitesOf(rows).map((s) => cells(s, tally(rows.filter((r) => r.suite === s))));
  body.push(cells('total', tally(rows)));
  return columns(['suite', 'cases', 'as expected', 'differ', 'unknown', 'errors'], body, new Set([1, 2, 3, 4, 5])).join('\n');
}

/** Returns the verdict table as fixed-width text. */
export function renderTable(rows: readonly CaseReport[]): string {
  const body = rows.map((r) => [
    r.suite,
    r.id,
    r.expected.verdict,
    r.got,
    r.distinctStates === undefined ? '' : String(r.distinctStates),
    `${r.seconds.toFixed(2)}s`,
    STATUS_TEXT[r.status],
  ]);
  return columns(['suite', 'case', 'expected', 'got', 'states', 'time', 'status'], body).join('\n');
}

/** Returns the lines of a trace, numbered from 1, indented by `indent`. */
function traceLines(trace: readonly string[], indent: string): string[] {
  const w = String(trace.length).length;
  return trace.map((t, i) => `${indent}${String(i + 1).padStart(w)}. ${t}`);
}

/**
 * Returns the evidence: the expected violations grouped by kind (findings, known bugs, mutants,
 * then any without a kind), each with its case id, why it is expected and its witness; then every
 * case whose status is not `pass`, with why, its witness and its whole step trace.
 */
export function renderEvidence(rows: readonly CaseReport[]): string {
  const out: string[] = [];
  const expected = rows.filter((r) => r.status === 'pass' && r.got === 'violated');
  const groups: [string, CaseReport[]][] = CASE_KINDS.map((k) => [KIND_HEADING[k], expected.filter((r) => r.expected.kind === k)]);
  groups.push(['Expected violations without a kind', expected.filter((r) => r.expected.kind === undefined)]);
  for (const [heading, rs] of groups) {
    if (rs.length === 0) continue;
    out.push('', `${heading}: ${rs.length}`);
    for (const r of rs) {
      out.push(`  [${r.id}] ${r.expected.note ?? r.title}`);
      if (r.witness) out.push(`    witness: ${r.witness.split('\n').join('\n    ')}`);
    }
  }
  for (const r of rows.filter((x) => x.status !== 'pass')) {
    out.push('', `${STATUS_TEXT[r.status]}: [${r.id}] expected ${r.expected.verdict}, got ${r.got}`);
    if (r.detail) out.push(`  ${r.detail.split('\n').join('\n  ')}`);
    if (r.witness) out.push(`  witness: ${r.witness.split('\n').join('\n  ')}`);
    if (r.trace) out.push(`  trace (${r.trace.length} steps):`, ...traceLines(r.trace, '    '));
  }
  return out.join('\n').replace(/^\n/, '');
}

/** Returns a one-line summary, e.g. `ci: 120 cases, 120 as expected, 0 differ, 0 unknown, 0 errors`. */
export function renderSummary(rows: readonly CaseReport[], seconds: number): string {
  const t = tally(rows);
  return `ci: ${t.cases} cases, ${t.asExpected} as expected, ${t.differ} differ, ${t.unknown} unknown, ${t.errors} errors (${seconds.toFixed(1)}s)`;
}


/** Returns the body of a JUnit failure or error: why, the witness and the whole step trace. */
function junitBody(r: CaseReport): string {
  const lines = [`case ${r.id}: expected ${r.expected.verdict}, got ${r.got}`];
  if (r.detail) lines.push(r.detail);
  if (r.witness) lines.push(`witness: ${r.witness}`);
  if (r.trace) lines.push(`trace (${r.trace.length} steps):`, ...traceLines(r.trace, '  '));
  return xml(lines.join('\n'));
}

/** Returns JUnit XML: one testsuite per family, one testcase per case; failures carry their evidence. */
export function renderJunit(rows: readonly CaseReport[]): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="mmucheck" tests="${rows.length}">`];
  for (const s of suitesOf(rows)) {
    const rs = rows.filter((r) => r.suite === s);
    const failures = rs.filter((r) => r.status === 'unexpected-violation' || r.status === 'mismatch' || r.status === 'unknown').length;
    const errors = rs.filter((r) => r.status === 'error').length;
    const time = rs.reduce((a, r) => a + r.seconds, 0);
    parts.push(`  <testsuite name="${xml(s)}" tests="${rs.length}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">`);
    for (const r of rs) {
      parts.push(`    <testcase classname="${xml(s)}" name="${xml(r.id)}" time="${r.seconds.toFixed(3)}">`);
      if (r.status === 'error') parts.push(`      <error message="${xml(r.detail ?? 'error')}">${junitBody(r)}</error>`);
      else if (r.status !== 'pass') parts.push(`      <failure type="${r.status}" message="${xml(`expected ${r.expected.verdict}, got ${r.got}: ${r.detail ?? r.witness ?? ''}`)}">${junitBody(r)}</failure>`);
      else if (r.witness) parts.push(`      <system-out>${xml(`[${r.id}] ${r.expected.kind ?? 'expected violation'}: ${r.witness}`)}</system-out>`);
      parts.push('    </testcase>');
    }
    parts.push('  </testsuite>');
  }
  parts.push('</testsuites>');
  return parts.join('\n') + '\n';
}
