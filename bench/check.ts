/**
 * Benchmarks of the `check` area: throughput on one thread and on worker threads, bytes per state,
 * POR and symmetry factors on tdp-cas, start-up time, and SPIN side by side on tdp_cas.pml.
 *
 *   npm run bench -- --only check            # about 2-3 minutes
 *   npm run bench -- --only check --large    # adds counters N=8 K=9 (10^8 states)
 */
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, checkParallel, type CheckOptions, type CheckResult } from '../src/index.js';
import { checkModels, checkModelsUrl } from '../model/index.js';
import type { BenchArea } from './run.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

function params(name: string, given: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of checkModels[name]!.params) out[p.name] = given[p.name] ?? p.default;
  return out;
}

async function run(name: string, given: Record<string, number>, opts: CheckOptions & { workers?: number }): Promise<CheckResult> {
  const p = params(name, given);
  if ((opts.workers ?? 1) > 1) return checkParallel({ moduleUrl: checkModelsUrl, exportName: 'checkModels', key: name, params: p }, { ...opts, workers: opts.workers! });
  return check(checkModels[name]!.create(p), opts);
}

const fmt = (r: CheckResult): string =>
  `${r.verdict.kind.padEnd(8)} ${String(r.stats.distinctStates).padStart(11)} states ${r.stats.seconds.toFixed(2).padStart(7)} s ${(r.stats.distinctStates / r.stats.seconds / 1e6).toFixed(2).padStart(5)} M/s ${r.stats.bytesPerState.toFixed(1).padStart(6)} B/state ${(r.stats.peakMemoryBytes / 2 ** 20).toFixed(0).padStart(6)} MiB`;

