/**
 * Benchmarks of liveness mode (src/check/liveness.ts) on `tdp-livelock`, the port of
 * `../shared/bench/tdp_livelock.pml`, with SPIN's `-l -f` (non-progress cycles under weak fairness)
 * side by side in the same run when `spin` and `gcc` are installed (the project does not need them:
 * without them the SPIN rows are skipped and said so).
 *
 *   npm run bench -- --only liveness            # default and SPIN's largest documented size
 *
 * Then the MMU's I11 liveness pairs (model/mmu/scenarios.ts: mmu/yield-progress,
 * tdx/local-retry-vs-memslot-delete, mmu/prefault-vs-memslot-delete), buggy and fixed, in liveness
 * mode (their default) and with `--liveness off`.
 *
 * Each mmucheck figure is a fresh CLI process (`check --json`): the search time it reports and its
 * own peak RSS. Each figure is the median of three runs. The safety-mode rows run the same model
 * with `--liveness off` (the plain BFS: with POR and merging, the default; and, at the small size,
 * without POR), for the cost of liveness mode. SPIN's time is the wall time of `./pan` (it
 * includes allocating its hash table and DFS stack), compilation excluded.
 */
import { execSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchArea } from './run.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
/** The workload next to the main checkout (`../shared/bench`), or at its usual place when run from a worktree. */
const PML = [resolve(ROOT, '../shared/bench/tdp_livelock.pml'), '/work/shared/bench/tdp_livelock.pml'].find((f) => existsSync(f)) ?? resolve(ROOT, '../shared/bench/tdp_livelock.pml');

interface Row {
  /** SPIN: pan's own elapsed time (its search, without allocating the hash table and stack). */
  readonly panSeconds?: number;
  readonly verdict: string;
  readonly states: number;
  readonly seconds: number;
  readonly mib: number;
  readonly edges?: number;
  readonly bytesPerEdge?: number;
}

/** Median by seconds of three runs. */
function median3(f: () => Row | null): Row | null {
  const rs = [f(), f(), f()].filter((r): r is Row => r !== null).sort((a, b) => a.seconds - b.seconds);
  return rs[Math.floor(rs.length / 2)] ?? null;
}

/** Runs `mmucheck check tdp-livelock` in a fresh process and returns its figures. */
function ours(p: Record<string, number>, flags: string[]): Row | null {
  const args = [join(ROOT, 'bin/mmucheck.js'), 'check', 'tdp-livelock', ...Object.entries(p).flatMap(([k, v]) => ['--param', `${k}=${v}`]), ...flags, '--json', '--quiet'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  try {
    const d = JSON.parse(r.stdout) as { verdict: string; stats: { distinctStates: number; seconds: number; peakMemoryBytes: number }; liveness?: { edges: number; bytesPerEdge: number } };
    return { verdict: d.verdict, states: d.stats.distinctStates, seconds: d.stats.seconds, mib: d.stats.peakMemoryBytes / 2 ** 20, ...(d.liveness ? { edges: d.liveness.edges, bytesPerEdge: d.liveness.bytesPerEdge } : {}) };
  } catch {
    return null;
  }
}

/** Runs `mmucheck check SCENARIO` (an MMU scenario) in a fresh process and returns its figures. */
function scenario(name: string, flags: string[]): Row | null {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/mmucheck.js'), 'check', name, ...flags, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  try {
    const d = JSON.parse(r.stdout) as { verdict: string; stats: { distinctStates: number; seconds: number; peakMemoryBytes: number }; liveness?: { edges: number; bytesPerEdge: number } };
    return { verdict: d.verdict, states: d.stats.distinctStates, seconds: d.stats.seconds, mib: d.stats.peakMemoryBytes / 2 ** 20, ...(d.liveness ? { edges: d.liveness.edges, bytesPerEdge: d.liveness.bytesPerEdge } : {}) };
  } catch {
    return null;
  }
}

/** The MMU's I11 liveness pairs (model/mmu/scenarios.ts). */
const MMU_PAIRS = ['mmu/yield-progress', 'tdx/local-retry-vs-memslot-delete', 'mmu/prefault-vs-memslot-delete', 'tdx/removal-busy-reentry'];

