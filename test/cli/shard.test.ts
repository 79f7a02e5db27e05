import { describe, expect, it } from 'vitest';
import { affinityGroups, shardPositions } from '../../src/cli/shard.js';
import { cli, isOneLineDiagnostic } from './helpers.js';

describe('grouping and static shards', () => {
  it('equal keys share a group, undefined keys are alone, groups in order of first appearance', () => {
    expect(affinityGroups(['a', undefined, 'b', 'a', undefined, 'b', 'c'])).toEqual([[0, 3], [1], [2, 5], [4], [6]]);
  });
  it('shards partition the positions, keep groups whole and balance case counts', () => {
    const keys = ['a', 'a', 'a', 'b', 'c', 'd', 'e', 'e', 'f', undefined, undefined];
    const groups = affinityGroups(keys);
    for (const count of [1, 2, 3, 5]) {
      const parts = Array.from({ length: count }, (_, i) => shardPositions(groups, { index: i + 1, count }));
      expect(parts.flat().sort((x, y) => x - y)).toEqual(keys.map((_, i) => i));
      for (const g of groups) expect(parts.filter((p) => p.includes(g[0]!)).every((p) => g.every((i) => p.includes(i)))).toBe(true);
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(3); // the largest group has 3 cases
    }
    expect(shardPositions(groups, undefined)).toEqual(keys.map((_, i) => i));
  });
});

describe('process sharding', () => {
  it('prove --jobs 2 gives the same verdicts as --jobs 1', () => {
    const one = JSON.parse(cli(['prove', '--kernel', '6.0', '--json', '--jobs', '1']).stdout) as { rules: { rule: string; flavour: string; verdict: string }[] };
    const two = JSON.parse(cli(['prove', '--kernel', '6.0', '--json', '--jobs', '2']).stdout) as typeof one;
    expect(two.rules.map((r) => `${r.flavour}/${r.rule}=${r.verdict}`)).toEqual(one.rules.map((r) => `${r.flavour}/${r.rule}=${r.verdict}`));
    expect(one.rules.length).toBeGreaterThan(20);
  });
  it('ci shards partition the cases', () => {
    const a = JSON.parse(cli(['ci', '--suite', 'vmtype', '--shard', '1/2']).stdout) as { rows: { index: number }[] };
    const b = JSON.parse(cli(['ci', '--suite', 'vmtype', '--shard', '2/2']).stdout) as { rows: { index: number }[] };
    const all = [...a.rows, ...b.rows].map((r) => r.index).sort((x, y) => x - y);
    expect(all).toEqual(all.map((_, i) => i));
    expect(a.rows.length).toBeGreaterThan(0);
    expect(b.rows.length).toBeGreaterThan(0);
  });
  it('--serve answers one JSON line of rows per line of positions, and stops at end of input', () => {
    const r = cli(['ci', '--suite', 'vmtype', '--serve'], { input: '{"positions":[0,2]}\n{"positions":[1]}\n' });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rows: { index: number; status: string }[] });
    expect(lines.map((l) => l.rows.map((x) => x.index))).toEqual([[0, 2], [1]]);
    expect(lines.flatMap((l) => l.rows).every((x) => x.status === 'pass')).toBe(true);
  });
  it('rejects a malformed shard', () => {
    const r = cli(['ci', '--shard', '3/2']);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
  });
  it('refuses the whole-run reports on a shard (they would be accepted and never written)', () => {
    for (const flag of ['--summary-md', '--json', '--junit']) {
      const r = cli(['ci', '--suite', 'vmtype', '--shard', '1/2', flag, 'out/shard-report.x']);
      expect(r.code, flag).toBe(64);
      expect(r.stderr).toContain(`MMC003: ${flag}: not written by a shard`);
    }
  });
});