function spin(log: (l: string) => void, extra: string, label: string): { states: number; seconds: number } | null {
  const dir = mkdtempSync(join(tmpdir(), 'spin-'));
  copyFileSync('/work/shared/bench/tdp_cas.pml', join(dir, 'tdp_cas.pml'));
  try {
    execSync('spin -a tdp_cas.pml', { cwd: dir, stdio: 'pipe' });
    execSync(`gcc -O2 -DSAFETY ${extra} -o pan pan.c`, { cwd: dir, stdio: 'pipe' });
    const t0 = performance.now();
    const r = spawnSync('./pan', ['-m1000000'], { cwd: dir, encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    const states = Number(/([0-9.e+]+) states, stored/.exec(r.stdout)?.[1] ?? NaN);
    const el = Number(/elapsed time ([0-9.e+]+) seconds/.exec(r.stdout)?.[1] ?? NaN);
    const errors = /errors: ([0-9]+)/.exec(r.stdout)?.[1];
    log(`SPIN ${label.padEnd(24)} ${String(states).padStart(11)} states ${wall.toFixed(2).padStart(7)} s wall (pan: ${el} s), errors: ${errors}`);
    return { states, seconds: wall };
  } catch (e) {
    log(`SPIN ${label}: failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    return null;
  }
}

export const area: BenchArea = {
  name: 'check',
  async run(log, argv) {
    const large = argv.includes('--large');
    // Start-up to first state: a whole CLI run on a 4-state model.
    const t0 = performance.now();
    spawnSync(process.execPath, [join(ROOT, 'bin/mmucheck.js'), 'check', 'counters', '--param', 'N=2', '--param', 'K=1', '--quiet'], { encoding: 'utf8' });
    log(`start-up: CLI process to verdict on a 4-state model: ${((performance.now() - t0) / 1000).toFixed(2)} s`);

    log('\n### throughput (scalable toy counters, N=7 K=9: 10^7 states)');
    const c1 = await run('counters', { N: 7, K: 9 }, { expectedStates: 1e7 });
    log(`1 thread   ${fmt(c1)}`);
    const c2 = await run('counters', { N: 7, K: 9 }, { workers: 2, expectedStates: 1e7 });
    log(`2 workers  ${fmt(c2)}   speed-up ${(c1.stats.seconds / c2.stats.seconds).toFixed(2)}x`);
    const e1 = await run('counters', { N: 6, K: 9 }, { store: 'exact' });
    const f1 = await run('counters', { N: 6, K: 9 }, { store: 'fingerprint' });
    log(`exact       ${fmt(e1)}`);
    log(`fingerprint ${fmt(f1)}  (bytes/state = table + 6 bytes of parent pointer and action index)`);

    log('\n### tdp-cas default parameters (NV=3 NG=2 ITER=2 NZ=1 ZITER=2)');
    const t1 = await run('tdp-cas', {}, { por: true, expectedStates: 2e7 });
    log(`POR, 1 thread   ${fmt(t1)}`);
    const t2 = await run('tdp-cas', {}, { por: true, workers: 2, expectedStates: 2e7 });
    log(`POR, 2 workers  ${fmt(t2)}   speed-up ${(t1.stats.seconds / t2.stats.seconds).toFixed(2)}x`);
    const tb = await run('tdp-cas', { BUG_WALK: 1 }, { por: true });
    log(`BUG_WALK, POR   ${fmt(tb)}  trace ${tb.verdict.kind === 'violated' ? tb.verdict.witness.trace?.actions.length : '-'} steps`);

    log('\n### reductions');
    for (const g of [{ NV: 2, ITER: 1 }, { NV: 2, ITER: 2 }, { NV: 3, ITER: 1 }]) {
      const off = await run('tdp-cas', g, { por: false, timeSeconds: 60 });
      const on = await run('tdp-cas', g, { por: true });
      log(`POR tdp-cas ${JSON.stringify(g)}: ${off.stats.distinctStates} -> ${on.stats.distinctStates} states = ${(off.stats.distinctStates / on.stats.distinctStates).toFixed(1)}x (${off.verdict.kind}/${on.verdict.kind})`);
    }
    const z = { NV: 2, ITER: 1, NZ: 2, ZITER: 1 };
    const s0 = await run('tdp-cas', z, { symmetry: false });
    const s1 = await run('tdp-cas', z, { symmetry: true });
    log(`symmetry (identical zappers) tdp-cas ${JSON.stringify(z)} with POR: ${s0.stats.distinctStates} -> ${s1.stats.distinctStates} = ${(s0.stats.distinctStates / s1.stats.distinctStates).toFixed(2)}x`);

    if (large) {
      log('\n### largest space');
      const big = await run('counters', { N: 8, K: 9 }, { expectedStates: 1e8 });
      log(`counters N=8 K=9  ${fmt(big)}`);
    }

    log('\n### SPIN side by side (tdp_cas.pml, default parameters)');
    let haveSpin = spawnSync('sh', ['-c', 'command -v spin && command -v gcc'], { encoding: 'utf8' }).status === 0;
    if (!haveSpin) {
      spawnSync('sh', ['-c', 'apt-get install -y spin gcc'], { stdio: 'ignore' });
      haveSpin = spawnSync('sh', ['-c', 'command -v spin && command -v gcc'], { encoding: 'utf8' }).status === 0;
    }
    if (!haveSpin || !existsSync('/work/shared/bench/tdp_cas.pml')) {
      log('SPIN skipped: spin or gcc could not be installed (apt-get install -y spin gcc)');
      return;
    }
    const sp = spin(log, '', 'with POR');
    if (sp) log(`time to verdict, mmucheck 1 thread / SPIN: ${(t1.stats.seconds / sp.seconds).toFixed(2)}x; 2 workers / SPIN: ${(t2.stats.seconds / sp.seconds).toFixed(2)}x; states ours/SPIN ${(t1.stats.distinctStates / sp.states).toFixed(2)}`);
    if (argv.includes('--spin-noreduce')) spin(log, '-DNOREDUCE', 'without POR');
  },
};
