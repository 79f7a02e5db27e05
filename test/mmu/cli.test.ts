/**
 * The MMU CLI paths, all through the generic checker: a scenario check with ITF and Mermaid, a
 * variant file (the README example) with every strategy and with worker threads, a variant that
 * fails to type-check (MMC007), an unknown scenario (MMC005), and `mmucheck replay` of what
 * `check --itf` writes (scenarios and variants) and of the goldens.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../src/core/diagnostic.js';
import { checkCommand } from '../../src/cli/commands/check.js';
import { loadVariant } from '../../src/cli/mmu-check.js';

const runCheck = (argv: string[]): Promise<number> => checkCommand.run(argv, io);

const ROOT = resolve(import.meta.dirname, '../..');
const lines: string[] = [];
const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t), tty: false };

describe('mmu CLI', () => {
  it('checks a scenario and writes ITF and Mermaid for a violation; replay accepts the ITF', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmu-'));
    lines.length = 0;
    const code = await runCheck(['tdx/2m-vs-4k/cas-then-seamcall', '--itf', join(dir, 't.itf.json'), '--mermaid', join(dir, 't.mmd')]);
    expect(code).toBe(0); // the scenario expects this violation: exit 0 = as expected
    expect(lines.join('\n')).toMatch(/expected violated I7 \(the scenario\): as expected/);
    expect(lines[0]).toMatch(/VIOLATED: .*I7/);
    expect(lines.join('\n')).toMatch(/SEAMCALL TDH\.MEM\.RANGE\.BLOCK\(g0 L2\) = TDX_EPT_ENTRY_STATE_INCORRECT/);
    expect(readFileSync(join(dir, 't.mmd'), 'utf8')).toMatch(/^sequenceDiagram/);
    const itf = JSON.parse(readFileSync(join(dir, 't.itf.json'), 'utf8')) as { states: { '#meta': { notes?: string[] } }[] };
    expect(itf.states.some((s) => (s['#meta'].notes ?? []).some((n) => /-> 0x[0-9a-f]{16} \[/.test(n)))).toBe(true);
    const r = spawnSync('node', [join(ROOT, 'bin/mmucheck.js'), 'replay', join(dir, 't.itf.json'), '--quiet'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/19 steps re-executed .* every state matches; broken: I7/);
  });

  it('a variant file goes through the generic checker: bfs, dfs, random, budgets; its ITF replays', async () => {
    const file = join(ROOT, 'examples/early-stale-check.ts');
    const dir = mkdtempSync(join(tmpdir(), 'mmu-v-'));
    lines.length = 0;
    expect(await runCheck(['--model', file, '--quiet', '--itf', join(dir, 'v.itf.json')])).toBe(0);
    expect(lines[0]).toMatch(/^early-stale-check: VIOLATED: .*I2/);
    expect(lines.join('\n')).toMatch(/expected violated \(the variant file\): as expected/);
    lines.length = 0;
    expect(await runCheck(['--model', file, '--strategy', 'dfs', '--quiet'])).toBe(0);
    expect(await runCheck(['--model', file, '--strategy', 'random', '--seed', '3', '--walks', '2000', '--quiet'])).toBe(0);
    expect(await runCheck(['--model', file, '--quiet', '--expect', 'holds'])).toBe(10);
    lines.length = 0;
    expect(await runCheck(['--model', file, '--max-states', '5', '--quiet'])).toBe(20);
    expect(lines[0]).toMatch(/unknown/);
    const r = spawnSync('node', [join(ROOT, 'bin/mmucheck.js'), 'replay', join(dir, 'v.itf.json'), '--model', file, '--quiet'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/every state matches; broken: I2/);
    expect(r.status).toBe(0);
  });

  it('a variant ModelRef resolves in a fresh module instance (what a worker thread imports)', async () => {
    const v = await loadVariant(join(ROOT, 'examples/early-stale-check.ts'));
    expect(v.ref.exportName).toBe('variantModels');
    // under vitest this module is the TS source; a worker imports the compiled one (dist), as the CLI does
    const url = v.ref.moduleUrl.replace(/^.*\/src\/cli\/mmu-check\.(ts|js)/, pathToFileURL(join(ROOT, 'dist/src/cli/mmu-check.js')).href);
    expect(url).toMatch(/dist\/src\/cli\/mmu-check\.js\?variant=/);
    // a plain Node process, as a worker thread is (vitest would rewrite the import)
    const r = spawnSync('node', ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); const x = m.variantModels[${JSON.stringify(v.ref.key)}].create({}); console.log(x.name, x.stateSize);`], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    expect(r.signal).toBe(null); // loading a variant as a library never leaves a thread that keeps the process alive
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`early-stale-check ${v.machine.stateSize}`);
  });

  it('a variant that does not type-check is MMC007 with the first tsc error', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'mmu-bad-')), 'bad-variant.ts');
    writeFileSync(bad, "import { variant } from 'mmucheck';\nexport default variant({ from: 'mmu/grid/fault-fault', edits: [{ op: 'fault', remove: 42 }] });\n");
    await expect(runCheck(['--model', bad])).rejects.toSatisfy(
      (e: unknown) => e instanceof DiagnosticError && e.diagnostic.code === 'MMC007' && /TS\d+/.test(e.diagnostic.message),
    );
  });

  it('an unknown scenario is MMC005 listing the models', async () => {
    await expect(runCheck(['tdx/nope'])).rejects.toSatisfy(
      (e: unknown) => e instanceof DiagnosticError && e.diagnostic.code === 'MMC005' && /tdx\/2m-vs-4k\/freeze/.test(e.diagnostic.message),
    );
  });

  it('mmucheck check SCENARIO and check --model FILE --mermaid FILE through the binary', () => {
    const bin = join(ROOT, 'bin/mmucheck.js');
    const a = spawnSync('node', [bin, 'check', 'tdx/2m-vs-4k/freeze'], { encoding: 'utf8' });
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/holds: all 1073 reachable states/);
    const b = spawnSync('node', [bin, 'check', 'tdx/2m-vs-4k/cas-then-seamcall'], { encoding: 'utf8' });
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/SEAMCALL TDH\.MEM\.RANGE\.BLOCK\(g0 L2\) = TDX_EPT_ENTRY_STATE_INCORRECT/);
    const mmd = join(mkdtempSync(join(tmpdir(), 'mmu-')), 'v.mmd');
    const c = spawnSync('node', [bin, 'check', '--model', join(ROOT, 'examples/early-stale-check.ts'), '--mermaid', mmd, '--quiet'], { encoding: 'utf8' });
    expect(c.status).toBe(0);
    expect(readFileSync(mmd, 'utf8')).toMatch(/^sequenceDiagram/);
    // worker threads resolve the variant through its ModelRef (compiled front end + the variant file)
    // (--liveness off: liveness mode, the MMU's default, runs on one thread)
    const d = spawnSync('node', [bin, 'check', '--model', join(ROOT, 'examples/early-stale-check.ts'), '--liveness', 'off', '--workers', '2', '--json'], { encoding: 'utf8' });
    expect(d.status).toBe(0);
    const doc = JSON.parse(d.stdout) as { verdict: string; stats: { workers: number } };
    expect(doc.verdict).toBe('violated');
    expect(doc.stats.workers).toBe(2);
  });

  it('replay of a golden trace through the CLI', () => {
    const out = execFileSync('node', [join(ROOT, 'bin/mmucheck.js'), 'replay', join(ROOT, 'proofs/expected/mmu--c8-volatile-bits--buggy.itf.json')], { encoding: 'utf8' });
    expect(out).toMatch(/BROKEN I5|broken: I5/);
  });
});
