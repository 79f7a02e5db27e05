/**
 * Shape tests for values read from users' files (variants, scenarios, traces, shard records).
 * Internal: imported by path, not re-exported by the barrels.
 */

/** Returns true when `x` is a plain object (not null, not an array). */
export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
