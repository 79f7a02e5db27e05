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
 * The state hash the BFS stores and routes states by: additive over words (Zobrist-style), so
 * that a successor's hash is its parent's plus the change of the few words a step wrote.
 *
 * Two lanes of 32 bits, each the sum modulo 2^32 over the words `i` of a per-word mix:
 *
 *   lane 1: c1(i, w) = fmixA(w ^ K1[i]) - fmixA(K1[i])
 *   lane 2: c2(i, w) = fmixB(w + K2[i]) - fmixB(K2[i])
 *
 * with `K1`, `K2` per-position keys from a fixed-seed generator (the same in every process and
 * worker) and `fmixA`, `fmixB` two different 32-bit avalanche finalizers (murmur3's and another
 * with other shifts and constants). A zero word contributes 0 in both lanes, so the hash of a state
 * sums only its non-zero words (states of the executable MMU are mostly zero), and a word changed
 * from `v` to `w` moves lane 1 by `fmixA(w ^ K1[i]) - fmixA(v ^ K1[i])` (lane 2 likewise): no zero
 * word is special. The sums go through one more avalanche each ({@link finishSums}) before the
 * store uses them (`h1`'s high bits pick the home slot, `h2` the owning worker); that is a
 * bijection, so it changes no collision.
 *
 * Collisions. Two states that differ in one word never collide: `c(i, .)` is injective (an
 * avalanche finalizer is a bijection of 32-bit words, and so is `w ^ K`, `w + K`). For states that
 * differ in a set D of two or more words, the difference of their hashes is a sum over D of
 * `c(i, a_i) - c(i, b_i)`; modelling `c1` and `c2` as independent random functions of (position,
 * value) (the usual idealization of a hash function; the keys make the positions' functions
 * unrelated and the lanes use different operations and finalizers), one term `c(i, a_i)` is uniform
 * and independent of every other term, so each lane collides with probability 2^-32 and the pair
 * with 2^-64. The store's estimate of a missed state, the union bound n^2/2^65 over the pairs of n
 * states (`missedStateProbability`), holds as for any 64-bit hash: additivity correlates
 * collisions (two pairs of states that differ by the same word changes collide together) but the
 * union bound does not assume independence between pairs.
 *
 * The BFS, its liveness mode (src/check/liveness.ts), their workers and DFS store this hash.
 * {@link fingerprint} (what users and reports see: the tie-break between equally short
 * counterexamples, replay checks, shard digests, random walks) is not this hash and is unchanged.
 */

/**
 * Scratch output of {@link stateSums}, {@link sumsDiff} and {@link sumsDiffAt}: the raw lane sums
 * `[s1, s2]` (before {@link finishSums}), and for the last two the number of changed words.
 */
export const SUM: Int32Array = new Int32Array(3);

/** Per-position keys and the contributions of a zero word (see the comment above); grown on demand, never changed. */
let K1 = new Int32Array(0);
let K2 = new Int32Array(0);
let Z1 = new Int32Array(0);
let Z2 = new Int32Array(0);

/** Lane 1's finalizer: murmur3's fmix32. */
function fmixA(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Lane 2's finalizer: other shifts and multipliers (a bijection, as every xorshift and odd multiply is). */
function fmixB(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return h ^ (h >>> 15);
}

/** Makes the keys cover positions 0..len-1 (a fixed-seed splitmix32 sequence: every process gets the same keys). */
export function hashKeys(len: number): void {
  if (K1.length >= len) return;
  const n = Math.max(len, 2 * K1.length, 64);
  const k1 = new Int32Array(n);
  const k2 = new Int32Array(n);
  let x = 0x3c6ef372;
  const next = (): number => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return z ^ (z >>> 15);
  };
  for (let i = 0; i < n; i++) {
    k1[i] = next();
    k2[i] = next();
  }
  K1 = k1;
  K2 = k2;
  Z1 = k1.map((k) => fmixA(k));
  Z2 = k2.map((k) => fmixB(k));
}

/** Writes into {@link SUM} the raw lane sums of `len` words of `buf` from `off` (zero words skipped). */
export function stateSums(buf: Int32Array, off: number, len: number): void {
  if (K1.length < len) hashKeys(len);
  const k1 = K1;
  const k2 = K2;
  const z1 = Z1;
  const z2 = Z2;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < len; i++) {
    const w = buf[off + i]!;
    if (w === 0) continue;
    s1 = (s1 + (fmixA(w ^ k1[i]!) - z1[i]!)) | 0;
    s2 = (s2 + (fmixB((w + k2[i]!) | 0) - z2[i]!)) | 0;
  }
  SUM[0] = s1;
  SUM[1] = s2;
}

