import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const run = (...args: string[]) => spawnSync(process.execPath, [resolve(ROOT, 'bin/mmucheck.js'), ...args], { encoding: 'utf8', cwd: ROOT });

describe('mmucheck role', () => {
  it('pre era: both review counterexamples by bit name, exit 0 (as expected)', () => {
    const r = run('role', '--era', 'pre');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('role/v1-patch06/init-pg0-wp1-no-reset: violated');
    expect(r.stdout).toContain('INIT from CR0=0x00010000 {WP}, CR4=0x00000000 {}, EFER=0x00000000 {}');
    expect(r.stdout).toContain('INIT from CR0=0x00000000 {}, CR4=0x00000000 {}, EFER=0x00000800 {NX}');
    expect(r.stdout).toContain('stale role fields [held, fresh]: base.nxe [1, 0]');
  });
  it('post era, one rule, --json: one JSON document', () => {
    const r = run('role', '--era', 'post', '--rule', 'init-no-stale-role', '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { exitCode: number; cases: { got: string }[] };
    expect(doc.exitCode).toBe(0);
    expect(doc.cases.map((c) => c.got)).toEqual(['holds']);
  });
  it('bad flags: one-line diagnostic naming the flag, exit 64, no stack trace', () => {
    for (const args of [['--era', 'v4'], ['--bogus'], ['--rule', 'nope'], ['--timeout', 'x']]) {
      const r = run('role', ...args);
      expect(r.status, args.join(' ')).toBe(64);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mmucheck: error MMC00\d: /);
      expect(r.stderr).not.toContain('    at ');
    }
  });
});
