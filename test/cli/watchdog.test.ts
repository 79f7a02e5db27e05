import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

// User code that never returns must end the run with one `unknown` line and exit 20 (probes SP19,
// V27), whether the main thread spins in it or idles in it, and user code that keeps making
// progress must never be stopped.

let dir: string;
const saved = process.env['MMUCHECK_CACHE_DIR'];
// dist/ was built by the test setup; a rebuild started by a CLI run would add a line to stderr
process.env['MMUCHECK_NO_REBUILD'] = '1';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmucheck-watchdog-'));
  process.env['MMUCHECK_CACHE_DIR'] = join(dir, 'cache');
});

afterAll(() => {
  if (saved === undefined) delete process.env['MMUCHECK_CACHE_DIR'];
  else process.env['MMUCHECK_CACHE_DIR'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the CLI; on timeout it is killed with SIGKILL (a main thread spinning in user code never
 * runs the JS handler that SIGTERM goes to, so without the watchdog SIGTERM would not end it).
 */
function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'bin/mmucheck.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs an ES module `body` with the compiled watchdog and user-code modules in scope; returns code, stderr, seconds. */
function script(body: string): { code: number | null; stderr: string; seconds: number } {
  const url = (p: string): string => pathToFileURL(resolve(ROOT, p)).href;
  const code = `import { startWatchdog } from '${url('dist/src/cli/watchdog.js')}';
import { asUserCode, enterUserCode, leaveUserCode, userCodeLabel } from '${url('dist/src/core/user-code.js')}';
${body}`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  return { code: r.status, stderr: r.stderr, seconds: (performance.now() - t0) / 1000 };
}

describe('watchdog', () => {
  it('SP19: a spec whose top level never returns ends as unknown within the --timeout budget', () => {
    const f = join(dir, 's-infinite-load.ts');
    writeFileSync(f, "import { layout } from 'mmucheck';\nfor (;;) { /* never returns */ }\nexport default layout('inf', 'never loads', { present: [] });\n");
    const t0 = performance.now();
    const r = cli(['prove', '--spec', f, '--timeout', '2']);
    expect(r.stderr.trim().split('\n')).toEqual([`mmucheck: unknown: user code 'file ${f}' ran past the time budget of 2 s`]);
    expect(r.code).toBe(20);
    expect(r.stdout).toBe('');
    expect((performance.now() - t0) / 1000).toBeLessThan(45);
  });

  it('V27: a variant step that never returns ends as unknown within the --time budget', () => {
    const f = join(dir, 'v-infinite-step.ts');
    writeFileSync(
      f,
      "import { variant } from 'mmucheck';\nexport default variant({\n  from: 'mmu/c6-fault-vs-fast-zap/fixed', name: 'infinite-step',\n" +
        "  edits: [{ op: 'fault', replace: 'stale-check', with: { run(_c) { for (;;) { /* spin */ } } } }],\n});\n",
    );
    const r = cli(['check', '--model', f, '--time', '2']);
    expect(r.stderr.trim().split('\n')).toEqual(["mmucheck: unknown: user code 'step fault.stale-check' ran past the time budget of 2 s"]);
    expect(r.code).toBe(20);
  });

  it('stops a main thread spinning in user code, naming its label', () => {
    const r = script("startWatchdog({ limitSeconds: 1 });\nasUserCode(userCodeLabel('step op.spin'), () => { for (;;) {} });");
    expect(r.stderr).toBe("mmucheck: unknown: user code 'step op.spin' ran past the time budget of 1 s\n");
    expect(r.code).toBe(20);
    expect(r.seconds).toBeLessThan(15);
  });

  it('stops a main thread idling in user code (an await that never settles, with a live timer)', () => {
    const r = script("startWatchdog({ limitSeconds: 1 });\nsetInterval(() => {}, 1000);\nenterUserCode(userCodeLabel('file idle.ts'));\nawait new Promise(() => {});");
    expect(r.stderr).toBe("mmucheck: unknown: user code 'file idle.ts' ran past the time budget of 1 s\n");
    expect(r.code).toBe(20);
  });

  it('never stops user code that keeps entering and leaving, and a normal exit prints nothing', () => {
    const r = script(
      "startWatchdog({ limitSeconds: 1 });\nconst l = userCodeLabel('step op.short');\nconst t0 = Date.now();\n" +
        'while (Date.now() - t0 < 3000) { enterUserCode(l); for (let i = 0; i < 1000; i++); leaveUserCode(); }\nprocess.exit(0);',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

