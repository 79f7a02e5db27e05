import { describe, expect, it } from 'vitest';
import { cli, isOneLineDiagnostic } from './helpers.js';

describe('CLI contract', () => {
  it('prints help and lists commands', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: mmucheck <command>/);
    expect(r.stdout).toMatch(/\bci\b/);
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
