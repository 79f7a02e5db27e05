/**
 * Design choices of the operations, each an option with its mainline value. Options marked † in
 * the protocol sheet are where a real bug once happened; flipping one re-introduces the
 * catalogued race (the catalogue id is in `ref`).
 */
import { fail } from '../../src/internal.js';

/** One option: allowed values, the mainline value, what it means. */
export interface OptionSpec {
  readonly values: readonly (string | number | boolean)[];
  readonly mainline: string | number | boolean;
  readonly doc: string;
  /** Catalogue entry or sheet section. */
  readonly ref: string;
}

/** Every option of the executable MMU's operations. */
export const OPTIONS = {
  mirrorInstall: {
    values: ['freeze', 'cas-then-seamcall', 'seamcall-then-cas'],
    mainline: 'freeze',
    doc: 'how a mirror (private) SPTE install is made atomic with its SEAMCALL: freeze the entry, or publish with a plain CAS before / after the SEAMCALL (v10 series)',
    ref: 'T1, §3.3',
  },
  faultChecksObsoleteRoot: {
    values: [true, false],
    mainline: true,
    doc: 'is_page_fault_stale re-checks under mmu_lock that the root was not invalidated',
    ref: 'C6',
  },
  advanceAfterYieldRestart: {
    values: [false, true],
    mainline: false,
    doc: 'after a yield restarts the walk at the root, the iterator also steps sideways (skips the entry)',
    ref: 'C1',
  },
  writeLockLeafWrite: {
    values: ['xchg', 'read-then-store'],
    mainline: 'xchg',
    doc: 'how a write-lock holder changes a present leaf (the zap of an mmu_notifier invalidation, the write-protection of a dirty-log harvest): atomic XCHG / AND, or a store of the value read earlier (loses volatile A/D bits)',
    ref: 'C8, ba3a6120a4e7',
  },
  dirtyLogEnableFlush: {
    values: ['always', 'if-changed'],
    mainline: 'always',
    doc: 'enabling dirty logging flushes TLBs unconditionally, or only when write-protection changed an SPTE',
    ref: 'C10',
  },
  memslotDeleteZap: {
    values: ['auto', 'fast-zap', 'targeted'],
    mainline: 'auto',
    doc: 'memslot deletion zaps all roots fast (default VMs with KVM_X86_QUIRK_SLOT_ZAP_ALL) or exactly the slot leaves in direct and mirror roots (TDX); auto = by VM type',
    ref: 'T2, §2.10',
  },
  yieldFlushFirst: {
    values: [true, false],
    mainline: true,
    doc: 'tdp_mmu_iter_cond_resched flushes a pending TLB flush before dropping mmu_lock',
    ref: '†, §1.3',
  },
  walkPutFreesRoot: {
    values: [true, false],
    mainline: true,
    doc: 'the yield-safe root iterator (tdp_mmu_next_root, used by the mmu_notifier / guest_memfd zap, eager split and dirty logging) drops its reference with kvm_tdp_mmu_put_root, which frees the root when that was the last reference (a889ea54b3da "KVM: x86/mmu: Ensure TDP MMU roots are freed after yield", 5.11); false: the put only decrements (the code before a889ea54b3da), so a root that was invalidated and released while the walk held it is never freed',
    ref: '†, §2.8, §2.11',
  },
  unmapIncludesInvalidRoots: {
    values: [true, false],
    mainline: true,
    doc: 'mmu_notifier unmap also zaps invalid (not yet freed) roots',
    ref: '†, §2.8',
  },
  fastZapIncludesMirror: {
    values: [false, true],
    mainline: false,
    doc: 'kvm_mmu_zap_all_fast also invalidates mirror roots (forbidden: external page tables cannot be fast-zapped)',
    ref: 'T3',
  },
  tdxTrack: {
    values: [true, false],
    mainline: true,
    doc: 'TDX removal does TDH.MEM.TRACK and kicks vCPUs between RANGE.BLOCK and PAGE.REMOVE',
    ref: '§2.14.3',
  },
  dirtyLogByDBit: {
    values: [false, true],
    mainline: false,
    doc: 'dirty logging by D bits (Intel PML, needs EPT A/D bits): enabling clears D of 4K leaves with a CAS under the read lock (kvm_tdp_mmu_clear_dirty_slot) and write-protects huge leaves, the CPU logs a gfn when it sets D, a harvest clears D; false: by write protection (AMD, PML off). Both are mainline kernel paths; the value picks the hardware',
    ref: '§2.12, 45a61ebb2211',
  },
  frozenHasAccessedBit: {
    values: [true, false],
    mainline: true,
    doc: 'FROZEN_SPTE is SHADOW_NONPRESENT_VALUE | 0x5a0, which has EPT bit 8, the Accessed bit (mainline); false: the value of the RFC "Free up A/D bits in FROZEN_SPTE" (0x498, not merged), which has no A/D bits. Lockless aging clears Accessed with an atomic AND after a snapshot of a young leaf; on an entry frozen meanwhile the AND changes FROZEN_SPTE',
    ref: '§1.2, §3.5',
  },
  eptAd: {
    values: [true, false],
    mainline: true,
    doc: 'EPT accessed/dirty bits available; without them aging marks SPTEs for access tracking',
    ref: '§2.12, C10',
  },
  tdxHugePages: {
    values: [false, true],
    mainline: false,
    doc: 'private memory may be mapped at 2M (RFC series, and the v10 series of the seed race)',
    ref: 'T1b, §2.15',
  },
  tdxDemoteLock: {
    values: ['write', 'read'],
    mainline: 'write',
    doc: 'huge private pages (tdxHugePages; RFC series, not in mainline): the split of a private 2M leaf (mirror split and RANGE.BLOCK, TRACK, kick, DEMOTE) runs under mmu_lock held for write (RFC v1-v3: tdx_sept_split_private_spte, BUSY kicked and retried once by tdh_do_no_vcpus), or under mmu_lock held for read, the mirror leaf replaced by a CAS after the SEAMCALLs (the shared-lock split the series rejects until a blockless DEMOTE exists)',
    ref: '§2.15, RFC v2 09/23, v3',
  },
  tdxAcceptSplit: {
    values: ['exit-handler', 'none'],
    mainline: 'exit-handler',
    doc: "huge private pages (tdxHugePages; RFC series): an EPT violation from a guest ACCEPT below the mapping's level is handled by tdx_check_accept_level (RFC v2 14/23): unless the range's guest-inhibit bit is set, take mmu_lock for write, split the private huge leaf covering the gfn, set the inhibit bit; or none: the accept level only caps the fault's level (RFC v1) and the fault, under the shared lock, cannot split the huge leaf (RFC v2 rejects the split: RET_PF_RETRY), so the guest's ACCEPT faults forever",
    ref: '§2.15, RFC v1 cover letter, RFC v2 14/23',
  },
  tdxBoundarySplit: {
    values: [true, false],
    mainline: true,
    doc: 'huge private pages (tdxHugePages; RFC series): a guest_memfd PUNCH_HOLE (or a private-to-shared conversion) first splits, under mmu_lock held for write, each private huge leaf that crosses the range boundary (kvm_split_boundary_leafs / kvm_split_cross_boundary_leafs), then zaps; false: the zap removes every leaf that intersects the range, as for normal VMs, huge leaves whole (the neighbours the guest accepted are lost)',
    ref: '§2.15, RFC v1 16-19/21',
  },
  tdxPromote: {
    values: ['none', 'merge', 'merge-bug-on'],
    mainline: 'none',
    doc: "huge private pages (tdxHugePages): what a private fault that wants 2M does when the 2M entry is a table of 4K leaves. none: map at 4K below it (mainline never issues TDH.MEM.PAGE.PROMOTE: no leaf 23 in arch/x86/virt/vmx/tdx/tdx.h, private memory is mapped at 4K only; Yan Zhao's RFC v2 07/23 disallows merging for TDX because PROMOTE needs all 4K leaves PENDING or all accepted and needs RANGE.BLOCK first); merge: Isaku Yamahata's series (tdp_mmu_merge_private_spt, v4 13/16 Jul 2023 and v6 13/16 Nov 2023; tdx_sept_merge_private_spt, v6 14/16 Nov 2023 and v8 12/14 Feb 2024) under mmu_lock held for read: freeze the 2M mirror entry, AUG any missing 4K child (a present child at the fault's own gfn: -EAGAIN, no BLOCK/PROMOTE, since v4), RANGE.BLOCK the 2M non-leaf, TRACK and kick (the remote TLB flush, which waits for a vCPU inside a guest TDCALL to finish it), TDH.MEM.PAGE.PROMOTE; TDX_EPT_INVALID_PROMOTE_CONDITIONS|OPERAND_ID_RCX (mixed PENDING/MAPPED children) or TDX_OPERAND_BUSY|OPERAND_ID_SEPT (the tree lock): RANGE.UNBLOCK, restore the table and let the vCPU run (the 4K child is mapped); TDX_OPERAND_BUSY|OPERAND_ID_RCX (an entry lock) and any other status: KVM_BUG_ON; success: the 2M leaf, in the children's accept state, replaces the table, which is freed at once; merge-bug-on: the status check of RFC v2 13/15 (Dec 2022) and v3 14/16 (Jan 2023), which compared PROMOTE's status with TDX_EPT_INVALID_PROMOTE_CONDITIONS without the operand id the module returns with it (RCX), so mixed children reach KVM_BUG_ON; like v2/v3 it keeps a present child at the fault's own gfn; its steps are in v3's order (v3 13/16: freeze, AUG, BLOCK, flush, PROMOTE); v2 12/15 blocked and flushed before the AUGs (freeze, BLOCK, flush, AUG, PROMOTE), which is not modelled",
    ref: '§2.15, RFC v2 12-13/15 (2022), v3 13-14/16, v4 13/16, v6 13-14/16, v8 12/14',
  },
  eagerSplitLock: {
    values: ['read', 'write'],
    mainline: 'read',
    doc: 'eager huge page split runs under mmu_lock for read (slot-wide split when dirty logging is enabled: CAS) or for write (KVM_CLEAR_DIRTY_LOG path: XCHG)',
    ref: '§2.6',
  },
  nxFlagBeforeLink: {
    values: [true, false],
    mainline: true,
    doc: 'a fault that splits for the NX huge page mitigation sets its new table\'s nx_huge_page_disallowed before publishing the table, and tracks it on possible_nx_huge_pages (under tdp_mmu_pages_lock) only if the flag is still set, i.e. no remover unaccounted it meanwhile; false: the flag is set when the table is tracked, after the link (the order before 61f94478547b)',
    ref: '61f94478547b, §2.13',
  },
  nxRecoveryLock: {
    values: ['read', 'write'],
    mainline: 'read',
    doc: 'NX huge page recovery zaps a possible-NX table under mmu_lock for read with a re-read of the parent and CAS (6.18+) or for write with XCHG (before 6.18)',
    ref: '†, §2.13',
  },
  nxRecoveryFlush: {
    values: [true, false],
    mainline: true,
    doc: "NX huge page recovery flushes remote TLBs after zapping a possible-NX table, before any unlock or yield (048f49809c52 \"KVM: x86/mmu: Ensure TLBs are flushed for TDP MMU during NX zapping\", 5.13: the TDP MMU zap's result now reaches kvm_mmu_remote_flush_or_zap); false: the TDP MMU zap's flush is lost (the code before 048f49809c52), so a vCPU keeps translations through the freed table",
    ref: '†, §2.13',
  },
  tdxBuildAdd: {
    values: ['in-hook', 'premap'],
    mainline: 'in-hook',
    doc: 'TD build (KVM_TDX_INIT_MEM_REGION): TDH.MEM.PAGE.ADD inside the leaf hook with the mirror entry frozen (6.19+), or the hook only records a premap and the ioctl issues PAGE.ADD after dropping mmu_lock (before 6.19)',
    ref: '†, §2.14.1',
  },
  tdxBuildGmemLock: {
    values: [true, false],
    mainline: true,
    doc: "TD build: kvm_gmem_populate holds the guest_memfd's filemap_invalidate_lock from the pfn lookup through the mirror map, PAGE.ADD and TDH.MR.EXTEND (tdx_gmem_post_populate runs under it), and a PUNCH_HOLE takes it around its invalidation, so no guest_memfd zap enters the window; false: the PUNCH_HOLE may run inside it (ablation)",
    ref: '§2.14.1, 6b5b71ffabf9',
  },
  tdxBuildSlotsLock: {
    values: [true, false],
    mainline: true,
    doc: 'TD build: KVM_TDX_INIT_MEM_REGION holds kvm->slots_lock across kvm_gmem_populate (which asserts it), so a memslot deletion (which runs under slots_lock) cannot zap between the mirror map, PAGE.ADD and TDH.MR.EXTEND; false: the deletion may run inside the window (ablation)',
    ref: '§2.14.1, 6b5b71ffabf9',
  },
  yieldNeedsProgress: {
    values: [true, false],
    mainline: true,
    doc: 'tdp_mmu_iter_cond_resched yields only when the walk made progress since its last yield (next_last_level_gfn != yielded_gfn, ed5e484b79e8); without it two walkers can yield to each other forever at the same gfn',
    ref: '†, §1.3',
  },
  tdxRetryInvalidSlot: {
    values: ['to-guest', 'local'],
    mainline: 'to-guest',
    doc: "tdx_handle_ept_violation's local RET_PF_RETRY loop (SRCU held) breaks out to the guest when the memslot is invalid (6.18+, 2bc2694fe20b), or keeps retrying locally while memslot deletion waits in synchronize_srcu",
    ref: '†, §2.14.4',
  },
  tdxLocalRetry: {
    values: ['local', 'to-guest'],
    mainline: 'local',
    doc: "a TD vCPU's private fault that returns RET_PF_RETRY (a frozen or contended mirror entry, an invalidation in progress, TDX_OPERAND_BUSY from SEPT.ADD/PAGE.AUG) is retried inside tdx_handle_ept_violation, SRCU held, without TDH.VP.ENTER (b0327bb2e7e0 \"KVM: TDX: Retry locally in TDX EPT violation handler on RET_PF_RETRY\", part of the TDX merge), or goes back to the guest on every retry: the guest takes the same EPT violation again, which arms the TDX module's zero-step mitigation, and the entry then takes the S-EPT tree lock, which makes other vCPUs' SEPT.ADD/PAGE.AUG BUSY (with tdxLocks: vCPUs can keep each other's installs BUSY forever)",
    ref: '†, §2.14.4',
  },
  prefaultInvalidSlot: {
    values: ['eagain', 'retry'],
    mainline: 'eagain',
    doc: 'KVM_PRE_FAULT_MEMORY (kvm_tdp_map_page, SRCU held) on an invalid memslot returns -EAGAIN to userspace (6.18+, 3ccbf6f47098), or RET_PF_RETRY and retries while memslot deletion waits in synchronize_srcu',
    ref: '†, §1.6',
  },
  memslotGenUpdate: {
    values: ['in-progress', 'once'],
    mainline: 'in-progress',
    doc: 'how installing new memslots moves the memslots generation that MMIO SPTEs carry (kvm_swap_active_memslots, install_new_memslots before 5.17): the published memslots carry the old generation with the update-in-progress flag (check_mmio_spte treats every MMIO SPTE as stale while it is set, and MMIO SPTEs store the generation without it) and the generation is incremented after synchronize_srcu, so an MMIO SPTE made from the old memslots is stale once the update returns (ee3d1570b586, 2014); once: the new memslots are published already carrying the incremented generation and nothing follows the synchronize_srcu (the code before ee3d1570b586), so a fault that looked the gfn up in the old memslots can still tag its MMIO SPTE with the new generation',
    ref: 'ee3d1570b586, §1.6',
  },
  invalidSlotFault: {
    values: ['retry', 'mmio'],
    mainline: 'retry',
    doc: 'a fault on a memslot being deleted or moved (KVM_MEMSLOT_INVALID) returns RET_PF_RETRY (kvm_mmu_faultin_pfn, e0c378684b65, 5.12), or is handled as a gfn without a memslot: an MMIO SPTE (the code before e0c378684b65), which may replace a present leaf the deletion has not zapped yet',
    ref: 'e0c378684b65, §1.6',
  },
  mmioGenWrapZap: {
    values: ['before-publish', 'after-publish', 'none'],
    mainline: 'before-publish',
    doc: 'MMIO SPTEs keep only the low bits of the memslots generation (19 in the kernel, scenario field mmioGenBits in the model), so the number wraps; when the new number is 0, kvm_arch_memslots_updated -> kvm_mmu_invalidate_mmio_sptes zaps every root (kvm_mmu_zap_all_fast) after synchronize_srcu and before the new generation is stored (152482580a1b, 5.1: the generation still carries the update-in-progress flag during the zap); after-publish: the generation is stored first and the zap follows (e59dbe09f8e6 until 152482580a1b), so a vCPU can match an MMIO SPTE of the previous cycle against the wrapped generation; none: no zap on a wrap (ablation)',
    ref: '152482580a1b, §1.6',
  },
  mmioCacheGenCheck: {
    values: [true, false],
    mainline: true,
    doc: 'the per-vCPU MMIO cache (vcpu->arch.mmio_gfn, filled by kvm_handle_noslot_fault and handle_mmio_page_fault) is a hit only when its mmio_gen equals the current memslots generation (vcpu_match_mmio_gen, 56f17dd3fbc4 "kvm: x86: fix stale mmio cache bug", 3.17); false: the gfn alone decides (the code before 56f17dd3fbc4), so after userspace creates a memslot over a cached gfn, an access that still meets the old MMIO SPTE is emulated as MMIO from the cache. Mainline also never caches while a memslot update is in progress (ddfd1730fd82); that is not an option: the cached generation carries the flag and matches only inside that update',
    ref: '56f17dd3fbc4, ddfd1730fd82, §1.6',
  },
  memslotUpdateWaitsForInvalidation: {
    values: [true, false],
    mainline: true,
    doc: 'kvm_swap_active_memslots waits (mn_memslots_update_rcuwait) before installing new memslots while kvm->mn_active_invalidate_count is non-zero, i.e. while an mmu_notifier invalidation is between range_start and range_end (52ac8b358b0c "KVM: Block memslot updates across range_start() and range_end()", 5.15), so both, which each look the hva range up in the memslots and call kvm_mmu_invalidate_begin / _end only when a memslot maps it (071064f14d87), see the same memslots; false: 071064f14d87 without its preparation 52ac8b358b0c (the two were merged together; never released): a memslot created between them pairs an end with no begin (KVM_BUG_ON(mmu_invalidate_in_progress < 0)) and leaves a fault free to map the page being unmapped',
    ref: '52ac8b358b0c, 071064f14d87, §2.10',
  },
  tdxInstallBusy: {
    values: ['restore-retry', 'fatal', 'blind-retry', 'no-vcpus-retry-once'],
    mainline: 'restore-retry',
    doc: 'TDX_OPERAND_BUSY from TDH.MEM.SEPT.ADD or PAGE.AUG (and PAGE.ADD, and the v10 design\'s RANGE.BLOCK of a private huge leaf) on the install path, with mmu_lock held for read and the mirror entry frozen: restore the frozen mirror entry and return RET_PF_RETRY (-EBUSY from the hook; the fault runs again, locally since b0327bb2e7e0); KVM_BUG_ON; blind-retry: issue the SEAMCALL again at once until it is not BUSY, still holding mmu_lock for read, RCU, SRCU and the frozen entry (unbounded: the bounded form, 16 tries for a BUSY on the S-EPT tree lock then back to the caller, was the "[HACK] KVM: TDX: Retry seamcall when TDX_OPERAND_BUSY with operand SEPT" of the TDX MMU part 2 postings that the SEPT SEAMCALL retry series replaced by b0327bb2e7e0 and 4b2abc49712b; it gives the verdicts of restore-retry); no-vcpus-retry-once: as tdh_do_no_vcpus does on the removal path (4b2abc49712b), set wait_for_sept_zap, kick every vCPU, wait for them, retry once, clear the flag, and KVM_BUG_ON a second BUSY (an ablation: KVM never did this on the install path, where mmu_lock is held only for read, so several faults may start and stop the one flag at once)',
    ref: '§2.14.4, §3.3, b0327bb2e7e0, 4b2abc49712b',
  },
  tdxRemoveBusy: {
    values: ['no-vcpus-retry-once', 'fatal', 'block-fatal-spin', 'kick-retry-once', 'blind-retry'],
    mainline: 'no-vcpus-retry-once',
    doc: 'TDX_OPERAND_BUSY from RANGE.BLOCK, TRACK or PAGE.REMOVE on the removal path (and RANGE.BLOCK, TRACK, DEMOTE of a private huge page split): set wait_for_sept_zap, kick the vCPUs and retry once (4b2abc49712b; tdh_do_no_vcpus in 6.19); KVM_BUG_ON; BLOCK fatal with TRACK and REMOVE retried blindly (the code before 4b2abc49712b); kick and retry once without blocking entry (ablation); or blind-retry: every one of them retried at once until it is not BUSY, vCPUs free to enter meanwhile (the retry 4b2abc49712b rejects: TDH.VP.ENTER may keep taking the epoch lock, or under zero-step mitigation the S-EPT tree lock, between any two tries)',
    ref: '§2.14.3, §1.8',
  },
  rangeZapTables: {
    values: ['leafs', 'flush-in-rcu', 'flush-after-rcu'],
    mainline: 'leafs',
    doc: "what the mmu_notifier unmap's range zap (kvm_unmap_gfn_range -> kvm_tdp_mmu_unmap_gfn_range, zap-range and munmap in the model) removes, and where it flushes: leafs: leaf SPTEs only, and the flush is returned to the caller, which issues it after rcu_read_unlock (mainline since f47e5bbbc92f \"KVM: x86/mmu: Zap only TDP MMU leafs in zap range and mmu_notifier unmap\", second 5.18 merge batch: no page table is freed, so no flush is owed under RCU); flush-in-rcu: every present entry the range covers whole, page tables included (removed by handle_removed_pt and freed by RCU), with the flush before rcu_read_unlock (kvm/next in the 5.18 merge window, March 2022, merged with the first batch: 873dd122172f reverted the leaf-only zap, and fcb93eb6d09d \"kvm: x86/mmu: Flush TLB before zap_gfn_range releases RCU\" moved the flush inside RCU with it, because bb95dfb9e2df had made table removals leave their flush to the caller); flush-after-rcu: page tables too, flushed by the caller after rcu_read_unlock (the revert without fcb93eb6d09d; never released): the grace period ends at rcu_read_unlock and frees the tables while a vCPU's paging-structure cache still points into them (visible with the scenario field pscache; leaf TLB entries are still flushed before mmu_lock is dropped)",
    ref: '†, §1.4, §5.2 pscache',
  },
  yieldFlushBeforeRcu: {
    values: [true, false],
    mainline: true,
    doc: 'tdp_mmu_iter_cond_resched issues the pending flush before rcu_read_unlock (bd29677952fa "KVM: x86/mmu: Do remote TLB flush before dropping RCU in TDP MMU resched", 5.18, the preparation of bb95dfb9e2df, which made the walker\'s RCU section the proxy for vCPUs in the guest); false: rcu_read_unlock first, then the flush (the order before bd29677952fa, harmless while handle_removed_pt flushed by itself): a table the walk removed is freed when the grace period ends, before the flush reaches a vCPU whose paging-structure cache points at it (scenario field pscache; mainline walks that yield remove no table, so it shows with rangeZapTables)',
    ref: '†, §1.3, §1.4',
  },
  maxRetries: {
    values: ['unbounded', 0, 1, 2, 3],
    mainline: 'unbounded',
    doc: 'RET_PF_RETRY: unbounded (mainline, as the kernel: the fault re-executes from the start and its state repeats; a vCPU fault re-enters the guest, dropping SRCU; the TDX local loop and pre-fault keep SRCU), or a bound on the re-executions of one fault counted in the state, SRCU kept (exploration bound)',
    ref: '§5.1',
  },
  tdpMmuPagesAccount: {
    values: ['atomic', 'plain'],
    mainline: 'atomic',
    doc: 'how the TDP MMU counts its page tables (kvm->arch.tdp_mmu_pages: +1 in tdp_mmu_link_sp after the table is linked, -1 in tdp_mmu_unlink_sp when handle_removed_pt starts) while faults link tables under mmu_lock held for read: atomic, an atomic64_t updated outside tdp_mmu_pages_lock (d25ceb926436 "KVM: x86/mmu: Track the number of TDP MMU pages, but not the actual pages", 6.2; before it, from 9a77daacc87d "KVM: x86/mmu: Use atomic ops to set SPTEs in TDP MMU map", 5.12, the pages were a list changed under tdp_mmu_pages_lock, which serialises the same way); plain: a plain ++ outside the lock (ablation: what d25ceb926436 avoided by making the counter atomic when it moved the count out of the lock; no kernel kept a plain counter: before d25ceb926436 there was no count, only the list), a load in the linking step and a store in the next one, so two faults linking tables at once lose one increment. The model counts in the state only with the scenario field pageCounters (any value but atomic turns it on)',
    ref: 'd25ceb926436, 9a77daacc87d, §2.2',
  },
} as const satisfies Record<string, OptionSpec>;

/** An option name. */
export type OptionName = keyof typeof OPTIONS;
/** A full option assignment. */
export type Options = { -readonly [K in OptionName]: (typeof OPTIONS)[K]['values'][number] };

/** Returns the mainline options. */
export function mainlineOptions(): Options {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(OPTIONS)) o[k] = v.mainline;
  return o as Options;
}

/** Returns `base` with `over` applied; unknown names or values are MMC005 with the list of what exists. */
export function withOptions(base: Options, over: Readonly<Record<string, unknown>>): Options {
  const o: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const spec = (OPTIONS as Record<string, OptionSpec>)[k];
    if (spec === undefined) fail('MMC005', `unknown option '${k}'`, { subject: k, hint: `options: ${Object.keys(OPTIONS).join(', ')}` });
    if (!spec.values.includes(v as string)) {
      fail('MMC005', `option '${k}' cannot be ${JSON.stringify(v)}`, { subject: k, hint: `values: ${spec.values.map((x) => JSON.stringify(x)).join(', ')}` });
    }
    o[k] = v;
  }
  return o as Options;
}
