/**
 * `mmucheck ci`: every suite in proofs/ against its expected verdict, a per-suite summary and a
 * verdict table on stdout with the evidence (every witness by case id, findings apart from known
 * bugs and mutants, the whole step trace of a failing model-checking case), JUnit, JSON and ITF
 * reports on request. The exit code says whether every verdict was as expected.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { match } from 'ts-pattern';
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import type { CaseContext, CaseOutcome, ProofCase } from '../../core/suite.js';
import { renderTraceHtml, type HtmlTraceInput } from '../../report/html.js';
import { renderSummaryMarkdown } from '../../report/html-summary.js';
import { type CaseReport, type CaseStatus, renderEvidence, renderJunit, renderSuiteSummary, renderSummary, renderTable } from '../../report/suite-report.js';
import { allCases, suiteNames } from '../../../proofs/index.js';
import { type Command, toJson } from '../command.js';
import { bool, int, num, parse, str, strs } from '../args.js';
import { ensureOutputDir, requirePath, writeOutputFile } from '../output.js';
import { repoPath } from '../paths.js';
import { defaultJobs, parseShard, runSelection } from '../shard.js';

const usage = `usage: mmucheck ci [--suite NAME]... [--only TEXT] [--timeout S] [--smt2 DIR] [--jobs N] [--shard i/N] [--cross-check] [--junit FILE] [--json FILE] [--itf-dir DIR] [--html-dir DIR] [--summary-md FILE] [--write-golden] [--quiet]

Runs every proof suite against its expected verdict and prints a per-suite summary, a verdict
table and the evidence: the witness of every expected violation by case id (findings, known bugs
and mutants apart), and for every case that is not as expected why, its witness and, for a
model-checking case, its whole step trace.
  --suite NAME      only this family (repeatable); see 'mmucheck list'
  --only TEXT       only cases whose id contains TEXT
  --timeout S       per-query / per-case time budget in seconds (default 30)
  --smt2 DIR        also export every Z3 query as SMT-LIB2 into DIR
  --jobs N          child processes (default: cores, at most 4; 1 for fewer than 12 cases)
  --shard i/N       run only the i-th of N balanced shares of the cases and print their rows as JSON
                    (for job schedulers that split ci over machines; --json, --junit and --summary-md
                    are for the whole run and refused here)
  --serve           (internal, used by --jobs) read {"positions":[...]} lines on stdin, answer each
                    with one JSON line of rows
  --junit FILE      write a JUnit XML report (failures carry the witness and the step trace)
  --json FILE       write a JSON report (rows in case order, with witnesses and step traces)
  --itf-dir DIR     write every model-checking counterexample as ITF JSON into DIR, one file per
                    case named after its id ('/' becomes '--'), e.g. tdx--2m-vs-4k--cas-then-seamcall.itf.json
  --html-dir DIR    write every model-checking counterexample as a self-contained HTML page to step
                    through (see 'mmucheck view') into DIR, named like the ITF files (.html)
  --summary-md FILE write a Markdown summary for CI job pages: per-suite counts, the cases not as
                    expected and the expected violations, linked to their pages in --html-dir
  --cross-check     also cross-check Z3 verdicts by exhaustive enumeration where a family has a
                    finite space (role, vmtype; the test suite always does)
  --write-golden    write missing golden ITF traces instead of failing on them
  --quiet           print only the summary line

Witnesses do not depend on --jobs or on which cases ran before: every Z3 counterexample is the
least one in a fixed variable order (see src/smt/canonical.ts).
exit: 0 every verdict as expected, 10 an unexpected violation, 11 a verdict differs from its
      expectation in another way (an expected violation not found, a pinned count or golden trace
      changed), 20 unknown (a Z3 timeout or a bound), 64 usage, input or output error, 70 internal
      error, 130/143/129 interrupted (the cases not run are reported unknown (interrupted))`;

/** Compares one outcome with its expectation. */
export function judge(c: ProofCase, o: CaseOutcome, writeGolden = false): { status: CaseStatus; detail?: string } {
  return match(o.verdict)
    .with({ kind: 'error' }, (v) => ({ status: 'error' as const, detail: `${v.diagnostic.code}: ${v.diagnostic.message}` }))
    .with({ kind: 'unknown' }, (v) => ({ status: 'unknown' as const, detail: v.reason }))
    .with({ kind: 'holds' }, () =>
      c.expect.verdict === 'holds'
        ? pinned(c, o, writeGolden)
        : { status: 'mismatch' as const, detail: `expected a violation (${c.expect.note ?? 'known finding'}) but the engine proved it holds` },
    )
    .with({ kind: 'violated' }, () =>
      c.expect.verdict === 'violated'
        ? pinned(c, o, writeGolden, o.witnessText)
        : { status: 'unexpected-violation' as const, detail: o.witnessText ?? 'violated' },
    )
    .exhaustive();
}

