import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, isOneLineDiagnostic, ROOT } from './helpers.js';

// The loader of users' TypeScript files (src/cli/load-ts.ts): its per-user compile cache (probes
// K2, K6, E05), the extensions it accepts (V36, V37), a missing compiler (E04), and the checks of
// a layout spec's exports (SP05, SP10) and of the flags that do not apply to --spec (SP17).

let dir: string;
let cache: string;
const saved = process.env['MMUCHECK_CACHE_DIR'];
// dist/ was built by the test setup; a rebuild started by a CLI run would add a line to stderr
process.env['MMUCHECK_NO_REBUILD'] = '1';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmucheck-loader-'));
  cache = join(dir, 'cache');
  process.env['MMUCHECK_CACHE_DIR'] = cache;
});

afterAll(() => {
  if (saved === undefined) delete process.env['MMUCHECK_CACHE_DIR'];
  else process.env['MMUCHECK_CACHE_DIR'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

/** A spec with no rules (loads and "proves" without Z3 work); `tag` makes its cache key fresh. */
function quickSpec(name: string, tag: string): string {
  const f = join(dir, name);
  writeFileSync(f, `// ${tag}\nimport { field, layout } from 'mmucheck';\nexport default layout('quick', 'no rules', { present: [field('a', 3, 0, 'a')] });\n`);
  return f;
}

/** Writes a spec file with `text` and returns its path. */
function spec(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** Runs the CLI without blocking (for concurrent runs). */
function cliAsync(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [resolve(ROOT, 'bin/mmucheck.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => done({ code, stderr }));
  });
}

/** Returns the cache entries (directories named by their key). */
function entries(): string[] {
  return existsSync(cache) ? readdirSync(cache).filter((n) => !n.startsWith('.')) : [];
}

describe('compile cache', () => {
  it('K2: six concurrent loads of a fresh file all succeed (entries are renamed into place whole)', async () => {
    for (let round = 0; round < 3; round++) {
      const f = quickSpec('race.ts', `round ${round} ${Date.now()}`);
      const runs = await Promise.all(Array.from({ length: 6 }, () => cliAsync(['prove', '--spec', f])));
      expect(runs.map((r) => r.stderr)).toEqual(runs.map(() => ''));
      expect(runs.map((r) => r.code)).toEqual(runs.map(() => 0));
    }
  });

  it('K6: a damaged entry (its module truncated, as a crash mid-write would leave it) is rebuilt', () => {
    const f = quickSpec('damaged.ts', `damaged ${Date.now()}`);
    const before = new Set(entries());
    expect(cli(['prove', '--spec', f]).code).toBe(0);
    const made = entries().filter((e) => !before.has(e));
    expect(made).toHaveLength(1);
    const module = join(cache, made[0]!, 'damaged.mjs');
    writeFileSync(module, '');
    for (let i = 0; i < 2; i++) {
      const r = cli(['prove', '--spec', f]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(readFileSync(module, 'utf8')).toContain('layout(');
  });

  it('an entry is not reused by another build of mmucheck (the key includes dist/src/index.js)', () => {
    const f = quickSpec('rebuilt.ts', `rebuilt ${Date.now()}`);
    expect(cli(['prove', '--spec', f]).code).toBe(0);
    const n = entries().length;
    expect(cli(['prove', '--spec', f]).code).toBe(0);
    expect(entries()).toHaveLength(n);
    const barrel = join(ROOT, 'dist/src/index.js');
    const t = new Date(Math.max(Date.now(), statSync(barrel).mtimeMs + 1000));
    utimesSync(barrel, t, t);
    expect(cli(['prove', '--spec', f]).code).toBe(0);
    expect(entries()).toHaveLength(n + 1);
  });

  it('E05: the cache lives outside the installation and compiled files still import mmucheck', () => {
    const inRepo = join(ROOT, '.mmucheck-cache');
    const listing = (): string[] => (existsSync(inRepo) ? readdirSync(inRepo) : []);
    const repoBefore = listing();
    const f = quickSpec('outside.ts', `outside ${Date.now()}`);
    const r = cli(['prove', '--spec', f]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(listing()).toEqual(repoBefore);
    expect(entries().some((e) => existsSync(join(cache, e, 'outside.mjs')))).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)('E05 [root]: a read-only installation loads a fresh file', (ctx) => {
    const ro = join(dir, 'ro-install');
    mkdirSync(ro);
    const mount = spawnSync('sh', ['-c', `mount --bind "${ROOT}" "${ro}" && mount -o remount,bind,ro "${ro}"`]);
    if (mount.status !== 0) {
      spawnSync('umount', [ro]);
      ctx.skip();
    }
    try {
      const f = quickSpec('ro.ts', `ro ${Date.now()}`);
      const r = spawnSync(process.execPath, [join(ro, 'bin/mmucheck.js'), 'prove', '--spec', f], { encoding: 'utf8', env: { ...process.env, MMUCHECK_NO_REBUILD: '1' } });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      spawnSync('umount', [ro]);
    }
  });

  it('an MMUCHECK_CACHE_DIR that cannot be created is MMC006 naming it', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const r = spawnSync(process.execPath, [resolve(ROOT, 'bin/mmucheck.js'), 'prove', '--spec', quickSpec('x.ts', 'x')], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, MMUCHECK_CACHE_DIR: join(blocker, 'cache') },
    });
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/MMC006: MMUCHECK_CACHE_DIR .*a-file\/cache: /);
    expect(r.status).toBe(64);
  });
});

describe('file names and dependencies', () => {
  it('V36: a file without a TypeScript extension is MMC007 naming the extensions', () => {
    const f = join(dir, 'v-noext');
    cpSync(join(ROOT, 'examples/early-stale-check.ts'), f);
    const r = cli(['check', '--model', f, '--quiet']);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`MMC007: --model ${f}: must be a TypeScript file (.ts, .mts)`);
    expect(r.code).toBe(64);
  });

  it('V37: a .mts file loads', () => {
    const f = join(dir, 'v-mts.mts');
    cpSync(join(ROOT, 'examples/early-stale-check.ts'), f);
    const r = cli(['check', '--model', f, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it("E04: a missing 'typescript' package is MMC002, one line", () => {
    const copy = join(dir, 'no-typescript');
    mkdirSync(join(copy, 'node_modules'), { recursive: true });
    for (const p of ['package.json', 'bin', 'dist']) cpSync(join(ROOT, p), join(copy, p), { recursive: true });
    for (const m of readdirSync(join(ROOT, 'node_modules'))) {
      if (m !== 'typescript' && !m.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', m), join(copy, 'node_modules', m));
    }
    const r = spawnSync(process.execPath, [join(copy, 'bin/mmucheck.js'), 'check', '--model', join(ROOT, 'examples/early-stale-check.ts')], {
      encoding: 'utf8', env: { ...process.env, MMUCHECK_NO_REBUILD: '1' },
    });
    expect(r.stderr).toBe("mmucheck: error MMC002: the 'typescript' package is missing; run npm ci\n");
    expect(r.status).toBe(64);
  });
});

describe('prove --spec: what a spec file exports', () => {
  const layoutSrc = "import { bit, invariant, layout } from 'mmucheck';\nexport default layout('exp', 'one rule', { present: [] }, [invariant('real-rule', 'holds', 'x', bit(3).eq(8))]);\n";

  it('SP05: a default export that is not a layout is MMC007 naming what was found', () => {
    const r = cli(['prove', '--spec', spec('s-fakeshape.ts', "export default { name: 'fake', views: 1, rules: [1, 'two', null] };\n")]);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain("must export default layout(...) from 'mmucheck'; found an object with keys name, views, rules whose doc is undefined");
    expect(r.code).toBe(64);
  });

  it('SP05: a layout-shaped object whose rules are not rules is MMC007 naming the first bad rule', () => {
    const r = cli(['prove', '--spec', spec('s-badrule.ts', "export default { name: 'fake', doc: 'd', views: {}, rules: [1, 'two', null] };\n")]);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain('found an object with keys name, doc, views, rules whose rules[0] is number 1, not an invariant(...)');
    expect(r.code).toBe(64);
  });

  it('SP05: no default export is MMC007', () => {
    const r = cli(['prove', '--spec', spec('s-nodefault.ts', "import { layout } from 'mmucheck';\nexport const expect = {};\nlayout('x', 'y', {});\n")]);
    expect(r.stderr).toContain('found no default export');
    expect(r.code).toBe(64);
  });

  it('SP10: expect naming a rule the layout does not have is MMC005 listing the rules', () => {
    const r = cli(['prove', '--spec', spec('s-expect-unknown.ts', `${layoutSrc}export const expect = { 'no-such-rule': 'violated' };\n`)]);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain("MMC005: --spec ");
    expect(r.stderr).toContain("expect names rule 'no-such-rule', which layout exp does not have; rules: real-rule");
    expect(r.code).toBe(64);
  });

  it('SP10: an expected verdict other than holds or violated is MMC007 naming the key and the allowed values', () => {
    const r = cli(['prove', '--spec', spec('s-expect-maybe.ts', `${layoutSrc}export const expect = { 'real-rule': 'maybe' };\n`)]);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`expect['real-rule'] is string "maybe"; allowed: 'holds', 'violated'`);
    expect(r.code).toBe(64);
  });

  it('expect that is not an object is MMC007', () => {
    const r = cli(['prove', '--spec', spec('s-expect-string.ts', `${layoutSrc}export const expect = 'violated';\n`)]);
    expect(r.stderr).toContain("export const expect must be an object { 'rule-name': 'holds' | 'violated' }; found string \"violated\"");
    expect(r.code).toBe(64);
  });

  it('an export that prove --spec does not use is MMC007 (nothing a user writes is ignored)', () => {
    const r = cli(['prove', '--spec', spec('s-extra.ts', `${layoutSrc}export const expected = { 'real-rule': 'violated' };\n`)]);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain("export 'expected' is not used (a spec exports default layout(...) and optionally expect)");
    expect(r.code).toBe(64);
  });

  it('SP17: flags that do not apply to --spec are MMC001 naming the flag', () => {
    const f = join(ROOT, 'examples/spec/my-layout.ts');
    for (const args of [['--kernel', '4.0'], ['--flavour', 'ept'], ['--jobs', '2'], ['--shard', '1/2'], ['--serve']]) {
      const r = cli(['prove', '--spec', f, ...args]);
      expect(isOneLineDiagnostic(r.stderr)).toBe(true);
      expect(r.stderr).toContain(`MMC001: ${args[0]} does not apply to --spec`);
      expect(r.code).toBe(64);
    }
  });
});
