/**
 * The compact SPTE encoding of the executable MMU: one Int32 word per SPTE inside the checker
 * state. The model layer (model/mmu/spte64.ts) converts these words to the real 64-bit EPT SPTE
 * built from model/spte/bits.ts for display and ITF; nothing here knows bit positions of the
 * hardware format.
 *
 * Word layout: bits 0..2 kind, then per kind:
 *   LEAF  pfn 3..8, level 9..10, W 11, A 12, D 13, access-tracked 14, MMU-writable 15
 *   LINK  child table id 3..8
 *   MMIO  generation 3..8
 */

/** SPTE kinds. */
export const SpteKind = { np: 0, frozen: 1, mmio: 2, leaf: 3, link: 4 } as const;

/** The non-present SPTE (SHADOW_NONPRESENT_VALUE). */
export const NP = 0;
/** The FROZEN_SPTE value (REMOVED_SPTE before 6.11): a per-entry lock, not present. */
export const FROZEN = 1;

const W_BIT = 1 << 11;
const A_BIT = 1 << 12;
const D_BIT = 1 << 13;
const AT_BIT = 1 << 14;
const MW_BIT = 1 << 15;

/** Returns the kind of an SPTE word. */
export const spteKind = (v: number): number => v & 7;
/** Returns true for a shadow-present SPTE (leaf or link; FROZEN and MMIO are not present). */
export const isPresent = (v: number): boolean => (v & 7) >= SpteKind.leaf;
/** Returns true for a present leaf. */
export const isLeaf = (v: number): boolean => (v & 7) === SpteKind.leaf;
/** Returns true for a present non-leaf (link to a child table). */
export const isLink = (v: number): boolean => (v & 7) === SpteKind.link;
/** Returns true for the FROZEN value. */
export const isFrozen = (v: number): boolean => v === FROZEN;

/** Returns a leaf SPTE word. */
export function mkLeaf(pfn: number, level: number, f: { w?: boolean; a?: boolean; d?: boolean; at?: boolean; mw?: boolean } = {}): number {
  return (
    SpteKind.leaf |
    ((pfn & 63) << 3) |
    ((level & 3) << 9) |
    (f.w ? W_BIT : 0) |
    (f.a ? A_BIT : 0) |
    (f.d ? D_BIT : 0) |
    (f.at ? AT_BIT : 0) |
    (f.mw ? MW_BIT : 0)
  );
}
/** Returns a link SPTE word pointing at table `table`. */
export const mkLink = (table: number): number => SpteKind.link | ((table & 63) << 3);
/** Returns an MMIO SPTE word tagged with generation `gen`. */
export const mkMmio = (gen: number): number => SpteKind.mmio | ((gen & 63) << 3);

/** Returns the pfn of a leaf. */
export const leafPfn = (v: number): number => (v >> 3) & 63;
/** Returns the level of a leaf (1 = 4K, 2 = "2M", 3 = "1G"). */
export const leafLevel = (v: number): number => (v >> 9) & 3;
/** Returns the child table of a link. */
export const linkTable = (v: number): number => (v >> 3) & 63;
/** Returns the MMIO generation. */
export const mmioGen = (v: number): number => (v >> 3) & 63;
/** Returns true when the leaf is writable (hardware W). */
export const leafW = (v: number): boolean => (v & W_BIT) !== 0;
/** Returns true when the leaf's Accessed bit is set. */
export const leafA = (v: number): boolean => (v & A_BIT) !== 0;
/** Returns true when the leaf's Dirty bit is set. */
export const leafD = (v: number): boolean => (v & D_BIT) !== 0;
/** Returns true when the leaf is access-tracked (R/W/X removed and saved). */
export const leafAT = (v: number): boolean => (v & AT_BIT) !== 0;
/** Returns true when the leaf is MMU-writable (W may be restored by fast page fault). */
export const leafMW = (v: number): boolean => (v & MW_BIT) !== 0;
/** Returns `v` with W set or cleared. */
export const withW = (v: number, on: boolean): number => (on ? v | W_BIT : v & ~W_BIT);
/** Returns `v` with A set or cleared. */
export const withA = (v: number, on: boolean): number => (on ? v | A_BIT : v & ~A_BIT);
/** Returns `v` with D set or cleared. */
export const withD = (v: number, on: boolean): number => (on ? v | D_BIT : v & ~D_BIT);
/** Returns `v` marked for access tracking (not accessible; W dropped, as mark_spte_for_access_track). */
export const withAT = (v: number): number => (v | AT_BIT) & ~W_BIT & ~A_BIT;
/** Returns `v` with access tracking undone (restore_acc_track_spte; W not restored). */
export const withoutAT = (v: number): number => v & ~AT_BIT;
/** Returns true when a leaf allows the access (read, or write when `write`). */
export const leafAllows = (v: number, write: boolean): boolean => isLeaf(v) && !leafAT(v) && (!write || leafW(v));

