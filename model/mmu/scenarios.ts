/**
 * The scenarios of the executable MMU: the seed race, the catalogue's buggy/fixed pairs and the
 * mainline grid, written in the public scenario format (`ScenarioSpec`, the format of scenario
 * files: src/mmu/scenario.ts). Each carries its expected verdict; the verdict itself always comes
 * from the explorer. Pinned state counts live in the proof suites (proofs/mmu, proofs/tdx).
 */
import type { ScenarioSpec } from '../../src/internal.js';
import { type OpCall, type Scenario, toScenario } from './build.js';

const fault = (gfn: number, extra: Partial<Extract<OpCall, { op: 'fault' }>> = {}): OpCall => ({ op: 'fault', gfn, ...extra });
const pfault = (gfn: number, level = 1): OpCall => ({ op: 'fault', gfn, private: true, level });
const access = (gfn: number, write = false, accept?: number): OpCall => ({ op: 'access', gfn, write, ...(accept !== undefined ? { accept } : {}) });
/** A private fault at `level` from a guest ACCEPT at level `accept` (huge private pages). */
const hfault = (gfn: number, level: number, accept: number): OpCall => ({ op: 'fault', gfn, private: true, level, accept });

/** One side of a buggy/fixed pair: what its code does (ends its title) and the options that say so. */
interface PairSide {
  readonly what: string;
  readonly options: NonNullable<ScenarioSpec['options']>;
}

/** A catalogue entry: its race, the buggy and the fixed code, and what the buggy one breaks. */
interface PairSpec {
  readonly name: string;
  /** The race, shared by both titles. */
  readonly title: string;
  readonly buggy: PairSide;
  readonly fixed: PairSide;
  readonly property: string;
  readonly note: string;
}

/** Returns the buggy/fixed pair of a catalogue entry, titled `BUGGY: ...` and `FIXED: ...`. */
function pair(base: Omit<ScenarioSpec, 'name' | 'title' | 'options' | 'expect'>, p: PairSpec): ScenarioSpec[] {
  return [
    { ...base, name: `${p.name}/buggy`, title: `BUGGY: ${p.title}; ${p.buggy.what}`, options: p.buggy.options, expect: { verdict: 'violated', property: p.property, note: p.note } },
    { ...base, name: `${p.name}/fixed`, title: `FIXED: ${p.title}; ${p.fixed.what}`, options: p.fixed.options, expect: { verdict: 'holds' } },
  ];
}

/** The fields in which the variants of one scenario differ. */
type Variant = Pick<ScenarioSpec, 'name' | 'title' | 'options' | 'witnesses' | 'expect'>;

/** Returns one scenario per variant: the shared fields of `base` completed by the variant's own. */
function variants(base: Omit<ScenarioSpec, keyof Variant>, ...vs: Variant[]): ScenarioSpec[] {
  return vs.map((v) => ({ ...base, ...v }));
}

