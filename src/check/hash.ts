/**
 * 64-bit state fingerprints: two independent 32-bit mixes over the Int32 words of a state.
 *
 * The pair `(h1, h2)` is the fingerprint; `h1` is never 0 so an all-zero slot means "empty" in the
 * open-addressing tables. `h1`'s low bits index the table, `h2` picks the owning worker, so the two
 * uses do not correlate.
 */

/** Scratch output of {@link fingerprint}: `[h1, h2]`. Read it right after the call. */
export const FP: Int32Array = new Int32Array(2);

/**
 * Writes the 64-bit fingerprint of `len` words of `buf` from `off` into {@link FP}.
 *
 * `h1` is murmur3-32 (seed 0x9747b28c); `h2` a multiply-rotate mix with other constants, both
 * finished with the murmur3 avalanche.
 */
export function fingerprint(buf: Int32Array, off: number, len: number): void {
  let h1 = 0x9747b28c ^ len;
  let h2 = 0x2545f491 ^ Math.imul(len, 0x27d4eb2f);
  for (let i = 0; i < len; i++) {
    const w = buf[off + i]!;
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ (w + 0x7f4a7c15), 0x9e3779b1);
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (Math.imul(h2, 0x85ebca77) + 0x165667b1) | 0;
  }
  finish(h1, h2);
}

/** Returns the fingerprint of a whole state as a 16-hex-digit string (for reports and tests). */
export function fingerprintHex(state: Int32Array): string {
  fingerprint(state, 0, state.length);
  return (FP[0]! >>> 0).toString(16).padStart(8, '0') + (FP[1]! >>> 0).toString(16).padStart(8, '0');
}

/**
 * Writes into {@link FP} a 64-bit hash of `len` words of `buf` from `off` that skips zero words:
 * each non-zero word is mixed together with its position (murmur3-style rounds for `h1`, a
 * multiply-rotate mix for `h2`, each with its own position constant). The BFS stores and routes
 * states by this hash; states of the executable MMU are mostly zero words, so it costs a fraction
 * of {@link fingerprint}, which is kept for what users and reports see (the tie-break between
 * equally short counterexamples, replay checks, shard digests).
 */
export function stateHash(buf: Int32Array, off: number, len: number): void {
  let h1 = 0x1b873593 ^ len;
  let h2 = 0x68e31da4 ^ Math.imul(len, 0x27d4eb2f);
  for (let i = 0; i < len; i++) {
    const w = buf[off + i]!;
    if (w === 0) continue;
    let k = Math.imul(w, 0xcc9e2d51) ^ Math.imul(i + 1, 0x9e3779b1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ (w + Math.imul(i + 1, 0x7f4a7c15)), 0x9e3779b1);
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (Math.imul(h2, 0x85ebca77) + 0x165667b1) | 0;
  }
  finish(h1, h2);
}

/**
 * {@link stateHash} of `len` words of `buf` (into {@link FP}), in the same pass comparing them
 * with the words of `par` (the state `buf` was reached from): returns the union of `byWord[i]`
 * over the words `i` that differ.
 */
export function stateHashDiff(buf: Int32Array, par: Int32Array, len: number, byWord: Int32Array): number {
  let h1 = 0x1b873593 ^ len;
  let h2 = 0x68e31da4 ^ Math.imul(len, 0x27d4eb2f);
  let dirty = 0;
  for (let i = 0; i < len; i++) {
    const w = buf[i]!;
    if (w !== par[i]) dirty |= byWord[i]!;
    if (w === 0) continue;
    let k = Math.imul(w, 0xcc9e2d51) ^ Math.imul(i + 1, 0x9e3779b1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ (w + Math.imul(i + 1, 0x7f4a7c15)), 0x9e3779b1);
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = (Math.imul(h2, 0x85ebca77) + 0x165667b1) | 0;
  }
  finish(h1, h2);
  return dirty;
}

/** The final avalanche of both hash halves into {@link FP} (shared by {@link fingerprint}, {@link stateHash} and {@link stateHashDiff}). */
function finish(h1: number, h2: number): void {
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 ^= h2 >>> 15;
  h2 = Math.imul(h2, 0x2c1b3c6d);
  h2 ^= h2 >>> 12;
  h2 = Math.imul(h2, 0x297a2d39);
  h2 ^= h2 >>> 15;
  FP[0] = h1 === 0 ? 0x5bd1e995 : h1;
  FP[1] = h2;
}
