/**
 * The names a step body and a property use: the race witnesses (`sometimes` properties; a step
 * records one with `c.seen('frozen-observed')`) and the invariants I1-I13 (I1-I12 of the protocol sheet
 * section 5.3, and I13 for private huge pages; a step records a broken one with `c.violate('I7', why)`). These are the executable
 * MMU's own vocabulary: the state keeps them as bits, and only this file maps names to bits.
 */
import { fail } from '../core/diagnostic.js';

/** Race witnesses (bits of the sticky `seen` word); `sometimes` properties ask that they are reached. */
export const WITNESS = {
  'frozen-observed': 0,
  'cas-failed': 1,
  'stale-fault-retried': 2,
  yielded: 3,
  'private-mapped': 4,
  'private-removed': 5,
  'huge-mapped': 6,
  'guest-wrote': 7,
  'write-protected': 8,
  aged: 9,
  'table-removed': 10,
  'invalid-root-zapped': 11,
  'seamcall-busy': 12,
  'slot-invalid-retried': 13,
  'huge-split': 14,
  'tlb-hit-after-zap': 15,
  'fast-fixed': 16,
  harvested: 17,
  'eager-split': 18,
  'nx-recovered': 19,
  'private-added': 20,
  'harvest-raced': 21,
  'dirty-cleared': 22,
  'zero-step': 23,
  'busy-retried': 24,
  'private-demoted': 25,
  'accepted-2m': 26,
  'accept-size-mismatch': 27,
  'mmio-cached': 28,
  'mmio-emulated': 29,
  'mmio-stale': 30,
  measured: 31,
} as const;
/** A witness name. */
export type WitnessName = keyof typeof WITNESS;
/** One-line meaning of each witness. */
export const WITNESS_DOC: Record<WitnessName, string> = {
  'frozen-observed': 'a walker read a FROZEN entry and retried',
  'cas-failed': 'a cmpxchg lost a race and was retried or abandoned',
  'stale-fault-retried': 'a fault found its root obsolete or an invalidation in flight under mmu_lock and retried',
  yielded: 'a walk yielded mmu_lock to a contending thread',
  'private-mapped': 'TDH.MEM.PAGE.AUG mapped a private page',
  'private-removed': 'TDH.MEM.PAGE.REMOVE removed a private page',
  'huge-mapped': 'a huge (2M) leaf was installed',
  'guest-wrote': 'the guest wrote memory',
  'write-protected': 'dirty logging write-protected a leaf',
  aged: 'aging cleared Accessed or marked a leaf for access tracking',
  measured: 'TDH.MR.EXTEND measured a page added at TD build time',
  'table-removed': 'handle_removed_pt finished removing a table',
  'invalid-root-zapped': 'the zap of an invalidated root zapped an entry',
  'seamcall-busy': 'a SEAMCALL returned TDX_OPERAND_BUSY or an epoch-busy status',
  'slot-invalid-retried': 'a fault saw the memslot being deleted and retried',
  'huge-split': 'a fault split a huge leaf into a table',
  'tlb-hit-after-zap': 'the guest used a TLB entry whose SPTE was already zapped',
  'fast-fixed': 'a lockless fast page fault fixed an SPTE with cmpxchg (W restored or access tracking undone)',
  harvested: 'a dirty-log harvest took dirty bits and write-protected a leaf',
  'eager-split': 'eager splitting replaced a huge leaf by a table of equivalent leaves',
  'nx-recovered': 'NX huge page recovery zapped a possible-NX page table and flushed',
  'private-added': 'TDH.MEM.PAGE.ADD added a private page at TD build time',
  'harvest-raced': 'the guest wrote a gfn whose dirty bit a harvest in flight had already taken',
  'dirty-cleared': 'D-bit dirty logging (PML) cleared the Dirty bit of a leaf (enable: CAS under the read lock; harvest: atomic AND)',
  'zero-step': 'a TDH.VP.ENTER under zero-step mitigation took the S-EPT tree lock exclusively',
  'mmio-cached': 'a fault on a gfn without a memslot installed an MMIO SPTE tagged with the memslots generation',
  'mmio-emulated': 'the guest hit an MMIO SPTE of the current generation: emulated MMIO without a page walk (handle_mmio_page_fault)',
  'mmio-stale': 'the guest hit an MMIO SPTE of an old generation, or one during a memslot update: check_mmio_spte failed, the access takes the page fault path',
  'busy-retried': 'KVM recovered from TDX_OPERAND_BUSY: restored the mirror entry and retried the fault, or kicked the vCPUs and retried the SEAMCALL',
  'private-demoted': 'TDH.MEM.PAGE.DEMOTE split a private 2M leaf into 4K leaves (after RANGE.BLOCK and TRACK), and the mirror leaf was split with it',
  'accepted-2m': 'the guest accepted a private page at 2M (TDG.MEM.PAGE.ACCEPT on a PENDING 2M leaf)',
  'accept-size-mismatch': 'a guest ACCEPT at 2M found the range mapped at 4K (TDX_PAGE_SIZE_MISMATCH) and accepted at 4K instead',
};

/** Returns the bit of witness `w`, or raises MMC301 listing the witnesses for an unknown name. */
export function witnessBit(w: string): number {
  const bit = (WITNESS as Readonly<Record<string, number>>)[w];
  if (bit === undefined) fail('MMC301', `unknown witness '${w}'`, { subject: w, hint: `witnesses: ${Object.keys(WITNESS).join(', ')}` });
  return bit;
}

/** One-line meaning of each invariant. */
export const INVARIANT_DOC: Readonly<Record<string, string>> = {
  I1: 'no use-after-free of page-table pages or roots',
  I2: 'no leaked tables; a zapped or freed root maps nothing; nothing maps a gfn of a deleted memslot; no MMIO SPTE of the current memslots generation, and no per-vCPU MMIO cache entry, hides a gfn of a valid memslot',
  I3: 'notifier coherence: no SPTE or TLB entry maps a freed host page',
  I4: 'TLB coherence: every TLB entry is backed by an SPTE or a pending flush of a lock holder',
  I5: 'no lost dirty information (dirty bitmap, page dirty bit)',
  I6: 'mirror SPTEs and S-EPT entries agree',
  I7: 'no unexpected SEAMCALL failure (KVM_BUG_ON)',
  I8: 'S-EPT structural order (no mirror table removed under the read lock)',
  I9: 'no host reuse of a page still mapped in S-EPT',
  I10: 'root refcount discipline',
  I11: 'progress: no thread blocked forever',
  I12: 'read-lock discipline: no plain store of a live SPTE without the write lock or a FROZEN ownership; no leaf changes pfn without passing through non-present; no CAS on a re-interpreted snapshot (leaf bits on a non-leaf, a zap of a parent that no longer links the intended table); tables stay well linked; page-table metadata agrees with the tree',
  I13: "private huge pages follow the guest's accepts: no private leaf above 4K covers a range the guest accepts at 4K (guest inhibit), and no page the guest accepted is removed outside the range being zapped",
};

/** An invariant name, `I1` .. `I13`. */
export type InvariantName = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7' | 'I8' | 'I9' | 'I10' | 'I11' | 'I12' | 'I13';

/** Returns the number of invariant `i` (`'I7'` -> 7), or raises MMC301 listing I1..I13. */
export function invariantNumber(i: string): number {
  if (!Object.hasOwn(INVARIANT_DOC, i)) fail('MMC301', `unknown invariant '${i}'`, { subject: i, hint: `invariants: ${Object.keys(INVARIANT_DOC).join(', ')}` });
  return Number(i.slice(1));
}
