/**
 * `mmucheck ci` reports the same witnesses whatever ran before in a process: every Z3
 * counterexample is the least one in a fixed variable order (src/smt/canonical.ts), so the JSON
 * report differs only in times between `--jobs 1` and `--jobs 3`, and a rule proved after other
 * queries gets the same counterexample as when proved first.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { all, boolVar, bv, bvVar, invariant, prove } from '../../src/internal.js';
import { obligationCases } from '../../proofs/spte/index.js';
import { cli } from './helpers.js';

/** Returns a JSON report without its run-dependent fields (times). */
function withoutTimes(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'), (k, v) => (k === 'seconds' ? undefined : v));
}

describe('ci witnesses are canonical', () => {
  it('the SPTE report is the same with one process and with three (rows in case order, same witnesses)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmucheck-ci-det-'));
    const args = ['ci', '--suite', 'spte', '--only', 'mmio', '--quiet'];
    const one = cli([...args, '--jobs', '1', '--json', join(dir, 'one.json')]);
    const three = cli([...args, '--jobs', '3', '--json', join(dir, 'three.json')]);
    expect(one.code, one.stderr).toBe(0);
    expect(three.code, three.stderr).toBe(0);
    const a = withoutTimes(join(dir, 'one.json')) as { cases: { witness?: string }[] };
    expect(a.cases.filter((c) => c.witness !== undefined).length).toBeGreaterThan(10);
    expect(withoutTimes(join(dir, 'three.json'))).toEqual(a);
  }, 240_000);

  it('a rule proved after other queries, in reverse order, gets the same witness', async () => {
    const violated = obligationCases().filter((c) => c.expect.verdict === 'violated' && c.id.includes('mmio-roundtrip'));
    expect(violated.length).toBeGreaterThan(5);
    const witnesses = async (order: typeof violated, timeoutSeconds: number): Promise<Record<string, string | undefined>> => {
      const out: Record<string, string | undefined> = {};
      // A distinct time budget is a distinct query key, so nothing is read from the answers of the other pass.
      for (const c of order) out[c.id] = (await c.run({ timeoutSeconds })).witnessText;
      return out;
    };
    const forward = await witnesses(violated, 30);
    const backward = await witnesses([...violated].reverse(), 31);
    expect(backward).toEqual(forward);
  }, 240_000);
});

describe('canonical counterexample', () => {
  const p = boolVar('p');
  const n = bvVar('n', { min: 0n, max: 63n });
  const x = bvVar('x');

  it('is the least failing assignment: booleans, then bounded values, then wide values, each as small as the earlier ones allow', async () => {
    // Fails iff x = 2^n with n >= 5, and n >= 9 unless p: many locally minimal counterexamples
    // ((p, 5, 32), (false, 9, 512), (false, 30, 2^30), ...), one least: p off, then n = 9, then x = 512.
    const rule = invariant('toy-canonical', 'x is never a large enough power of two', 'test', n.uge(bv(5n)).and(x.eq(bv(1n).shl(n))).and(p.or(n.uge(bv(9n)))).not());
    const r = await prove(rule);
    expect(r.verdict.kind).toBe('violated');
    if (r.verdict.kind === 'violated') expect(r.verdict.witness.assignment).toEqual({ p: false, n: 9n, x: 512n });
  });

  it('finds the least wide value bit by bit, low bits set where they must be', async () => {
    // The least x >= 0x1234 whose low nibble is 5 is 0x1235.
    const rule = invariant('toy-least-wide', 'no x >= 0x1234 ends in 5', 'test', all(x.uge(bv(0x1234n)), x.and(bv(0xfn)).eq(bv(5n))).not());
    const r = await prove(rule);
    if (r.verdict.kind !== 'violated') throw new Error(`expected a violation, got ${r.verdict.kind}`);
    expect(r.verdict.witness.assignment).toEqual({ x: 0x1235n });
  });
});
