/**
 * Interrupts of a long run: SIGINT, SIGTERM and SIGHUP, and the death of the parent process, set a
 * flag that the engines poll (the checker through `CheckOptions.shouldStop`, the suite runners
 * between cases); the command then prints what it has, with the verdict `unknown: interrupted
 * (SIGNAL)`, and the process exits with 128 + the signal's number (130 SIGINT, 143 SIGTERM, 129
 * SIGHUP or a vanished parent). A second signal exits at once.
 *
 * The parent's death: `npx mmucheck ...` runs us under npm and a shell; when npm is killed the
 * shell dies and we are re-parented, so a `process.ppid` different from the one at start means
 * nobody waits for our result any more (treated as a hang-up).
 */
import { removePartialOutputs } from './output.js';

/** Exit code per interrupt (128 + the signal number; a vanished parent counts as SIGHUP). */
const CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, parent: 129 } as const;
type Cause = keyof typeof CODES;

let cause: Cause | null = null;
let installed = false;
let startPpid = 0;
const onInterrupt: (() => void)[] = [];

/** Returns why the run was interrupted (`interrupted (SIGINT)`, ...), or null; notices a vanished parent. */
export function interruptReason(): string | null {
  if (cause === null && installed && process.ppid !== startPpid) interrupt('parent');
  if (cause === null) return null;
  return cause === 'parent' ? 'interrupted (the parent process exited)' : `interrupted (${cause})`;
}

/** Returns the exit code of an interrupted run (130, 143, 129), or null when not interrupted. */
export function interruptExitCode(): number | null {
  interruptReason();
  return cause === null ? null : CODES[cause];
}

/** Calls `f` once when an interrupt arrives (e.g. to kill child processes); at once if one came already. */
export function whenInterrupted(f: () => void): void {
  if (cause !== null) f();
  else onInterrupt.push(f);
}

function interrupt(c: Cause): void {
  if (cause === 'parent' && c !== 'parent') {
    // A signal to the whole process group kills the parent too: the signal is the cause.
    cause = c;
    return;
  }
  if (cause !== null) {
    // A second signal: stop now.
    removePartialOutputs();
    process.exit(CODES[c]);
  }
  cause = c;
  for (const f of onInterrupt.splice(0)) f();
}

/**
 * Installs the handlers (once per process) and returns `interruptReason`, ready to be a
 * `shouldStop`. A timer (which does not keep the process alive) notices a vanished parent while
 * the event loop runs.
 */
export function watchInterrupts(): () => string | null {
  if (!installed) {
    installed = true;
    startPpid = process.ppid;
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => interrupt(s));
    setInterval(interruptReason, 500).unref();
  }
  return interruptReason;
}
