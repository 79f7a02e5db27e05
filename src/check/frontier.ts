/**
 * A BFS level (the frontier) in a compact form: states are stored sparse, which matters because
 * the frontier of a large search holds hundreds of thousands of whole states. A record is
 *
 *   gid, eventually bits, bitmap (ceil(S/32) words: bit k set when word k is not 0),
 *   the non-zero words in increasing order
 *
 * and a second vector holds the offset of every record, so that record i is found directly (the
 * shared-mode workers claim chunks of records by index). The states of the executable MMU are
 * mostly zero words (locals of idle threads, free tables, empty TLBs): measured on a five-thread
 * scenario, 272 words of which about 40 are non-zero, a record is about a fifth of a whole state,
 * and the level buffers grow (and page-fault) five times less.
 */
import { IntVec } from './common.js';

/** Words before the bitmap in a record: global id, eventually bits. */
const FH = 2;

/** The records of one BFS level: the words and the offset of each record. */
export class Level {
  readonly words: IntVec;
  readonly offs: IntVec;
  /** Bitmap words per record. */
  private readonly bw: number;
  private readonly S: number;

  constructor(stateSize: number, shared: boolean) {
    this.S = stateSize;
    this.bw = (stateSize + 31) >>> 5;
    this.words = new IntVec(1 << 14, shared);
    this.offs = new IntVec(1 << 10, shared);
  }

  /** Number of records. */
  get count(): number {
    return this.offs.length;
  }

  /** Empties the level (keeps its buffers). */
  reset(): void {
    this.words.length = 0;
    this.offs.length = 0;
  }

  /** Appends a record for the `S` words of `buf` from `off`. */
  push(gid: number, ebits: number, buf: Int32Array, off: number): void {
    const S = this.S;
    const bw = this.bw;
    // At most the header, the bitmap and every word; the unused tail is given back below.
    const o = this.words.alloc(FH + bw + S);
    this.offs.push(o);
    const d = this.words.data;
    d[o] = gid;
    d[o + 1] = ebits;
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
    this.words.length = p;
  }
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
