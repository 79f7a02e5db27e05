/**
 * Where user code is running, for the watchdog (src/cli/watchdog.ts): a small shared-memory
 * region that the main thread writes when it enters or leaves a piece of user-written code (the
 * top level of a spec or model file, a user step body) and a watchdog thread reads.
 *
 * The region is absent (every call a no-op) until {@link attachUserCodeRegion} is called, so
 * library users and tests pay nothing. Words of the region (Int32):
 *   0  depth: > 0 while user code runs
 *   1  label index: which label of {@link userCodeLabels} is running (the innermost)
 *   2  entries: incremented at every entry (the watchdog sees progress)
 */
let region: Int32Array | null = null;
const labels: string[] = [];
const labelIndex = new Map<string, number>();

/** Attaches the shared region (an Int32Array over a SharedArrayBuffer of at least 3 words). */
export function attachUserCodeRegion(r: Int32Array | null): void {
  region = r;
}

/** Returns the labels registered so far (index = word 1 of the region). */
export function userCodeLabels(): readonly string[] {
  return labels;
}

/** Returns the index of `label`, registering it (e.g. `step fault.stale-check`, `file my-variant.ts`). */
export function userCodeLabel(label: string): number {
  let i = labelIndex.get(label);
  if (i === undefined) {
    i = labels.length;
    labels.push(label);
    labelIndex.set(label, i);
  }
  return i;
}

/** Marks the start of user code `label` (from {@link userCodeLabel}). Pair with {@link leaveUserCode}. */
export function enterUserCode(label: number): void {
  const r = region;
  if (r === null) return;
  r[1] = label;
  r[2] = (r[2]! + 1) | 0;
  r[0] = r[0]! + 1;
}

/** Marks the end of the innermost user code. */
export function leaveUserCode(): void {
  const r = region;
  if (r === null) return;
  r[0] = r[0]! - 1;
}

/** Runs `f` as user code `label` and returns its result (leaves the region even when `f` throws). */
export function asUserCode<T>(label: number, f: () => T): T {
  enterUserCode(label);
  try {
    return f();
  } finally {
    leaveUserCode();
  }
}