function pinned(c: ProofCase, o: CaseOutcome, writeGolden: boolean, witness?: string): { status: CaseStatus; detail?: string } {
  const want = c.expect.distinctStates;
  if (want !== undefined && o.distinctStates !== want) {
    return { status: 'mismatch', detail: `pinned distinct states ${want}, explored ${o.distinctStates ?? 'none'}` };
  }
  if (c.expect.goldenTrace && o.itf !== undefined) {
    const path = repoPath(c.expect.goldenTrace);
    const got = JSON.stringify((o.itf as { states?: unknown }).states ?? o.itf);
    let golden: string | undefined;
    try {
      golden = JSON.stringify((JSON.parse(readFileSync(path, 'utf8')) as { states?: unknown }).states);
    } catch {
      golden = undefined;
    }
    if (golden === undefined) {
      if (!writeGolden) return { status: 'mismatch', detail: `golden trace ${c.expect.goldenTrace} is missing (run 'mmucheck ci --write-golden')` };
      writeOutputFile('--write-golden', path, toJson(o.itf) + '\n');
    } else if (golden !== got) {
      return { status: 'mismatch', detail: `counterexample differs from golden trace ${c.expect.goldenTrace}` };
    }
  }
  return witness === undefined ? { status: 'pass' } : { status: 'pass', detail: witness };
}

/** Returns the exit code for a set of rows: worst status wins. */
export function exitFor(rows: readonly { status: CaseStatus }[]): number {
  const has = (s: CaseStatus): boolean => rows.some((r) => r.status === s);
  if (has('error')) return EXIT.internal;
  if (has('unexpected-violation')) return EXIT.violation;
  if (has('mismatch')) return EXIT.mismatch;
  if (has('unknown')) return EXIT.unknown;
  return EXIT.ok;
}

/** A row as ci passes it between processes: the report row, and the ITF counterexample when asked for. */
export type CiRow = CaseReport & { readonly itf?: unknown };

