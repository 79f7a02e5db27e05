/**
 * Bit layouts: named fields over a 64-bit word, grouped in views. Fields of one view must be
 * disjoint; different views of the same word may reuse bits (an MMIO SPTE reuses bits that mean
 * something else in a present SPTE, and the kernel relies on that).
 */
import { genmask64, hex64 } from '../core/bits.js';
import { fail } from '../core/diagnostic.js';
import type { Rule } from './rule.js';

/** A named bit range hi..lo (inclusive). */
export interface Field {
  readonly name: string;
  readonly hi: number;
  readonly lo: number;
  /** `hw`: defined by the architecture; `sw`: KVM's own use of an ignored bit. */
  readonly kind: 'hw' | 'sw';
  /** One line: what the field means. */
  readonly doc: string;
  /** Kernel or SDM reference. */
  readonly ref?: string;
}

/** Returns a field over bits hi..lo. */
export function field(name: string, hi: number, lo: number, doc: string, opts: { kind?: 'hw' | 'sw'; ref?: string } = {}): Field {
  if (!Number.isInteger(hi) || !Number.isInteger(lo) || lo < 0 || hi > 63 || hi < lo) {
    fail('MMC101', `field ${name}: bits ${hi}..${lo} must satisfy 0 <= lo <= hi <= 63`, { subject: name });
  }
  return { name, hi, lo, kind: opts.kind ?? 'hw', doc, ...(opts.ref ? { ref: opts.ref } : {}) };
}

/** Returns a one-bit field. */
export function flag(name: string, n: number, doc: string, opts: { kind?: 'hw' | 'sw'; ref?: string } = {}): Field {
  return field(name, n, n, doc, opts);
}

/** Returns the mask of a field. */
export function fieldMask(f: Field): bigint {
  return genmask64(f.hi, f.lo);
}

/** A layout: views of one 64-bit word, and rules that must hold. */
export interface Layout {
  readonly name: string;
  readonly doc: string;
  /** Each view lists disjoint fields, e.g. `present`, `mmio`, `nonpresent`. */
  readonly views: Readonly<Record<string, readonly Field[]>>;
  readonly rules: readonly Rule[];
}

/**
 * Returns a validated layout: every view's fields must be pairwise disjoint and names unique within
 * a view (MMC101 names the two fields otherwise).
 */
export function layout(name: string, doc: string, views: Record<string, readonly Field[]>, rules: readonly Rule[] = []): Layout {
  for (const [view, fields] of Object.entries(views)) {
    const names = new Set<string>();
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (names.has(f.name)) fail('MMC101', `layout ${name}, view ${view}: field ${f.name} is declared twice`, { subject: f.name });
      names.add(f.name);
      for (let j = 0; j < i; j++) {
        const g = fields[j]!;
        if (fieldMask(f) & fieldMask(g)) {
          fail('MMC101', `layout ${name}, view ${view}: fields ${g.name} (bits ${g.hi}..${g.lo}) and ${f.name} (bits ${f.hi}..${f.lo}) overlap`, {
            subject: `${g.name},${f.name}`,
            hint: 'fields of one view must be disjoint; put a reused bit in another view',
          });
        }
      }
    }
  }
  return { name, doc, views, rules };
}

/** One decoded field. */
export interface DecodedField {
  readonly name: string;
  readonly bits: string;
  readonly value: bigint;
  readonly doc: string;
}

/** Returns the fields of one view with their values in `word` (fields with value 0 included). */
export function decodeView(fields: readonly Field[], word: bigint): DecodedField[] {
  return [...fields]
    .sort((a, b) => b.hi - a.hi)
    .map((f) => ({
      name: f.name,
      bits: f.hi === f.lo ? `${f.lo}` : `${f.hi}..${f.lo}`,
      value: (word & fieldMask(f)) >> BigInt(f.lo),
      doc: f.doc,
    }));
}

/** Returns the bits of `word` not covered by any field of the view. */
export function uncoveredBits(fields: readonly Field[], word: bigint): bigint {
  let covered = 0n;
  for (const f of fields) covered |= fieldMask(f);
  return word & ~covered & ((1n << 64n) - 1n);
}

/** Returns `name=value` pairs for the non-zero fields, e.g. `present=1 pfn=0x1234`. */
export function formatDecoded(fields: readonly Field[], word: bigint): string {
  const parts = decodeView(fields, word)
    .filter((d) => d.value !== 0n)
    .map((d) => `${d.name}=${d.value > 9n ? '0x' + d.value.toString(16) : d.value.toString()}`);
  const rest = uncoveredBits(fields, word);
  if (rest) parts.push(`other=${hex64(rest)}`);
  return parts.length ? parts.join(' ') : '(all zero)';
}
