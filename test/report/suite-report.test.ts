import { describe, expect, it } from 'vitest';
import type { ProofCase } from '../../src/internal.js';
import { exitFor, judge, runCases } from '../../src/cli/commands/ci.js';
import { renderJunit } from '../../src/report/suite-report.js';

const mk = (expect: 'holds' | 'violated', got: 'holds' | 'violated' | 'unknown', extra: { pinned?: number; states?: number } = {}): ProofCase => ({
  suite: 'toy',
  id: `toy/${expect}-${got}`,
  title: 't',
  expect: { verdict: expect, ...(extra.pinned !== undefined ? { distinctStates: extra.pinned } : {}) },
  run: async () => ({
    verdict: got === 'holds' ? { kind: 'holds', domain: 'd' } : got === 'violated' ? { kind: 'violated', witness: {} } : { kind: 'unknown', reason: 'bound hit' },
    seconds: 0,
    ...(extra.states !== undefined ? { distinctStates: extra.states } : {}),
  }),
});

describe('ci judgement', () => {
  it('compares engine verdicts with expectations and maps to exit codes', async () => {
    const rows = await runCases([mk('holds', 'holds'), mk('violated', 'violated')], { timeoutSeconds: 1 });
    expect(rows.map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(exitFor(rows)).toBe(0);
    expect(exitFor(await runCases([mk('holds', 'violated')], { timeoutSeconds: 1 }))).toBe(10);
    expect(exitFor(await runCases([mk('violated', 'holds')], { timeoutSeconds: 1 }))).toBe(11);
    expect(exitFor(await runCases([mk('holds', 'unknown')], { timeoutSeconds: 1 }))).toBe(20);
  });
  it('an unknown is never a pass, even when holds is expected', async () => {
    const c = mk('holds', 'unknown');
    expect(judge(c, await c.run({ timeoutSeconds: 1 })).status).toBe('unknown');
  });
  it('a changed pinned state count is a mismatch', async () => {
    const c = mk('holds', 'holds', { pinned: 10, states: 11 });
    expect(judge(c, await c.run({ timeoutSeconds: 1 })).status).toBe('mismatch');
  });
  it('a thrown error becomes an error row, not a crash', async () => {
    const c: ProofCase = { ...mk('holds', 'holds'), run: async () => { throw new Error('boom'); } };
    const rows = await runCases([c], { timeoutSeconds: 1 });
    expect(rows[0]!.status).toBe('error');
    expect(exitFor(rows)).toBe(70);
  });
  it('writes JUnit with failures for non-passing rows', async () => {
    const rows = await runCases([mk('holds', 'violated'), mk('holds', 'holds')], { timeoutSeconds: 1 });
    const x = renderJunit(rows);
    expect(x).toMatch(/<testsuite name="toy" tests="2" failures="1" errors="0"/);
  });
});
