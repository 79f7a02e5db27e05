/**
 * tdp-cas (the Promela reference workload): pinned counts on small parameters, the BUG_WALK mutant,
 * reductions agreeing with the unreduced search, worker threads (from dist/) equal to one thread,
 * shards and merge, and the CLI's exit codes.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, checkShard, mergeShards, type CheckResult } from '../../src/internal.js';
import { tdpCas } from '../../model/bench/tdp-cas.js';

const ROOT = resolve(import.meta.dirname, '../..');
const small = (bug = 0) => tdpCas({ NV: 2, NG: 2, ITER: 1, NZ: 1, ZITER: 2, BUG_WALK: bug });
const len = (r: CheckResult): number => (r.verdict.kind === 'violated' ? r.verdict.witness.trace!.actions.length : -1);

describe('tdp-cas', () => {
  it('small parameters hold, with pinned counts with and without POR (POR cuts 5.8x, merging 5.2x more)', () => {
    const full = check(small(), { por: false });
    expect(full.verdict.kind).toBe('holds');
    expect(full.stats.distinctStates).toBe(73130);
    const red = check(small(), { por: true, merge: false });
    expect(red.verdict.kind).toBe('holds');
    expect(red.stats.distinctStates).toBe(12572);
    expect(red.reductions).toEqual({ por: true, symmetry: false, merge: false });
    expect(check(small(), { por: true, strategy: 'dfs' }).stats.distinctStates).toBe(12572);
    expect(check(small(), { por: true, store: 'exact', merge: false }).stats.distinctStates).toBe(12572);
    // Statement merging (default with POR in BFS): local steps taken at once, not stored.
    const merged = check(small(), { por: true });
    expect(merged.verdict.kind).toBe('holds');
    expect(merged.stats.distinctStates).toBe(2418);
    expect(merged.reductions).toEqual({ por: true, symmetry: false, merge: true });
    expect(check(small(), { por: true, store: 'exact' }).stats.distinctStates).toBe(2418);
    expect(check(small(), { por: false, merge: true }).stats.distinctStates).toBe(73130);
  });

  it('BUG_WALK is caught with a replayable stale-TLB trace, under every strategy', () => {
    const r = check(small(1), { por: false });
    expect(r.verdict.kind).toBe('violated');
    expect(len(r)).toBe(24);
    if (r.verdict.kind === 'violated') expect(r.verdict.witness.property).toBe('no-stale-tlb');
    expect(len(check(small(1), { por: true, merge: false }))).toBe(30);
    // With merging the BFS trace is shortest in merged steps; replay lists every action, and the
    // last state violates the property.
    const merged = check(small(1), { por: true });
    expect(merged.verdict.kind).toBe('violated');
    expect(len(merged)).toBe(31);
    if (merged.verdict.kind === 'violated') {
      const t = merged.verdict.witness.trace!;
      expect(small(1).properties()[0]!.check(t.states[t.states.length - 1]!)).toBe(false);
      expect(t.states).toHaveLength(t.actions.length + 1);
    }
    expect(check(small(1), { strategy: 'dfs' }).verdict.kind).toBe('violated');
    expect(check(tdpCas({ NV: 2, NG: 1, ITER: 1, NZ: 1, ZITER: 1, BUG_WALK: 1 }), { strategy: 'random', seed: 3, walks: 20000 }).verdict.kind).toBe('violated');
  });

  it('zapper symmetry (NZ=2) agrees with the unreduced verdict and reduces', () => {
    const m = () => tdpCas({ NV: 1, NG: 2, ITER: 1, NZ: 2, ZITER: 1, BUG_WALK: 0 });
    const a = check(m(), { symmetry: false, por: false });
    const b = check(m(), { symmetry: true, por: false });
    const c = check(m(), { symmetry: true, por: true });
    expect([a.verdict.kind, b.verdict.kind, c.verdict.kind]).toEqual(['holds', 'holds', 'holds']);
    expect(b.stats.distinctStates).toBeLessThan(a.stats.distinctStates);
    const bug = () => tdpCas({ NV: 1, NG: 1, ITER: 1, NZ: 2, ZITER: 1, BUG_WALK: 1 });
    expect(check(bug(), { symmetry: true }).verdict.kind).toBe(check(bug(), { symmetry: false, por: false }).verdict.kind);
  });

  it('worker threads give the same verdicts, counts and trace lengths as one thread', async () => {
    const dist = (await import(resolve(ROOT, 'dist/src/check/index.js'))) as typeof import('../../src/check/index.js');
    const reg = (await import(resolve(ROOT, 'dist/model/index.js'))) as typeof import('../../model/index.js');
    for (const BUG_WALK of [0, 1]) {
      for (const [por, merge] of [[false, false], [true, false], [true, true]] as const) {
        const params = { NV: 2, NG: 2, ITER: 1, NZ: 1, ZITER: 2, BUG_WALK };
        const one = check(small(BUG_WALK), { por, merge });
        const two = await dist.checkParallel({ moduleUrl: reg.checkModelsUrl, exportName: 'checkModels', key: 'tdp-cas', params }, { workers: 2, por, merge });
        expect(two.verdict.kind).toBe(one.verdict.kind);
        expect(two.stats.distinctStates).toBe(one.stats.distinctStates);
        expect(two.stats.generatedStates).toBe(one.stats.generatedStates);
        expect(two.stats.maxDepth).toBe(one.stats.maxDepth);
        expect(len(two)).toBe(len(one));
      }
    }
  });

  it('shards merge into the same verdict', () => {
    for (const [bug, merge] of [[0, true], [1, true], [0, false], [1, false]] as const) {
      const parts = [0, 1, 2].map((i) => checkShard(small(bug), { por: true, merge }, i, 3).shard);
      expect(mergeShards(parts).verdict).toBe(bug ? 'violated' : 'holds');
      expect(mergeShards(parts.slice(0, 2)).verdict).toBe(bug ? 'violated' : 'unknown');
    }
  });

  it('CLI: exit codes, JSON, ITF file, one-line diagnostics', () => {
    const cli = (...a: string[]) => spawnSync(process.execPath, [resolve(ROOT, 'bin/mmucheck.js'), ...a], { encoding: 'utf8' });
    const base = ['check', 'tdp-cas', '--param', 'NV=2', '--param', 'ITER=1'];
    const ok = cli(...base, '--json');
    expect(ok.status).toBe(0);
    const doc = JSON.parse(ok.stdout) as { verdict: string; stats: Record<string, number> };
    expect(doc.verdict).toBe('holds');
    expect(doc.stats['distinctStates']).toBe(2418); // POR with statement merging, the defaults
    for (const k of ['generatedStates', 'maxDepth', 'seconds', 'peakMemoryBytes']) expect(typeof doc.stats[k]).toBe('number');
    const itf = resolve(ROOT, 'out/test-tdp-cas-bug.itf.json');
    const bad = cli(...base, '--param', 'BUG_WALK=1', '--json', '--itf', itf);
    expect(bad.status).toBe(10);
    const bdoc = JSON.parse(bad.stdout) as { verdict: string; traceLength: number; itf: string };
    expect(bdoc).toMatchObject({ verdict: 'violated', traceLength: 31, itf });
    expect(cli(...base, '--max-states', '100').status).toBe(20);
    const auto = cli(...base, '--workers', 'auto', '--json');
    expect(auto.status).toBe(0);
    expect(JSON.parse(auto.stdout)).toMatchObject({ verdict: 'holds', stats: { distinctStates: 2418, workers: availableParallelism() } });
    for (const args of [['check', 'nope'], [...base, '--param', 'NV=99'], [...base, '--param', 'FOO=1'], [...base, '--strategy', 'sideways'], [...base, '--bogus'], [...base, '--workers', 'many'], [...base, '--workers', '0']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(64);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/MMC0\d\d/);
    }
  });
});
