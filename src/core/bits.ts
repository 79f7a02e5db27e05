/**
 * 64-bit helpers on bigint. Every SPTE, mask and address is a bigint end to end.
 */

/** All 64 bits set. */
export const U64_MAX = (1n << 64n) - 1n;

/** Returns `1 << n` as a 64-bit value. */
export function bit64(n: number): bigint {
  if (!Number.isInteger(n) || n < 0 || n > 63) throw new RangeError(`bit64(${n}): bit index must be 0..63`);
  return 1n << BigInt(n);
}

/** Returns the mask of bits lo..hi inclusive (Linux GENMASK_ULL); empty when hi < lo. */
export function genmask64(hi: number, lo: number): bigint {
  if (hi < lo) return 0n;
  return ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
}

/** Returns the 64-bit truncation of a bigint. */
export function u64(x: bigint): bigint {
  return x & U64_MAX;
}

/** Returns `0x` plus 16 hex digits. */
export function hex64(x: bigint): string {
  return '0x' + u64(x).toString(16).padStart(16, '0');
}

/** Returns the number of set bits of a 64-bit value. */
export function popcount64(x: bigint): number {
  let v = u64(x);
  let n = 0;
  while (v) {
    v &= v - 1n;
    n++;
  }
  return n;
}

/** Returns the indices of the set bits, ascending. */
export function bitsOf(x: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if ((x >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/** Returns a compact description of set bits, e.g. `{0, 12..51, 63}`. */
export function describeBits(x: bigint): string {
  const b = bitsOf(x);
  if (b.length === 0) return '{}';
  const parts: string[] = [];
  let start = b[0]!;
  let prev = start;
  for (let i = 1; i <= b.length; i++) {
    const cur = b[i];
    if (cur !== undefined && cur === prev + 1) {
      prev = cur;
      continue;
    }
    parts.push(start === prev ? `${start}` : `${start}..${prev}`);
    if (cur !== undefined) start = prev = cur;
  }
  return `{${parts.join(', ')}}`;
}

/** Parses `0x...`, `0b...` or decimal into a bigint, or returns undefined. */
export function parseBigint(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-fA-F]+|0b[01]+|[0-9]+)$/.test(t)) return undefined;
  try {
    return BigInt(t);
  } catch {
    return undefined;
  }
}
