/**
 * The MMU CLI paths: a scenario check, a variant file (the README example), a variant that fails
 * to type-check (MMC007), an unknown scenario (MMC005), and `mmucheck replay` of a written trace.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../src/core/diagnostic.js';
import { runMmuCheck } from '../../src/cli/mmu-check.js';

const ROOT = resolve(import.meta.dirname, '../..');
const lines: string[] = [];
const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t), tty: false };

describe('mmu CLI', () => {
  it('checks a scenario and writes ITF and Mermaid for a violation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmu-'));
    lines.length = 0;
    const code = await runMmuCheck('tdx/2m-vs-4k/cas-then-seamcall', { itf: join(dir, 't.itf.json'), mermaid: join(dir, 't.mmd') }, io);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/violated I7 after 19 steps \(expected violated\)/);
    expect(readFileSync(join(dir, 't.mmd'), 'utf8')).toMatch(/^sequenceDiagram/);
    const r = spawnSync('node', [join(ROOT, 'bin/mmucheck.js'), 'replay', join(dir, 't.itf.json'), '--quiet'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/19 steps re-executed .* every state matches; broken: I7/);
  });

  it('loads the README variant file and reports its violation', async () => {
    lines.length = 0;
    const code = await runMmuCheck(undefined, { model: join(ROOT, 'examples/early-stale-check.ts'), quiet: true }, io);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^early-stale-check: violated I2/);
  });

  it('a variant that does not type-check is MMC007 with the first tsc error', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'mmu-bad-')), 'bad-variant.ts');
    writeFileSync(bad, "import { variant } from 'mmucheck';\nexport default variant({ from: 'mmu/grid/fault-fault', edits: [{ op: 'fault', remove: 42 }] });\n");
    await expect(runMmuCheck(undefined, { model: bad }, io)).rejects.toSatisfy(
      (e: unknown) => e instanceof DiagnosticError && e.diagnostic.code === 'MMC007' && /TS\d+/.test(e.diagnostic.message),
    );
  });

  it('an unknown scenario is MMC005 listing the scenarios', async () => {
    await expect(runMmuCheck('tdx/nope', {}, io)).rejects.toSatisfy(
      (e: unknown) => e instanceof DiagnosticError && e.diagnostic.code === 'MMC005' && /tdx\/2m-vs-4k\/freeze/.test(e.diagnostic.hint ?? ''),
    );
  });

  it('mmucheck check SCENARIO and check --model FILE --mermaid FILE through the binary', () => {
    const bin = join(ROOT, 'bin/mmucheck.js');
    const a = spawnSync('node', [bin, 'check', 'tdx/2m-vs-4k/freeze'], { encoding: 'utf8' });
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/holds: all 941 reachable states/);
    const b = spawnSync('node', [bin, 'check', 'tdx/2m-vs-4k/cas-then-seamcall'], { encoding: 'utf8' });
    expect(b.status).toBe(10);
    expect(b.stdout).toMatch(/SEAMCALL TDH\.MEM\.RANGE\.BLOCK\(g0 L2\) = TDX_EPT_ENTRY_STATE_INCORRECT/);
    const mmd = join(mkdtempSync(join(tmpdir(), 'mmu-')), 'v.mmd');
    const c = spawnSync('node', [bin, 'check', '--model', join(ROOT, 'examples/early-stale-check.ts'), '--mermaid', mmd, '--quiet'], { encoding: 'utf8' });
    expect(c.status).toBe(0);
    expect(readFileSync(mmd, 'utf8')).toMatch(/^sequenceDiagram/);
  });

  it('replay of a golden trace through the CLI', () => {
    const out = execFileSync('node', [join(ROOT, 'bin/mmucheck.js'), 'replay', join(ROOT, 'proofs/expected/mmu--c8-volatile-bits--buggy.itf.json')], { encoding: 'utf8' });
    expect(out).toMatch(/BROKEN I5|broken: I5/);
  });
});
