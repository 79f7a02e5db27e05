/**
 * The vocabulary of step bodies that is not a method of the step context: SPTE values (the
 * executable MMU's compact words) with their constructors and predicates, SPTE locations, the
 * operation's parameters, and the names of thread locals and held resources. A step body reads and
 * writes SPTEs only through `c.readSpte(p)` / `c.casSpte(p, old, new)` / ... with a location `p`
 * from `c.here()`, and builds or inspects values only with {@link spte}: it never sees an offset.
 */
import {
  FROZEN,
  isFrozen,
  isLeaf,
  isLink,
  isPresent,
  leafA,
  leafAllows,
  leafAT,
  leafD,
  leafLevel,
  leafMW,
  leafPfn,
  leafW,
  linkTable,
  mkLeaf,
  mkLink,
  mkMmio,
  mmioGen,
  NP,
  SpteKind,
  spteKind,
  withA,
  withAT,
  withD,
  withoutAT,
  withW,
} from './spte.js';
import type { L } from './layout.js';

/**
 * SPTE values and what can be asked of them. A value is the executable MMU's word for one SPTE
 * (traces, ITF and `mmucheck decode` show it as the real 64-bit word).
 *
 * @example
 *   const old = c.readSpte(c.here());
 *   if (spte.isFrozen(old)) c.seen('frozen-observed');
 *   else if (spte.isLeaf(old) && !spte.writable(old)) c.casSpte(c.here(), old, spte.withW(old, true));
 */
export const spte = {
  /** The non-present SPTE (SHADOW_NONPRESENT_VALUE). */
  NP,
  /** FROZEN_SPTE (REMOVED_SPTE before 6.11): a per-entry lock, not present. */
  FROZEN,
  /** Returns a leaf mapping `pfn` at `level` (1 = 4K, 2 = 2M) with the given W/A/D, access-tracked and MMU-writable bits. */
  leaf: mkLeaf,
  /** Returns a non-leaf SPTE linking to the page table `table` (a table id from `c.allocTable` or `spte.child`). */
  link: mkLink,
  /** Returns an MMIO SPTE tagged with memslot generation `gen`. */
  mmio: mkMmio,
  /** True for a shadow-present SPTE (leaf or link; FROZEN and MMIO are not present). */
  isPresent,
  /** True for a present leaf. */
  isLeaf,
  /** True for a present non-leaf (link to a child table). */
  isLink,
  /** True for FROZEN_SPTE. */
  isFrozen,
  /** True for an MMIO SPTE. */
  isMmio: (v: number): boolean => spteKind(v) === SpteKind.mmio,
  /** The level of a leaf (1 = 4K, 2 = 2M, 3 = 1G). */
  level: leafLevel,
  /** The pfn of a leaf. */
  pfn: leafPfn,
  /** The child table of a link. */
  child: linkTable,
  /** The memslot generation of an MMIO SPTE. */
  generation: mmioGen,
  /** True when the leaf is writable (hardware W). */
  writable: leafW,
  /** True when the leaf's Accessed bit is set. */
  accessed: leafA,
  /** True when the leaf's Dirty bit is set. */
  dirty: leafD,
  /** True when the leaf is access-tracked (R/W/X removed and saved). */
  accessTracked: leafAT,
  /** True when the leaf is MMU-writable (fast page fault may restore W). */
  mmuWritable: leafMW,
  /** True when the leaf allows the access (a read, or a write when `write`). */
  allows: leafAllows,
  /** Returns the leaf with W set or cleared. */
  withW,
  /** Returns the leaf with Accessed set or cleared. */
  withA,
  /** Returns the leaf with Dirty set or cleared. */
  withD,
  /** Returns the leaf marked for access tracking (mark_spte_for_access_track). */
  withAccessTrack: withAT,
  /** Returns the leaf with access tracking undone (restore_acc_track_spte). */
  withoutAccessTrack: withoutAT,
} as const;

/** The location of one SPTE (a page table and an entry of it), from `c.here()`. Opaque. */
export type SptePtr = number & { readonly __sptePtr: never };

/** Returns the location of entry `index` of page table `table`. */
export const sptePtr = (table: number, index: number): SptePtr => ((table << 1) | index) as SptePtr;
/** Returns the page table of a location. */
export const ptrTable = (p: SptePtr): number => p >> 1;
/** Returns the entry index of a location. */
export const ptrIndex = (p: SptePtr): number => p & 1;

/**
 * The parameters of the running operation call, as the scenario wrote them: `gfn`, `write`,
 * `private`, `level`, `fast` for a fault or an access; `start`, `end` for a range; `op` always.
 * A parameter the call did not give is `undefined`.
 */
export interface OpParams {
  readonly op: string;
  readonly gfn?: number;
  readonly write?: boolean;
  readonly private?: boolean;
  readonly level?: number;
  readonly fast?: boolean;
  readonly start?: number;
  readonly end?: number;
  /** The memslot id of memslot-delete and the dirty-log operations (absent: the only slot). */
  readonly slot?: number;
}

/**
 * A thread local by name (the running thread's own words, kept in the state): `gfn` and `level`
 * of the walk, `old` and `new` SPTE values, `pfn`, `goal` (the level a fault maps at), `out` (how
 * the operation ended: 0 done, 1 retry, 2 bug), `root`, `seq`, `retry`, `end`, `aux`, `aux2`, ...
 */
export type LocalName = Exclude<keyof typeof L, 'count' | 'flags'>;

/** A resource the running thread can hold or a duty it can owe. */
export type Held = 'read-lock' | 'write-lock' | 'rcu' | 'srcu' | 'flush-pending' | 'root-ref';

/** A vCPU's TLB entry for one gfn. */
export interface TlbEntry {
  readonly pfn: number;
  readonly writable: boolean;
  readonly dirty: boolean;
  /** Cached from the S-EPT (a TD's private memory). */
  readonly private: boolean;
}

/** One root slot as a step sees it. */
export interface RootInfo {
  /** The slot number (what `c.getRoot`, `c.putRoot`, `c.iterStart` take). */
  readonly slot: number;
  /** The root page table. */
  readonly table: number;
  /** A mirror (TDX private) root rather than a direct one. */
  readonly mirror: boolean;
  /** Not yet invalidated (kvm_tdp_mmu_invalidate_roots). */
  readonly valid: boolean;
  /** The reference count. */
  readonly refcount: number;
}
