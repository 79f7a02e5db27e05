/**
 * The CLI's contract with a CI: exit codes against expectations, flag values that start with a
 * dash, output that could not be written, a stale build, --version.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, isOneLineDiagnostic, ROOT } from './helpers.js';

describe('check: the exit code is the verdict against the expectation', () => {
  it('a scenario expecting its race exits 0; --expect turns it into 10, a proof expected violated into 11', () => {
    expect(cli(['check', 'tdx/2m-vs-4k/cas-then-seamcall', '--quiet']).code).toBe(0);
    const unexpected = cli(['check', 'tdx/2m-vs-4k/cas-then-seamcall', '--quiet', '--expect', 'holds']);
    expect(unexpected.code).toBe(10);
    expect(unexpected.stdout).toMatch(/expected holds \(--expect\): NOT as expected/);
    const missing = cli(['check', 'tdx/2m-vs-4k/freeze', '--quiet', '--expect', 'violated']);
    expect(missing.code).toBe(11);
    expect(cli(['check', 'tdp-cas', '--param', 'NV=1', '--quiet']).code).toBe(0);
    // the expected property is compared too: another invariant breaking first is not as expected
    const wrong = cli(['check', 'tdx/2m-vs-4k/cas-then-seamcall', '--quiet', '--expect', 'violated']);
    expect(wrong.code).toBe(0);
    const scn = cli(['check', 'mmu/c6-fault-vs-fast-zap/buggy', '--quiet']);
    expect(scn.stdout).toMatch(/expected violated I2 \(the scenario\): as expected/);
    const holds = cli(['check', 'mmu/grid/huge-vs-4k', '--quiet']);
    expect(holds.stdout).toMatch(/holds: all \d+ reachable states .*; witnesses reached: huge-mapped \(\d+ steps\), cas-failed \(\d+ steps\)/);
    const bad = cli(['check', 'tdp-cas', '--param', 'NV=1', '--expect', 'maybe']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--expect maybe: must be one of holds, violated/);
  });
});

describe('output files without a counterexample', () => {
  it('--itf and --html on a run that holds say they were not written (not silently dropped)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmc-noctx-'));
    const r = cli(['check', 'counters', '--quiet', '--itf', join(dir, 't.itf.json'), '--html', join(dir, 't.html')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no counterexample to write: --itf, --html not written');
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('flag values', () => {
  it('a negative number reaches the range check; a flag followed by a flag needs a value; .5 is a number', () => {
    const neg = cli(['check', 'tdp-cas', '--max-states', '-1']);
    expect(neg.code).toBe(64);
    expect(neg.stderr).toMatch(/MMC003: --max-states -1: must be an integer from 1 to/);
    const t = cli(['check', 'tdp-cas', '--time', '-1']);
    expect(t.stderr).toMatch(/MMC003: --time -1: must be a number from 0/);
    const miss = cli(['check', 'tdp-cas', '--time', '--json']);
    expect(miss.code).toBe(64);
    expect(miss.stderr).toMatch(/flag --time needs a value/);
    expect(isOneLineDiagnostic(miss.stderr)).toBe(true);
    const half = cli(['check', 'mmu/grid/fault-fault', '--time', '.5', '--quiet']);
    expect(half.stderr).not.toMatch(/MMC/);
    expect([0, 20]).toContain(half.code);
  });

  it('an empty output path is MMC003 before any work', () => {
    const r = cli(['check', 'tdx/2m-vs-4k/cas-then-seamcall', '--quiet', '--itf', '']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/MMC003: --itf: the path is empty/);
  });
});

describe('output that cannot be written', () => {
  it('stdout on a full device is MMC006 and a non-zero exit', () => {
    const r = spawnSync('sh', ['-c', `node ${join(ROOT, 'bin/mmucheck.js')} list > /dev/full`], { encoding: 'utf8' });
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/MMC006: cannot write to standard output: ENOSPC/);
  });

  it('an --itf path that is a directory or goes through a file is MMC006; a reader never sees a partial file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmc-out-'));
    const a = cli(['check', 'tdx/2m-vs-4k/cas-then-seamcall', '--quiet', '--itf', dir]);
    expect(a.code).toBe(64);
    expect(a.stderr).toMatch(/MMC006: --itf .*: is a directory/);
    writeFileSync(join(dir, 'file'), 'x');
    const b = cli(['check', 'tdx/2m-vs-4k/cas-then-seamcall', '--quiet', '--itf', join(dir, 'file', 't.json')]);
    expect(b.code).toBe(64);
    expect(b.stderr).toMatch(/MMC006: --itf .*cannot create its directory/);
    const ok = cli(['check', 'tdx/2m-vs-4k/cas-then-seamcall', '--quiet', '--itf', join(dir, 'sub', 't.json')]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'sub', 't.json'), 'utf8'))['#meta'].model).toBe('tdx/2m-vs-4k/cas-then-seamcall');
  });
});

describe('no stale build', () => {
  it('a source newer than its build is rebuilt before the command runs; a build that cannot be written is refused', () => {
    // a private copy of the install (sources, build, node_modules linked), so that the rebuild does
    // not rewrite the dist/ that other tests are running
    const copy = mkdtempSync(join(tmpdir(), 'mmc-stale-'));
    for (const d of ['bin', 'src', 'model', 'proofs', 'bench', 'dist', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'test/toy']) {
      cpSync(join(ROOT, d), join(copy, d), { recursive: true, preserveTimestamps: true, filter: (f) => !f.endsWith('.rebuild.lock') });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const run = (): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [join(copy, 'bin/mmucheck.js'), 'vmtypes', '--rule', 'tdx-has-private-mem-and-protected-state'], { encoding: 'utf8' });
    expect(run().stderr).toBe('');
    // an edited source (here: a file of the model) is newer than its build
    const src = join(copy, 'model/vm/types.ts');
    const out = join(copy, 'dist/model/vm/types.js');
    const past = new Date(statSync(src).mtimeMs - 10_000);
    utimesSync(out, past, past);
    const r = run();
    expect(r.stderr).toMatch(/model\/vm\/types\.ts changed since the last build; rebuilding dist\//);
    expect(statSync(out).mtimeMs).toBeGreaterThanOrEqual(statSync(src).mtimeMs);
    expect(run().stderr).toBe('');
    // a build that cannot be rebuilt (typescript missing) is refused with one line, and leaves no lock
    utimesSync(out, past, past);
    rmSync(join(copy, 'node_modules'));
    const refused = run();
    expect(refused.status).toBe(64);
    expect(refused.stderr).toMatch(/MMC002: the 'typescript' package is missing, needed to rebuild dist\//);
    expect(existsSync(join(copy, 'dist/.rebuild.lock'))).toBe(false);
  });
});

describe('--version', () => {
  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(cli(['--version']).stdout.trim()).toBe(`mmucheck ${pkg.version}`);
  });
});

describe('a missing dependency', () => {
  it('is MMC002 naming the package, not an internal error', () => {
    const copy = mkdtempSync(join(tmpdir(), 'mmc-nodep-'));
    for (const d of ['bin', 'src', 'model', 'proofs', 'bench', 'dist', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'test/toy']) {
      cpSync(join(ROOT, d), join(copy, d), { recursive: true, preserveTimestamps: true, filter: (f) => !f.endsWith('.rebuild.lock') });
    }
    // node_modules with every package but z3-solver (links, so nothing large is copied)
    mkdirSync(join(copy, 'node_modules'));
    for (const e of readdirSync(join(ROOT, 'node_modules'))) {
      if (e !== 'z3-solver') symlinkSync(join(ROOT, 'node_modules', e), join(copy, 'node_modules', e));
    }
    const r = spawnSync(process.execPath, [join(copy, 'bin/mmucheck.js'), 'prove', '--kernel', '6.13', '--flavour', 'ept', '--rule', 'present-never-mmio'], { encoding: 'utf8', env: { ...process.env, MMUCHECK_NO_REBUILD: '1' } });
    expect(r.status).toBe(64);
    expect(r.stderr.trim()).toBe("mmucheck: error MMC002: the 'z3-solver' package is missing or incomplete; run `npm ci`");
  });
});


describe('the expected property', () => {
  it('a violation of another property than the expected one is not as expected', async () => {
    const { propertyDiffers } = await import('../../src/cli/commands/check.js');
    const violated = (property: string) => ({ kind: 'violated', witness: { property, kind: 'always', message: '' } }) as never;
    expect(propertyDiffers(violated('I3'), 'violated', 'I9')).toBe('I3 broke first, not I9');
    expect(propertyDiffers(violated('I9'), 'violated', 'I9')).toBeUndefined();
    expect(propertyDiffers(violated('I3'), 'violated', undefined)).toBeUndefined();
    expect(propertyDiffers({ kind: 'holds', domain: '' } as never, 'violated', 'I9')).toBeUndefined();
  });
});