/** Compiles and runs pan for tdp_livelock.pml; `-l -f` (non-progress, weak fairness) or safety. */
function spin(p: Record<string, number>, mode: 'np' | 'safety'): Row | null {
  const dir = mkdtempSync(join(tmpdir(), 'spin-livelock-'));
  copyFileSync(PML, join(dir, 'tdp_livelock.pml'));
  const defs = Object.entries(p).map(([k, v]) => `-D${k}=${v}`).join(' ');
  execSync(`spin -a ${defs} tdp_livelock.pml`, { cwd: dir, stdio: 'pipe' });
  execSync(mode === 'np' ? 'gcc -O2 -DNP -DNFAIR=3 -o pan pan.c' : 'gcc -O2 -DSAFETY -o pan pan.c', { cwd: dir, stdio: 'pipe' });
  return median3(() => {
    const t0 = performance.now();
    const r = spawnSync('./pan', mode === 'np' ? ['-l', '-f', '-m10000000', '-w26'] : ['-m10000000', '-w26'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = (performance.now() - t0) / 1000;
    const states = Number(/([0-9.e+]+) states, stored/.exec(r.stdout)?.[1] ?? NaN);
    const mib = Number(/([0-9.]+)\s+total actual memory usage/.exec(r.stdout)?.[1] ?? NaN);
    const errors = Number(/errors: ([0-9]+)/.exec(r.stdout)?.[1] ?? NaN);
    const pan = Number(/elapsed time ([0-9.e+]+) seconds/.exec(r.stdout)?.[1] ?? NaN);
    return { verdict: errors > 0 ? 'violated' : errors === 0 ? 'holds' : '?', states, seconds: wall, mib, panSeconds: pan };
  });
}

const fmt = (label: string, r: Row | null): string =>
  r === null
    ? `${label.padEnd(44)} failed`
    : `${label.padEnd(44)} ${r.verdict.padEnd(8)} ${String(r.states).padStart(9)} states ${r.seconds.toFixed(2).padStart(7)} s ${r.mib.toFixed(0).padStart(6)} MiB${r.edges !== undefined ? `  ${r.edges} edges, ${r.bytesPerEdge!.toFixed(1)} B/edge` : ''}${r.panSeconds !== undefined ? `  (pan's own elapsed time: ${r.panSeconds} s)` : ''}`;

export const area: BenchArea = {
  name: 'liveness',
  async run(log) {
    log(`machine: load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} before the run (2 cores; other processes share them)`);
    const haveSpin = existsSync(PML) && spawnSync('sh', ['-c', 'command -v spin && command -v gcc'], { encoding: 'utf8' }).status === 0;
    if (!haveSpin) log(`SPIN absent (spin or gcc not installed, or ${PML} missing): the SPIN rows are skipped`);
    for (const size of [{ NV: 3, NE: 3, ROUNDS: 2 }, { NV: 6, NE: 6, ROUNDS: 2 }]) {
      for (const ORDERED of [0, 1]) {
        const p = { ...size, ORDERED };
        log(`\n### tdp-livelock ${JSON.stringify(p)}`);
        const live = median3(() => ours(p, []));
        log(fmt('mmucheck liveness, weak fairness (merging)', live));
        const unmerged = ORDERED === 1 && size.NV <= 3 ? median3(() => ours(p, ['--merge', 'off'])) : null;
        if (unmerged) log(fmt('mmucheck liveness, weak fairness, no merging', unmerged));
        const safe = median3(() => ours(p, ['--liveness', 'off']));
        log(fmt('mmucheck safety BFS (--liveness off, POR)', safe));
        // The unreduced safety BFS only at the small size (at NV=6 it is far larger than every other row).
        const safeNoPor = size.NV <= 3 ? median3(() => ours(p, ['--liveness', 'off', '--por', 'off'])) : null;
        if (safeNoPor) log(fmt('mmucheck safety BFS (--liveness off --por off)', safeNoPor));
        if (live && safe) log(`liveness / safety time: ${(live.seconds / safe.seconds).toFixed(2)}x (vs safety with POR + merging)${live && safeNoPor ? `, ${(live.seconds / safeNoPor.seconds).toFixed(2)}x (vs unreduced safety)` : ''}`);
        if (!haveSpin) continue;
        try {
          const np = spin(p, 'np');
          log(fmt('SPIN -l -f (-DNP -DNFAIR=3, -w26)', np));
          const sf = spin(p, 'safety');
          log(fmt('SPIN safety (-DSAFETY, -w26)', sf));
          if (live && np) log(`time to verdict mmucheck / SPIN -l -f: ${(live.seconds / np.seconds).toFixed(2)}x of pan's wall time, ${(live.seconds / Math.max(1e-3, np.panSeconds ?? NaN)).toFixed(2)}x of pan's own elapsed time (below 1 = faster); verdicts ${live.verdict === np.verdict ? 'agree' : 'DIFFER'}`);
        } catch (e) {
          log(`SPIN failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        }
      }
    }
    log('\n### MMU I11 liveness pairs (liveness mode, weak fairness; and --liveness off)');
    for (const pair of MMU_PAIRS) {
      for (const side of ['buggy', 'fixed']) {
        const name = `${pair}/${side}`;
        log(fmt(`${name}`, median3(() => scenario(name, []))));
        log(fmt(`${name} --liveness off`, median3(() => scenario(name, ['--liveness', 'off']))));
      }
    }
  },
};
