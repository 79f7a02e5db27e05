/**
 * Issue 11 item 4 on the bench's scale set (bench/scale/): every scale scenario whose space a
 * long run can finish gives the same verdict and the same witnesses with the reductions on
 * (`--por on`: footprint POR and statement merging) and off, and the reduced search never stores
 * more states; the scenario that declares gfn symmetry (gsym-4t.ts) agrees with symmetry off. `five.ts` and `tdx-three-vcpus.ts` are left out: neither finishes in minutes (five.ts
 * passes 110 M states; see the README's performance section). Run with `npm run test:long`.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const FILES = ['default-2t', 'default-3t', 'default-4t', 'tdx-2t', 'tdx-3t'];

interface Run {
  verdict: string;
  complete: boolean;
  reductions: { por: boolean; symmetry: boolean };
  witnesses: Record<string, unknown>;
  stats: { distinctStates: number };
}

function run(file: string, por: 'on' | 'off', symmetry: 'on' | 'off' = 'on'): Run {
  const r = spawnSync(process.execPath, ['bin/mmucheck.js', 'check', '--model', `bench/scale/${file}.ts`, '--liveness', 'off', '--por', por, '--symmetry', symmetry, '--json', '--quiet', '--time', '600'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.stdout, r.stderr).not.toBe('');
  return JSON.parse(r.stdout) as Run;
}

describe('scale set: reduced and unreduced search agree', () => {
  for (const f of FILES) {
    it(f, () => {
      const off = run(f, 'off');
      const on = run(f, 'on');
      expect(off.complete).toBe(true);
      expect(on.complete).toBe(true);
      expect(on.reductions.por).toBe(true);
      expect(on.verdict).toBe(off.verdict);
      expect(Object.keys(on.witnesses).sort()).toEqual(Object.keys(off.witnesses).sort());
      for (const k of Object.keys(off.witnesses)) expect(on.witnesses[k] === null, k).toBe(off.witnesses[k] === null);
      expect(on.stats.distinctStates).toBeLessThanOrEqual(off.stats.distinctStates);
    }, 1_500_000);
  }
});

// gfn symmetry (`symmetricGfns`) on the scale scenario that declares it: the same verdict and
// witnesses with symmetry off, on, and on with POR, and fewer states when on
describe('scale set: gfn symmetry agrees with the unreduced search', () => {
  it('gsym-4t', () => {
    const off = run('gsym-4t', 'off', 'off');
    expect(off.complete).toBe(true);
    for (const r of [run('gsym-4t', 'off', 'on'), run('gsym-4t', 'on', 'on')]) {
      expect(r.complete).toBe(true);
      expect(r.reductions.symmetry).toBe(true);
      expect(r.verdict).toBe(off.verdict);
      for (const k of Object.keys(off.witnesses)) expect(r.witnesses[k] === null, k).toBe(off.witnesses[k] === null);
      expect(r.stats.distinctStates).toBeLessThan(off.stats.distinctStates);
    }
  }, 1_500_000);
});
