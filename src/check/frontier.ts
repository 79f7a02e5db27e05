/**
 * A BFS level (the frontier) in a compact form: states are stored sparse, which matters because
 * the frontier of a large search holds hundreds of thousands of whole states. A record is
 *
 *   gid, eventually bits, always properties to judge (`PropTable.alwaysReads`), the two raw
 *   sums of the state's store hash (`stateSums` in hash.ts: a successor's hash is computed from them),
 *   bitmap (ceil(S/32) words: bit k set when word k is not 0), the non-zero words in increasing order
 *
 * and a second vector holds the offset of every record, so that record i is found directly (the
 * shared-mode workers claim chunks of records by index). The states of the executable MMU are
 * mostly zero words (locals of idle threads, free tables, empty TLBs): measured on a five-thread
 * scenario, 272 words of which about 40 are non-zero, a record is about a fifth of a whole state,
 * and the level buffers grow (and page-fault) five times less. The words are kept in chunks (see
 * {@link Level}).
 */
import { IntVec } from './common.js';

/**
 * Words before the bitmap in a record: global id, eventually bits, always properties to judge (see
 * `PropTable.alwaysReads`), the raw sums of the state's store hash (see `stateSums`).
 */
export const FH = 5;

/** Smallest chunk: 2^20 words (4 MiB; untouched pages of a chunk take no memory). */
const MIN_SHIFT = 20;

/**
 * The records of one BFS level: the words, in fixed-size chunks, and the offset of each record.
 * A record never spans two chunks; its offset is `chunk * 2^shift + offset in the chunk`. The
 * chunks stay when the level is reset, so a search that alternates two levels allocates the
 * words of its largest level once: a single growing buffer was copied (and page-faulted) whole at
 * every doubling, measured 6-12% of an MMU search's time.
 */
export class Level {
  readonly chunks: Int32Array[] = [];
  readonly offs: IntVec;
  /** log2 of the words of a chunk. */
  readonly shift: number;
  /** Bitmap words per record. */
  private readonly bw: number;
  private readonly S: number;
  private readonly shared: boolean;
  /** The chunk being written and the first free word in it. */
  private ci = 0;
  private pos = 0;

  constructor(stateSize: number, shared: boolean) {
    this.S = stateSize;
    this.bw = (stateSize + 31) >>> 5;
    this.shared = shared;
    let shift = MIN_SHIFT;
    while (1 << shift < 4 * (FH + this.bw + stateSize)) shift++;
    this.shift = shift;
    this.offs = new IntVec(1 << 10, shared);
  }

  /** Number of records. */
  get count(): number {
    return this.offs.length;
  }

  /** Number of chunks holding records. */
  get chunksUsed(): number {
    return this.offs.length === 0 ? 0 : this.ci + 1;
  }

  /** Empties the level (keeps its chunks). */
  reset(): void {
    this.ci = 0;
    this.pos = 0;
    this.offs.length = 0;
  }

  /** Returns the chunk holding `need` more words from `pos` (the next one, new or kept, when the current one is full). */
  private room(need: number): Int32Array {
    const size = 1 << this.shift;
    if (this.ci < this.chunks.length) {
      if (this.pos + need <= size) return this.chunks[this.ci]!;
      this.ci++;
      this.pos = 0;
    }
    if (this.ci === this.chunks.length) {
      // Offsets are Int32 words: 2^31 words (8 GiB) of one level is beyond any memory budget.
      if ((this.ci + 1) * size > 2 ** 31) throw new RangeError('BFS level larger than 2^31 words');
      this.chunks.push(this.shared ? new Int32Array(new SharedArrayBuffer(size * 4)) : new Int32Array(size));
    }
    return this.chunks[this.ci]!;
  }

  /**
   * Starts a record at `pos` (room for the header, the bitmap and every word; the unused tail stays
   * free): records its offset, writes its header and returns its chunk.
   */
  private head(gid: number, ebits: number, judge: number, s1: number, s2: number): Int32Array {
    const d = this.room(FH + this.bw + this.S);
    const o = this.pos;
    this.offs.push(this.ci * (1 << this.shift) + o);
    d[o] = gid;
    d[o + 1] = ebits;
    d[o + 2] = judge;
    d[o + 3] = s1;
    d[o + 4] = s2;
    return d;
  }

