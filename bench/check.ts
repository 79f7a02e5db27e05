/**
 * Benchmarks of the `check` area: throughput on one thread and on worker threads, bytes per state,
 * POR and symmetry factors on tdp-cas, start-up time, and SPIN side by side on tdp_cas.pml.
 *
 *   npm run bench -- --only check              # about 7 minutes (the 10^8-state run is most of it)
 *   npm run bench -- --only check --no-large   # without the 10^8-state run
 *
 * Bytes per state count the visited set as allocated (fingerprint table, or table plus used arena
 * in exact mode) plus the parent pointer (4 B) and action index (1 B, 2 B past 255 actions) of each
 * stored state; the BFS frontier (the queue) and the process's other memory are not counted, which is
 * why the peak RSS is printed next to it.
 */
import { execSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir, totalmem, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, checkParallel, type CheckOptions, type CheckResult } from '../src/internal.js';
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
    // Three runs, the median wall time (the VM's speed drifts; see the throughput section).
    const runs = [0, 1, 2].map(() => {
      const t0 = performance.now();
      const out = spawnSync('./pan', ['-m1000000'], { cwd: dir, encoding: 'utf8' });
      return { out, wall: (performance.now() - t0) / 1000 };
    });
    const { out: r, wall } = runs.sort((x, y) => x.wall - y.wall)[1]!;
    const states = Number(/([0-9.e+]+) states, stored/.exec(r.stdout)?.[1] ?? NaN);
    const el = Number(/elapsed time ([0-9.e+]+) seconds/.exec(r.stdout)?.[1] ?? NaN);
    const errors = /errors: ([0-9]+)/.exec(r.stdout)?.[1];
    log(`SPIN ${label.padEnd(24)} ${String(states).padStart(11)} states ${wall.toFixed(2).padStart(7)} s wall, median of 3 (pan: ${el} s), errors: ${errors}`);
    return { states, seconds: wall };
  } catch (e) {
    log(`SPIN ${label}: failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    return null;
  }
}

export const area: BenchArea = {
  name: 'check',
  async run(log, argv) {
    const large = !argv.includes('--no-large');
    const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
    log(`machine: load average ${load()} before the run (2 cores; other processes share them)`);
    // Start-up to first state: a fresh process that imports the checker, builds tdp-cas (default
    // parameters) and stops after its first stored state; performance.now() in that process counts
    // from the process's own start. And the whole CLI to verdict with a one-state budget.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { check } = await import(${JSON.stringify(join(ROOT, 'dist/src/internal.js'))});
         const { checkModels } = await import(${JSON.stringify(join(ROOT, 'dist/model/index.js'))});
         const e = checkModels['tdp-cas'];
         const p = Object.fromEntries(e.params.map((q) => [q.name, q.default]));
         const r = check(e.create(p), { maxStates: 1 });
         process.stdout.write(String(performance.now()) + ' ' + r.stats.distinctStates);`,
      ],
      { encoding: 'utf8' },
    );
    const [firstMs, firstStates] = child.stdout.trim().split(' ');
    log(`start-up: process start to first stored state of tdp-cas (in-process clock): ${(Number(firstMs) / 1000).toFixed(3)} s (${firstStates} state)`);
    const t0 = performance.now();
    spawnSync(process.execPath, [join(ROOT, 'bin/mmucheck.js'), 'check', 'tdp-cas', '--max-states', '1', '--quiet'], { encoding: 'utf8' });
    log(`start-up: whole CLI process, spawn to exit, tdp-cas with a 1-state budget: ${((performance.now() - t0) / 1000).toFixed(2)} s`);

    log('\n### throughput (scalable toy counters, N=7 K=9: 10^7 states)');
    // This VM's speed drifts by 30% or more from minute to minute, so one run of each would compare
    // two different machines: 1 thread and 2 workers alternate five times; medians, and the median
    // of the five paired ratios.
    const med = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const rate = (r: CheckResult): string => (r.stats.distinctStates / r.stats.seconds / 1e6).toFixed(2);
    const ones: CheckResult[] = [];
    const twos: CheckResult[] = [];
    for (let i = 0; i < 5; i++) {
      ones.push(await run('counters', { N: 7, K: 9 }, { expectedStates: 1e7 }));
      twos.push(await run('counters', { N: 7, K: 9 }, { workers: 2, expectedStates: 1e7 }));
    }
    const mid = (rs: CheckResult[]): CheckResult => rs.slice().sort((a, b) => a.stats.seconds - b.stats.seconds)[Math.floor(rs.length / 2)]!;
    const c1 = mid(ones);
    const c2 = mid(twos);
    const ratios = ones.map((r, i) => r.stats.seconds / twos[i]!.stats.seconds);
    log(`1 thread   ${fmt(c1)}   (median of 5; ${ones.map(rate).join(', ')} M/s)`);
    log(`2 workers  ${fmt(c2)}   (median of 5; ${twos.map(rate).join(', ')} M/s)`);
    log(`speed-up, median of paired runs: ${med(ratios).toFixed(2)}x (pairs: ${ratios.map((x) => x.toFixed(2)).join(', ')})`);
    // The machine's own ceiling: two independent single-thread processes at once vs one alone,
    // alternated three times like the pairs above.
    const solo = (): Promise<number> =>
      new Promise((res) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', `const { check } = await import(${JSON.stringify(join(ROOT, 'dist/src/internal.js'))});
          const { checkModels } = await import(${JSON.stringify(join(ROOT, 'dist/model/index.js'))});
          const r = check(checkModels.counters.create({ N: 7, K: 9 }), { expectedStates: 1e7 });
          process.stdout.write(String(r.stats.distinctStates / r.stats.seconds));`], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.on('close', () => res(Number(out)));
      });
    const ceilings: number[] = [];
    for (let i = 0; i < 3; i++) {
      const alone = await solo();
      const pair = await Promise.all([solo(), solo()]);
      ceilings.push((pair[0]! + pair[1]!) / alone);
      log(`machine ceiling ${i + 1}: one process alone ${(alone / 1e6).toFixed(2)} M/s; two independent processes at once ${(pair[0]! / 1e6).toFixed(2)} + ${(pair[1]! / 1e6).toFixed(2)} = ${ceilings[i]!.toFixed(2)}x`);
    }
    log(`machine ceiling, median: ${med(ceilings).toFixed(2)}x`);
    const e1 = await run('counters', { N: 6, K: 9 }, { store: 'exact' });
    const f1 = await run('counters', { N: 6, K: 9 }, { store: 'fingerprint' });
    log(`exact       ${fmt(e1)}`);
    log(`fingerprint ${fmt(f1)}  (bytes/state = table at load <= 0.8 + 4 B parent + 1 B action index; unsized run, table grown 1.5x at a time)`);
    log(`fingerprint, sized (expectedStates), 10^7: ${c1.stats.bytesPerState.toFixed(2)} B/state`);

    log('\n### tdp-cas default parameters (NV=3 NG=2 ITER=2 NZ=1 ZITER=2)');
    // Three alternating pairs each, as for counters; the medians and the median paired ratio.
    const pairs = async (label: string, opts: CheckOptions): Promise<[CheckResult, CheckResult]> => {
      const a: CheckResult[] = [];
      const b: CheckResult[] = [];
      for (let i = 0; i < 3; i++) {
        a.push(await run('tdp-cas', {}, opts));
        b.push(await run('tdp-cas', {}, { ...opts, workers: 2 }));
      }
      const r = a.map((x, i) => x.stats.seconds / b[i]!.stats.seconds);
      log(`${label}, 1 thread   ${fmt(mid(a))}   (median of 3)`);
      log(`${label}, 2 workers  ${fmt(mid(b))}   (median of 3)   speed-up, median of paired runs ${med(r).toFixed(2)}x (pairs: ${r.map((x) => x.toFixed(2)).join(', ')})`);
      return [mid(a), mid(b)];
    };
    const [t1, t2] = await pairs('POR+merge', { por: true, expectedStates: 3e6 });
    await pairs('POR only ', { por: true, merge: false, expectedStates: 1.7e7 });
    const tb = await run('tdp-cas', { BUG_WALK: 1 }, { por: true });
    log(`BUG_WALK, POR   ${fmt(tb)}  trace ${tb.verdict.kind === 'violated' ? tb.verdict.witness.trace?.actions.length : '-'} steps`);

    log('\n### reductions');
    for (const g of [{ NV: 2, ITER: 1 }, { NV: 2, ITER: 2 }, { NV: 3, ITER: 1 }]) {
      const off = await run('tdp-cas', g, { por: false, timeSeconds: 60 });
      const on = await run('tdp-cas', g, { por: true });
      const mg = await run('tdp-cas', g, { por: true, merge: false });
      log(`POR tdp-cas ${JSON.stringify(g)}: ${off.stats.distinctStates} -> ${mg.stats.distinctStates} states = ${(off.stats.distinctStates / mg.stats.distinctStates).toFixed(1)}x; with merging ${on.stats.distinctStates} = ${(off.stats.distinctStates / on.stats.distinctStates).toFixed(1)}x (${off.verdict.kind}/${mg.verdict.kind}/${on.verdict.kind})`);
    }
    const z = { NV: 2, ITER: 1, NZ: 2, ZITER: 1 };
    // Merging is off while symmetry is in effect, so the symmetry factor is taken without it.
    const s0 = await run('tdp-cas', z, { symmetry: false, merge: false });
    const s1 = await run('tdp-cas', z, { symmetry: true });
    const s2 = await run('tdp-cas', z, { symmetry: false });
    log(`symmetry (identical zappers) tdp-cas ${JSON.stringify(z)} with POR: ${s0.stats.distinctStates} -> ${s1.stats.distinctStates} = ${(s0.stats.distinctStates / s1.stats.distinctStates).toFixed(2)}x; POR+merge without symmetry: ${s2.stats.distinctStates}`);

    if (large) {
      // 10^8 states need about 2 GiB here (1.25 GB table, 0.5 GB parents and actions, the frontier).
      log('\n### largest space (3-minute budget)');
      const [N, want] = totalmem() >= 6 * 2 ** 30 ? [8, 1e8] : [7, 1e7];
      const big = await run('counters', { N, K: 9 }, { expectedStates: want, timeSeconds: 180 });
      log(`counters N=${N} K=9, 1 thread  ${fmt(big)}${big.complete ? '' : `  (stopped: ${big.verdict.kind === 'unknown' ? big.verdict.reason : big.verdict.kind})`}`);
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
    if (sp) {
      log(`mmucheck POR+merge 1 thread  (median of 3) ${t1.verdict.kind.padEnd(8)} ${String(t1.stats.distinctStates).padStart(11)} states ${t1.stats.seconds.toFixed(2).padStart(7)} s`);
      log(`mmucheck POR+merge 2 workers (median of 3) ${t2.verdict.kind.padEnd(8)} ${String(t2.stats.distinctStates).padStart(11)} states ${t2.stats.seconds.toFixed(2).padStart(7)} s`);
      log(`time to verdict, mmucheck/SPIN (below 1 = faster than SPIN): 1 thread ${(t1.stats.seconds / sp.seconds).toFixed(2)}x, 2 workers ${(t2.stats.seconds / sp.seconds).toFixed(2)}x; states ours/SPIN ${(t1.stats.distinctStates / sp.states).toFixed(2)}`);
    }
    log(`machine: load average ${load()} after the run`);
    if (argv.includes('--spin-noreduce')) spin(log, '-DNOREDUCE', 'without POR');
  },
};