/** Writes into {@link FP} the store hash of raw lane sums (see {@link stateSums}). */
export function finishSums(s1: number, s2: number): void {
  finish(s1, s2);
}

/** Writes into {@link FP} the store hash of `len` words of `buf` from `off` (its raw sums into {@link SUM}). */
export function stateHash(buf: Int32Array, off: number, len: number): void {
  stateSums(buf, off, len);
  finish(SUM[0]!, SUM[1]!);
}

/**
 * {@link stateHash} of `len` words of `buf` (into {@link FP}, raw sums into {@link SUM}), in the same
 * pass comparing them with the words of `par`: returns the union of `byWord[i]` over the words `i`
 * that differ. For a successor that is not its parent plus a step (merged steps, a canonical
 * representative); otherwise {@link sumsDiff} costs less.
 */
export function stateHashDiff(buf: Int32Array, par: Int32Array, len: number, byWord: Int32Array): number {
  let dirty = 0;
  for (let i = 0; i < len; i++) if (buf[i] !== par[i]) dirty |= byWord[i]!;
  stateHash(buf, 0, len);
  return dirty;
}

/**
 * The incremental form of {@link stateHash}: `buf` is a state reached from `par` (both `len` words)
 * whose raw sums are `s1`, `s2`; writes the raw sums of `buf` into {@link SUM} (the parent's plus
 * the change of every word in which they differ), and those words into `chg` (in increasing order,
 * their number into `SUM[2]`), and returns the union of `byWord[i]` over them. Only changed words
 * are mixed: the cost is one comparison per word.
 */
export function sumsDiff(buf: Int32Array, par: Int32Array, len: number, byWord: Int32Array, s1: number, s2: number, chg: Int32Array): number {
  if (K1.length < len) hashKeys(len);
  const k1 = K1;
  const k2 = K2;
  let dirty = 0;
  let nc = 0;
  for (let i = 0; i < len; i++) {
    const w = buf[i]!;
    const v = par[i]!;
    if (w === v) continue;
    chg[nc++] = i;
    dirty |= byWord[i]!;
    const a = k1[i]!;
    const b = k2[i]!;
    s1 = (s1 + (fmixA(w ^ a) - fmixA(v ^ a))) | 0;
    s2 = (s2 + (fmixB((w + b) | 0) - fmixB((v + b) | 0))) | 0;
  }
  SUM[0] = s1;
  SUM[1] = s2;
  SUM[2] = nc;
  return dirty;
}

/**
 * As {@link sumsDiff} over listed words only: `words[0..n-1]` must include every word in which
 * `buf` differs from `par` (it may repeat words and list unchanged ones); `mark` (`len` words,
 * scratch) and `stamp` (a number not used with `mark` before) keep a repeated word from counting
 * twice; the changed words go to `chg` (in increasing order, their number into `SUM[2]`). For a
 * model that reports the words its step wrote (`Model.written`). Entries must be word positions (0 ≤ i < len).
 */
export function sumsDiffAt(buf: Int32Array, par: Int32Array, words: Int32Array, n: number, mark: Int32Array, stamp: number, byWord: Int32Array, s1: number, s2: number, chg: Int32Array): number {
  const k1 = K1;
  const k2 = K2;
  let dirty = 0;
  let nc = 0;
  for (let j = 0; j < n; j++) {
    const i = words[j]!;
    const w = buf[i]!;
    const v = par[i]!;
    if (w === v || mark[i] === stamp) continue;
    mark[i] = stamp;
    // In increasing order (insertion: a step changes a handful of words).
    let x = nc++;
    while (x > 0 && chg[x - 1]! > i) {
      chg[x] = chg[x - 1]!;
      x--;
    }
    chg[x] = i;
    dirty |= byWord[i]!;
    const a = k1[i]!;
    const b = k2[i]!;
    s1 = (s1 + (fmixA(w ^ a) - fmixA(v ^ a))) | 0;
    s2 = (s2 + (fmixB((w + b) | 0) - fmixB((v + b) | 0))) | 0;
  }
  SUM[0] = s1;
  SUM[1] = s2;
  SUM[2] = nc;
  return dirty;
}

/** The final avalanche of both hash halves into {@link FP} (shared by {@link fingerprint} and {@link finishSums}). */
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
