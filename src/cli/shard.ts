/**
 * Process-level parallelism for the CLI. z3-solver serialises `check()` calls inside one process, and
 * explicit-state cases are CPU-bound, so `ci` and `prove` spread their cases over child processes.
 *
 * Cases are first put in groups: cases with the same affinity key (e.g. the same Z3 query, solved
 * once per process) always run in the same process. Then either
 * - `pool`: N children started with `--serve` take one group at a time from the parent as they
 *   become idle (dynamic balancing: slow groups never leave one child with a long tail), or
 * - `--shard i/N`: one process runs a fixed share of the groups (for job schedulers that split a
 *   run over machines), greedily balanced by case count.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { physicalMemory } from '../check/index.js';
import { createInterface } from 'node:readline';
import { fail } from '../core/diagnostic.js';
import { repoPath } from './paths.js';
import { interruptReason, watchInterrupts, whenInterrupted } from './signals.js';

/** A shard selector: the `index`-th (1-based) of `count` slices. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `--shard i/N` (1 <= i <= N <= 64); MMC003 otherwise. */
export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 64 || index < 1 || index > count) {
    fail('MMC003', `--shard ${text}: must be i/N with 1 <= i <= N <= 64`, { subject: '--shard' });
  }
  return { index, count };
}

/**
 * Returns the positions `0..keys.length-1` in groups: equal defined keys share a group, an
 * undefined key is a group of its own; groups in order of first appearance.
 */
export function affinityGroups(keys: readonly (string | undefined)[]): number[][] {
  const byKey = new Map<string, number[]>();
  const groups: number[][] = [];
  keys.forEach((k, i) => {
    if (k === undefined) { groups.push([i]); return; }
    let g = byKey.get(k);
    if (!g) { g = []; byKey.set(k, g); groups.push(g); }
    g.push(i);
  });
  return groups;
}

/**
 * Returns the positions a static shard runs: groups dealt in order to the shard with the fewest
 * cases so far (ties to the lowest shard). Every position is in exactly one shard.
 */
export function shardPositions(groups: readonly (readonly number[])[], shard: Shard | undefined): number[] {
  if (shard === undefined) return groups.flat().sort((a, b) => a - b);
  const load = new Array<number>(shard.count).fill(0);
  const mine: number[] = [];
  for (const g of groups) {
    let best = 0;
    for (let s = 1; s < shard.count; s++) if (load[s]! < load[best]!) best = s;
    load[best]! += g.length;
    if (best === shard.index - 1) mine.push(...g);
  }
  return mine.sort((a, b) => a - b);
}

/** Memory a Z3 process may take (measured: 250-400 MiB on the largest SPTE queries). */
const JOB_BYTES = 400 * 2 ** 20;

/** Returns how many processes the machine runs well at once: its cores, and its memory at {@link JOB_BYTES} each. */
export function jobsCeiling(): { jobs: number; why: string } {
  const mem = physicalMemory().bytes;
  const byMemory = Math.max(1, Math.floor(mem / JOB_BYTES));
  const cores = availableParallelism();
  return byMemory < cores
    ? { jobs: byMemory, why: `${(mem / 2 ** 30).toFixed(1)} GiB of memory at ${JOB_BYTES / 2 ** 20} MiB per process` }
    : { jobs: cores, why: `${cores} cores` };
}

/**
 * Returns the number of child processes to run at once: `--jobs` if given (at most the machine's
 * ceiling, see {@link jobsCeiling}; a note on stderr when capped), else the cores (at most 4),
 * 1 for small selections.
 */
export function defaultJobs(requested: number | undefined, cases: number): number {
  const ceiling = jobsCeiling();
  if (requested !== undefined) {
    if (requested > ceiling.jobs) process.stderr.write(`mmucheck: note: --jobs ${requested} capped at ${ceiling.jobs} (${ceiling.why})\n`);
    return Math.max(1, Math.min(requested, ceiling.jobs, cases));
  }
  if (cases < 12) return 1;
  return Math.max(1, Math.min(ceiling.jobs, 4, cases));
}

/** One line a serving child writes per group: the rows of the positions it was given. */
interface ServedRows<R> {
  readonly rows: readonly R[];
}

/**
 * Runs the groups on `workers` lanes and returns every row. One lane is this process (`local`);
 * the others are children `mmucheck <command> ...argv --serve`. Each idle lane takes the next group
 * (a child gets it as one JSON line `{"positions":[...]}` on its stdin and answers with one JSON
 * line of rows). A child that dies is an internal error (MMC900) carrying its first stderr line; a
 * child's own diagnostic (`error MMCnnn: ...`) is re-raised as is. On an interrupt (signals.ts) no
 * lane takes another group and the children are killed; the rows so far are returned.
 */
