/**
 * Benchmarks of the `mmu` area: time to verdict and distinct states for every MMU scenario (the
 * generic checker, BFS, exact store, as `mmucheck ci` and the pinned counts use), the time to
 * the first counterexample of the seed race (target < 1 s), and the scale set (bench/scale/:
 * scenarios of 2 to 5 threads on default and TDX VMs, each run by the CLI in its own process
 * under a time budget, with partial-order reduction on and off).
 *
 *   npm run bench -- --only mmu              # everything but the workers comparison
 *   npm run bench -- --only mmu --scale      # the scale set only (and its gfn-symmetry runs)
 *   npm run bench -- --only mmu --workers    # also --workers 2 against 1 on a >= 10 M state search
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { check } from '../src/internal.js';
import { buildMachine } from '../model/mmu/build.js';
import { findScenario, SCENARIOS } from '../model/mmu/scenarios.js';
import type { BenchArea } from './run.js';

/** The `mmu` bench area. */
export const area: BenchArea = {
  name: 'mmu',
  async run(log, argv) {
    if (!argv.includes('--scale')) pinned(log);
    scale(log);
    gfnSymmetry(log);
    if (argv.includes('--workers')) workers(log);
  },
};

/** The pinned scenarios and the seed race. */
function pinned(log: (line: string) => void): void {
  log('| scenario | levels | threads | expected | verdict | distinct states | depth | seconds | states/s |');
  log('| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |');
  for (const s of SCENARIOS) {
    const t0 = performance.now();
    const mm = buildMachine(s);
    const r = check(mm, { strategy: 'bfs', store: 'exact' });
    const sec = (performance.now() - t0) / 1000;
    const v = r.verdict;
    let verdict: string = v.kind;
    if (v.kind === 'violated') {
      const tr = v.witness.trace;
      const last = tr?.states[tr.states.length - 1];
      const broken = last && !tr?.lasso ? mm.properties().filter((p) => p.expectation === 'always' && !p.check(last)).map((p) => p.name) : [];
      // a lasso (progress property) breaks no invariant in its last state: name the property and the loop
      const what = broken.length > 0 ? broken.join('+') : `${v.witness.property}${tr?.lasso ? ' lasso' : ''}`;
      verdict = `violated ${what}${tr ? ` (${tr.actions.length} steps${tr.lasso ? `, loop from step ${tr.lasso.loop}` : ''})` : ''}`;
    }
    const n = r.stats.distinctStates;
    log(`| ${s.name} | ${s.levels ?? 2} | ${s.threads.length} | ${s.expect.verdict} | ${verdict} | ${n} | ${r.stats.maxDepth} | ${sec.toFixed(3)} | ${Math.round(n / Math.max(sec, 1e-6))} |`);
  }
  const seed = findScenario('tdx/2m-vs-4k/cas-then-seamcall')!;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = check(buildMachine(seed));
    times.push((performance.now() - t0) / 1000);
    if (r.verdict.kind !== 'violated') log('seed race: NO counterexample (unexpected)');
  }
  times.sort((a, b) => a - b);
  log(`\nseed race (tdx/2m-vs-4k/cas-then-seamcall): first counterexample in ${times[2]!.toFixed(3)} s median of 5 (target < 1 s)`);
}

/** The repository root (this file runs as dist/bench/mmu.js). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A scenario of the scale set: its file under bench/scale/ and its time budget per run (seconds). */
interface ScaleScenario {
  readonly file: string;
  readonly vm: 'default' | 'tdx';
  readonly threads: number;
  readonly budget: number;
}

/** The scale set: 2 to 5 threads, default and TDX VMs (five.ts is the five-thread scenario of issue 11). */
export const SCALE: readonly ScaleScenario[] = [
  { file: 'default-2t.ts', vm: 'default', threads: 2, budget: 20 },
  { file: 'default-3t.ts', vm: 'default', threads: 3, budget: 20 },
  { file: 'default-4t.ts', vm: 'default', threads: 4, budget: 30 },
  { file: 'five.ts', vm: 'default', threads: 5, budget: 60 },
  { file: 'tdx-2t.ts', vm: 'tdx', threads: 2, budget: 20 },
  { file: 'tdx-3t.ts', vm: 'tdx', threads: 3, budget: 20 },
  { file: 'tdx-three-vcpus.ts', vm: 'tdx', threads: 5, budget: 60 },
];

/** Scale scenarios that declare `symmetricGfns` (gfn symmetry; five.ts's gfns are not interchangeable, see gsym-5t.ts). */
export const GSYM: readonly ScaleScenario[] = [
  { file: 'gsym-4t.ts', vm: 'default', threads: 4, budget: 60 },
  { file: 'gsym-5t.ts', vm: 'default', threads: 5, budget: 300 },
];

/** What the CLI's `check --json` prints (the fields the bench reads). */
interface CheckJson {
  readonly verdict: string;
  readonly complete: boolean;
  readonly reductions: { readonly por: boolean; readonly symmetry: boolean; readonly merge?: boolean };
  readonly stats: { readonly distinctStates: number; readonly seconds: number; readonly peakMemoryBytes: number; readonly bytesPerState: number; readonly workers: number };
}

