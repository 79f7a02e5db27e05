import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ROOT, cli, isOneLineDiagnostic } from './helpers.js';

describe('CLI contract', () => {
  it('prints help and lists commands', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: mmucheck <command>/);
    expect(r.stdout).toMatch(/\bci\b/);
  });
  it('long --json output through a pipe to a slow reader arrives whole (more than the 64 KiB pipe buffer)', () => {
    // The reader starts reading a second after the CLI has finished writing, as `| jq` may.
    const r = spawnSync('sh', ['-c', `"${process.execPath}" bin/mmucheck.js prove --json | (sleep 1; cat)`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 });
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(65536);
    const doc = JSON.parse(r.stdout) as { rules: { status: string }[] };
    expect(doc.rules.length).toBe(156);
    expect(doc.rules.every((x) => x.status === 'pass')).toBe(true);
  });
  it('rejects an unknown command with one line and exit 64', () => {
    const r = cli(['frobnicate']);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
  it('rejects an unknown flag naming it and the allowed flags', () => {
    const r = cli(['ci', '--bogus']);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/--bogus.*allowed: --suite/);
  });
  it('rejects an unknown suite naming the suites', () => {
    const r = cli(['ci', '--suite', 'nope']);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/--suite nope: unknown suite; suites: spte/);
  });
  it('ci --cross-check brute-forces the finite families and still agrees with every expectation', () => {
    const r = cli(['ci', '--suite', 'vmtype', '--cross-check', '--quiet', '--jobs', '1']);
    expect(r.stdout).toMatch(/ci: 33 cases, 33 as expected/);
    expect(r.code).toBe(0);
  });
  it('rejects an out-of-range number', () => {
    const r = cli(['ci', '--timeout', '-3']);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
  });
});