async function pool<R>(
  command: string,
  argv: readonly string[],
  groups: readonly (readonly number[])[],
  workers: number,
  local: (positions: readonly number[]) => Promise<R[]>,
): Promise<R[]> {
  const bin = repoPath('bin/mmucheck.js');
  const queue = [...groups];
  const rows: R[] = [];
  let failure: string | undefined;
  const children = new Set<ReturnType<typeof spawn>>();
  whenInterrupted(() => {
    for (const c of children) c.kill('SIGTERM');
  });
  const lane = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [bin, command, ...argv, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.add(child);
      let err = '';
      let waiting = false;
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const next = (): void => {
        const g = failure === undefined && interruptReason() === null ? queue.shift() : undefined;
        if (g === undefined) { waiting = false; child.stdin.end(); return; }
        waiting = true;
        child.stdin.write(JSON.stringify({ positions: g }) + '\n');
      };
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          rows.push(...(JSON.parse(line) as ServedRows<R>).rows);
        } catch {
          failure ??= `a child process printed something other than its rows: ${line.slice(0, 200)}`;
        }
        next();
      });
      child.stdin.on('error', () => { /* the child died; reported on close */ });
      child.on('close', (code) => {
        children.delete(child);
        if (interruptReason() === null && (waiting || (code !== 0 && code !== 10 && code !== 11 && code !== 20))) {
          failure ??= (err.trim().split('\n')[0] ?? '') || `a child process exited with ${code} before answering`;
        }
        resolve();
      });
      next();
    });
  const here = async (): Promise<void> => {
    for (let g = queue.shift(); g !== undefined && failure === undefined && interruptReason() === null; g = queue.shift()) rows.push(...(await local(g)));
  };
  const lanes = Math.max(1, Math.min(workers, groups.length));
  await Promise.all([here(), ...Array.from({ length: lanes - 1 }, lane)]);
  if (failure !== undefined) {
    const msg = failure.replace(/^mmucheck: /, '');
    const m = /^error (MMC\d{3}): (.*)$/.exec(msg);
    if (m) fail(m[1] as 'MMC001', m[2]!);
    fail('MMC900', `internal error: a child process failed: ${msg}`);
  }
  return rows;
}

/**
 * The child side of `pool`: reads `{"positions":[...]}` lines from stdin until it closes (or an
 * interrupt), runs each through `run` and writes `{"rows":[...]}` lines. Returns every row it
 * produced. MMC001 on a terminal, or when stdin ends before the first request (nothing was run).
 */
async function serve<R>(run: (positions: readonly number[]) => Promise<R[]>): Promise<R[]> {
  if (process.stdin.isTTY) fail('MMC001', '--serve is internal (used by --jobs): it answers requests of a parent process on standard input; run without --serve', { subject: '--serve' });
  const all: R[] = [];
  let requests = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    if (interruptReason() !== null) break;
    if (!line.trim()) continue;
    requests++;
    const positions = (JSON.parse(line) as { positions: number[] }).positions;
    const rows = await run(positions);
    all.push(...rows);
    await new Promise<void>((res) => process.stdout.write(JSON.stringify({ rows }) + '\n', () => res()));
  }
  if (requests === 0 && interruptReason() === null) fail('MMC001', '--serve: standard input ended before any request; --serve is internal (used by --jobs)', { subject: '--serve' });
  return all;
}

/** Runs groups here one at a time, until an interrupt (signals.ts); returns their rows. */
async function runGroups<R>(groups: readonly (readonly number[])[], runAt: (positions: readonly number[]) => Promise<R[]>): Promise<R[]> {
  const rows: R[] = [];
  for (const g of groups) {
    if (interruptReason() !== null) break;
    rows.push(...(await runAt(g)));
  }
  return rows;
}

/** How a command runs its selection of cases (see `runSelection`). */
export interface Selection<R extends { index: number }> {
  /** The command children run (`ci`, `prove`) and their arguments, which select the same cases. */
  readonly command: string;
  readonly childArgv: readonly string[];
  /** Affinity key per position (see `affinityGroups`). */
  readonly keys: readonly (string | undefined)[];
  /** `--serve`: this process is a pool child. */
  readonly serve: boolean;
  /** `--shard i/N`: run this process's share only. */
  readonly shard: Shard | undefined;
  /** Lanes of the pool (1: everything here). */
  readonly jobs: number;
  /** Runs these positions here and returns their rows. */
  readonly runAt: (positions: readonly number[]) => Promise<R[]>;
  /** The row of a position not run because the run was interrupted (`reason`: `interrupted (SIGINT)`, ...). */
  readonly interrupted: (position: number, reason: string) => R;
}

/**
 * Runs a command's selection as a pool child (`--serve`), as one static share (`--shard`), over a
 * pool of `jobs` lanes, or all here; returns the rows this process is responsible for, in position
 * order. An interrupt (SIGINT, SIGTERM, SIGHUP, the parent's death; see signals.ts) stops it after
 * the group of cases under way; the positions not run get `interrupted` rows.
 */
export async function runSelection<R extends { index: number }>(s: Selection<R>): Promise<R[]> {
  watchInterrupts();
  const groups = affinityGroups(s.keys);
  let rows: R[];
  let mine: readonly number[];
  if (s.serve) {
    rows = await serve(s.runAt);
    mine = [];
  } else if (s.shard) {
    mine = shardPositions(groups, s.shard);
    const set = new Set(mine);
    rows = await runGroups(groups.filter((g) => set.has(g[0]!)), s.runAt);
  } else {
    mine = s.keys.map((_, i) => i);
    rows = s.jobs > 1 ? await pool(s.command, s.childArgv, groups, s.jobs, s.runAt) : await runGroups(groups, s.runAt);
  }
  const reason = interruptReason();
  if (reason !== null) {
    const done = new Set(rows.map((r) => r.index));
    rows.push(...mine.filter((i) => !done.has(i)).map((i) => s.interrupted(i, reason)));
  }
  return rows.sort((a, b) => a.index - b.index);
}
