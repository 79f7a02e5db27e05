/**
 * The evidence in ci's reports: a failing model-checking case carries its whole step trace in the
 * text, the JUnit failure body and the JSON; every witness is labelled with its case id; findings,
 * known bugs and mutants are apart; the text starts with a per-suite summary; ITF counterexamples
 * go to --itf-dir; every file output is checked (MMC003/MMC006) before any case runs.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaseKind, ProofCase } from '../../src/internal.js';
import { itfFileName, judge, runCases } from '../../src/cli/commands/ci.js';
import { renderEvidence, renderJunit, renderSuiteSummary } from '../../src/report/suite-report.js';
import { allCases } from '../../proofs/index.js';
import { cli, isOneLineDiagnostic } from '../cli/helpers.js';

const TRACE = ['V0: fault(g0).lock', 'V1: zap(g0).clear', 'V0: fault(g0).install'];

/** A toy case that reports a violation with a step trace and an ITF document. */
function violating(id: string, expect: 'holds' | 'violated', kind?: CaseKind): ProofCase {
  return {
    suite: id.split('/')[0]!,
    id,
    title: 'toy',
    expect: { verdict: expect, ...(kind ? { kind, note: `a ${kind}` } : {}) },
    run: async () => ({ verdict: { kind: 'violated', witness: {} }, witnessText: `I7 after 3 steps (${id})`, trace: TRACE, itf: { states: [] }, seconds: 0 }),
  };
}

describe('ci evidence', () => {
  it('a failing model-checking case carries its whole step trace in the text, the JUnit body and the JSON row', async () => {
    const [row] = await runCases([violating('mmu/toy-race', 'holds')], { timeoutSeconds: 1 });
    expect(row!.status).toBe('unexpected-violation');
    expect(row!.trace).toEqual(TRACE);
    expect(JSON.parse(JSON.stringify(row)).trace).toEqual(TRACE);
    const text = renderEvidence([row!]);
    expect(text).toContain('FAIL (violated): [mmu/toy-race]');
    expect(text).toContain('witness: I7 after 3 steps (mmu/toy-race)');
    for (const [i, step] of TRACE.entries()) expect(text).toContain(`${i + 1}. ${step}`);
    const junit = renderJunit([row!]);
    const body = /<failure [^>]*>([^<]*)<\/failure>/.exec(junit)?.[1] ?? '';
    expect(body).toContain('witness: I7 after 3 steps');
    for (const step of TRACE) expect(body).toContain(step);
  });

  it('passing expected violations keep their witness, labelled by case id, findings apart from known bugs and mutants', async () => {
    const rows = await runCases(
      [violating('spte/toy-mutant', 'violated', 'mutant'), violating('spte/toy-finding', 'violated', 'finding'), violating('mmu/toy-fixed-bug', 'violated', 'known-bug')],
      { timeoutSeconds: 1 },
    );
    expect(rows.map((r) => r.status)).toEqual(['pass', 'pass', 'pass']);
    expect(rows.map((r) => r.witness)).toEqual(rows.map((r) => `I7 after 3 steps (${r.id})`));
    expect(rows.every((r) => r.detail === undefined)).toBe(true);
    const text = renderEvidence(rows);
    const findings = text.indexOf('Findings');
    const bugs = text.indexOf('Known bugs');
    const mutants = text.indexOf('Mutants');
    expect(findings).toBeGreaterThanOrEqual(0);
    expect(bugs).toBeGreaterThan(findings);
    expect(mutants).toBeGreaterThan(bugs);
    expect(text.indexOf('[spte/toy-finding]')).toBeGreaterThan(findings);
    expect(text.indexOf('[spte/toy-finding]')).toBeLessThan(bugs);
    expect(text.indexOf('[mmu/toy-fixed-bug]')).toBeGreaterThan(bugs);
    expect(text.indexOf('[mmu/toy-fixed-bug]')).toBeLessThan(mutants);
    expect(text.indexOf('[spte/toy-mutant]')).toBeGreaterThan(mutants);
    expect(text).toContain('witness: I7 after 3 steps (spte/toy-mutant)');
  });

  it('the per-suite summary counts each suite', async () => {
    const rows = await runCases([violating('spte/a', 'violated', 'finding'), violating('mmu/b', 'holds'), violating('mmu/c', 'violated', 'known-bug')], { timeoutSeconds: 1 });
    const lines = renderSuiteSummary(rows).split('\n');
    expect(lines[0]).toMatch(/^suite\s+cases\s+as expected\s+differ\s+unknown\s+errors$/);
    expect(lines.find((l) => l.startsWith('spte'))).toMatch(/^spte\s+1\s+1\s+0\s+0\s+0$/);
    expect(lines.find((l) => l.startsWith('mmu'))).toMatch(/^mmu\s+2\s+1\s+1\s+0\s+0$/);
    expect(lines.at(-1)).toMatch(/^total\s+3\s+2\s+1\s+0\s+0$/);
  });

  it('every registered case that expects a violation says what kind it is', async () => {
    const missing = (await allCases()).filter((c) => c.expect.verdict === 'violated' && c.expect.kind === undefined).map((c) => c.id);
    expect(missing).toEqual([]);
  });

  it('golden traces are written through writeOutputFile: a failure is MMC006 naming --write-golden', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmucheck-golden-'));
    writeFileSync(join(dir, 'file'), 'not a directory');
    const c: ProofCase = { ...violating('mmu/toy-golden', 'violated', 'known-bug'), expect: { verdict: 'violated', kind: 'known-bug', goldenTrace: join(dir, 'file', 'g.itf.json') } };
    const o = await c.run({ timeoutSeconds: 1 });
    expect(() => judge(c, o, true)).toThrow(/^MMC006: --write-golden /);
  });
});

