/**
 * The viewer's non-browser side: `mmucheck view` input checking, the page's script-safe embedding
 * of the ITF, the MMU's ITF #meta (SPTE words decoded by the decoder of `mmucheck decode`, step
 * citations), `ci --html-dir` and `ci --summary-md`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSummaryMarkdown, renderTraceHtml, type CaseReport } from '../../src/internal.js';
import { cli, isOneLineDiagnostic, ROOT } from '../cli/helpers.js';

const LASSO = 'test/view/fixtures/lasso.itf.json';

describe('mmucheck view', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmucheck-view-'));

  it('writes a self-contained page: inline script and style, no external resource', () => {
    const out = join(dir, 'lasso.html');
    const r = cli(['view', LASSO, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`trace viewer written to ${out} (5 steps`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(/);
    expect(html).toContain("default-src 'none'");
    const embedded = /<script type="application\/json" id="itf-data">(.*?)<\/script>/s.exec(html)![1]!;
    expect(JSON.parse(embedded)).toEqual(JSON.parse(readFileSync(resolve(ROOT, LASSO), 'utf8')));
  });

  it('bad input is one diagnostic line and exit 64', () => {
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'nope');
    const notItf = join(dir, 'not-itf.json');
    writeFileSync(notItf, JSON.stringify({ vars: [], states: [] }));
    const badLoop = join(dir, 'bad-loop.json');
    writeFileSync(badLoop, JSON.stringify({ ...JSON.parse(readFileSync(resolve(ROOT, LASSO), 'utf8')), loop: 6 }));
    const cases: [string[], RegExp][] = [
      [['view', LASSO], /MMC001: view: -o FILE \(--output\) is required/],
      [['view', '-o', join(dir, 'x.html')], /MMC001: view: name the ITF trace file/],
      [['view', join(dir, 'missing.json'), '-o', join(dir, 'x.html')], /MMC006: .*cannot read/],
      [['view', notJson, '-o', join(dir, 'x.html')], /MMC203: .*not an ITF trace \(not JSON\)/],
      [['view', notItf, '-o', join(dir, 'x.html')], /MMC203: .*field '#meta' is undefined/],
      [['view', badLoop, '-o', join(dir, 'x.html')], /MMC203: .*field 'loop' is 6; allowed: the index of the loop's first state, an integer from 0 to 5/],
      [['view', LASSO, '-o', join(dir, 'x.html'), '--bogus'], /MMC001: view: unknown flag --bogus/],
    ];
    for (const [args, want] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(64);
      expect(isOneLineDiagnostic(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(want);
    }
  });

  it('--help describes the page and the keys', () => {
    const r = cli(['view', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: mmucheck view TRACE.itf.json -o FILE.html');
    expect(r.stdout).toContain('j next step');
  });
});

describe('the page embeds the ITF safely', () => {
  it('text in the trace cannot close the script element or inject markup', () => {
    const evil = '</script><script>window.pwned = 1</script><!--';
    const html = renderTraceHtml({ '#meta': { format: 'ITF', source: evil, model: evil }, vars: ['x'], states: [{ '#meta': { index: 0, notes: [evil] }, x: evil }] });
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('<!--');
    const embedded = /<script type="application\/json" id="itf-data">(.*?)<\/script>/s.exec(html)![1]!;
    expect((JSON.parse(embedded) as { states: { x: string }[] }).states[0]!.x).toBe(evil);
  });
});

describe("the MMU's ITF describes its trace for viewers (#meta)", () => {
  it('every SPTE word of the trace decoded by field by the decoder of mmucheck decode; steps with their kernel function', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmucheck-view-'));
    const itfPath = join(dir, 'seed.itf.json');
    expect(cli(['check', 'tdx/2m-vs-4k/cas-then-seamcall', '--itf', itfPath, '--quiet']).code).toBe(0);
    const meta = (JSON.parse(readFileSync(itfPath, 'utf8')) as { '#meta': Record<string, unknown> })['#meta'];
    expect(meta['threadNames']).toEqual(['V0', 'V1']);
    const words = meta['spteWords'] as Record<string, { class: string; view: string; text: string; fields: { name: string; bits: string; value: string }[] }>;
    expect(Object.keys(words).sort()).toEqual(['0x8000000000000000', '0x8600000100000bf7']);
    for (const [w, info] of Object.entries(words)) {
      const d = JSON.parse(cli(['decode', '--flavour', 'tdx', w, '--json']).stdout) as { classification: string; views: Record<string, { field: string; bits: string; value: string }[]> };
      expect(d.classification.startsWith(info.class), w).toBe(true);
      expect(info.fields.map((f) => [f.name, f.bits, BigInt(f.value)])).toEqual(d.views[info.view]!.map((f) => [f.field, f.bits, BigInt(f.value)]));
    }
    expect(words['0x8600000100000bf7']!.view).toBe('present');
    const steps = meta['steps'] as Record<string, { op: string; step: string; doc?: string; kernel?: string }>;
    expect(steps['fault(g0,W,priv,2M).install']).toMatchObject({ op: 'fault', step: 'install', kernel: 'tdp_mmu_map_handle_target_level' });
    expect(steps['fault(g1,W,priv).zap-huge-hook']!.doc).toContain('TDH.MEM.RANGE.BLOCK');
  });
});

describe('ci --html-dir and --summary-md', () => {
  it('writes one page per counterexample and a Markdown summary linking to them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmucheck-view-'));
    const r = cli(['ci', '--suite', 'tdx', '--only', '2m-vs-4k', '--html-dir', join(dir, 'pages'), '--summary-md', join(dir, 'summary.md'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(dir, 'pages', 'tdx--2m-vs-4k--cas-then-seamcall.html'), 'utf8');
    expect(html).toContain('id="itf-data"');
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md).toContain('| tdx | ');
    expect(md).toContain('[counterexample](pages/tdx--2m-vs-4k--cas-then-seamcall.html)');
  });

  it('the summary counts per suite and lists the cases not as expected with their pages', () => {
    const row = (suite: string, id: string, status: CaseReport['status'], got: CaseReport['got'], extra: Partial<CaseReport> = {}): CaseReport => ({ suite, id, title: id, expected: { verdict: 'holds' }, got, status, seconds: 0.1, ...extra });
    const rows = [
      row('mmu', 'mmu/a', 'pass', 'holds'),
      row('mmu', 'mmu/b|pipe', 'unexpected-violation', 'violated', { witness: 'I1 after 3 steps\nmore' }),
      row('spte', 'spte/c', 'unknown', 'unknown', { detail: 'timeout' }),
    ];
    const md = renderSummaryMarkdown(rows, 2, (r) => (r.id === 'mmu/b|pipe' ? 'pages/mmu--b.html' : undefined));
    expect(md).toContain('## mmucheck ci: NOT every verdict as expected');
    expect(md).toContain('| mmu | 2 | 1 | 1 | 0 | 0 |');
    expect(md).toContain('| spte | 1 | 0 | 0 | 1 | 0 |');
    expect(md).toContain('| **total** | 3 | 1 | 1 | 1 | 0 |');
    expect(md).toContain('- **FAIL (violated)** `mmu/b\\|pipe` (mmu): expected holds, got violated: I1 after 3 steps ([counterexample](pages/mmu--b.html))');
    expect(md).toContain('- **UNKNOWN** `spte/c` (spte): expected holds, got unknown: timeout');
    expect(md).not.toContain('more');
  });
});