/** A decoded SPTE, for display. */
export interface DecodedSpte {
  readonly kind: 'np' | 'frozen' | 'mmio' | 'leaf' | 'link';
  readonly pfn?: number;
  readonly level?: number;
  readonly w?: boolean;
  readonly a?: boolean;
  readonly d?: boolean;
  readonly accessTracked?: boolean;
  readonly mmuWritable?: boolean;
  readonly table?: number;
  readonly gen?: number;
}

/** Returns the decoded fields of an SPTE word. */
export function decodeSpte(v: number): DecodedSpte {
  switch (v & 7) {
    case SpteKind.np:
      return { kind: 'np' };
    case SpteKind.frozen:
      return { kind: 'frozen' };
    case SpteKind.mmio:
      return { kind: 'mmio', gen: mmioGen(v) };
    case SpteKind.link:
      return { kind: 'link', table: linkTable(v) };
    default:
      return { kind: 'leaf', pfn: leafPfn(v), level: leafLevel(v), w: leafW(v), a: leafA(v), d: leafD(v), accessTracked: leafAT(v), mmuWritable: leafMW(v) };
  }
}

/** Returns a short text for an SPTE word, e.g. `leaf(pfn=3,L1,W,A,D)`, `link(t2)`, `np`, `FROZEN`. */
export function formatSpte(v: number): string {
  const d = decodeSpte(v);
  switch (d.kind) {
    case 'np':
      return 'np';
    case 'frozen':
      return 'FROZEN';
    case 'mmio':
      return `mmio(gen=${d.gen})`;
    case 'link':
      return `link(t${d.table})`;
    case 'leaf': {
      const f = [d.w ? 'W' : '', d.a ? 'A' : '', d.d ? 'D' : '', d.accessTracked ? 'AT' : '', d.mmuWritable ? 'MW' : ''].filter(Boolean);
      return `leaf(pfn=${d.pfn},L${d.level}${f.length ? ',' + f.join(',') : ''})`;
    }
  }
}

/** Returns the SPTE word of a {@link formatSpte} text (its inverse), or undefined for other text. */
export function parseSpte(text: string): number | undefined {
  if (text === 'np') return NP;
  if (text === 'FROZEN') return FROZEN;
  const mmio = /^mmio\(gen=(\d+)\)$/.exec(text);
  if (mmio) return mkMmio(Number(mmio[1]));
  const link = /^link\(t(\d+)\)$/.exec(text);
  if (link) return mkLink(Number(link[1]));
  const leaf = /^leaf\(pfn=(\d+),L(\d)((?:,(?:W|A|D|AT|MW))*)\)$/.exec(text);
  if (!leaf) return undefined;
  const f = new Set(leaf[3]!.split(',').filter(Boolean));
  return mkLeaf(Number(leaf[1]), Number(leaf[2]), { w: f.has('W'), a: f.has('A'), d: f.has('D'), at: f.has('AT'), mw: f.has('MW') });
}