/** Runs `mmucheck check --model FILE --json` with `flags` in a child process (its own memory) and returns its JSON. */
function runCli(file: string, flags: readonly string[]): CheckJson {
  let out: string;
  try {
    out = execFileSync(process.execPath, [`${ROOT}bin/mmucheck.js`, 'check', '--model', file, '--json', '--quiet', ...flags], { encoding: 'utf8', maxBuffer: 1 << 26 });
  } catch (e) {
    // A verdict other than the expected one exits non-zero; its JSON is on stdout all the same.
    out = (e as { stdout?: string }).stdout ?? '';
    if (!out.trim().startsWith('{')) throw e;
  }
  return JSON.parse(out) as CheckJson;
}

/** One table row of a run. */
function row(name: string, x: ScaleScenario, por: string, r: CheckJson, reduction: string): string {
  const s = r.stats;
  // A budget hit is `unknown` (the CLI never reports a cut search as holds); say so in the row.
  const verdict = r.complete ? r.verdict : `${r.verdict} (budget ${x.budget} s)`;
  return `| ${name} | ${x.vm} | ${x.threads} | ${por} | ${verdict} | ${s.distinctStates} | ${s.seconds.toFixed(2)} | ${Math.round(s.distinctStates / Math.max(s.seconds, 1e-6))} | ${s.bytesPerState.toFixed(1)} | ${(s.peakMemoryBytes / 2 ** 20).toFixed(0)} | ${reduction} |`;
}

/**
 * The scale set: each scenario with partial-order reduction on, then off; the reduction factor is
 * the unreduced distinct states over the reduced ones (both complete). When the reductions do not
 * apply to the scenario (`result.reductions.por` false) the two runs are the same search, so only
 * one is made.
 */
function scale(log: (line: string) => void): void {
  log('\n### scale set (bench/scale/, safety mode: --liveness off; one thread, fingerprint store; each run in its own process, time budget per run)\n');
  log('| scenario | vm | threads | por | verdict | distinct states | seconds | states/s | store bytes/state | peak MiB | reduction |');
  log('| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const x of SCALE) {
    const file = `${ROOT}bench/scale/${x.file}`;
    const name = x.file.replace(/\.ts$/, '');
    const on = runCli(file, ['--liveness', 'off', '--por', 'on', '--time', String(x.budget)]);
    if (!on.reductions.por) {
      log(row(name, x, 'n/a', on, 'n/a'));
      continue;
    }
    const off = runCli(file, ['--liveness', 'off', '--por', 'off', '--time', String(x.budget)]);
    const factor = on.complete && off.complete ? `${(off.stats.distinctStates / Math.max(1, on.stats.distinctStates)).toFixed(1)}x` : 'unknown (budget)';
    log(row(name, x, 'on', on, factor));
    log(row(name, x, 'off', off, ''));
  }
}

/**
 * Gfn symmetry on the scenarios that declare it: symmetry off, on, and on with POR (safety mode,
 * one thread, fingerprint store); the reduction is the unreduced distinct states over each
 * reduced run's (both complete).
 */
function gfnSymmetry(log: (line: string) => void): void {
  log('\n### gfn symmetry (bench/scale/gsym-*.ts, `symmetricGfns: [[2, 3]]`; safety mode, one thread, fingerprint store)\n');
  log('| scenario | vm | threads | reductions | verdict | distinct states | seconds | states/s | store bytes/state | peak MiB | reduction |');
  log('| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const x of GSYM) {
    const file = `${ROOT}bench/scale/${x.file}`;
    const name = x.file.replace(/\.ts$/, '');
    const off = runCli(file, ['--liveness', 'off', '--por', 'off', '--symmetry', 'off', '--time', String(x.budget)]);
    log(row(name, x, 'none', off, ''));
    for (const [what, flags] of [['symmetry', ['--por', 'off', '--symmetry', 'on']], ['symmetry + POR', ['--por', 'on', '--symmetry', 'on']]] as const) {
      const r = runCli(file, ['--liveness', 'off', ...flags, '--time', String(x.budget)]);
      const factor = r.complete && off.complete ? `${(off.stats.distinctStates / Math.max(1, r.stats.distinctStates)).toFixed(2)}x` : 'unknown (budget)';
      log(row(name, x, what, r, factor));
    }
  }
}

/**
 * `--workers 2` against one thread on the five-thread scenario, both cut at the same number of
 * distinct states (10 M, or more than the scenario has: it has more) so that they do the same work.
 */
function workers(log: (line: string) => void): void {
  const x = SCALE.find((s) => s.file === 'five.ts')!;
  const file = `${ROOT}bench/scale/${x.file}`;
  const states = 10_000_000;
  log(`\n### workers (five.ts, --por off, cut at ${states} distinct states, time budget 600 s)\n`);
  log('| workers | distinct states | seconds | states/s | peak MiB | speed-up |');
  log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  let base = 0;
  for (const n of [1, 2]) {
    const r = runCli(file, ['--liveness', 'off', '--por', 'off', '--max-states', String(states), '--time', '600', '--workers', String(n)]);
    const rate = r.stats.distinctStates / Math.max(r.stats.seconds, 1e-6);
    if (n === 1) base = rate;
    log(`| ${n} | ${r.stats.distinctStates} | ${r.stats.seconds.toFixed(2)} | ${Math.round(rate)} | ${(r.stats.peakMemoryBytes / 2 ** 20).toFixed(0)} | ${(rate / base).toFixed(2)}x |`);
  }
}
