/**
 * `ci --summary-md FILE`: a Markdown summary of a ci run for CI job pages (GitHub's step summary,
 * GitLab and others render it): the per-suite counts, every case not as expected with a link to
 * its HTML counterexample page when there is one, and the expected violations with theirs.
 */
import { type CaseReport, STATUS_TEXT, suitesOf, tally } from './suite-report.js';

/** Returns `s` safe inside a Markdown table cell or list item (no pipes, no line breaks, no HTML). */
function md(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Returns the first line of `s`, cut to `max` characters. */
function firstLine(s: string, max = 160): string {
  const l = s.split('\n')[0] ?? '';
  return l.length > max ? `${l.slice(0, max - 3)}...` : l;
}

/**
 * Returns the Markdown summary of `rows`. `pageOf` returns the link (relative to the summary
 * file) of a case's HTML counterexample page, or undefined when it has none.
 */
export function renderSummaryMarkdown(rows: readonly CaseReport[], seconds: number, pageOf: (r: CaseReport) => string | undefined = () => undefined): string {
  const t = tally(rows);
  const ok = t.differ === 0 && t.unknown === 0 && t.errors === 0;
  const out: string[] = [];
  out.push(`## mmucheck ci: ${ok ? 'every verdict as expected' : 'NOT every verdict as expected'}`, '');
  out.push(`${t.cases} cases, ${t.asExpected} as expected, ${t.differ} differ, ${t.unknown} unknown, ${t.errors} errors (${seconds.toFixed(1)} s)`, '');
  out.push('| suite | cases | as expected | differ | unknown | errors |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  const line = (name: string, x: ReturnType<typeof tally>): string => `| ${name} | ${x.cases} | ${x.asExpected} | ${x.differ} | ${x.unknown} | ${x.errors} |`;
  for (const s of suitesOf(rows)) out.push(line(md(s), tally(rows.filter((r) => r.suite === s))));
  out.push(line('**total**', t), '');
  const link = (r: CaseReport): string => {
    const p = pageOf(r);
    return p === undefined ? '' : ` ([counterexample](${encodeURI(p)}))`;
  };
  const failed = rows.filter((r) => r.status !== 'pass');
  out.push(`### Cases not as expected: ${failed.length}`, '');
  if (failed.length === 0) out.push('None.', '');
  for (const r of failed) {
    const why = r.detail ?? r.witness;
    out.push(`- **${STATUS_TEXT[r.status]}** \`${md(r.id)}\` (${md(r.suite)}): expected ${r.expected.verdict}, got ${r.got}${why ? `: ${md(firstLine(why))}` : ''}${link(r)}`);
  }
  if (failed.length) out.push('');
  const expected = rows.filter((r) => r.status === 'pass' && r.got === 'violated');
  if (expected.length) {
    out.push(`<details><summary>Expected violations (findings, known bugs, mutants): ${expected.length}</summary>`, '');
    for (const r of expected) out.push(`- \`${md(r.id)}\`${r.expected.kind ? ` (${r.expected.kind})` : ''}: ${md(firstLine(r.witness ?? r.title))}${link(r)}`);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}