  /** Appends a record for the `S` words of `buf` from `off`, whose store hash has the raw sums `s1`, `s2`. */
  push(gid: number, ebits: number, judge: number, buf: Int32Array, off: number, s1 = 0, s2 = 0): void {
    const S = this.S;
    const bw = this.bw;
    const d = this.head(gid, ebits, judge, s1, s2);
    const o = this.pos;
    const b0 = o + FH;
    let p = b0 + bw;
    for (let w = 0; w < bw; w++) {
      let bits = 0;
      const k0 = w << 5;
      const k1 = Math.min(S, k0 + 32);
      for (let k = k0; k < k1; k++) {
        const v = buf[off + k]!;
        if (v !== 0) {
          bits |= 1 << (k - k0);
          d[p++] = v;
        }
      }
      d[b0 + w] = bits;
    }
    this.pos = p;
  }

  /**
   * Appends a record for the state of the record at `po` of `pd` (a level's words) changed in
   * `n` words: `ch[co + 2j]` is a position (increasing in j) and `ch[co + 2j + 1]` its new value,
   * each different from the parent's word there. Same record as {@link push} of the changed state,
   * built from the parent's record without visiting its zero words: the cost is the bitmap and the
   * non-zero words, not the state's size.
   */
  pushPatched(gid: number, ebits: number, judge: number, s1: number, s2: number, pd: Int32Array, po: number, ch: Int32Array, co: number, n: number): void {
    const bw = this.bw;
    const d = this.head(gid, ebits, judge, s1, s2);
    const o = this.pos;
    const b0 = o + FH;
    const pb0 = po + FH;
    // The parent's bitmap, and the number of its non-zero words (where its record ends).
    let total = 0;
    for (let w = 0; w < bw; w++) {
      const bits = pd[pb0 + w]!;
      d[b0 + w] = bits;
      total += popcount(bits);
    }
    const qEnd = pb0 + bw + total;
    let p = b0 + bw;
    let q = pb0 + bw;
    // Non-zero words of the parent before word `cw`'s bitmap word, counted so far.
    let cw = 0;
    let rank = 0;
    for (let j = 0; j < n; j++) {
      const k = ch[co + 2 * j]!;
      const v = ch[co + 2 * j + 1]!;
      const wi = k >>> 5;
      const bit = 1 << (k & 31);
      while (cw < wi) rank += popcount(pd[pb0 + cw++]!);
      const pbits = pd[pb0 + wi]!;
      // The parent's value of word k, if not zero, is at q0; the ones before it are copied as they are.
      const q0 = pb0 + bw + rank + popcount(pbits & (bit - 1));
      while (q < q0) d[p++] = pd[q++]!;
      if ((pbits & bit) !== 0) q++;
      if (v !== 0) {
        d[p++] = v;
        d[b0 + wi] = d[b0 + wi]! | bit;
      } else d[b0 + wi] = d[b0 + wi]! & ~bit;
    }
    while (q < qEnd) d[p++] = pd[q++]!;
    this.pos = p;
  }

  /** Returns the chunk of record `i` (its offset in the chunk: {@link offsetOf}). */
  chunkOf(i: number): Int32Array {
    return this.chunks[this.offs.data[i]! >>> this.shift]!;
  }

  /** Returns the offset of record `i` in its chunk. */
  offsetOf(i: number): number {
    return this.offs.data[i]! & ((1 << this.shift) - 1);
  }
}

/** Number of set bits of a 32-bit word. */
function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Writes the state of the record at `o` of `d` (a level's words) into `state` (`S` words) and
 * returns the offset just past the record.
 */
export function decode(d: Int32Array, o: number, state: Int32Array, S: number): number {
  const bw = (S + 31) >>> 5;
  const b0 = o + FH;
  let p = b0 + bw;
  state.fill(0);
  for (let w = 0; w < bw; w++) {
    let bits = d[b0 + w]!;
    const k0 = w << 5;
    while (bits !== 0) {
      const low = bits & -bits;
      state[k0 + 31 - Math.clz32(low)] = d[p++]!;
      bits ^= low;
    }
  }
  return p;
}