/** Every scenario in the public format, by family (`tdx` for a TD, `mmu` otherwise). */
export const SCENARIO_SPECS: readonly ScenarioSpec[] = [
  // ---- T1: the 2M-versus-4K private mapping race of the v10 TDX series -------------------------------
  ...variants(
    {
      vm: 'tdx',
      privateGfns: [0, 1, 2, 3],
      vcpus: 2,
      threads: [
        { name: 'V0', script: [pfault(0, 2)] },
        { name: 'V1', script: [pfault(1, 1)] },
      ],
    },
    {
      name: 'tdx/2m-vs-4k/cas-then-seamcall',
      title: 'BUGGY: T1 (b): vCPU0 maps a private 2M page while vCPU1 maps a 4K page in the same range; mirror SPTEs published by plain CAS, SEAMCALL afterwards (v10)',
      options: { mirrorInstall: 'cas-then-seamcall', tdxHugePages: true },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'T1: SEAMCALL order differs from mirror order (v10 changelog)' },
    },
    {
      name: 'tdx/2m-vs-4k/freeze',
      title: 'FIXED: T1 (b): the same 2M-vs-4K race with the freeze protocol (FROZEN, SEAMCALL, final store)',
      options: { mirrorInstall: 'freeze', tdxHugePages: true },
      witnesses: ['frozen-observed', 'private-mapped', 'huge-mapped'],
      expect: { verdict: 'holds' },
    },
  ),
  ...variants(
    {
      vm: 'tdx',
      privateGfns: [0, 1, 2, 3],
      vcpus: 2,
      threads: [
        { name: 'V0', script: [pfault(0)] },
        { name: 'V1', script: [pfault(1)] },
      ],
    },
    {
      name: 'tdx/link-before-sept-add/cas-then-seamcall',
      title: 'BUGGY: T1 (a): two 4K private faults under one level-2 entry; the link is published before TDH.MEM.SEPT.ADD',
      options: { mirrorInstall: 'cas-then-seamcall' },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'T1 (a): PAGE.AUG below a link whose SEPT.ADD has not run: TDX_EPT_WALK_FAILED' },
    },
    {
      name: 'tdx/link-before-sept-add/freeze',
      title: 'FIXED: T1 (a): the same two faults with the freeze protocol',
      options: { mirrorInstall: 'freeze' },
      witnesses: ['frozen-observed', 'private-mapped'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/link-before-sept-add/seamcall-then-cas',
      title: 'BUGGY: T1 (a) with the other mirror-install order: SEAMCALL first, then publish with CAS (a lost CAS leaves an S-EPT entry without mirror)',
      options: { mirrorInstall: 'seamcall-then-cas' },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'the alternative order is not atomic either: the second vCPU\'s SEPT.ADD finds the entry already NL_MAPPED' },
    },
  ),
  // ---- T2: memslot deletion for TDX ---------------------------------------------------------------
  ...variants(
    {
      vm: 'tdx',
      privateGfns: [0],
      vcpus: 1,
      setup: [[0, pfault(0)]],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'M', script: [{ op: 'memslot-delete' }] },
        { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
      ],
    },
    {
      name: 'tdx/memslot-delete/fast-zap',
      title: 'BUGGY: T2: deleting the memslot of a mapped private page by fast zap (direct roots only), then guest_memfd PUNCH_HOLE',
      options: { memslotDeleteZap: 'fast-zap' },
      witnesses: [],
      // the deletion completes with the private page still mapped (I2: left behind in a deleted
      // memslot); the PUNCH_HOLE after it would free the page under the mirror SPTE and S-EPT (I3, I9)
      expect: { verdict: 'violated', property: 'I2', note: 'T2: memslot deletion completes with the private page still mapped by the mirror SPTE and in S-EPT; guest_memfd would then free it (I3 and I9)' },
    },
    {
      name: 'tdx/memslot-delete/targeted',
      title: 'FIXED: T2: memslot deletion zaps exactly the slot leaves in direct and mirror roots (BLOCK, TRACK, kick, REMOVE)',
      options: { memslotDeleteZap: 'targeted' },
      witnesses: ['private-removed', 'guest-wrote'],
      expect: { verdict: 'holds' },
    },
  ),
  ...pair(
    {
      vm: 'tdx',
      privateGfns: [0],
      vcpus: 1,
      setup: [[0, pfault(0)]],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
      ],
      witnesses: ['private-removed', 'guest-wrote'],
    },
    {
      name: 'tdx/removal-track',
      title: 'a guest_memfd PUNCH_HOLE removes a private page while a vCPU may still hold the translation',
      buggy: { what: 'PAGE.REMOVE without TDH.MEM.TRACK', options: { tdxTrack: false } },
      fixed: { what: 'BLOCK, TDH.MEM.TRACK and a kick before PAGE.REMOVE', options: { tdxTrack: true } },
      // I6 and I7 break in the same step; the checker names the lower-numbered one first
      property: 'I6',
      note: 'PAGE.REMOVE without TRACK fails with TDX_TLB_TRACKING_NOT_DONE (I7), leaving the mirror SPTE and S-EPT apart (I6), in the same step',
    },
  ),
  // ---- C1: iterator advanced after a yield-restart ----------------------------------------------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      setup: [
        [0, fault(0, { write: true })],
        [0, fault(2, { write: true })],
      ],
      threads: [
        { name: 'V0', script: [] },
        { name: 'M', script: [{ op: 'fast-zap' }] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
      ],
      witnesses: ['yielded', 'table-removed', 'invalid-root-zapped'],
    },
    {
      name: 'mmu/c1-yield-restart',
      title: 'C1: zap of an invalidated root yields between top-level entries while a notifier wants mmu_lock',
      buggy: { what: 'the iterator advances after the yield-restart and skips an entry', options: { advanceAfterYieldRestart: true } },
      fixed: { what: 'the walk restarts at the same entry (3a0f64de479c)', options: { advanceAfterYieldRestart: false } },
      property: 'I2',
      note: 'C1, 3a0f64de479c "KVM: x86/mmu: Don\'t advance iterator after restart due to yielding"',
    },
  ),
  // ---- C6: fault into a root fast zap already passed --------------------------------------------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      threads: [
        { name: 'V0', script: [fault(0, { write: true }), { op: 'unload' }] },
        { name: 'M', script: [{ op: 'fast-zap' }] },
      ],
      witnesses: ['stale-fault-retried'],
    },
    {
      name: 'mmu/c6-fault-vs-fast-zap',
      title: 'C6: a vCPU fault races with kvm_mmu_zap_all_fast',
      buggy: { what: 'no obsolete-root check: the fault installs into a zapped root', options: { faultChecksObsoleteRoot: false } },
      fixed: { what: 'the fault sees its root obsolete and retries (a955cad84cda)', options: { faultChecksObsoleteRoot: true } },
      property: 'I2',
      note: 'C6, a955cad84cda "KVM: x86/mmu: Retry page fault if root is invalidated by memslot update"',
    },
  ),
  // ---- C8: non-atomic leaf write under the write lock -------------------------------------------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      setup: [[0, fault(0)]],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
      ],
      witnesses: ['guest-wrote'],
    },
    {
      name: 'mmu/c8-volatile-bits',
      title: 'C8: the guest sets D while an mmu_notifier zap under the write lock clears the leaf',
      buggy: { what: 'the zap stores over the value it read earlier (D lost)', options: { writeLockLeafWrite: 'read-then-store' } },
      fixed: { what: 'the zap uses an atomic XCHG (ba3a6120a4e7)', options: { writeLockLeafWrite: 'xchg' } },
      property: 'I5',
      note: 'C8, ba3a6120a4e7 "KVM: x86/mmu: Use atomic XCHG to write TDP MMU SPTEs with volatile bits"',
    },
  ),
  // ---- C8 on the dirty-log harvest path (clear_dirty_pt_masked) -----------------------------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      // a read fault maps g0 writable (no logging yet) with D clear; enabling write-protects it
      setup: [
        [0, fault(0)],
        [1, { op: 'dirty-log-enable' }],
      ],
      threads: [
        { name: 'V0', script: [fault(0, { write: true, fast: true }), access(0, true)] },
        { name: 'M', script: [{ op: 'dirty-log-harvest' }] },
      ],
      witnesses: ['fast-fixed', 'harvested', 'guest-wrote'],
    },
    {
      name: 'mmu/c8-harvest-volatile',
      title: 'C8 on the harvest path: the fast page fault makes a write-protected leaf writable again (D clear), then a dirty-log harvest write-protects it while the guest writes and the CPU sets D',
      buggy: { what: 'the harvest stores its snapshot with W cleared (tdp_mmu_set_spte_no_dirty_log): the D bit set since the read is lost', options: { writeLockLeafWrite: 'read-then-store' } },
      fixed: { what: 'the harvest clears W atomically (ba3a6120a4e7; an atomic AND since 6.4)', options: { writeLockLeafWrite: 'xchg' } },
      property: 'I5',
      note: 'ba3a6120a4e7 "KVM: x86/mmu: Use atomic XCHG to write TDP MMU SPTEs with volatile bits": clear_dirty_pt_masked wrote through the same non-atomic helper',
    },
  ),
  // ---- C10: dirty logging enable without a flush ------------------------------------------------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      setup: [
        [0, fault(0, { write: true })],
        [0, access(0, true)],
      ],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'A', script: [{ op: 'age', start: 0, end: 1 }] },
        { name: 'M', script: [{ op: 'dirty-log-enable' }] },
      ],
      witnesses: ['aged', 'guest-wrote'],
    },
    {
      name: 'mmu/c10-dirty-log-flush',
      title: 'C10: aging makes a leaf access-tracked without a flush, then dirty logging is enabled',
      buggy: { what: 'enabling flushes only if it changed a leaf, finds nothing to write-protect and skips the flush', options: { dirtyLogEnableFlush: 'if-changed', eptAd: false } },
      fixed: { what: 'enabling always flushes (b64d740ea7dd)', options: { dirtyLogEnableFlush: 'always', eptAd: false } },
      property: 'I5',
      note: 'C10, b64d740ea7dd "kvm: x86: mmu: Always flush TLBs when enabling dirty logging"',
    },
  ),
  // ---- options shown to matter (issue 13 item 8): each flips a verdict here --------------------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      setup: [
        [0, fault(0, { write: true })],
        [0, fault(2, { write: true })],
        [0, access(0, true)],
      ],
      threads: [
        { name: 'V0', script: [fault(1, { write: true })] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 4 }] },
      ],
      witnesses: ['yielded'],
    },
    {
      name: 'mmu/yield-flush',
      title: 'an mmu_notifier zap of two top-level entries yields mmu_lock to a faulting vCPU after zapping a leaf the vCPU\'s TLB still caches',
      buggy: { what: 'tdp_mmu_iter_cond_resched drops mmu_lock with the flush still pending', options: { yieldFlushFirst: false } },
      fixed: { what: 'the pending flush is done before yielding (a835429cda91)', options: { yieldFlushFirst: true } },
      property: 'I4',
      note: 'a835429cda91 "KVM: x86/mmu: Ensure TLBs are flushed when yielding during GFN range zap": mmu_lock released with a TLB flush pending',
    },
  ),
  // ---- I11 as liveness: progress bugs of the kernel's history (a weakly fair lasso when buggy) ------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      setup: [
        [0, fault(0, { write: true })],
        [0, fault(2, { write: true })],
      ],
      threads: [
        { name: 'V0', script: [] },
        { name: 'N1', script: [{ op: 'zap-range', start: 0, end: 4 }] },
        { name: 'N2', script: [{ op: 'zap-range', start: 0, end: 4 }] },
      ],
      witnesses: ['yielded'],
    },
    {
      name: 'mmu/yield-progress',
      title: 'two mmu_notifier zaps of the same range each hold mmu_lock for write and yield it while the other waits',
      buggy: { what: 'tdp_mmu_iter_cond_resched yields again at the gfn of its last yield: the two walks hand mmu_lock back and forth forever', options: { yieldNeedsProgress: false } },
      fixed: { what: 'a walk yields only after progress since its last yield (ed5e484b79e8)', options: { yieldNeedsProgress: true } },
      property: 'I11',
      note: 'ed5e484b79e8 "KVM: x86/mmu: Ensure forward progress when yielding in TDP MMU iter": two walkers livelock yielding to one another (a non-progress cycle under weak fairness)',
    },
  ),
  ...pair(
    {
      vm: 'tdx',
      privateGfns: [0],
      vcpus: 1,
      threads: [
        { name: 'V0', script: [pfault(0)] },
        { name: 'M', script: [{ op: 'memslot-delete' }] },
      ],
      witnesses: ['slot-invalid-retried'],
    },
    {
      name: 'tdx/local-retry-vs-memslot-delete',
      title: "a TD vCPU's private EPT violation races with the deletion of its memslot; tdx_handle_ept_violation retries RET_PF_RETRY locally, holding SRCU",
      buggy: { what: 'the local retry loop keeps retrying on the invalid memslot while memslot deletion waits in synchronize_srcu for the vCPU', options: { tdxRetryInvalidSlot: 'local' } },
      fixed: { what: 'an invalid memslot breaks the loop: the vCPU returns to the guest and drops SRCU (2bc2694fe20b)', options: { tdxRetryInvalidSlot: 'to-guest' } },
      property: 'I11',
      note: '2bc2694fe20b "KVM: TDX: Do not retry locally when the retry is caused by invalid memslot" (6.18): the vCPU retries forever and memslot deletion never finishes its SRCU grace period',
    },
  ),
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      threads: [
        { name: 'V0', script: [{ op: 'pre-fault', gfn: 0 }] },
        { name: 'M', script: [{ op: 'memslot-delete' }] },
      ],
      witnesses: ['invalid-root-zapped'],
    },
    {
      name: 'mmu/prefault-vs-memslot-delete',
      title: 'KVM_PRE_FAULT_MEMORY races with the deletion of the memslot; kvm_tdp_map_page re-executes the fault while it returns RET_PF_RETRY, holding SRCU',
      buggy: { what: 'an invalid memslot is RET_PF_RETRY: the ioctl retries forever while memslot deletion waits in synchronize_srcu', options: { prefaultInvalidSlot: 'retry' } },
      fixed: { what: 'an invalid memslot is -EAGAIN to userspace, which drops SRCU (3ccbf6f47098)', options: { prefaultInvalidSlot: 'eagain' } },
      property: 'I11',
      note: '3ccbf6f47098 "KVM: x86/mmu: Return -EAGAIN if userspace deletes/moves memslot during prefault" (6.18): the ioctl retries forever and memslot deletion never finishes its SRCU grace period',
    },
  ),
  // ---- † design choices of the sheet with a kernel fix behind them (issue 13 item 8) -----------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      setup: [[0, fault(0, { write: true })]],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
        { name: 'M', script: [{ op: 'fast-zap' }] },
      ],
      witnesses: ['yielded', 'invalid-root-zapped'],
    },
    {
      name: 'mmu/root-put-after-yield',
      title: "an mmu_notifier zap holds a reference on the vCPU's root and yields mmu_lock; meanwhile a fast zap invalidates the root, zaps it and drops the TDP MMU's reference, and the vCPU reloads a new root (dropping its own), so the zap's put is the last",
      buggy: { what: "the yield-safe iterator's put only decrements: the root is never freed (leaked)", options: { walkPutFreesRoot: false } },
      fixed: { what: 'the put frees the root on its last reference (a889ea54b3da)', options: { walkPutFreesRoot: true } },
      property: 'I10',
      note: 'a889ea54b3da "KVM: x86/mmu: Ensure TDP MMU roots are freed after yield" (5.11): a root released by every other holder while a yield-safe walk held it stayed allocated, with refcount 0',
    },
  ),
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      setup: [[0, fault(0, { write: true })]],
      threads: [
        { name: 'V0', script: [fault(1, { write: true }), access(1, true)] },
        { name: 'K', script: [{ op: 'nx-recover', gfn: 0 }] },
      ],
      witnesses: ['nx-recovered', 'table-removed'],
    },
    {
      name: 'mmu/nx-recovery-flush',
      title: "NX huge page recovery zaps a possible-NX 4K table (the vCPU's TLB maps gfns below it) while the vCPU faults and accesses another gfn below it",
      buggy: { what: "the TDP MMU zap's flush does not reach kvm_mmu_remote_flush_or_zap: mmu_lock is dropped with the vCPU's translation through the freed table still in its TLB", options: { nxRecoveryFlush: false } },
      fixed: { what: 'the zap\'s result reaches the flush before any unlock or yield (048f49809c52)', options: { nxRecoveryFlush: true } },
      property: 'I4',
      note: '048f49809c52 "KVM: x86/mmu: Ensure TLBs are flushed for TDP MMU during NX zapping" (5.13)',
    },
  ),
  // ---- paging-structure caches (protocol sheet §5.2 pscache, §1.4: flush before dropping RCU) -------
  // The scenario field pscache gives each vCPU the hardware walker's cache of page-table pointers.
  // Each pair's buggy side holds without it (the leaf TLB entries are flushed before mmu_lock is
  // dropped, test/mmu/pscache.test.ts): only a freed table the cache still points at breaks it.
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      pscache: true,
      setup: [[0, fault(0, { level: 1 })]],
      threads: [
        { name: 'V0', script: [access(0)] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 2 }] },
      ],
      witnesses: ['table-removed'],
    },
    {
      name: 'mmu/range-zap-pscache',
      title: "an mmu_notifier unmap of g0..g1 removes the 4K table below the vCPU's walk of g0 (the zap_gfn_range of the first 5.18 merge batch zaps the page tables a range covers)",
      buggy: { what: 'the zap leaves its flush to the caller, after rcu_read_unlock: the grace period ends and frees the table while the vCPU\'s paging-structure cache still points into it', options: { rangeZapTables: 'flush-after-rcu' } },
      fixed: { what: 'the zap flushes before rcu_read_unlock (fcb93eb6d09d), so the table is freed after every vCPU dropped its cached pointer', options: { rangeZapTables: 'flush-in-rcu' } },
      property: 'I1',
      note: 'fcb93eb6d09d "kvm: x86/mmu: Flush TLB before zap_gfn_range releases RCU" (5.18 merge window, with the revert 873dd122172f of the leaf-only zap): bb95dfb9e2df had left the flush of a table removal to the caller, before it drops RCU; mainline zaps leaves only since f47e5bbbc92f',
    },
  ),
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      pscache: true,
      setup: [[0, fault(0, { level: 1 })]],
      threads: [
        { name: 'V0', script: [access(1)] },
        { name: 'K', script: [{ op: 'nx-recover', gfn: 0 }] },
      ],
      witnesses: ['nx-recovered', 'table-removed'],
    },
    {
      name: 'mmu/nx-recovery-pscache',
      title: "NX huge page recovery zaps a 4K table whose only leaf the vCPU never used; the vCPU's walk of g1 went through the table (to a non-present entry) and cached it",
      buggy: { what: "no flush after the zap (before 048f49809c52): no TLB entry maps a gfn below the table, but the vCPU's paging-structure cache points at it when the grace period frees it", options: { nxRecoveryFlush: false } },
      fixed: { what: 'the flush before rcu_read_unlock empties the cache (048f49809c52)', options: { nxRecoveryFlush: true } },
      property: 'I1',
      note: '048f49809c52 "KVM: x86/mmu: Ensure TLBs are flushed for TDP MMU during NX zapping" (5.13); the leaf-TLB pair mmu/nx-recovery-flush needs a TLB entry below the table, this one only the cached table pointer',
    },
  ),
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      pscache: true,
      setup: [[0, fault(0, { level: 1 })]],
      threads: [
        { name: 'V0', script: [access(0), fault(2)] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 4 }] },
      ],
      witnesses: ['table-removed', 'yielded'],
    },
    {
      name: 'mmu/yield-rcu-pscache',
      title: "a 5.18 mmu_notifier unmap of g0..g3 removes the 4K table the vCPU's walk of g0 cached, then yields mmu_lock to the vCPU's fault with the flush pending (rangeZapTables flush-in-rcu)",
      buggy: { what: 'the yield drops RCU before it flushes: the grace period ends and frees the table while the vCPU\'s paging-structure cache points at it', options: { rangeZapTables: 'flush-in-rcu', yieldFlushBeforeRcu: false } },
      fixed: { what: 'the yield flushes before rcu_read_unlock (bd29677952fa)', options: { rangeZapTables: 'flush-in-rcu', yieldFlushBeforeRcu: true } },
      property: 'I1',
      note: 'bd29677952fa "KVM: x86/mmu: Do remote TLB flush before dropping RCU in TDP MMU resched" (5.18): applied before bb95dfb9e2df removed the flush from handle_removed_pt; the buggy side is bb95dfb9e2df without it (never in a tree)',
    },
  ),
  // ---- the memslot lifecycle and MMIO SPTEs (issue 13 item 3) ---------------------------------------
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      memslots: [
        { id: 0, base: 0, pages: 2 },
        { id: 1, base: 2, pages: 2, present: false },
      ],
      threads: [
        { name: 'V0', script: [fault(2), access(2)] },
        { name: 'M', script: [{ op: 'memslot-create', slot: 1 }] },
      ],
      witnesses: ['mmio-cached', 'mmio-emulated', 'mmio-stale'],
    },
    {
      name: 'mmu/mmio-gen-vs-memslot-create',
      title: 'a fault on a gfn without a memslot caches an MMIO SPTE while userspace creates a memslot over the gfn',
      buggy: { what: 'the new memslots are published already carrying the new generation: the fault looked the gfn up in the old memslots and tags its MMIO SPTE with the new generation, which stays valid', options: { memslotGenUpdate: 'once' } },
      fixed: { what: 'the memslots are published with the update-in-progress flag and the generation is incremented after synchronize_srcu, which waits for the fault (ee3d1570b586)', options: { memslotGenUpdate: 'in-progress' } },
      property: 'I2',
      note: 'ee3d1570b586 "kvm: fix potentially corrupt mmio cache" (3.17): an MMIO SPTE made from the old memslots carries the new generation, so later accesses to the new memslot are emulated as MMIO',
    },
  ),
  ...pair(
    {
      vm: 'default',
      vcpus: 2,
      setup: [
        [0, fault(0, { write: true })],
        [0, access(0, true)],
      ],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'V1', script: [fault(0)] },
        { name: 'M', script: [{ op: 'memslot-delete' }] },
      ],
      witnesses: ['slot-invalid-retried', 'mmio-cached'],
    },
    {
      name: 'mmu/invalid-slot-mmio',
      title: "a vCPU's fault races with the deletion of the memslot while another vCPU's TLB maps the gfn",
      buggy: { what: 'a fault on the INVALID memslot is handled as a gfn without a memslot: its MMIO SPTE replaces the present leaf the deletion has not zapped yet, with no TLB flush', options: { invalidSlotFault: 'mmio' } },
      fixed: { what: 'a fault on the INVALID memslot returns RET_PF_RETRY until the deletion is done (e0c378684b65)', options: { invalidSlotFault: 'retry' } },
      property: 'I4',
      note: 'e0c378684b65 "KVM: x86/mmu: Retry page faults that hit an invalid memslot" (5.12): handling the invalid slot as MMIO lets a fault replace a valid SPTE with an MMIO SPTE, which the TDP MMU does not expect (no flush on the fault path)',
    },
  ),
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      // one bit of MMIO generation: the second memslot update wraps it to 0
      mmioGenBits: 1,
      memslots: [
        { id: 0, base: 0, pages: 2 },
        { id: 1, base: 2, pages: 1, present: false },
        { id: 2, base: 3, pages: 1, present: false },
      ],
      // an MMIO SPTE of generation 0 for g2, which has no memslot yet
      setup: [[0, fault(2)]],
      threads: [
        { name: 'V0', script: [access(2)] },
        {
          name: 'M',
          script: [
            { op: 'memslot-create', slot: 1 },
            { op: 'memslot-create', slot: 2 },
          ],
        },
      ],
      witnesses: ['mmio-stale', 'invalid-root-zapped'],
    },
    {
      name: 'mmu/mmio-gen-wrap',
      title: 'an MMIO SPTE of generation 0 outlives the creation of a memslot over its gfn, and a second memslot update wraps the MMIO generation back to 0',
      buggy: { what: 'kvm_arch_memslots_updated runs after the new generation is stored: until its zap of every root, the old MMIO SPTE matches the wrapped generation and hides the new memslot', options: { mmioGenWrapZap: 'after-publish' } },
      fixed: { what: 'every root is zapped while the generation still carries the update-in-progress flag, then the wrapped generation is stored (152482580a1b)', options: { mmioGenWrapZap: 'before-publish' } },
      property: 'I2',
      note: '152482580a1b "KVM: Call kvm_arch_memslots_updated() before updating memslots" (5.1; fixes e59dbe09f8e6): invalidating MMIO SPTEs after the new memslots generation is visible leaves a window in which a vCPU reuses an MMIO SPTE created with the pre-wrap generation 0',
    },
  ),
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      mmioCache: true,
      memslots: [
        { id: 0, base: 0, pages: 2 },
        { id: 1, base: 2, pages: 2, present: false },
      ],
      threads: [
        { name: 'V0', script: [fault(2), access(2)] },
        { name: 'M', script: [{ op: 'memslot-create', slot: 1 }] },
      ],
      witnesses: ['mmio-cached', 'mmio-stale'],
    },
    {
      name: 'mmu/mmio-cache-vs-memslot-create',
      title: "a fault on a gfn without a memslot puts it in the vCPU's MMIO cache while userspace creates a memslot over the gfn",
      buggy: { what: 'the cache is matched by gfn alone: the next access that meets the stale MMIO SPTE is emulated as MMIO from the cache', options: { mmioCacheGenCheck: false } },
      fixed: { what: 'a cache entry counts only with the current memslots generation (vcpu_match_mmio_gen, 56f17dd3fbc4); the access goes on to the stale MMIO SPTE and the page fault path', options: { mmioCacheGenCheck: true } },
      property: 'I2',
      note: '56f17dd3fbc4 "kvm: x86: fix stale mmio cache bug" (3.17): the per-vCPU MMIO cache had no generation, so after KVM_SET_USER_MEMORY_REGION created a memslot over a cached gfn the guest\'s accesses still exited to userspace as MMIO',
    },
  ),
  ...pair(
    {
      vm: 'default',
      vcpus: 1,
      memslots: [
        { id: 0, base: 0, pages: 2 },
        { id: 1, base: 2, pages: 2, present: false },
      ],
      threads: [
        { name: 'V0', script: [fault(2, { write: true }), access(2, true)] },
        // userspace unmaps the memory it is about to hand to KVM as memslot 1
        { name: 'U', script: [{ op: 'munmap', slot: 1 }] },
        { name: 'M', script: [{ op: 'memslot-create', slot: 1 }] },
      ],
      witnesses: ['mmio-cached', 'guest-wrote'],
    },
    {
      name: 'mmu/munmap-vs-memslot-create',
      title: "an mmu_notifier invalidation (munmap) of the hva range a memslot is being created over, while a vCPU faults and writes the memslot's gfn",
      buggy: { what: 'range_start finds no memslot and skips kvm_mmu_invalidate_begin, the memslot is installed, range_end finds it and calls kvm_mmu_invalidate_end: an end without a begin', options: { memslotUpdateWaitsForInvalidation: false } },
      fixed: { what: 'the memslot install waits while mn_active_invalidate_count is not 0, so range_start and range_end see the same memslots (52ac8b358b0c)', options: { memslotUpdateWaitsForInvalidation: true } },
      property: 'I7',
      note: '52ac8b358b0c "KVM: Block memslot updates across range_start() and range_end()" (5.15), the preparation of 071064f14d87 "KVM: Don\'t take mmu_lock for range invalidation unless necessary": begin and end are called only when a memslot maps the range, so both must see the same memslots or the count is unbalanced (the buggy side is 071064f14d87 without 52ac8b358b0c, never released)',
    },
  ),
  ...pair(
    {
      vm: 'tdx',
      privateGfns: [0],
      vcpus: 1,
      setup: [
        [0, pfault(0)],
        [0, fault(1, { write: true })],
      ],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'M', script: [{ op: 'fast-zap' }] },
      ],
      witnesses: ['invalid-root-zapped', 'guest-wrote'],
    },
    {
      name: 'tdx/t3-fast-zap-mirror',
      title: 'T3: kvm_mmu_zap_all_fast in a TD with a mapped private page and a mapped shared page',
      buggy: { what: 'the mirror root is invalidated and zapped too, under the read lock', options: { fastZapIncludesMirror: true } },
      fixed: { what: 'only direct roots are invalidated (KVM_DIRECT_ROOTS; mirror roots are never fast-zapped)', options: { fastZapIncludesMirror: false } },
      property: 'I6',
      note: 'T3 (a design the kernel did not take): S-EPT entries cannot be zapped by fast zap; the mirror and S-EPT trees part',
    },
  ),
  ...variants(
    {
      vm: 'tdx',
      tdBuilding: true,
      privateGfns: [0, 1],
      vcpus: 1,
      threads: [
        { name: 'V0', script: [{ op: 'page-add', gfn: 0 }] },
        { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
      ],
    },
    {
      name: 'tdx/build/page-add-vs-punch-hole/in-hook',
      title: 'mainline (6.19+) TD build: KVM_TDX_INIT_MEM_REGION races with a guest_memfd PUNCH_HOLE; PAGE.ADD runs in the frozen leaf hook, so mmu_lock alone keeps the zap out of the window',
      witnesses: ['private-added', 'private-removed'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/build/page-add-vs-punch-hole/premap',
      title: 'TD build before 6.19 (premap, PAGE.ADD after mmu_lock is dropped) with a PUNCH_HOLE: kvm_gmem_populate holds the filemap_invalidate_lock the PUNCH_HOLE takes, so the zap stays out of the window between the mirror leaf and PAGE.ADD ("the private mem cannot be zapped after kvm_tdp_map_page() because all paths are covered by slots_lock and the filemap invalidate lock")',
      options: { tdxBuildAdd: 'premap' },
      witnesses: ['private-added', 'private-removed'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/build/page-add-vs-punch-hole/premap-no-gmem-lock',
      title: 'BUGGY: ablation, TD build before 6.19 (premap) without the filemap_invalidate_lock around kvm_gmem_populate: the PUNCH_HOLE zaps the premapped leaf inside the window',
      options: { tdxBuildAdd: 'premap', tdxBuildGmemLock: false },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'premap opens a window between the mirror leaf and PAGE.ADD; a zap inside it issues RANGE.BLOCK on an entry the S-EPT does not have yet (the model has no premapped-entry case in the removal, tdx_is_sept_zap_err_due_to_premap, which the locks made a should-not-happen path)' },
    },
  ),
  // ---- TD build with KVM_TDX_MEASURE_MEMORY_REGION: the window between PAGE.ADD and TDH.MR.EXTEND --
  ...variants(
    {
      vm: 'tdx',
      tdBuilding: true,
      privateGfns: [0, 1],
      vcpus: 1,
      threads: [
        { name: 'V0', script: [{ op: 'page-add', gfn: 0, measure: true }] },
        { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
      ],
    },
    {
      name: 'tdx/build/measure-vs-punch-hole',
      title: 'mainline (6.19+) TD build with measurement: PAGE.ADD in the frozen leaf hook, TDH.MR.EXTEND after mmu_lock is dropped; a PUNCH_HOLE waits for the filemap_invalidate_lock kvm_gmem_populate holds, so the page is measured before it can be removed',
      witnesses: ['private-added', 'measured', 'private-removed'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/build/measure-vs-punch-hole/no-gmem-lock',
      title: 'BUGGY: ablation, mainline TD build with measurement, without the filemap_invalidate_lock around kvm_gmem_populate: the PUNCH_HOLE removes the added page before TDH.MR.EXTEND',
      options: { tdxBuildGmemLock: false },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'in-hook PAGE.ADD closes the map-to-ADD window under mmu_lock, but MR.EXTEND still runs outside it (6b5b71ffabf9 keeps it there); a removal in between makes MR.EXTEND fail, which bugs the VM (ad44aa4c5d3f)' },
    },
  ),
  ...variants(
    {
      vm: 'tdx',
      tdBuilding: true,
      privateGfns: [0, 1],
      vcpus: 1,
      threads: [
        { name: 'V0', script: [{ op: 'page-add', gfn: 0, measure: true }] },
        { name: 'M', script: [{ op: 'memslot-delete' }] },
      ],
    },
    {
      name: 'tdx/build/measure-vs-memslot-delete',
      title: 'mainline (6.19+) TD build with measurement against a memslot deletion: KVM_TDX_INIT_MEM_REGION holds kvm->slots_lock, which the deletion needs, so the deletion zaps either before the page is added (the ioctl then finds no memslot) or after it is measured',
      witnesses: ['private-added', 'measured', 'private-removed'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/build/measure-vs-memslot-delete/no-slots-lock',
      title: 'BUGGY: ablation, mainline TD build with measurement, the ioctl without kvm->slots_lock: the deletion zaps the added page (targeted zap of the mirror, BLOCK/TRACK/REMOVE) before TDH.MR.EXTEND',
      options: { tdxBuildSlotsLock: false },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'a memslot deletion between PAGE.ADD and MR.EXTEND removes the page from the TD; MR.EXTEND fails and bugs the VM (ad44aa4c5d3f)' },
    },
  ),

  // ---- the TDX module's contention and KVM's TDX_OPERAND_BUSY handling (issue 13 items 1, 2) ----------
  {
    name: 'tdx/zero-step/aug',
    title: 'mainline: vCPU0 keeps faulting on an unmapped private gfn until zero-step mitigation makes its TDH.VP.ENTER take the S-EPT tree lock, while vCPU1 maps that gfn (SEPT.ADD and PAGE.AUG may be BUSY: the frozen mirror entry is restored and the fault retried)',
    vm: 'tdx',
    tdxLocks: true,
    privateGfns: [0, 1],
    vcpus: 2,
    threads: [
      { name: 'V0', script: [access(1, true), access(1, true), access(1, true)] },
      { name: 'V1', script: [pfault(1)] },
    ],
    witnesses: ['zero-step', 'seamcall-busy', 'busy-retried', 'private-mapped'],
    expect: { verdict: 'holds' },
  },
  ...pair(
    {
      vm: 'tdx',
      tdxLocks: true,
      privateGfns: [0, 1],
      vcpus: 1,
      setup: [
        [0, pfault(0)],
        [0, access(0, true)],
      ],
      threads: [
        { name: 'V0', script: [access(1, true), access(1, true), access(1, true), access(1, true)] },
        { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
      ],
      witnesses: ['zero-step', 'seamcall-busy', 'busy-retried', 'private-removed'],
    },
    {
      name: 'tdx/removal-busy',
      title: 'a guest_memfd PUNCH_HOLE removes a private page while a vCPU in zero-step mitigation holds the S-EPT tree lock in TDH.VP.ENTER',
      buggy: { what: 'RANGE.BLOCK\'s BUSY is fatal, TRACK and PAGE.REMOVE retry blindly (02ab57707bdb, 22836e1de686)', options: { tdxRemoveBusy: 'block-fatal-spin' } },
      fixed: { what: 'kick the vCPUs, keep them out (wait_for_sept_zap) and retry once (4b2abc49712b)', options: { tdxRemoveBusy: 'no-vcpus-retry-once' } },
      property: 'I7',
      note: '4b2abc49712b "KVM: TDX: Kick off vCPUs when SEAMCALL is busy during TD page removal": RANGE.BLOCK contends with a zero-step TDH.VP.ENTER',
    },
  ),
  ...pair(
    {
      vm: 'tdx',
      tdxLocks: true,
      privateGfns: [0, 1],
      vcpus: 1,
      setup: [
        [0, pfault(0)],
        [0, access(0, true)],
      ],
      threads: [
        { name: 'V0', script: [pfault(1)] },
        { name: 'M', script: [{ op: 'memslot-delete' }] },
      ],
      // not busy-retried: a blind retry never recovers by a kick (the fixed side's kick is shown by tdxRemoveBusy kick-retry-once: I7)
      witnesses: ['slot-invalid-retried', 'zero-step', 'seamcall-busy', 'private-removed'],
    },
    {
      name: 'tdx/removal-busy-reentry',
      title: "the deletion of a TD's memslot removes a private page (targeted zap, mmu_lock held for write) while a vCPU whose private fault hit the invalid memslot keeps going back to the guest (2bc2694fe20b) and re-entering: each TDH.VP.ENTER holds the epoch lock, and once zero-step mitigation is on the S-EPT tree lock, so RANGE.BLOCK, TRACK and PAGE.REMOVE may be BUSY",
      buggy: { what: 'every BUSY SEAMCALL is retried blindly: each retry may again meet a TDH.VP.ENTER in progress, forever', options: { tdxRemoveBusy: 'blind-retry' } },
      fixed: { what: 'kick the vCPUs, keep them out (wait_for_sept_zap) and retry once (4b2abc49712b)', options: { tdxRemoveBusy: 'no-vcpus-retry-once' } },
      property: 'I11',
      note: '4b2abc49712b "KVM: TDX: Kick off vCPUs when SEAMCALL is busy during TD page removal": a blind retry can lose to re-entering vCPUs forever (a weakly fair lasso: the deletion never finishes)',
    },
  ),
  ...variants(
    {
      vm: 'tdx',
      tdxLocks: true,
      privateGfns: [0, 1],
      vcpus: 2,
      threads: [
        { name: 'V0', script: [pfault(1)] },
        { name: 'V1', script: [pfault(1)] },
      ],
    },
    {
      name: 'tdx/zero-step/fault-vs-fault',
      title: "mainline: two vCPUs fault on the same unmapped private gfn; the loser of the mirror entry (FROZEN, or its SEPT.ADD/PAGE.AUG BUSY) retries inside tdx_handle_ept_violation without entering the guest (b0327bb2e7e0), so no TDH.VP.ENTER ever reaches zero-step mitigation",
      witnesses: ['frozen-observed', 'private-mapped'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/zero-step/fault-vs-fault/to-guest',
      title: "BUGGY: two vCPUs fault on the same unmapped private gfn and every RET_PF_RETRY goes back to the guest (the design b0327bb2e7e0 replaced): the retries re-enter, arm zero-step mitigation, and each vCPU's TDH.VP.ENTER takes the S-EPT tree lock while the other's SEPT.ADD/PAGE.AUG runs, BUSY forever",
      options: { tdxLocalRetry: 'to-guest' },
      witnesses: ['frozen-observed', 'private-mapped'],
      expect: { verdict: 'violated', property: 'I11', note: 'b0327bb2e7e0 "KVM: TDX: Retry locally in TDX EPT violation handler on RET_PF_RETRY": returning to the guest on every contended retry triggers zero-step mitigation, whose S-EPT tree lock makes the other vCPU\'s install BUSY again (a weakly fair lasso)' },
    },
  ),
  {
    name: 'tdx/grid/zero-step-fault-punch-hole',
    title: 'mainline, 3 threads, with the TDX module\'s locks: vCPU0 faults on an unmapped private gfn until zero-step mitigation and then accepts it, vCPU1 maps that gfn, a guest_memfd PUNCH_HOLE removes another private page (BUSY on the install and the removal path)',
    vm: 'tdx',
    tdxLocks: true,
    privateGfns: [0, 1],
    vcpus: 2,
    setup: [
      [1, pfault(0)],
      [1, access(0, true)],
    ],
    threads: [
      { name: 'V0', script: [access(1, true), access(1, true), access(1, true)] },
      { name: 'V1', script: [pfault(1)] },
      { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
    ],
    witnesses: ['zero-step', 'seamcall-busy', 'busy-retried', 'private-mapped', 'private-removed', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  // ---- TDX_OPERAND_BUSY on the install path: blind retry and kick + block entry (issue 13 items 1, 8) ----
  ...pair(
    {
      vm: 'tdx',
      tdxLocks: true,
      privateGfns: [0, 1],
      vcpus: 2,
      threads: [
        { name: 'V0', script: [pfault(1)] },
        { name: 'V1', script: [pfault(0)] },
        { name: 'M', script: [{ op: 'memslot-delete' }] },
      ],
      witnesses: ['slot-invalid-retried', 'zero-step', 'seamcall-busy', 'busy-retried', 'private-mapped', 'private-removed'],
    },
    {
      name: 'tdx/install-busy-reentry',
      title: "vCPU0 maps private g1 (SEPT.ADD, PAGE.AUG under mmu_lock held for read, the mirror entry frozen) while the TD's memslot is deleted and vCPU1, whose private fault on g0 hit the invalid memslot, keeps going back to the guest (2bc2694fe20b) and re-entering, its TDH.VP.ENTER under zero-step mitigation holding the S-EPT tree lock: vCPU0's SEAMCALLs may be BUSY",
      buggy: { what: 'a BUSY install SEAMCALL is issued again at once, holding mmu_lock, RCU, SRCU and the frozen entry (unbounded blind retry; the TDX MMU part 2 hack retried 16 times)', options: { tdxInstallBusy: 'blind-retry' } },
      fixed: { what: 'the frozen entry is restored and the fault retried from the start (the SEPT SEAMCALL retry series: b0327bb2e7e0), which sees the invalid memslot and goes back to the guest, dropping SRCU', options: { tdxInstallBusy: 'restore-retry' } },
      property: 'I11',
      note: 'b0327bb2e7e0 "KVM: TDX: Retry locally in TDX EPT violation handler on RET_PF_RETRY" and its series (cover letter "KVM: TDX SEPT SEAMCALL retry": "avoid the blind retries in the previous hack"): a blind retrier never leaves the hook, so it keeps SRCU and the deletion\'s synchronize_srcu never returns, the memslot stays invalid, and the other vCPU re-enters under zero-step mitigation forever (a weakly fair lasso); an unbounded blind retry never shipped, the hack bounded it',
    },
  ),
  ...variants(
    {
      vm: 'tdx',
      tdxLocks: true,
      privateGfns: [0, 1],
      vcpus: 3,
      threads: [
        { name: 'V0', script: [access(1, true), access(1, true), access(1, true)] },
        { name: 'V1', script: [pfault(1)] },
        { name: 'V2', script: [pfault(0)] },
      ],
    },
    {
      name: 'tdx/install-busy-two-faults',
      title: 'mainline, 3 vCPUs: vCPU0 keeps faulting on unmapped private g1 until zero-step mitigation makes its TDH.VP.ENTER take the S-EPT tree lock, while vCPU1 maps g1 and vCPU2 maps g0, both under mmu_lock held for read (both PAGE.AUGs may be BUSY against the one entry: each restores its frozen entry and retries its fault)',
      witnesses: ['zero-step', 'seamcall-busy', 'busy-retried', 'private-mapped', 'guest-wrote'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/install-busy-two-faults/no-vcpus-retry-once',
      title: 'BUGGY: ablation, the same race with the removal path\'s tdh_do_no_vcpus on the install path: each BUSY fault sets wait_for_sept_zap, kicks the vCPUs and retries once; under the read lock the first fault\'s retry clears the flag while the second has not retried yet, vCPU0 enters again under zero-step mitigation and the second retry is BUSY',
      options: { tdxInstallBusy: 'no-vcpus-retry-once' },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'tdh_do_no_vcpus (4b2abc49712b) relies on mmu_lock held for write: one wait_for_sept_zap flag, set and cleared by whoever retries; on the install path (mmu_lock held for read) two faults share it and one\'s tdx_no_vcpus_enter_stop reopens TD entry before the other\'s retry, whose second BUSY is KVM_BUG_ON' },
    },
  ),
  // ---- huge private pages (issue 13 item 4; RFC "KVM: TDX huge page support for private memory", not mainline) ----
  {
    name: 'tdx/huge/accept-2m-vs-4k',
    title: 'huge private pages (RFC v3 design): vCPU0 accepts a private 2M range at 2M while vCPU1 accepts a 4K page inside it; the 4K accept splits (DEMOTE) a 2M mapping under the write lock and inhibits 2M, a 2M accept over a 4K mapping falls back to 4K (TDX_PAGE_SIZE_MISMATCH)',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 2,
    options: { tdxHugePages: true },
    threads: [
      { name: 'V0', script: [hfault(0, 2, 2), access(0, true, 2)] },
      { name: 'V1', script: [hfault(1, 2, 1), access(1, true, 1)] },
    ],
    witnesses: ['huge-mapped', 'accepted-2m', 'accept-size-mismatch', 'private-demoted', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'tdx/huge/demote-contention',
    title: "huge private pages (RFC v3 design) with the TDX module's locks: vCPU0's 4K accept inside a PENDING private 2M page makes the exit handler split it (RANGE.BLOCK, TRACK, DEMOTE under mmu_lock held for write) while vCPU1 accepts the same 2M page at 2M (the guest's entry lock) and then keeps faulting on an unmapped private gfn of another 2M range until zero-step mitigation makes its TDH.VP.ENTER take the S-EPT tree lock: each split SEAMCALL may be BUSY and is kicked and retried once",
    vm: 'tdx',
    tdxLocks: true,
    privateGfns: [0, 1, 2, 3],
    vcpus: 2,
    options: { tdxHugePages: true },
    setup: [[0, pfault(0, 2)]],
    threads: [
      { name: 'V0', script: [hfault(1, 1, 1)] },
      { name: 'V1', script: [access(0, true, 2), access(2, true), access(2, true), access(2, true)] },
    ],
    witnesses: ['private-demoted', 'accepted-2m', 'zero-step', 'seamcall-busy', 'busy-retried'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'tdx/huge/demote-vs-demote',
    title: 'huge private pages (RFC v3 design): a private 2M page mapped before any accept (a #VE guest touched it), then two vCPUs accept 4K pages inside it; each EPT violation carries accept level 4K and asks for the split (DEMOTE under mmu_lock held for write)',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 2,
    options: { tdxHugePages: true },
    setup: [[0, pfault(0, 2)]],
    threads: [
      { name: 'V0', script: [hfault(0, 1, 1)] },
      { name: 'V1', script: [hfault(1, 1, 1)] },
    ],
    witnesses: ['private-demoted'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'tdx/huge/accept-4k-in-2m',
    title: 'huge private pages (RFC v3 design): a private 2M page mapped before any accept, then the guest accepts a 4K page inside it; the EPT violation handler splits the 2M mapping (tdx_check_accept_level) and the guest accepts and writes at 4K',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 1,
    options: { tdxHugePages: true },
    setup: [[0, pfault(0, 2)]],
    threads: [{ name: 'V0', script: [hfault(1, 1, 1), access(1, true, 1)] }],
    witnesses: ['private-demoted', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'tdx/huge/punch-hole-in-2m',
    title: 'huge private pages (RFC v3 design): the guest accepted a private 2M page and writes its first 4K while a guest_memfd PUNCH_HOLE (or a conversion to shared) removes the second 4K; the 2M leaf crossing the hole is split first (DEMOTE), then only the 4K inside is removed',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 1,
    options: { tdxHugePages: true },
    setup: [
      [0, hfault(0, 2, 2)],
      [0, access(0, true, 2)],
    ],
    threads: [
      { name: 'V0', script: [access(0, true)] },
      { name: 'N', script: [{ op: 'gmem-punch-hole', start: 1, end: 2 }] },
    ],
    witnesses: ['private-demoted', 'private-removed', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'tdx/huge/grid/demote-fault-punch-hole',
    title: 'huge private pages (RFC v3 design), 3 threads: a private 2M page mapped before any accept; vCPU0 accepts 4K inside it (split), vCPU1 accepts the range at 2M (fault and ACCEPT), a guest_memfd PUNCH_HOLE removes the second 4K',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 2,
    options: { tdxHugePages: true },
    setup: [[0, pfault(0, 2)]],
    threads: [
      { name: 'V0', script: [hfault(1, 1, 1), access(1, true, 1)] },
      { name: 'V1', script: [hfault(0, 2, 2), access(0, true, 2)] },
      { name: 'N', script: [{ op: 'gmem-punch-hole', start: 1, end: 2 }] },
    ],
    witnesses: ['private-demoted', 'private-removed', 'accept-size-mismatch', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  // designs the RFC series did not take (each option's flip of a scenario above), with golden counterexamples
  {
    name: 'tdx/huge/demote-vs-demote/read-lock',
    title: 'BUGGY: huge private pages, a design the RFC series did not take: two 4K accepts inside one private 2M mapping each split it under mmu_lock held for read (the mirror leaf replaced by CAS after the SEAMCALLs)',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 2,
    options: { tdxHugePages: true, tdxDemoteLock: 'read' },
    setup: [[0, pfault(0, 2)]],
    threads: [
      { name: 'V0', script: [hfault(0, 1, 1)] },
      { name: 'V1', script: [hfault(1, 1, 1)] },
    ],
    witnesses: [],
    expect: { verdict: 'violated', property: 'I7', note: 'both splits read the 2M leaf; the second RANGE.BLOCK finds it blocked (TDX_GPA_RANGE_ALREADY_BLOCKED): the split needs mmu_lock held for write until a blockless DEMOTE exists' },
  },
  {
    name: 'tdx/huge/accept-4k-in-2m/no-split',
    title: 'BUGGY: huge private pages, RFC v1 with v2\'s reject: the 4K accept level only caps the fault, which cannot split the private 2M leaf under the shared mmu_lock',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 1,
    options: { tdxHugePages: true, tdxAcceptSplit: 'none' },
    setup: [[0, pfault(0, 2)]],
    threads: [{ name: 'V0', script: [hfault(1, 1, 1), access(1, true, 1)] }],
    witnesses: [],
    expect: { verdict: 'violated', property: 'I11', note: 'the fault returns RET_PF_RETRY forever: the endless EPT violation of the RFC v1 cover letter, fixed in v2 by tdx_check_accept_level (split under the write lock in the exit handler)' },
  },
  {
    name: 'tdx/huge/punch-hole-in-2m/zap-whole',
    title: 'BUGGY: huge private pages, a design the RFC series did not take: a PUNCH_HOLE of one 4K zaps the accepted private 2M leaf that crosses it whole, as for normal VMs',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 1,
    options: { tdxHugePages: true, tdxBoundarySplit: false },
    setup: [
      [0, hfault(0, 2, 2)],
      [0, access(0, true, 2)],
    ],
    threads: [
      { name: 'V0', script: [access(0, true)] },
      { name: 'N', script: [{ op: 'gmem-punch-hole', start: 1, end: 2 }] },
    ],
    witnesses: [],
    expect: { verdict: 'violated', property: 'I13', note: 'accepted private memory outside the hole is removed: it could only be faulted back as PENDING (RFC v1 cover letter: why TDX must split before zapping)' },
  },
  // ---- TDH.MEM.PAGE.PROMOTE (issue 13 item 4; Isaku Yamahata's huge-page series 2022-24, not mainline) ----
  ...pair(
    {
      vm: 'tdx',
      privateGfns: [0, 1],
      vcpus: 2,
      setup: [[0, pfault(1)]],
      threads: [
        { name: 'V0', script: [access(1, true)] },
        { name: 'V1', script: [pfault(0, 2)] },
      ],
      witnesses: ['huge-mapped', 'private-mapped', 'guest-wrote'],
    },
    {
      name: 'tdx/huge/promote-vs-accept',
      title: "huge private pages: g1 is mapped at 4K (PENDING) when vCPU1's fault on g0 wants 2M and merges the table under mmu_lock held for read (AUG g0, RANGE.BLOCK, TRACK, kick, TDH.MEM.PAGE.PROMOTE) while vCPU0 accepts g1 and writes it; an ACCEPT that lands first leaves the children mixed (g0 PENDING, g1 MAPPED) and PROMOTE fails with TDX_EPT_INVALID_PROMOTE_CONDITIONS",
      buggy: { what: 'RFC v2 13/15 (Dec 2022) and v3 14/16 (Jan 2023) compare the status without the operand id (RCX) the module returns with it: KVM_BUG_ON', options: { tdxHugePages: true, tdxPromote: 'merge-bug-on' } },
      fixed: { what: 'v6 14/16 (Nov 2023) and v8 12/14 (Feb 2024) compare with TDX_OPERAND_ID_RCX: -EAGAIN, RANGE.UNBLOCK, the table restored, the vCPU runs with its 4K mapping', options: { tdxHugePages: true, tdxPromote: 'merge' } },
      property: 'I7',
      note: 'RFC v2/v3 of "KVM: x86/tdp_mmu: TDX: Implement merge pages into a large page" compared TDH.MEM.PAGE.PROMOTE\'s status with TDX_EPT_INVALID_PROMOTE_CONDITIONS alone; the module returns it with OPERAND_ID_RCX (tdh_mem_page_promote.c since TDX 1.0), so the mixed-children case the comment expects to retry bugs the VM; v6 adds the operand id (a fix inside an unmerged series: mainline never promotes)',
    },
  ),
  {
    name: 'tdx/huge/promote-then-split',
    title: "huge private pages merged as in Isaku Yamahata's series: vCPU1's 2M fault on g0 merges the table over g1's PENDING 4K leaf (AUG g0, PROMOTE: a PENDING 2M leaf) while vCPU0's guest accepts g1 at 4K; that ACCEPT's EPT violation splits a merged leaf again (DEMOTE under the write lock, RFC v2 14/23) and sets the guest-inhibit bit, after which no fault maps or merges the range at 2M: the guest's accept level wins",
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 2,
    options: { tdxHugePages: true, tdxPromote: 'merge' },
    setup: [[0, pfault(1)]],
    threads: [
      { name: 'V0', script: [hfault(1, 1, 1), access(1, true, 1)] },
      { name: 'V1', script: [pfault(0, 2), access(0, true)] },
    ],
    witnesses: ['huge-mapped', 'private-demoted', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'tdx/huge/promote-vs-walker',
    title: "BUGGY: a model finding on the unmerged series, not confirmed: huge private pages merged as in Isaku Yamahata's series (v4-v8): vCPU0's 4K fault on g0 has stepped from the 2M entry into the table of g1's 4K leaf when vCPU1's 2M fault on g0 merges that table (AUG g0, PROMOTE; a fault on g1 itself would stop at the mapped child: -EAGAIN since v4) and frees it at once with tdp_mmu_free_sp, under mmu_lock held for read, without an RCU grace period",
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 2,
    options: { tdxHugePages: true, tdxPromote: 'merge' },
    setup: [[0, pfault(1)]],
    threads: [
      { name: 'V0', script: [pfault(0)] },
      { name: 'V1', script: [pfault(0, 2)] },
    ],
    witnesses: [],
    expect: { verdict: 'violated', property: 'I1', note: 'tdp_mmu_merge_private_spt frees the child page table with tdp_mmu_free_sp right after PROMOTE (every revision of "KVM: x86/tdp_mmu: Try to merge pages into a large page" seen, 2022-24), while a walker under rcu_read_lock may still hold it; handle_removed_pt frees removed tables with call_rcu' },
  },
  // ---- mainline grid (2 and 3 threads) ----------------------------------------------------------------
  {
    name: 'mmu/grid/fault-fault',
    title: 'mainline: two vCPUs fault gfns under the same level-2 entry (link race) and access them',
    vm: 'default',
    vcpus: 2,
    threads: [
      { name: 'V0', script: [fault(0, { write: true }), access(0, true)] },
      { name: 'V1', script: [fault(1, { write: true }), access(1, true)] },
    ],
    witnesses: ['cas-failed', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/huge-vs-4k',
    title: 'mainline: a 2M fault and a 4K fault in the same range (table replaced by a huge leaf, or huge leaf split)',
    vm: 'default',
    vcpus: 2,
    threads: [
      { name: 'V0', script: [fault(0, { write: true, level: 2 })] },
      { name: 'V1', script: [fault(1, { write: true }), access(1, true)] },
    ],
    witnesses: ['huge-mapped', 'cas-failed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/fault-vs-notifier',
    title: 'mainline: a fault and guest access race with an mmu_notifier invalidation of the page',
    vm: 'default',
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(0, { write: true }), access(0, true)] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 2 }] },
    ],
    witnesses: ['stale-fault-retried', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/fault-vs-memslot-delete',
    title: 'mainline: a fault races with memslot deletion (fast zap on a default VM)',
    vm: 'default',
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(0, { write: true }), access(0, true)] },
      { name: 'M', script: [{ op: 'memslot-delete' }] },
    ],
    // the fast zap of a default VM (memslotDeleteZap auto): a targeted zap never zaps an invalid root
    witnesses: ['slot-invalid-retried', 'invalid-root-zapped'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/mmio-vs-memslot-move',
    title: 'mainline, 3 threads: a memslot moves from g0..g1 to g2..g3 while one vCPU writes g0 (its old gfns) and another faults g2 (no memslot yet: an MMIO SPTE) and accesses it',
    vm: 'default',
    vcpus: 2,
    memslots: [
      { id: 0, base: 0, pages: 2 },
      { id: 1, base: 2, pages: 2, present: false },
    ],
    threads: [
      { name: 'V0', script: [fault(0, { write: true }), access(0, true)] },
      { name: 'V1', script: [fault(2), access(2)] },
      { name: 'M', script: [{ op: 'memslot-move', slot: 0, to: 1 }] },
    ],
    witnesses: ['slot-invalid-retried', 'mmio-cached', 'mmio-emulated', 'mmio-stale', 'invalid-root-zapped'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/memslot-delete-munmap',
    title: 'mainline: a vCPU writes a gfn while userspace deletes its memslot and then munmaps the backing (the pages are freed; nothing may map them)',
    vm: 'default',
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(0, { write: true }), access(0, true)] },
      { name: 'M', script: [{ op: 'memslot-delete' }, { op: 'munmap' }] },
    ],
    witnesses: ['slot-invalid-retried', 'invalid-root-zapped', 'mmio-cached', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/mmio-wrap-cache-munmap',
    title: "mainline, 3 threads, 1 bit of MMIO generation and the per-vCPU MMIO cache: userspace creates two memslots (the second wraps the generation and zaps every root) and munmaps the first's backing meanwhile, while a vCPU whose MMIO SPTE and cache entry for g2 date from generation 0 faults and writes g2",
    vm: 'default',
    vcpus: 1,
    mmioGenBits: 1,
    mmioCache: true,
    memslots: [
      { id: 0, base: 0, pages: 2 },
      { id: 1, base: 2, pages: 1, present: false },
      { id: 2, base: 3, pages: 1, present: false },
    ],
    setup: [[0, fault(2)]],
    threads: [
      { name: 'V0', script: [fault(2, { write: true }), access(2, true)] },
      { name: 'U', script: [{ op: 'munmap', slot: 1 }] },
      {
        name: 'M',
        script: [
          { op: 'memslot-create', slot: 1 },
          { op: 'memslot-create', slot: 2 },
        ],
      },
    ],
    witnesses: ['invalid-root-zapped', 'guest-wrote', 'stale-fault-retried'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/memslot-create-delete-vs-mmio',
    title: 'mainline, 3 threads: userspace creates a memslot over g2..g3 and deletes it again while two vCPUs fault and access g2 and g3 (MMIO SPTEs before and after, leaves in between)',
    vm: 'default',
    vcpus: 2,
    memslots: [
      { id: 0, base: 0, pages: 2 },
      { id: 1, base: 2, pages: 2, present: false },
    ],
    threads: [
      { name: 'V0', script: [fault(2), access(2)] },
      { name: 'V1', script: [fault(3, { write: true }), access(3, true)] },
      { name: 'M', script: [{ op: 'memslot-create', slot: 1 }, { op: 'memslot-delete', slot: 1 }] },
    ],
    witnesses: ['mmio-cached', 'mmio-emulated', 'mmio-stale', 'guest-wrote', 'slot-invalid-retried'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/access-vs-dirty-log',
    title: 'mainline: guest writes race with enabling dirty logging',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true }), access(0, true)] },
      { name: 'M', script: [{ op: 'dirty-log-enable' }] },
    ],
    witnesses: ['write-protected', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'tdx/grid/fault-vs-punch-hole',
    title: 'mainline TDX: a private fault and accept race with a guest_memfd PUNCH_HOLE',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 1,
    threads: [
      { name: 'V0', script: [pfault(0), access(0, true)] },
      { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
    ],
    witnesses: ['private-mapped', 'private-removed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/3t-fault-notifier-fast-zap',
    title: 'mainline, 3 threads: a fault, an mmu_notifier invalidation and a fast zap',
    vm: 'default',
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(0, { write: true })] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
      { name: 'M', script: [{ op: 'fast-zap' }] },
    ],
    witnesses: ['stale-fault-retried', 'invalid-root-zapped'],
    expect: { verdict: 'holds' },
  },
  // ---- mainline grid with the lockless and maintenance operations (2 threads) -------------------------
  {
    name: 'mmu/grid/fast-fault-vs-harvest',
    title: 'mainline: a write to a page write-protected for dirty logging is fixed by the lockless fast page fault while a dirty-log harvest write-protects again',
    vm: 'default',
    vcpus: 1,
    setup: [
      [0, fault(0, { write: true })],
      [1, { op: 'dirty-log-enable' }],
    ],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true, fast: true }), access(0, true), access(0, true)] },
      { name: 'M', script: [{ op: 'dirty-log-harvest' }] },
    ],
    witnesses: ['fast-fixed', 'harvested', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/fast-fault-vs-notifier',
    title: 'mainline: the lockless fast page fault (RCU only) races with an mmu_notifier zap under the write lock',
    vm: 'default',
    vcpus: 1,
    setup: [
      [0, fault(0, { write: true })],
      [1, { op: 'dirty-log-enable' }],
    ],
    threads: [
      { name: 'V0', script: [fault(0, { write: true, fast: true }), access(0, true)] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
    ],
    witnesses: ['fast-fixed', 'cas-failed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/eager-split-vs-fault',
    title: 'mainline: eager splitting (read lock, CAS) races with a vCPU fault that splits the same huge leaf on the fault path',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true, level: 2 })]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(1, { write: true }), access(1, true)] },
      { name: 'M', script: [{ op: 'eager-split' }] },
    ],
    witnesses: ['eager-split', 'huge-split', 'cas-failed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/nx-recover-vs-fault',
    title: 'mainline (6.18+): NX huge page recovery zaps a 4K table under the read lock while a vCPU faults and accesses a gfn below it',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [fault(1, { write: true }), access(1, true)] },
      { name: 'K', script: [{ op: 'nx-recover', gfn: 0 }] },
    ],
    witnesses: ['nx-recovered', 'table-removed', 'frozen-observed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/nx-recover-vs-huge-fault',
    title: 'mainline (6.18+): NX recovery and a 2M fault both try to replace the same table; the recovery re-reads the parent before its CAS',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true, level: 2 }), access(1, true)] },
      { name: 'K', script: [{ op: 'nx-recover', gfn: 0 }] },
    ],
    witnesses: ['nx-recovered', 'huge-mapped'],
    expect: { verdict: 'holds' },
  },
  ...variants(
    {
      vm: 'tdx',
      tdBuilding: true,
      privateGfns: [0, 1],
      vcpus: 2,
      threads: [
        { name: 'V0', script: [{ op: 'page-add', gfn: 0 }, { op: 'finalize' }, access(0, true)] },
        { name: 'V1', script: [{ op: 'page-add', gfn: 1 }] },
      ],
    },
    {
      name: 'tdx/build/page-add',
      title: 'mainline (6.19+) TD build: two KVM_TDX_INIT_MEM_REGION calls under one level-2 entry (SEPT.ADD and PAGE.ADD in the frozen hook; the calls are serialized by kvm->slots_lock), then TDH.MR.FINALIZE and a guest write',
      witnesses: ['private-added', 'guest-wrote'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/build/page-add-premap',
      title: 'TD build before 6.19: the leaf hook only premaps, PAGE.ADD follows after mmu_lock is dropped (still under kvm->slots_lock); finalize waits for nr_premapped == 0',
      options: { tdxBuildAdd: 'premap' },
      witnesses: ['private-added', 'guest-wrote'],
      expect: { verdict: 'holds' },
    },
  ),
  // ---- NX huge page metadata: the flag of a table split for the mitigation --------------------------
  ...pair(
    {
      vm: 'default',
      vcpus: 2,
      threads: [
        { name: 'V0', script: [fault(0, { nx: true })] },
        { name: 'V1', script: [fault(1, { write: true, level: 2 }), access(1, true)] },
      ],
      witnesses: ['huge-mapped', 'guest-wrote'],
    },
    {
      name: 'mmu/nx-flag-before-link',
      title: 'an instruction fetch splits for the NX huge page mitigation (a table linked under a huge-page-capable entry) while another vCPU faults a 2M page over the same range',
      buggy: { what: 'nx_huge_page_disallowed is set when the table is tracked, after the link: the 2M fault sees a plain table, replaces it and unaccounts nothing, then the first fault tracks the removed table', options: { nxFlagBeforeLink: false } },
      fixed: { what: 'the flag is set before the link (61f94478547b): the 2M fault maps below the NX table (disallowed_hugepage_adjust), and a table unaccounted by a remover is not tracked', options: { nxFlagBeforeLink: true } },
      property: 'I12',
      note: '61f94478547b "KVM: x86/mmu: Set disallowed_nx_huge_page in TDP MMU before setting SPTE" (with 76901e56fb51 "explicitly check nx_hugepage in disallowed_hugepage_adjust()", the check that reads the flag): possible_nx_huge_pages would hold a removed table (freed after RCU)',
    },
  ),
  {
    name: 'mmu/grid/nx-split-vs-huge-vs-recover',
    title: 'mainline (6.18+), 3 threads: an NX split of g0, a 2M fault of g1 and NX recovery of the possible NX huge page race; the metadata (flag, possible_nx_huge_pages) follows the tree',
    vm: 'default',
    vcpus: 2,
    threads: [
      { name: 'V0', script: [fault(0, { nx: true })] },
      { name: 'V1', script: [fault(1, { write: true, level: 2 })] },
      { name: 'K', script: [{ op: 'nx-recover', gfn: 0 }] },
    ],
    witnesses: ['nx-recovered', 'huge-mapped', 'table-removed'],
    expect: { verdict: 'holds' },
  },
  // ---- lockless aging against a tombstone (a finding of the model) ------------------------------------
  ...variants(
    {
      vm: 'default',
      vcpus: 1,
      setup: [[0, fault(0, { write: true })]],
      threads: [
        { name: 'V0', script: [fault(1, { write: true, level: 2 })] },
        { name: 'A', script: [{ op: 'age', start: 0, end: 1 }] },
      ],
    },
    {
      name: 'mmu/age-vs-tombstone/frozen-0x5a0',
      title: 'FINDING: mainline (6.15+ lockless aging, FROZEN_SPTE = NP | 0x5a0): aging snapshots a young leaf, a 2M fault replaces its table and handle_removed_pt freezes the leaf, then aging\'s atomic AND clears bit 8 of the tombstone',
      witnesses: [],
      expect: { verdict: 'violated', property: 'I12', note: 'a finding of the model, confirmed against the kernel code of b146a9b34aed (6.15): kvm_tdp_mmu_age_spte clears A with an unconditional atomic64_fetch_and (tdp_mmu_clear_spte_bits_atomic), no CAS or re-check, into an entry a remover froze after the snapshot; FROZEN_SPTE 0x5a0 contains EPT bit 8, so the tombstone stops being FROZEN and a fault walker still inside the removed table could CAS into it (a table or leaf linked into freed memory)' },
    },
    {
      name: 'mmu/age-vs-tombstone/frozen-0x498',
      title: 'the same race with the FROZEN_SPTE of the RFC "Free up A/D bits in FROZEN_SPTE" (0x498, no A/D bits, not merged): the AND leaves the tombstone intact',
      options: { frozenHasAccessedBit: false },
      witnesses: ['aged', 'huge-mapped', 'table-removed'],
      expect: { verdict: 'holds' },
    },
  ),
  // ---- mainline grid: D-bit dirty logging (PML) -------------------------------------------------------
  {
    name: 'mmu/grid/dbit-log-vs-write',
    title: 'mainline with PML: guest writes race with enabling D-bit dirty logging (clear D under the read lock) and a harvest (clear D under the write lock)',
    vm: 'default',
    vcpus: 1,
    options: { dirtyLogByDBit: true },
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [access(0, true), access(0, true)] },
      { name: 'M', script: [{ op: 'dirty-log-enable' }, { op: 'dirty-log-harvest' }] },
    ],
    witnesses: ['dirty-cleared', 'harvested', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/dbit-log-vs-split',
    title: 'mainline with PML: enabling dirty logging write-protects a huge leaf while a vCPU fault splits it (dirty logging maps 4K); the failed CAS re-reads a link and must not treat it as a leaf (45a61ebb2211)',
    vm: 'default',
    vcpus: 1,
    options: { dirtyLogByDBit: true },
    setup: [[0, fault(0, { write: true, level: 2 })]],
    threads: [
      { name: 'V0', script: [fault(1, { write: true }), access(1, true)] },
      { name: 'M', script: [{ op: 'dirty-log-enable' }, { op: 'dirty-log-harvest' }] },
    ],
    witnesses: ['huge-split', 'cas-failed', 'write-protected', 'harvested'],
    expect: { verdict: 'holds' },
  },
  // ---- the dirty-log ioctls are kvm->slots_lock holders -------------------------------------------
  {
    name: 'mmu/dirty-log/harvest-vs-memslot-delete',
    title: 'mainline: KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG (kvm->slots_lock) against a memslot deletion (kvm->slots_lock) while the guest writes and re-faults: the harvest runs wholly before or after the deletion',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true })], [1, { op: 'dirty-log-enable' }]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true }), access(0, true)] },
      { name: 'M', script: [{ op: 'dirty-log-harvest' }] },
      { name: 'D', script: [{ op: 'memslot-delete' }] },
    ],
    witnesses: ['harvested', 'invalid-root-zapped', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/dirty-log/enable-vs-fast-zap',
    title: 'mainline: enabling dirty logging (KVM_SET_USER_MEMORY_REGION, kvm_mmu_slot_apply_flags inside the memslot update, kvm->slots_lock) against kvm_mmu_zap_all_fast (kvm->slots_lock) while the guest writes and re-faults',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true }), access(0, true)] },
      { name: 'M', script: [{ op: 'dirty-log-enable' }] },
      { name: 'Z', script: [{ op: 'fast-zap' }] },
    ],
    witnesses: ['write-protected', 'invalid-root-zapped', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  // ---- mainline grid: access tracking and aging -------------------------------------------------------
  {
    name: 'mmu/grid/age-vs-fast-fault',
    title: 'mainline without EPT A/D bits: lockless aging marks a leaf for access tracking (R/X saved, W dropped) while the guest writes and the lockless fast page fault restores the leaf; both CAS against their snapshots',
    vm: 'default',
    vcpus: 1,
    options: { eptAd: false },
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true, fast: true }), access(0, true)] },
      { name: 'A', script: [{ op: 'age', start: 0, end: 2 }] },
    ],
    witnesses: ['aged', 'fast-fixed', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/age-vs-dbit-harvest',
    title: 'mainline with PML, 3 threads: the guest writes (the CPU sets D and logs), lockless aging clears A with an atomic AND, and a harvest clears D under the write lock',
    vm: 'default',
    vcpus: 1,
    options: { dirtyLogByDBit: true },
    setup: [
      [0, fault(0, { write: true })],
      [1, { op: 'dirty-log-enable' }],
    ],
    threads: [
      { name: 'V0', script: [access(0, true), access(0, true)] },
      { name: 'A', script: [{ op: 'age', start: 0, end: 1 }] },
      { name: 'M', script: [{ op: 'dirty-log-harvest' }] },
    ],
    witnesses: ['aged', 'harvested', 'guest-wrote', 'harvest-raced'],
    expect: { verdict: 'holds' },
  },
  // ---- 3-level geometry ---------------------------------------------------------------------------
  {
    name: 'mmu/grid3l/eager-split-1g',
    title: 'mainline, 3-level tree: eager splitting turns a 1G leaf into 2M leaves and each of those into 4K leaves while the guest writes through it',
    vm: 'default',
    levels: 3,
    vcpus: 1,
    setup: [[0, fault(0, { write: true, level: 3 })]],
    threads: [
      { name: 'V0', script: [access(5, true), access(2, true)] },
      { name: 'M', script: [{ op: 'eager-split' }] },
    ],
    witnesses: ['eager-split', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid3l/fault-vs-notifier',
    title: 'mainline, 3-level tree: two faults linking two levels of tables race with an mmu_notifier invalidation',
    vm: 'default',
    levels: 3,
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(5, { write: true }), access(5, true)] },
      { name: 'N', script: [{ op: 'zap-range', start: 4, end: 6 }] },
    ],
    witnesses: ['stale-fault-retried', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  // ---- page-table page counters (issue 13 item 5) -------------------------------------------------
  ...variants(
    {
      vm: 'default',
      vcpus: 2,
      pageCounters: true,
      threads: [
        { name: 'V0', script: [fault(0)] },
        // a 4K fault that links a table, then a 2M fault that replaces the other vCPU's table by a huge leaf
        { name: 'V1', script: [fault(2), fault(1, { level: 2 })] },
      ],
    },
    {
      name: 'mmu/tdp-mmu-pages/atomic',
      title: 'FIXED: mainline: two vCPUs link page tables under mmu_lock held for read while one replaces a table by a huge leaf; kvm->arch.tdp_mmu_pages is an atomic64_t counted outside tdp_mmu_pages_lock (d25ceb926436)',
      options: { tdpMmuPagesAccount: 'atomic' },
      witnesses: ['table-removed', 'huge-mapped'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'mmu/tdp-mmu-pages/plain',
      title: 'BUGGY: ablation: two vCPUs link page tables under mmu_lock held for read while one replaces a table by a huge leaf, with kvm->arch.tdp_mmu_pages a plain counter incremented outside tdp_mmu_pages_lock: two faults load the same value and one increment is lost',
      options: { tdpMmuPagesAccount: 'plain' },
      witnesses: ['table-removed', 'huge-mapped'],
      expect: { verdict: 'violated', property: 'I12', note: 'ablation of d25ceb926436 "KVM: x86/mmu: Track the number of TDP MMU pages, but not the actual pages" (6.2), which moved the count out of tdp_mmu_pages_lock and made it an atomic64_t: with a plain ++ the count drifts from the tables linked (teardown then WARNs on a non-zero count)' },
    },
  ),
];

/** Every scenario as the model builds it. */
export const SCENARIOS: readonly Scenario[] = SCENARIO_SPECS.map(toScenario);

/** Returns the scenario named `name`, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
