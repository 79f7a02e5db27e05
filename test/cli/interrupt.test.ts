/**
 * Interrupted CLI runs: SIGINT, SIGTERM, and the death of the parent process (as when `npx` is
 * killed) end a check with `unknown: interrupted (...)`, its partial statistics and the exit code
 * of the signal, and leave no process behind. Also: `--serve` refuses to run without a parent, and
 * `--jobs` is capped by the machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultJobs } from '../../src/cli/shard.js';
import { ROOT, cli, isOneLineDiagnostic } from './helpers.js';

const BIN = resolve(ROOT, 'bin/mmucheck.js');
/** A check that runs far longer than these tests wait. */
const LONG = ['check', 'tdp-cas', '--por', 'off'];

/** Collects a child's output and resolves with its exit code (or the signal that killed it) and output. */
function finished(child: ChildProcess): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until process `pid` has used `seconds` of CPU time (user + system, from /proc), so that it
 * is past its start-up and searching, however loaded the machine (a fixed sleep sent the signal
 * before the handlers were installed when the suite ran under load). Gives up after 60 s of wall time.
 */
async function searching(pid: number, seconds = 1): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      // Fields 14 and 15 of stat (utime, stime) in clock ticks of 1/100 s; after the ") " they are 12 and 13.
      if ((Number(f[11]) + Number(f[12])) / 100 >= seconds) return;
    } catch {
      return;
    }
    await sleep(50);
  }
}

/** Waits until `child` has written a progress line to stderr (60 s of wall time at most). */
async function progressed(child: ChildProcess): Promise<void> {
  let seen = false;
  child.stderr!.on('data', (d: Buffer | string) => (seen ||= /^progress: /m.test(d.toString())));
  const until = Date.now() + 60_000;
  while (!seen && Date.now() < until) await sleep(50);
}

/** True while process `pid` exists and is not a zombie (an orphan's zombie may wait long for its reaper). */
function alive(pid: number): boolean {
  try {
    return !/^[0-9]+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Asserts the verdict line and the statistics line of an interrupted check. */
function expectInterrupted(stdout: string, why: string): void {
  expect(stdout).toMatch(new RegExp(`^tdp-cas\\(.*\\): unknown: interrupted \\(${why}\\)$`, 'm'));
  expect(stdout).toMatch(/^[1-9][0-9]* distinct states, [0-9]+ generated, depth [0-9]+, [0-9.]+ s/m);
}

describe('interrupting check', () => {
  it('SIGINT: unknown: interrupted (SIGINT), partial statistics, exit 130, nothing left running', async () => {
    const child = spawn(process.execPath, [BIN, ...LONG], { cwd: ROOT });
    const done = finished(child);
    await searching(child.pid!);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expectInterrupted(r.stdout, 'SIGINT');
    expect(alive(child.pid!)).toBe(false);
  });

  it('a shard (--shard i/N) is interrupted the same way', async () => {
    const child = spawn(process.execPath, [BIN, ...LONG, '--shard', '1/2'], { cwd: ROOT });
    const done = finished(child);
    await searching(child.pid!);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expectInterrupted(r.stdout, 'SIGINT');
  });

  it('SIGTERM: exit 143; a run longer than 5 s wrote plain progress lines to a non-terminal stderr', async () => {
    const child = spawn(process.execPath, [BIN, ...LONG], { cwd: ROOT });
    const done = finished(child);
    await progressed(child);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    expectInterrupted(r.stdout, 'SIGTERM');
    expect(r.stderr).toMatch(/^progress: [0-9,]+ distinct, /m);
    expect(r.stderr).not.toContain('\r');
  });

  it('the parent process killed (npx killed): the orphaned checker notices, reports and exits', async () => {
    // `; wait` keeps the shell from exec-ing node, so node is the shell's child, as under npm.
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" ${LONG.join(' ')} & echo "pid $!"; wait`], { cwd: ROOT });
    const done = finished(sh);
    let pid = 0;
    sh.stdout!.on('data', (d: Buffer) => (pid ||= Number(/pid ([0-9]+)/.exec(d.toString())?.[1] ?? 0)));
    const until = Date.now() + 60_000;
    while (pid === 0 && Date.now() < until) await sleep(50);
    expect(pid).toBeGreaterThan(0);
    await searching(pid);
    sh.kill('SIGKILL');
    // The output pipe stays open until the orphaned checker exits.
    const r = await Promise.race([done, sleep(10_000).then(() => null)]);
    expect(r).not.toBeNull();
    expectInterrupted(r!.stdout, 'the parent process exited');
    expect(alive(pid)).toBe(false);
  });
});

describe('pool children and --jobs', () => {
  it('--serve with an empty standard input is a usage error, not a silent exit 0', () => {
    const r = cli(['ci', '--serve', '--shard', '1/2'], { input: '' });
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain('--serve');
  });

  it('--jobs is capped at the cores (and memory)', () => {
    expect(defaultJobs(64, 100)).toBeLessThanOrEqual(availableParallelism());
    expect(defaultJobs(1, 100)).toBe(1);
  });
});
