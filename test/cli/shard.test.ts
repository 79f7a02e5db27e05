import { describe, expect, it } from 'vitest';
import { cli, isOneLineDiagnostic } from './helpers.js';

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
    expect(a.rows.every((r) => r.index % 2 === 0)).toBe(true);
  });
  it('rejects a malformed shard', () => {
    const r = cli(['ci', '--shard', '3/2']);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
  });
});
