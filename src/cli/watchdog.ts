/**
 * The watchdog: bounds user-written code (the top level of a `--spec` or `--model` file, a user
 * step body) by the time budget, so that a user's endless loop ends the run with `unknown` instead
 * of hanging it.
 *
 * While user code runs, the main thread is blocked in it: no timer, signal handler or promise of
 * ours can run there. So a worker thread watches the shared region of src/core/user-code.ts (word 0
 * depth, 1 label index, 2 entry counter; the main thread only stores to it). When user code has
 * been running and the entry counter has not moved for longer than the limit, the worker:
 *
 *  1. connects an inspector session to the main thread (only now: a connected session would make
 *     every later `process.exit` print "Waiting for the debugger to disconnect...") and posts
 *     `Runtime.terminateExecution`. Inspector messages reach a busy main thread through a V8
 *     interrupt; the termination unwinds every JavaScript frame (no `finally` runs) back to the
 *     event loop, and V8 cancels it once the stack is empty. (`Runtime.evaluate('process.exit()')`
 *     also runs on a busy main thread, but exits while the session is connected, which prints the
 *     debugger line; and responses to the worker only arrive once the main thread is back in its
 *     event loop, so the worker cannot wait for one while the main thread spins.)
 *  2. when the termination is reported done, disconnects the session and posts `{ label, seconds }`
 *     to the main thread, whose handler (now running normally) prints ONE line on stderr,
 *     `mmucheck: unknown: user code '<label>' ran past the time budget of N s`, and exits with 20
 *     (unknown: an endless loop and merely slow code cannot be told apart).
 *
 * When the main thread is idle rather than busy (a file's top-level `await` that never settles),
 * the termination waits for the next JavaScript call; the worker posts no-op nudges until one
 * comes, and that call is the one terminated.
 *
 * Limits: the command's budget when the user gave one (`check --time`, `prove --timeout`), at
 * least {@link MIN_LIMIT_SECONDS}; otherwise {@link DEFAULT_FILE_LIMIT_SECONDS} for a file's top
 * level and {@link DEFAULT_STEP_LIMIT_SECONDS} for anything else (a step body). The worker wakes
 * every {@link POLL_MS} ms, costs the main thread nothing and does not keep the process alive.
 * User code that runs inside the checker's own worker threads (`--workers`) is not watched.
 */
import { writeSync } from 'node:fs';
import { isMainThread, Worker } from 'node:worker_threads';
import { EXIT } from '../core/exit.js';
import { attachUserCodeRegion, userCodeLabel, userCodeLabels } from '../core/user-code.js';

/** Limit for the top level of a user file when the command has no time budget. */
export const DEFAULT_FILE_LIMIT_SECONDS = 60;
/** Limit for one user step body when the command has no time budget. */
export const DEFAULT_STEP_LIMIT_SECONDS = 10;
/** The smallest limit applied (a budget of 0.05 s must not stop the loading of a file). */
export const MIN_LIMIT_SECONDS = 1;
/** How often the worker looks at the region. */
const POLL_MS = 100;

/** Limits in seconds by kind of user code. */
interface Limits {
  readonly file: number;
  readonly step: number;
}

/** What the worker posts when it stopped user code. */
interface Stopped {
  readonly label: number;
  readonly seconds: number;
}

/** The worker (CommonJS, evaluated): polls the region and stops the main thread (see the module comment). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const region = workerData.region;
const files = new Set(workerData.files);
let limits = workerData.limits;
parentPort.on('message', (m) => {
  if (m.limits) limits = m.limits;
  if (m.file !== undefined) files.add(m.file);
});
let seen = null, since = 0;
const poll = setInterval(() => {
  const now = performance.now();
  const depth = Atomics.load(region, 0), entries = Atomics.load(region, 2);
  if (depth <= 0 || entries !== seen) {
    seen = depth > 0 ? entries : null;
    since = now;
    return;
  }
  const label = Atomics.load(region, 1);
  const seconds = files.has(label) ? limits.file : limits.step;
  if (now - since >= seconds * 1000) stop({ label, seconds });
}, ${POLL_MS});
function stop(stopped) {
  clearInterval(poll);
  let done = false;
  const report = () => { done = true; parentPort.postMessage(stopped); };
  let session;
  try {
    session = new (require('node:inspector').Session)();
    session.connectToMainThread();
  } catch {
    return report(); // no inspector in this build of node: only an idle main thread can be stopped
  }
  session.post('Runtime.terminateExecution', () => { session.disconnect(); report(); });
  const nudge = setInterval(() => { if (done) clearInterval(nudge); else parentPort.postMessage({ nudge: true }); }, ${POLL_MS});
}
`;

let worker: Worker | null = null;
/** Label indices of user files' top levels (the rest are step bodies). */
const fileLabels = new Set<number>();

/** Returns the limits for a command budget (undefined: no budget given). */
function limitsFor(limitSeconds: number | undefined): Limits {
  if (limitSeconds === undefined) return { file: DEFAULT_FILE_LIMIT_SECONDS, step: DEFAULT_STEP_LIMIT_SECONDS };
  const s = Math.max(MIN_LIMIT_SECONDS, limitSeconds);
  return { file: s, step: s };
}

/** Formats seconds as given (2, 0.5), without float noise. */
function formatSeconds(s: number): string {
  return String(Number(s.toPrecision(6)));
}

/** Handles a message of the worker: a nudge does nothing; a stop prints one line and exits 20. */
function onWorkerMessage(m: Stopped | { nudge: true }): void {
  if ('nudge' in m) return;
  const label = userCodeLabels()[m.label] ?? `#${m.label}`;
  writeSync(2, `mmucheck: unknown: user code '${label}' ran past the time budget of ${formatSeconds(m.seconds)} s\n`);
  const w = worker;
  void (w ? w.terminate() : Promise.resolve()).finally(() => process.exit(EXIT.unknown));
}

/**
 * Starts the watchdog, or sets the limit of the running one. `limitSeconds`: the command's time
 * budget (`--time`, `--timeout`) when the user gave one; omitted, the defaults apply (and a running
 * watchdog keeps its limit). Off the main thread (a checker worker loading a variant) it does
 * nothing: the inspector session it uses can only stop the main thread.
 */
export function startWatchdog(opts: { limitSeconds?: number } = {}): void {
  if (!isMainThread) return;
  if (worker !== null) {
    if (opts.limitSeconds !== undefined) worker.postMessage({ limits: limitsFor(opts.limitSeconds) });
    return;
  }
  const region = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  // execArgv []: the source is CommonJS even when the process runs with --input-type=module.
  worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { region, limits: limitsFor(opts.limitSeconds), files: [...fileLabels] } });
  // The worker stays ref'd: when it stops a runaway user code, the main thread's stack is gone and
  // only the worker's message keeps the process alive until the line is printed and the exit
  // code set. So only the CLI starts it (its entry exits explicitly), never a library import.
  worker.on('message', onWorkerMessage);
  attachUserCodeRegion(region);
}

/** Stops the watchdog (user code is no longer watched). */
export async function stopWatchdog(): Promise<void> {
  attachUserCodeRegion(null);
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}

/** Returns the user-code label `file <name>` for the top level of a user file (limit: the file default). */
export function userFileLabel(name: string): number {
  const i = userCodeLabel(`file ${name}`);
  if (!fileLabels.has(i)) {
    fileLabels.add(i);
    worker?.postMessage({ file: i });
  }
  return i;
}