/** Returns the row of one case: the judgement, the witness of any violation and its step trace. */
function reportRow(c: ProofCase, o: CaseOutcome, writeGolden: boolean | undefined, keepItf: boolean | undefined): CiRow {
  const j = judge(c, o, writeGolden);
  const witness = o.verdict.kind === 'violated' ? o.witnessText : undefined;
  // judge's detail of a violation is its witness; the row keeps it once, as the witness.
  const detail = j.status === 'pass' || j.detail === witness ? undefined : j.detail;
  return {
    suite: c.suite,
    id: c.id,
    title: c.title,
    expected: c.expect,
    got: o.verdict.kind,
    status: j.status,
    seconds: o.seconds,
    ...(o.distinctStates !== undefined ? { distinctStates: o.distinctStates } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ...(witness !== undefined ? { witness } : {}),
    ...(o.verdict.kind === 'violated' && o.trace !== undefined ? { trace: o.trace } : {}),
    ...(keepItf && o.verdict.kind === 'violated' && o.itf !== undefined ? { itf: o.itf } : {}),
  };
}

/** Runs the given cases, reporting progress on stderr when it is a terminal. */
export async function runCases(
  cases: readonly ProofCase[],
  ctx: CaseContext,
  opts: { writeGolden?: boolean; keepItf?: boolean; progress?: (text: string) => void } = {},
): Promise<CiRow[]> {
  const rows: CiRow[] = [];
  for (const [i, c] of cases.entries()) {
    opts.progress?.(`[${i + 1}/${cases.length}] ${c.id}`);
    const t0 = performance.now();
    let o: CaseOutcome;
    try {
      o = await c.run(ctx);
    } catch (e) {
      const d = e && typeof e === 'object' && 'diagnostic' in e ? (e as { diagnostic: { code: string; message: string } }).diagnostic : undefined;
      o = {
        verdict: { kind: 'error', diagnostic: { code: 'MMC900', message: d ? `${d.code}: ${d.message}` : `internal error: ${e instanceof Error ? e.message : String(e)}` } },
        seconds: (performance.now() - t0) / 1000,
      };
    }
    rows.push(reportRow(c, o, opts.writeGolden, opts.keepItf));
  }
  return rows;
}

/** Returns the ITF file name of a case: its id with '/' as '--' and anything unusual as '_'. */
export function itfFileName(id: string): string {
  return `${id.replace(/\//g, '--').replace(/[^A-Za-z0-9._-]+/g, '_')}.itf.json`;
}

/** Writes the ITF counterexample of every row that has one into `dir`. */
function writeItfFiles(dir: string, rows: readonly CiRow[]): void {
  for (const r of rows) if (r.itf !== undefined) writeOutputFile('--itf-dir', join(dir, itfFileName(r.id)), toJson(r.itf) + '\n');
}

/** Returns the HTML page name of a case: its ITF file name with `.html`. */
export function htmlFileName(id: string): string {
  return itfFileName(id).replace(/\.itf\.json$/, '.html');
}

/** Writes the HTML counterexample page of every row that has an ITF counterexample into `dir`. */
function writeHtmlFiles(dir: string, rows: readonly CiRow[]): void {
  for (const r of rows) if (r.itf !== undefined) writeOutputFile('--html-dir', join(dir, htmlFileName(r.id)), renderTraceHtml(r.itf as HtmlTraceInput));
}

/** Checks every output path before any case runs: empty paths (MMC003), directories that cannot be created (MMC006). */
function checkOutputs(p: ReturnType<typeof parse>): { json?: string; junit?: string; itfDir?: string; smt2?: string; htmlDir?: string; summaryMd?: string } {
  const htmlDir = str(p, 'html-dir');
  const summaryMd = str(p, 'summary-md');
  if (htmlDir !== undefined) ensureOutputDir('--html-dir', htmlDir);
  if (summaryMd !== undefined) requirePath('--summary-md', summaryMd);
  const json = str(p, 'json');
  const junit = str(p, 'junit');
  const itfDir = str(p, 'itf-dir');
  const smt2 = str(p, 'smt2');
  if (json !== undefined) requirePath('--json', json);
  if (junit !== undefined) requirePath('--junit', junit);
  if (itfDir !== undefined) ensureOutputDir('--itf-dir', itfDir);
  if (smt2 !== undefined) ensureOutputDir('--smt2', smt2);
  return { ...(htmlDir !== undefined ? { htmlDir } : {}), ...(summaryMd !== undefined ? { summaryMd } : {}), ...(json !== undefined ? { json } : {}), ...(junit !== undefined ? { junit } : {}), ...(itfDir !== undefined ? { itfDir } : {}), ...(smt2 !== undefined ? { smt2 } : {}) };
}

export const ciCommand: Command = {
  name: 'ci',
  summary: 'run every proof suite against its expected verdict (verdict table, JUnit, JSON)',
  usage,
  async run(argv, io) {
    const p = parse('ci', argv, {
      suite: { type: 'string', multiple: true },
      only: { type: 'string' },
      timeout: { type: 'string' },
      smt2: { type: 'string' },
      junit: { type: 'string' },
      json: { type: 'string' },
      'write-golden': { type: 'boolean' },
      quiet: { type: 'boolean' },
      jobs: { type: 'string' },
      shard: { type: 'string' },
      serve: { type: 'boolean' },
      'cross-check': { type: 'boolean' },
      'itf-dir': { type: 'string' },
      'html-dir': { type: 'string' },
      'summary-md': { type: 'string' },
    });
    const wanted = strs(p, 'suite');
    const known = suiteNames();
    for (const s of wanted) if (!known.includes(s)) fail('MMC005', `--suite ${s}: unknown suite; suites: ${known.join(', ')}`, { subject: '--suite' });
    const only = str(p, 'only');
    let cases = (await allCases()).filter((c) => wanted.length === 0 || wanted.includes(c.suite));
    if (only !== undefined) cases = cases.filter((c) => c.id.includes(only));
    if (cases.length === 0) fail('MMC005', only === undefined ? 'no proof cases are registered for the selected suites' : `no case id contains '${only}'`, { subject: '--only' });
    // Before any case runs or any child process starts.
    const { json, junit, itfDir, smt2, htmlDir, summaryMd } = checkOutputs(p);
    const ctx: CaseContext = {
      timeoutSeconds: num(p, 'timeout', 0.1, 86400, 30)!,
      ...(smt2 ? { smt2Dir: smt2 } : {}),
      ...(bool(p, 'cross-check') ? { crossCheck: true } : {}),
    };
    const t0 = performance.now();
    const shard = parseShard(str(p, 'shard'));
    if (shard) {
      // A shard prints its rows as JSON; the whole-run reports are made from the merged rows.
      for (const [flag, v] of [['--summary-md', summaryMd], ['--json', json], ['--junit', junit]] as const) {
        if (v !== undefined) fail('MMC003', `${flag}: not written by a shard (it prints its rows as JSON on stdout); write it from the whole run`, { subject: flag });
      }
    }
    const serving = bool(p, 'serve');
    const jobs = serving || shard ? 1 : defaultJobs(int(p, 'jobs', 1, 64), cases.length);
    const live = io.tty && !bool(p, 'quiet') && !serving && !shard;
    if (live && jobs > 1) process.stderr.write(`running ${cases.length} cases in ${jobs} processes...`);
    const runOpts = {
      writeGolden: bool(p, 'write-golden'),
      keepItf: itfDir !== undefined || htmlDir !== undefined,
      ...(live && jobs === 1 ? { progress: (t: string) => process.stderr.write(`\r\x1b[K${t}`) } : {}),
    };
    const indexed = await runSelection({
      command: 'ci',
      childArgv: [
        ...wanted.flatMap((s) => ['--suite', s]),
        ...(only !== undefined ? ['--only', only] : []),
        '--timeout', String(ctx.timeoutSeconds),
        ...(smt2 ? ['--smt2', smt2] : []),
        ...(runOpts.writeGolden ? ['--write-golden'] : []),
        ...(itfDir !== undefined ? ['--itf-dir', itfDir] : []),
        ...(htmlDir !== undefined ? ['--html-dir', htmlDir] : []),
        ...(ctx.crossCheck ? ['--cross-check'] : []),
      ],
      keys: cases.map((c) => c.affinity),
      serve: serving,
      shard,
      jobs,
      runAt: async (positions) => (await runCases(positions.map((i) => cases[i]!), ctx, runOpts)).map((r, k) => ({ index: positions[k]!, ...r })),
      interrupted: (i, reason) => ({ index: i, ...reportRow(cases[i]!, { verdict: { kind: 'unknown', reason }, seconds: 0 }, false, false) }),
    });
    if (serving) return exitFor(indexed);
    if (shard) {
      if (itfDir !== undefined) writeItfFiles(itfDir, indexed);
      if (htmlDir !== undefined) writeHtmlFiles(htmlDir, indexed);
      io.out(toJson({ shard, rows: indexed.map(({ itf: _itf, ...r }) => r) }));
      return exitFor(indexed);
    }
    const withItf: CiRow[] = indexed.map(({ index: _i, ...r }) => r);
    const rows: CaseReport[] = withItf.map(({ itf: _itf, ...r }) => r);
    if (live) process.stderr.write('\r\x1b[K');
    const seconds = (performance.now() - t0) / 1000;
    if (!bool(p, 'quiet')) {
      const evidence = renderEvidence(rows);
      io.out([renderSuiteSummary(rows), '', renderTable(rows), ...(evidence ? ['', evidence] : [])].join('\n'));
    }
    io.out(renderSummary(rows, seconds));
    if (junit !== undefined) writeOutputFile('--junit', junit, renderJunit(rows));
    if (json !== undefined) writeOutputFile('--json', json, toJson({ seconds, exitCode: exitFor(rows), cases: rows }) + '\n');
    if (itfDir !== undefined) writeItfFiles(itfDir, withItf);
    if (htmlDir !== undefined) writeHtmlFiles(htmlDir, withItf);
    if (summaryMd !== undefined) {
      const pages = new Set(withItf.filter((r) => r.itf !== undefined).map((r) => r.id));
      const pageOf = (r: CaseReport): string | undefined => (htmlDir !== undefined && pages.has(r.id) ? relative(dirname(summaryMd), join(htmlDir, htmlFileName(r.id))) : undefined);
      writeOutputFile('--summary-md', summaryMd, renderSummaryMarkdown(rows, seconds, pageOf));
    }
    return exitFor(rows);
  },
};