describe('ci outputs (CLI)', () => {
  it('the text starts with the per-suite summary and --itf-dir writes each counterexample as ITF named after its case id', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mmucheck-itf-')), 'itf');
    const r = cli(['ci', '--suite', 'tdx', '--only', '2m-vs-4k', '--itf-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^suite\s+cases\s+as expected\s+differ\s+unknown\s+errors$/);
    expect(r.stdout).toMatch(/\[tdx\/2m-vs-4k\/cas-then-seamcall\] .*\n\s+witness: I7 after/);
    const file = join(dir, itfFileName('tdx/2m-vs-4k/cas-then-seamcall'));
    expect(file.endsWith('tdx--2m-vs-4k--cas-then-seamcall.itf.json')).toBe(true);
    const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../../proofs/expected/tdx--2m-vs-4k--cas-then-seamcall.itf.json'), 'utf8')) as { states: unknown };
    expect((JSON.parse(readFileSync(file, 'utf8')) as { states: unknown }).states).toEqual(golden.states);
    expect(existsSync(join(dir, itfFileName('tdx/2m-vs-4k/freeze')))).toBe(false);
  }, 120_000);

  it('a --shard run writes its ITF counterexamples too, and keeps them out of its JSON rows', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mmucheck-itf-shard-')), 'itf');
    const r = cli(['ci', '--suite', 'tdx', '--only', '2m-vs-4k', '--shard', '1/1', '--itf-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'tdx--2m-vs-4k--cas-then-seamcall.itf.json'))).toBe(true);
    const rows = (JSON.parse(r.stdout) as { rows: Record<string, unknown>[] }).rows;
    expect(rows.find((x) => x['id'] === 'tdx/2m-vs-4k/cas-then-seamcall')?.['trace']).toBeDefined();
    expect(rows.some((x) => 'itf' in x)).toBe(false);
  }, 120_000);

  it.each([
    ['--json', ''],
    ['--junit', ''],
    ['--itf-dir', ''],
  ])('%s with an empty path is MMC003 before anything runs (exit 64)', (flag, path) => {
    const r = cli(['ci', '--suite', 'role', '--quiet', flag, path]);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`MMC003: ${flag}`);
    expect(r.stdout).toBe('');
  });

  it('an --smt2 directory that cannot be created is MMC006 naming --smt2 before any child process starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmucheck-smt2-'));
    writeFileSync(join(dir, 'file'), 'not a directory');
    const r = cli(['ci', '--suite', 'spte', '--only', '6.13/ept', '--jobs', '2', '--quiet', '--smt2', join(dir, 'file', 'smt')]);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/MMC006: --smt2 /);
    expect(r.stdout).toBe('');
  });
});
