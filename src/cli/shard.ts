/**
 * Process-level parallelism for the CLI. z3-solver serialises `check()` calls inside one process, and
 * explicit-state cases are CPU-bound, so `ci` and `prove` fan out over child processes: each child
 * runs the same command with `--shard i/N` (every N-th case, interleaved so slow cases spread) and
 * prints one JSON document; the parent merges the rows in case order.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fail } from '../core/diagnostic.js';
import { repoPath } from './paths.js';

/** A shard selector: the `index`-th (1-based) of `count` interleaved slices. */
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

/** Returns true when the case at position `i` belongs to `shard`. */
export function inShard(shard: Shard | undefined, i: number): boolean {
  return shard === undefined || i % shard.count === shard.index - 1;
}

/** Returns the number of child processes to run at once: `--jobs` if given, else the cores (at most 4), 1 for small selections. */
export function defaultJobs(requested: number | undefined, cases: number): number {
  if (requested !== undefined) return Math.max(1, Math.min(requested, cases));
  if (cases < 12) return 1;
  return Math.max(1, Math.min(availableParallelism(), 4, cases));
}

/**
 * Most cases one process runs. Z3's WASM heap is capped at 2 GiB and cannot be compacted; a few
 * hundred queries in one process have exhausted it, so large selections are always split over
 * several short-lived processes, whatever `--jobs` says (which only bounds how many run at once).
 */
export const MAX_CASES_PER_PROCESS = 60;

/** Returns how many shards to split `cases` into for `jobs` concurrent processes. */
export function shardCount(jobs: number, cases: number): number {
  return Math.max(jobs, Math.ceil(cases / MAX_CASES_PER_PROCESS));
}

/**
 * Runs `mmucheck <command> ...argv --shard i/N` for i = 1..N concurrently and returns each child's
 * parsed stdout (one JSON document). A child that fails without JSON is an internal error (MMC900)
 * carrying its first stderr line.
 */
export async function fanOut(command: string, argv: readonly string[], shards: number, concurrency = shards): Promise<unknown[]> {
  const bin = repoPath('bin/mmucheck.js');
  const runOne = (k: number): Promise<unknown> =>
    new Promise<unknown>((resolve) => {
      const child = spawn(process.execPath, [bin, command, ...argv, '--shard', `${k + 1}/${shards}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.on('close', () => {
        try {
          resolve(JSON.parse(out));
        } catch {
          resolve({ shardError: (err.trim().split('\n')[0] ?? '') || `shard ${k + 1}/${shards} printed no result` });
        }
      });
    });
  // A small pool: at most `concurrency` children at once, shards taken in order.
  const docs: unknown[] = new Array(shards);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, shards)) }, async () => {
    while (next < shards) {
      const k = next++;
      docs[k] = await runOne(k);
    }
  });
  await Promise.all(lanes);
  for (const d of docs) {
    if (d && typeof d === 'object' && 'shardError' in d) {
      const msg = String((d as { shardError: string }).shardError).replace(/^mmucheck: /, '');
      const m = /^error (MMC\d{3}): (.*)$/.exec(msg);
      if (m) fail(m[1] as 'MMC001', m[2]!);
      fail('MMC900', `internal error: a child process failed: ${msg}`);
    }
  }
  return docs;
}
