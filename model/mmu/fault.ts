/**
 * The vCPU page fault (kvm_tdp_mmu_page_fault) on a direct or mirror root, as steps: root reload,
 * mmu_seq snapshot, memslot lookup, pfn lookup with the lockless pre-check, read lock, the stale
 * check, the walk (one SPTE read per level), table link, huge-page split, the target-level
 * install, handle_removed_pt when a table is replaced by a huge leaf, and the exit path
 * (RCU, unlock, retry). Mirror installs follow `mirrorInstall` (§3.3 and T1).
 */
import {
  type Ctx,
  FROZEN,
  isLeaf,
  isLink,
  isPresent,
  leafAllows,
  leafLevel,
  leafAT,
  leafMW,
  leafPfn,
  leafW,
  linkTable,
  mkLeaf,
  mkLink,
  mkMmio,
  mmuState,
  NP,
  type OpInstance,
  type StepDef,
  waitReadLock,
  waitWriteLock,
  withA,
  withoutAT,
  withW,
} from '../../src/internal.js';
import { mrExtend, pageAdd, pageAug, pagePromote, rangeBlock, rangeUnblock, septAdd, ST, TDX_STATUS, track, treeBusy, vpEnterBegin, vpEnterEnd, vpExit, zeroStepOn, zeroStepViolation } from '../tdx/module.js';
import { findPrivateHuge, guestInhibited, type KickMark, kickAll, kickOrWait, noTdcall, pendingKick, seamcall, setGuestInhibit, tdxDemoteSteps, vcpusOut } from '../tdx/remove.js';
import {
  dirtyLogOf,
  invalidationRetry,
  cacheMmioInfo,
  mmioGenOf,
  slotStateOf,
  iterDown,
  iterIndex,
  iterPos,
  iterStart,
  iterTable,
  rmGuard,
  rmStart,
  rmStep,
  splitTable,
  rootInvalid,
  underLocks,
  WITNESS,
} from './common.js';
import type { Options } from './options.js';

const { G, L, F, R, RF, V, REQ, P, TLB, MS, SLOT, NX } = mmuState;

/** Parameters of one fault. */
export interface FaultParams {
  readonly gfn: number;
  readonly write?: boolean;
  /** Private GPA (TDX): mirror root. */
  readonly private?: boolean;
  /** Goal level: 1 = 4K, 2 = 2M (capped by host mapping, dirty logging, TDX policy). */
  readonly level?: number;
  /** Try the lockless fast page fault first (§2.7; direct roots only, never private GPAs). */
  readonly fast?: boolean;
  /** KVM_TDX_INIT_MEM_REGION (TD build): after the fault, issue the premapped PAGE.ADD (tdxBuildAdd = premap). */
  readonly buildAdd?: boolean;
  /** KVM_TDX_INIT_MEM_REGION with KVM_TDX_MEASURE_MEMORY_REGION: TDH.MR.EXTEND the added page afterwards (outside mmu_lock). */
  readonly measure?: boolean;
  /**
   * An instruction fetch under the NX huge page mitigation (fault->huge_page_disallowed): mapped
   * at 4K, and each table it links or splits into below the level the host would allow is a
   * possible NX huge page (nx_huge_page_disallowed, possible_nx_huge_pages).
   */
  readonly nx?: boolean;
  /**
   * A private fault whose EPT violation came from a guest TDG.MEM.PAGE.ACCEPT at this level (1 =
   * 4K, 2 = 2M; the TDX module reports it in the extended exit qualification, type ACCEPT): the
   * fault maps no larger (tdx_gmem_private_max_mapping_level of the RFC series), and with
   * `tdxAcceptSplit` exit-handler a private huge leaf over the gfn is split first.
   */
  readonly accept?: number;
  /**
   * KVM_PRE_FAULT_MEMORY (kvm_tdp_map_page): the ioctl holds SRCU and re-executes the fault while
   * it returns RET_PF_RETRY; an invalid memslot is -EAGAIN to userspace (`prefaultInvalidSlot`).
   */
  readonly prefault?: boolean;
}

/** Outcome codes kept in L.out on the exit path. */
const OUT = { done: 0, retry: 1, bug: 2 } as const;
/** L.out of the fast path when it fixed the fault (or found it spurious). */
const FAST_FIXED = 3;
/** L.end of a fault on a gfn without a usable memslot: it installs an MMIO SPTE (kvm_handle_noslot_fault). */
const NOSLOT = 1;
/** Re-walks of the fast path after a lost CAS (the kernel allows 4; a bound of the exploration). */
const FAST_RETRIES = 1;

function exitWith(c: Ctx, out: number): void {
  c.setLoc(L.out, out);
  c.goto('exit-rcu');
}

/** kvm_mmu_reload: drop obsolete roots, load (or allocate) a valid root of the kind. */
export function reloadRoot(c: Ctx, mirror: boolean): void {
  const m = c.m;
  const w = mirror ? V.mroot : V.droot;
  let r = c.vcpu(c.t, w);
  if (r >= 0 && rootInvalid(c, r)) {
    c.putRoot(r);
    r = -1;
  }
  if (r >= 0) return;
  for (let k = 0; k < m.geometry.roots; k++) {
    const fl = c.st[m.root(k, R.flags)]!;
    if ((fl & RF.used) === 0 || (fl & (RF.invalid | RF.freed)) !== 0) continue;
    if (((fl & RF.mirror) !== 0) !== mirror) continue;
    if (c.getRoot(k)) {
      r = k;
      break;
    }
  }
  if (r < 0) {
    // an unused slot first; else recycle the slot of a freed root (long single-threaded runs)
    let slot = -1;
    for (let k = 0; k < m.geometry.roots && slot < 0; k++) if ((c.st[m.root(k, R.flags)]! & RF.used) === 0) slot = k;
    for (let k = 0; k < m.geometry.roots && slot < 0; k++) if ((c.st[m.root(k, R.flags)]! & RF.freed) !== 0) slot = k;
    for (let k = slot; k >= 0 && k < m.geometry.roots; k = m.geometry.roots) {
      const tb = c.allocTable(m.geometry.levels, 0, mirror);
      c.put(m.root(k, R.table), tb);
      c.put(m.root(k, R.flags), RF.used | (mirror ? RF.mirror : 0));
      c.put(m.root(k, R.ref), 2);
      if (c.rec) c.touch(`new root${k} (t${tb})`);
      r = k;
      break;
    }
    if (r < 0) c.violate(11, 'no free root slot (raise the scenario roots bound)');
  }
  c.setVcpu(c.t, w, r);
  // A new root load flushes the vCPU's TLB (paging-structure caches included: kvm_mmu_load flushes
  // the current root's translations, which is also why freeing a root needs no flush).
  for (let g = 0; g < m.gfns; g++) if ((c.st[m.tlb(c.t, g)]! & TLB.priv) === 0) c.put(m.tlb(c.t, g), 0);
  if (m.pscacheOff >= 0) c.put(m.pscache(c.t), 0);
}

/**
 * Without EPT A/D bits, a writable mapping marks its host page dirty when it is made (the release
 * of the faulted-in page with `writable` -> kvm_set_page_dirty; the dirty flag is the folio's, so
 * a huge leaf's folio is dirty as a whole: every 4K page of the leaf here).
 */
function markMapDirty(c: Ctx, leaf: number): void {
  const n = c.m.span(leafLevel(leaf));
  for (let k = 0; k < n; k++) {
    const p = leafPfn(leaf) + k;
    if (p < c.m.geometry.pages) c.put(c.m.page(p), c.st[c.m.page(p)]! | P.dirty);
  }
}

/**
 * Returns the fault's goal level after kvm_mmu_hugepage_adjust: the highest level up to the one
 * the fault asks for at which a huge leaf is allowed, else 4K. A level is allowed when
 * (kvm_mmu_max_mapping_level) the memslot allows it — dirty logging is off (kvm_mmu_hugepage_adjust
 * maps 4K in a dirty-logged slot), the slot covers the whole aligned huge range (lpage_info
 * disallow_lpage at a slot's unaligned head and tail) and the gfn is congruent to its backing
 * modulo the huge page size (disallow_lpage for a slot whose base_gfn and userspace_addr are
 * misaligned: a host huge page backs an aligned pfn range, so hva and pfn agree modulo its size)
 * — and the host maps the gfn's page at least that large (host_pfn_mapping_level: the scenario's
 * `host.huge`, and the backing pages of the range still contiguous: a zap that replaced a page
 * broke the host's huge page).
 */
function goalLevel(c: Ctx, p: FaultParams, o: Options): number {
  const want = p.level ?? 1;
  if (p.nx === true) {
    c.note('NX huge page mitigation: an instruction fetch is mapped at 4K (huge_page_disallowed)');
    return 1;
  }
  if (want < 2) return 1;
  const m = c.m;
  const k = m.slotIndex[p.gfn] ?? -1;
  const to4k = (why: string): number => {
    if (c.rec) c.note(`hugepage adjust: ${why}: mapped at 4K`);
    return 1;
  };
  if (k < 0 || c.st[m.slot(k, MS.dirtyLog)]! >= 1) return to4k('dirty logging on the memslot');
  if (p.private && !o.tdxHugePages) return 1;
  if (p.private && p.accept !== undefined && p.accept < want) {
    if (c.rec) c.note(`the guest accepts g${p.gfn} at ${p.accept === 1 ? '4K' : '2M'}: mapped no larger`);
    if (p.accept < 2) return 1;
  }
  const host = m.hostLevels[p.gfn] ?? 1;
  if (host < 2) return to4k(`the host maps g${p.gfn} (pfn ${c.st[m.pfnOf(p.gfn)]!}) with a 4K page`);
  let why = '';
  for (let lv = Math.min(want, host); lv >= 2; lv--) {
    const span = m.span(lv);
    const base = p.gfn & ~(span - 1);
    const size = lv === 2 ? '2M' : '1G';
    const pfn = c.st[m.pfnOf(p.gfn)]!;
    let ok = true;
    for (let g = base; g < base + span && ok; g++) if (m.slotIndex[g] !== k) ok = false;
    if (!ok) why ||= `memslot ${m.slots[k]!.id} does not cover the ${size} range g${base}..g${base + span - 1}`;
    if (ok && (pfn - p.gfn) % span !== 0) {
      ok = false;
      why ||= `g${p.gfn} and its pfn ${pfn} are not congruent modulo ${size} (misaligned host mapping)`;
    }
    const pfn0 = c.st[m.pfnOf(base)]!;
    for (let j = 1; j < span && ok; j++) {
      if (c.st[m.pfnOf(base + j)] !== pfn0 + j) {
        ok = false;
        why ||= `the host pages of g${base}..g${base + span - 1} are no longer one ${size} page`;
      }
    }
    if (ok) {
      if (lv < want && c.rec) c.note(`hugepage adjust: ${why || `the host maps g${p.gfn} with a ${size} page`}: mapped at ${size}`);
      return lv;
    }
  }
  return to4k(why);
}

/**
 * Returns the fault steps. `tdxLocks` (the scenario models the TDX module's locks): a vCPU's
 * private fault that goes back to the guest on RET_PF_RETRY re-enters with TDH.VP.ENTER, which
 * holds the epoch lock (and under zero-step mitigation the S-EPT tree lock) for two steps.
 */
export function faultSteps(p: FaultParams, o: Options, tdxLocks = false): StepDef[] {
  const priv = p.private === true;
  const reenters = tdxLocks && priv && p.prefault !== true && p.buildAdd !== true;
  const retryDoc =
    o.maxRetries === 'unbounded'
      ? `release the pfn; RET_PF_RETRY re-executes the fault from the start, unbounded (${p.prefault ? 'kvm_tdp_map_page loop, SRCU held' : priv ? 'tdx_handle_ept_violation loop, SRCU held; to the guest on an invalid memslot (tdxRetryInvalidSlot)' : 're-entering the guest, SRCU dropped'})`
      : 'release the pfn; RET_PF_RETRY re-executes the fault (bounded by maxRetries)';
  const write = p.write === true || priv;
  const gfn = p.gfn;
  const tableOf = (c: Ctx): number => iterTable(c);
  const entryOf = (c: Ctx): number => iterIndex(c);

  /** The new leaf for this fault (make_spte). */
  const makeLeaf = (c: Ctx, lv: number): number => {
    const span = c.m.span(lv);
    const pfn = c.loc(L.pfn) - (gfn & (span - 1));
    const logging = dirtyLogOf(c, gfn) >= 1 && !priv;
    const w = !logging || write;
    return mkLeaf(pfn, lv, { w, a: o.eptAd, d: o.eptAd && write, mw: true });
  };
  /** Marks the gfn dirty in the bitmap and the page dirty when mapping writable (make_spte + release). */
  const afterInstall = (c: Ctx, leaf: number): void => {
    if ((leaf & (1 << 11)) !== 0 && dirtyLogOf(c, gfn) >= 1) c.setG(G.bitmap, c.g(G.bitmap) | (1 << gfn));
    if ((leaf & (1 << 11)) !== 0 && !o.eptAd) markMapDirty(c, leaf);
    if (leafLevel(leaf) > 1) c.seen(WITNESS['huge-mapped']);
  };
  const retryOrBug = (c: Ctx, st: number, what: string): void => {
    if (st === ST.busy && o.tdxInstallBusy === 'restore-retry') {
      if (c.m.tdxBase >= 0) c.seen(WITNESS['busy-retried']);
      exitWith(c, OUT.retry);
    } else {
      const again = st === ST.busy && o.tdxInstallBusy === 'no-vcpus-retry-once' ? ' again after the kick and retry (tdx_no_vcpus_enter_start)' : '';
      c.violate(7, `${what} returned ${TDX_STATUS[st]?.name}${again} (KVM_BUG_ON)`);
      exitWith(c, OUT.bug);
    }
  };
  /**
   * `tdxInstallBusy` blind-retry and no-vcpus-retry-once, in the step of an install SEAMCALL whose
   * status is `st` (the SEAMCALL runs inside the hook, mmu_lock held for read, the mirror entry
   * frozen): returns true when the step runs again.
   * - blind-retry: the same SEAMCALL again at once (the step stays; nothing is released).
   * - no-vcpus-retry-once (tdh_do_no_vcpus of the removal path, 4b2abc49712b): at the first BUSY
   *   set wait_for_sept_zap and kick every vCPU (L.aux 1); the kick returns once the vCPUs are out
   *   of guest mode (the step's guard, {@link installKickGuard}; L.aux 2); the retry follows in the
   *   next run of the step, after which the flag is cleared (tdx_no_vcpus_enter_stop) whatever its
   *   status. The kick's return and the retry are two steps, as on the removal path's
   *   kick-retry-once: under the read lock another fault may clear the flag in between, and a
   *   vCPU enter again. A second BUSY is KVM_BUG_ON (retryOrBug).
   */
  /** no-vcpus-retry-once: the kick waits for a vCPU inside a guest TDCALL (L.aux -1, then 1). */
  const INSTALL_KICK: KickMark = { at: L.aux, pending: -1 };
  const installBusyRetry = (c: Ctx, st: number): boolean => {
    if (o.tdxInstallBusy === 'no-vcpus-retry-once' && c.loc(L.aux) === 2) {
      // the retry has run: tdx_no_vcpus_enter_stop
      c.setG(G.waitSeptZap, 0);
      c.setLoc(L.aux, 0);
      if (st === ST.success) c.seen(WITNESS['busy-retried']);
      return false;
    }
    if (st !== ST.busy) return false;
    if (o.tdxInstallBusy === 'blind-retry') {
      c.seen(WITNESS['busy-retried']);
      c.stay();
      return true;
    }
    if (o.tdxInstallBusy === 'no-vcpus-retry-once') {
      c.setG(G.waitSeptZap, 1);
      c.setLoc(L.aux, 1);
      kickOrWait(c, INSTALL_KICK);
      c.stay();
      return true;
    }
    return false;
  };
  /** no-vcpus-retry-once: this run is the kick's return (L.aux 1 -> 2, the step runs again for the retry). Returns true when it was. */
  const installKickReturned = (c: Ctx): boolean => {
    if (pendingKick(c, INSTALL_KICK, 1)) return true;
    if (o.tdxInstallBusy !== 'no-vcpus-retry-once' || c.loc(L.aux) !== 1) return false;
    c.setLoc(L.aux, 2);
    c.touch('kicked vCPUs are out of guest mode');
    c.stay();
    return true;
  };
  /** no-vcpus-retry-once: the kick waits until the kicked vCPUs are out of guest mode (no TD entry, no guest TDCALL in progress); else no guard. */
  const installKickGuard: Pick<StepDef, 'guard'> = o.tdxInstallBusy === 'no-vcpus-retry-once' ? { guard: (c) => (c.loc(L.aux) === INSTALL_KICK.pending ? noTdcall(c) : c.loc(L.aux) !== 1 || vcpusOut(c)) } : {};
  /** CAS(e, old, v) at the walk's entry; on failure frees table `unalloc` (if given) and exits with RET_PF_RETRY. Returns true on success. */
  const casOrRetry = (c: Ctx, old: number, v: number, unalloc?: number): boolean => {
    if (c.cas(tableOf(c), entryOf(c), old, v) === old) return true;
    if (unalloc !== undefined) c.unallocTable(unalloc);
    c.seen(WITNESS['cas-failed']);
    exitWith(c, OUT.retry);
    return false;
  };
  /** The new table's nx_huge_page_disallowed, set while the table is still private (61f94478547b). */
  const nxBeforeLink = (c: Ctx, tb: number): void => {
    if (p.nx === true && o.nxFlagBeforeLink) c.nxSet(NX.flag, tb, true, false);
  };
  /** Where the walk goes once a new table is linked (and counted). */
  const afterLink = p.nx === true ? 'track-nx' : 'read-entry';
  const plainCount = o.tdpMmuPagesAccount === 'plain';
  /** The table is linked: tdp_account_mmu_page (atomic: done with the link; plain: only loaded here, stored by step 'account'). */
  const linked = (c: Ctx): void => {
    if (!plainCount) {
      c.goto(afterLink);
      return;
    }
    c.deferPagesCount();
    c.goto('account');
  };
  /** Mirror install before its SEAMCALL: CAS(e, old, FROZEN) (freeze) or CAS(e, old, v) (cas-then-seamcall); nothing for seamcall-then-cas. Returns false when it lost the CAS. */
  const mirrorPublish = (c: Ctx, old: number, v: number, unalloc?: number): boolean =>
    o.mirrorInstall === 'seamcall-then-cas' || casOrRetry(c, old, o.mirrorInstall === 'freeze' ? FROZEN : v, unalloc);
  /** Mirror install after its SEAMCALL (status `st`): freeze: store v or restore old; seamcall-then-cas: CAS(e, old, v). Returns false when the fault exits. */
  const mirrorFinish = (c: Ctx, old: number, v: number, st: number, what: string, unalloc?: number): boolean => {
    if (o.mirrorInstall === 'freeze') {
      if (st === ST.success) {
        c.store(tableOf(c), entryOf(c), v);
      } else {
        c.store(tableOf(c), entryOf(c), old);
        if (unalloc !== undefined) c.unallocTable(unalloc);
        retryOrBug(c, st, what);
        return false;
      }
    } else if (o.mirrorInstall === 'seamcall-then-cas') {
      if (st !== ST.success) {
        if (unalloc !== undefined) c.unallocTable(unalloc);
        retryOrBug(c, st, what);
        return false;
      }
      return casOrRetry(c, old, v, unalloc);
    }
    return true;
  };

  const fastSteps: StepDef[] = !p.fast || priv ? [] : [
    {
      name: 'fast-begin',
      doc: 'page_fault_can_be_fast: kvm_tdp_mmu_walk_lockless_begin (rcu_read_lock, no mmu_lock); walk the direct root',
      run: (c) => {
        c.rcuLock();
        iterStart(c, c.st[c.m.root(c.vcpu(c.t, V.droot), R.table)]!, gfn);
      },
    },
    {
      name: 'fast-read',
      doc: 'R(e) down to the last present level; not present, FROZEN or not a leaf: slow path; access allowed: spurious; else compute the fix (W if MMU-writable, access tracking undone; never for a huge leaf in a dirty-logged slot)',
      run: (c) => {
        const old = c.read(tableOf(c), entryOf(c));
        c.setLoc(L.old, old);
        if (isLink(old) && c.loc(L.level) > 1) {
          iterDown(c, linkTable(old));
          c.stay();
          return;
        }
        const slow = (why: string): void => {
          if (c.rec) c.note(`fast page fault gives up: ${why}`);
          c.setLoc(L.out, OUT.done);
          c.goto('fast-end');
        };
        if (!isLeaf(old)) return slow('no present leaf');
        if (leafAllows(old, write)) {
          c.note('fast page fault: access already allowed (RET_PF_SPURIOUS)');
          c.setLoc(L.out, FAST_FIXED);
          c.goto('fast-end');
          return;
        }
        let nv = leafAT(old) ? withA(withoutAT(old), true) : old;
        if (write && !leafW(nv)) {
          if (!leafMW(old)) return slow('not MMU-writable');
          if (leafLevel(old) > 1 && dirtyLogOf(c, gfn) >= 1) return slow('huge leaf in a dirty-logged slot');
          nv = withW(nv, true);
        }
        if (nv === old || !leafAllows(nv, write)) return slow('nothing to fix');
        c.setLoc(L.new, nv);
      },
    },
    {
      name: 'fast-cas',
      doc: 'CAS(sptep, old, new); failure: walk again from the root (bounded, then the slow path)',
      run: (c) => {
        const old = c.loc(L.old);
        const nv = c.loc(L.new);
        if (c.casLeafBits(tableOf(c), entryOf(c), old, nv) !== old) {
          c.seen(WITNESS['cas-failed']);
          if (c.loc(L.aux) < FAST_RETRIES) {
            c.setLoc(L.aux, c.loc(L.aux) + 1);
            iterStart(c, c.st[c.m.root(c.vcpu(c.t, V.droot), R.table)]!, gfn);
            c.goto('fast-read');
          } else {
            c.setLoc(L.out, OUT.done);
            c.goto('fast-end');
          }
          return;
        }
        c.seen(WITNESS['fast-fixed']);
        c.setLoc(L.out, FAST_FIXED);
        if (!(leafW(nv) && !leafW(old))) c.goto('fast-end');
      },
    },
    {
      name: 'fast-mark-dirty',
      doc: 'the CAS made the SPTE writable: mark_page_dirty_in_slot (after the CAS, so a racing harvest either failed this CAS or sees the bit again)',
      run: (c) => {
        if (dirtyLogOf(c, gfn) >= 1) c.setG(G.bitmap, c.g(G.bitmap) | (1 << gfn));
        if (!o.eptAd) markMapDirty(c, c.loc(L.new));
      },
    },
    {
      name: 'fast-end',
      doc: 'kvm_tdp_mmu_walk_lockless_end (rcu_read_unlock); fixed or spurious: return to the guest, else the slow path',
      run: (c) => {
        c.rcuUnlock();
        if (c.loc(L.out) === FAST_FIXED) {
          c.srcuUnlock();
          c.goto('end');
          return;
        }
        for (let i = 1; i < L.count; i++) if (i !== L.retry) c.setLoc(i, 0);
      },
    },
  ];

  /**
   * tdx_check_accept_level (RFC v2 14/23 "KVM: TDX: Split and inhibit huge mappings if a VMExit
   * carries level info"), before the fault: an EPT violation from a guest ACCEPT at 4K, unless the
   * range's guest-inhibit bit is already set (tested without mmu_lock: the bit is one-way and set
   * after the split), takes mmu_lock for write (`tdxDemoteLock`), splits the private huge leaf
   * covering the gfn (kvm_split_cross_boundary_leafs) and sets the inhibit bit.
   */
  const acceptSplit: StepDef[] =
    !priv || p.accept === undefined || p.accept >= 2 || o.tdxAcceptSplit !== 'exit-handler'
      ? []
      : [
          {
            name: 'accept-level',
            tdx: true,
            doc: 'tdx_check_accept_level: the exit carries a guest ACCEPT at 4K; hugepage_test_guest_inhibit (lockless): already inhibited -> go on to the fault',
            run: (c) => {
              if (guestInhibited(c, gfn)) c.goto('reload-roots');
            },
          },
          {
            name: 'accept-lock',
            tdx: true,
            doc: `${o.tdxDemoteLock}_lock(&kvm->mmu_lock) for the split`,
            wantsLock: o.tdxDemoteLock,
            guard: o.tdxDemoteLock === 'write' ? waitWriteLock : waitReadLock,
            run: (c) => (o.tdxDemoteLock === 'write' ? c.lockWrite() : c.lockRead()),
          },
          {
            name: 'accept-find',
            tdx: true,
            doc: 'kvm_split_cross_boundary_leafs: R(e) down the mirror root to a private huge leaf covering the gfn (none: nothing to split)',
            run: (c) => {
              if (!findPrivateHuge(c, gfn)) c.goto('accept-inhibit');
            },
          },
          ...tdxDemoteSteps(o, 'accept-split-', () => undefined),
          {
            name: 'accept-inhibit',
            tdx: true,
            doc: 'hugepage_set_guest_inhibit for the 2M range (no private mapping above 4K from now on); release mmu_lock',
            run: (c) => {
              setGuestInhibit(c, gfn);
              for (const i of [L.table, L.level, L.gfn, L.old, L.sc]) c.setLoc(i, 0);
              c.unlock();
            },
          },
        ];

  /**
   * The merge of a private table into a huge leaf (`tdxPromote`, Isaku Yamahata's huge-page series,
   * not mainline: tdp_mmu_merge_private_spt, called by __tdp_mmu_map_handle_target_level when a
   * private fault's goal level finds a present non-leaf entry; tdx_sept_merge_private_spt and
   * tdx_sept_unzap_private_spte in tdx.c; tdp_mmu_merge_private_spt is v2 12/15 (Dec 2022), v3 13/16, v4 13/16,
   * v6 13/16 of 7 Nov 2023; the TDX side v2 13/15, v3 14/16, v6 14/16, v8 12/14 of 26 Feb 2024), all under
   * mmu_lock held for read. L.aux: the child being filled; L.aux2: a child install lost a race.
   */
  const mergeBase = (c: Ctx): number => c.loc(L.gfn) & ~(c.m.span(c.loc(L.level)) - 1);
  /** The huge leaf the fault wants (its pfn is the 2M-aligned one). */
  const mergeLeaf = (c: Ctx): number => makeLeaf(c, c.loc(L.level));
  /**
   * RET_PF_RETRY after the merge gave up (or succeeded): the series returns to the guest (it
   * predates the local retry of b0327bb2e7e0), whose access faults again only while its gfn is
   * unmapped: the vCPU runs when the fault's own 4K child is mapped ("Since the child page was
   * mapped above, let vcpu run"), else the fault runs again.
   */
  const mergeExit = (c: Ctx): void => {
    const tb = linkTable(c.loc(L.old));
    const sub = (gfn - mergeBase(c)) / c.m.span(c.loc(L.level) - 1);
    const mine = c.read(tb, sub);
    mergeDone(c);
    if (isLeaf(mine)) {
      if (c.rec) c.note(`RET_PF_RETRY: g${gfn} is mapped at 4K, the vCPU runs`);
      exitWith(c, OUT.done);
    } else {
      exitWith(c, OUT.retry);
    }
  };
  /**
   * The merge's remote TLB flush kicks the vCPUs out of guest mode and waits for them: the kick
   * waits for a vCPU inside a guest TDCALL (TDG.MEM.PAGE.ACCEPT between its two steps here, holding
   * an S-EPT entry lock) to end it (see `kickAll` in model/tdx/remove.ts). merge-track's kick after a
   * BUSY that must wait is left pending in L.aux2 (0 at merge-track, see merge-fill).
   */
  const MERGE_KICK: KickMark = { at: L.aux2, pending: 1 };
  /** The merge no longer owns the frozen entry and its table (I2, I6, I12 exemptions end). */
  const mergeDone = (c: Ctx): void => {
    for (const i of [L.aux, L.aux2, L.hook, L.alloc]) c.setLoc(i, 0);
  };
  const mergeSteps: StepDef[] = [
    {
      name: 'merge-freeze',
      tdx: true,
      doc: 'tdp_mmu_merge_private_spt: CAS(e, table link, FROZEN) on the 2M mirror entry (failure: RET_PF_RETRY)',
      run: (c) => {
        if (!casOrRetry(c, c.loc(L.old), FROZEN)) return;
        c.setLoc(L.aux, 0);
        c.setLoc(L.aux2, 0);
        // the frozen entry is this thread's (its S-EPT position, I6/I12) and so is its table (I2)
        c.setLoc(L.hook, c.m.septPos(c.loc(L.level), mergeBase(c)) + 1);
        c.setLoc(L.alloc, linkTable(c.loc(L.old)) + 1);
      },
    },
    {
      name: 'merge-fill',
      tdx: true,
      doc: 'each 4K child of the frozen table: a present one is kept (merge: the fault\'s own gfn present ends the merge with RET_PF_RETRY after the other children, v4 13/16 on; merge-bug-on, v2/v3: kept); a missing one is installed (tdp_mmu_set_spte_atomic on the mirror root: freeze, TDH.MEM.PAGE.AUG, store; one step here) with its part of the huge pfn range; a lost race (a child frozen or changed) ends the merge with RET_PF_RETRY after the other children',
      run: (c) => {
        const lv = c.loc(L.level);
        const tb = linkTable(c.loc(L.old));
        const i = c.loc(L.aux);
        if (i >= 2) {
          if (c.loc(L.aux2) === 0) {
            c.goto('merge-block');
            return;
          }
          c.store(tableOf(c), entryOf(c), c.loc(L.old));
          mergeExit(c);
          return;
        }
        c.setLoc(L.aux, i + 1);
        c.stay();
        const v = c.read(tb, i);
        const g = mergeBase(c) + i * c.m.span(lv - 1);
        if (isLeaf(v)) {
          // merge (v4 13/16 on): a present child at the fault's own gfn ends the merge with -EAGAIN (the
          // other children are still filled, no BLOCK/PROMOTE); merge-bug-on (v2/v3) keeps it
          if (g === gfn && o.tdxPromote === 'merge') {
            if (c.rec) c.note(`g${g} is already mapped: -EAGAIN, no PROMOTE`);
            c.setLoc(L.aux2, 1);
          }
          return;
        }
        if (v !== NP || c.cas(tb, i, NP, FROZEN) !== NP) {
          c.setLoc(L.aux2, 1);
          return;
        }
        const huge = mergeLeaf(c);
        const pfn = leafPfn(huge) + i * c.m.span(lv - 1);
        const st = seamcall(c, 'TDH.MEM.PAGE.AUG', c.rec ? `g${g} L${lv - 1} pfn${pfn}` : '', pageAug(c, c.m, c.t, lv - 1, g, pfn));
        if (st === ST.success) {
          c.seen(WITNESS['private-mapped']);
          c.store(tb, i, mkLeaf(pfn, lv - 1, { w: leafW(huge), a: o.eptAd, d: o.eptAd && write, mw: true }));
        } else {
          c.store(tb, i, NP);
          c.setLoc(L.aux2, 1);
        }
      },
    },
    {
      name: 'merge-block',
      tdx: true,
      doc: 'zap_private_spte (tdx_sept_zap_private_spte): TDH.MEM.RANGE.BLOCK on the 2M non-leaf entry (NL_MAPPED -> NL_BLOCKED, BEPOCH := TD_EPOCH); TDX_OPERAND_BUSY: -EAGAIN, the table is restored and the fault returns RET_PF_RETRY; any other error is KVM_BUG_ON',
      run: (c) => {
        const lv = c.loc(L.level);
        const g0 = mergeBase(c);
        const st = seamcall(c, 'TDH.MEM.RANGE.BLOCK', c.rec ? `g${g0} L${lv}` : '', rangeBlock(c, c.m, c.t, lv, g0));
        if (st === ST.success) return;
        if (st !== ST.busy) c.violate(7, `RANGE.BLOCK (merge) returned ${TDX_STATUS[st]?.name} (KVM_BUG_ON)`);
        c.store(tableOf(c), entryOf(c), c.loc(L.old));
        mergeExit(c);
      },
    },
    {
      name: 'merge-track',
      tdx: true,
      doc: 'kvm_flush_remote_tlbs_with_address -> tdx_track: TDH.MEM.TRACK (TD_EPOCH++); busy (a vCPU still in the previous epoch, or the epoch lock): kick the vCPUs (the kick waits for a vCPU inside a guest TDCALL to end it) and try again',
      guard: (c) => c.loc(MERGE_KICK.at) !== MERGE_KICK.pending || noTdcall(c),
      run: (c) => {
        if (!o.tdxTrack) return;
        if (pendingKick(c, MERGE_KICK, 0)) return;
        const st = seamcall(c, 'TDH.MEM.TRACK', '', track(c, c.m));
        if (st === ST.prevEpochBusy || st === ST.busy) {
          kickOrWait(c, MERGE_KICK);
          c.stay();
        } else if (st !== ST.success) {
          c.violate(7, `TRACK (merge) returned ${TDX_STATUS[st]?.name}`);
        }
      },
    },
    {
      name: 'merge-kick',
      tdx: true,
      doc: 'tdx_track: kick every vCPU out of guest mode and wait, so none still runs in the old epoch (their TLBs are flushed at the next TDH.VP.ENTER); a vCPU inside a guest TDCALL exits once the TDCALL is done',
      guard: (c) => !o.tdxTrack || noTdcall(c),
      run: (c) => {
        if (o.tdxTrack) kickAll(c);
      },
    },
    {
      name: 'merge-promote',
      tdx: true,
      doc: 'merge_private_spt (tdx_sept_merge_private_spt): TDH.MEM.PAGE.PROMOTE on the blocked, tracked 2M entry; success: store the huge leaf over FROZEN and free the child table at once (tdp_mmu_free_sp, no RCU grace period); TDX_EPT_INVALID_PROMOTE_CONDITIONS (mixed PENDING/MAPPED children) or TDX_OPERAND_BUSY on the tree lock (TDX_ERROR_SEPT_BUSY): -EAGAIN, unzap (merge-bug-on: the mixed-children status is not recognised, KVM_BUG_ON); BUSY on an entry lock (operand RCX) and any other error is KVM_BUG_ON',
      run: (c) => {
        const lv = c.loc(L.level);
        const g0 = mergeBase(c);
        // TDX_OPERAND_BUSY carries its operand id: the S-EPT tree lock is OPERAND_ID_SEPT (TDX_ERROR_SEPT_BUSY,
        // retried by tdx_seamcall_sept, then -EAGAIN); the 2M entry's or a child's entry lock is
        // OPERAND_ID_RCX (tdh_mem_page_promote.c), which the series does not expect (KVM_BUG_ON)
        const treeHeld = treeBusy(c.st, c.m, c.t);
        const st = seamcall(c, 'TDH.MEM.PAGE.PROMOTE', c.rec ? `g${g0} L${lv}` : '', pagePromote(c, c.m, c.t, lv, g0));
        if (st === ST.busy && !treeHeld) {
          c.violate(7, 'PAGE.PROMOTE returned TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX (an entry lock is held), which tdx_sept_merge_private_spt does not expect (KVM_BUG_ON)');
          return;
        }
        if (st === ST.success) {
          const huge = mergeLeaf(c);
          c.store(tableOf(c), entryOf(c), huge);
          c.unallocTable(linkTable(c.loc(L.old)));
          c.seen(WITNESS['huge-mapped']);
          if (c.rec) c.note(`PROMOTE: the 2M leaf of g${g0}..g${g0 + c.m.span(lv) - 1} replaces the table, which is freed`);
          mergeDone(c);
          exitWith(c, OUT.done);
          return;
        }
        if (st === ST.invalidPromote && o.tdxPromote === 'merge-bug-on') {
          // -EIO: the VM is bugged; the caller still unzaps (UNBLOCK, restore) before returning
          c.violate(7, 'PAGE.PROMOTE returned TDX_EPT_INVALID_PROMOTE_CONDITIONS | TDX_OPERAND_ID_RCX, which the code compares without the operand id (KVM_BUG_ON)');
          return;
        }
        if (st !== ST.invalidPromote && st !== ST.busy) c.violate(7, `PAGE.PROMOTE returned ${TDX_STATUS[st]?.name} (KVM_BUG_ON)`);
        else if (c.rec) c.note(`PROMOTE: ${TDX_STATUS[st]?.name}: -EAGAIN, unblock and keep the 4K mappings`);
      },
    },
    {
      name: 'merge-unblock',
      tdx: true,
      doc: 'unzap_private_spte (tdx_sept_unzap_private_spte): TDH.MEM.RANGE.UNBLOCK on the 2M entry, retried while TDX_TLB_TRACKING_NOT_DONE; then restore the table link and return RET_PF_RETRY',
      run: (c) => {
        const lv = c.loc(L.level);
        const g0 = mergeBase(c);
        const st = seamcall(c, 'TDH.MEM.RANGE.UNBLOCK', c.rec ? `g${g0} L${lv}` : '', rangeUnblock(c, c.m, c.t, lv, g0));
        // BUSY: the series stores a "private zapped" SPTE and leaves S-EPT blocked; not modelled, retried here
        if (st === ST.trackingNotDone || st === ST.busy) {
          c.stay();
          return;
        }
        if (st !== ST.success) c.violate(7, `RANGE.UNBLOCK returned ${TDX_STATUS[st]?.name} (KVM_BUG_ON)`);
        c.store(tableOf(c), entryOf(c), c.loc(L.old));
        mergeExit(c);
      },
    },
  ];

  return [
    ...acceptSplit,
    {
      name: 'reload-roots',
      doc: 'kvm_mmu_reload: put obsolete roots, get or allocate a valid root (under mmu_lock for read); srcu_read_lock for KVM_RUN',
      wantsLock: 'read',
      guard: waitReadLock,
      run: (c) => {
        c.exitGuest(c.t, c.g(G.privateGfns) !== 0 || priv);
        if (!c.has(F.srcu)) c.srcuLock();
        reloadRoot(c, false);
        if (priv) reloadRoot(c, true);
        c.setVcpu(c.t, V.req, c.vcpu(c.t, V.req) & ~REQ.freeObsoleteRoots);
      },
    },
    ...fastSteps,
    {
      name: 'snapshot-seq',
      doc: 'fault->mmu_seq = kvm->mmu_invalidate_seq; smp_rmb()',
      run: (c) => c.setLoc(L.seq, c.g(G.seq)),
    },
    {
      name: 'slot-lookup',
      doc: 'memslot lookup: KVM_MEMSLOT_INVALID -> RET_PF_RETRY (invalidSlotFault; KVM_PRE_FAULT_MEMORY: -EAGAIN); no slot: a private gfn exits to userspace (KVM_EXIT_MEMORY_FAULT), a shared one goes on to install an MMIO SPTE (kvm_handle_noslot_fault), or with MMIO caching off (mmioCaching) is emulated at once',
      run: (c) => {
        const st = slotStateOf(c, gfn);
        if (st === SLOT.invalid && p.prefault && o.prefaultInvalidSlot === 'eagain') {
          c.note('memslot invalid: -EAGAIN to userspace (KVM_PRE_FAULT_MEMORY)');
          exitWith(c, OUT.done);
        } else if (st === SLOT.invalid && o.invalidSlotFault === 'retry') {
          c.seen(WITNESS['slot-invalid-retried']);
          exitWith(c, OUT.retry);
        } else if (st !== SLOT.valid && priv) {
          c.note('no memslot for a private gfn: KVM_EXIT_MEMORY_FAULT to userspace');
          exitWith(c, OUT.done);
        } else if (st !== SLOT.valid) {
          // kvm_handle_noslot_fault: fault->slot = NULL, pfn KVM_PFN_NOSLOT, RET_PF_CONTINUE with
          // MMIO caching on; before e0c378684b65 an invalid slot took this path too
          c.note(st === SLOT.invalid ? 'memslot invalid, handled as no memslot: MMIO (before e0c378684b65)' : 'no memslot: emulated MMIO, an MMIO SPTE will be cached');
          // kvm_handle_noslot_fault: vcpu_cache_mmio_info (the per-vCPU MMIO cache, scenario field mmioCache)
          cacheMmioInfo(c, gfn);
          if (!c.m.mmioCaching) {
            // enable_mmio_caching off (scenario field mmioCaching): RET_PF_EMULATE at once, no MMIO
            // SPTE, so the next access to the gfn takes the EPT violation again
            c.note('MMIO caching is off (enable_mmio_caching): emulated at once, no MMIO SPTE (RET_PF_EMULATE)');
            exitWith(c, OUT.done);
            return;
          }
          c.setLoc(L.end, NOSLOT);
        }
      },
    },
    {
      name: 'faultin-pfn',
      doc: 'lockless pre-check, translate gfn to pfn (GUP / guest_memfd), hugepage adjust; no slot: KVM_PFN_NOSLOT at 4K, no pre-check',
      run: (c) => {
        if (c.loc(L.end) === NOSLOT) {
          c.setLoc(L.goal, 1);
          return;
        }
        if (invalidationRetry(c, gfn)) {
          exitWith(c, OUT.retry);
          return;
        }
        c.setLoc(L.pfn, c.st[c.m.pfnOf(gfn)]!);
        c.setLoc(L.goal, goalLevel(c, p, o));
      },
    },
    {
      name: 'lock-read',
      doc: 'read_lock(&kvm->mmu_lock)',
      wantsLock: 'read',
      guard: waitReadLock,
      run: (c) => c.lockRead(),
    },
    {
      name: 'stale-check',
      doc: 'is_page_fault_stale: root obsolete (C6) or mmu_invalidate_retry_gfn -> RET_PF_RETRY',
      run: (c) => {
        const r = c.vcpu(c.t, priv ? V.mroot : V.droot);
        // mmu_invalidate_retry_gfn only for a fault with a memslot (fault->slot &&)
        if ((o.faultChecksObsoleteRoot && rootInvalid(c, r)) || (c.loc(L.end) !== NOSLOT && invalidationRetry(c, gfn))) {
          c.seen(WITNESS['stale-fault-retried']);
          exitWith(c, OUT.retry);
        }
      },
    },
    {
      name: 'rcu-lock',
      doc: 'rcu_read_lock; start the walk at the root (huge private pages: kvm_mmu_hugepage_adjust, under mmu_lock, maps at 4K a range whose guest-inhibit bit is set)',
      run: (c) => {
        if (priv && c.loc(L.goal) > 1 && guestInhibited(c, gfn)) {
          if (c.rec) c.note(`g${gfn}: the guest accepts its range at 4K (guest inhibit): mapped at 4K`);
          c.setLoc(L.goal, 1);
        }
        c.rcuLock();
        const r = c.vcpu(c.t, priv ? V.mroot : V.droot);
        iterStart(c, c.st[c.m.root(r, R.table)]!, gfn);
      },
    },
    {
      name: 'read-entry',
      doc: 'R(e) at the current level (iter->old_spte); FROZEN -> retry; descend through present non-leaf entries',
      run: (c) => {
        const old = c.read(tableOf(c), entryOf(c));
        c.setLoc(L.old, old);
        const lv = c.loc(L.level);
        if (old === FROZEN) {
          c.seen(WITNESS['frozen-observed']);
          exitWith(c, OUT.retry);
          return;
        }
        if (lv === c.loc(L.goal) && priv && isLink(old) && o.tdxPromote !== 'none') {
          // the huge-page series of 2022-24: try to merge the table into a huge leaf (PROMOTE)
          c.goto('merge-freeze');
          return;
        }
        if (lv === c.loc(L.goal) && priv && isLink(old)) {
          // a private table already exists where a huge page was wanted: map at 4K below it
          // (mainline maps private memory at 4K only; the RFC series disallows merging for TDX)
          c.setLoc(L.goal, lv - 1);
        } else if (lv === c.loc(L.goal) && lv > 1 && isLink(old) && c.nxFlag(linkTable(old))) {
          // disallowed_hugepage_adjust (76901e56fb51): a table split for the NX mitigation is not
          // replaced by a huge page; map below it
          if (c.rec) c.note(`t${linkTable(old)} is nx_huge_page_disallowed: no huge page over it`);
          c.setLoc(L.goal, lv - 1);
        } else if (lv === c.loc(L.goal)) {
          c.goto('install');
          return;
        }
        if (isLink(old)) {
          iterDown(c, linkTable(old));
          c.stay();
          return;
        }
        if (isLeaf(old)) {
          // A huge leaf above the goal level.
          if (!priv) {
            c.goto('split');
          } else if (o.mirrorInstall === 'cas-then-seamcall') {
            c.goto('zap-huge');
          } else if (p.accept !== undefined) {
            // RFC v2 "Reject splitting huge pages under shared mmu_lock for mirror root": the
            // split of a mirror leaf needs mmu_lock held for write (DEMOTE needs BLOCK first)
            c.note('a private huge leaf covers the gfn above the accept level: no split under the shared mmu_lock, RET_PF_RETRY');
            exitWith(c, OUT.retry);
          } else {
            c.note('private huge leaf already maps the gfn: spurious');
            exitWith(c, OUT.done);
          }
          return;
        }
        c.goto('link');
      },
    },
    {
      name: 'split',
      doc: 'tdp_mmu_split_huge_page: a table of leaves reproducing the huge leaf, CAS(parent, huge, link) (direct roots)',
      run: (c) => {
        const old = c.loc(L.old);
        const tb = splitTable(c, old, c.loc(L.level), c.loc(L.gfn));
        if (p.nx === true) c.setLoc(L.alloc, tb + 1);
        nxBeforeLink(c, tb);
        if (!casOrRetry(c, old, mkLink(tb), tb)) return;
        c.seen(WITNESS['huge-split']);
        iterDown(c, tb);
        linked(c);
      },
    },
    ...(plainCount
      ? [
          {
            name: 'account',
            doc: 'tdp_account_mmu_page with a plain counter (tdpMmuPagesAccount plain): store the value loaded in the linking step, + 1',
            run: (c: Ctx) => {
              c.storePagesCount();
              c.goto(afterLink);
            },
          } satisfies StepDef,
        ]
      : []),
    ...(p.nx === true
      ? [
          {
            name: 'track-nx',
            doc: 'after linking a table for an NX split: spin_lock(tdp_mmu_pages_lock); track it on possible_nx_huge_pages if the fault could have mapped huge there (and, mainline, only if nx_huge_page_disallowed is still set: a remover clears it under the same lock); spin_unlock',
            run: (c: Ctx) => {
              const sp = c.loc(L.alloc) - 1;
              // the table sits at level L.level (the walk stepped into it); it is a possible NX
              // huge page when the level above is one the host would map huge (fault->req_level)
              const req = Math.min(c.m.geometry.levels, c.m.hostLevels[gfn] ?? 1);
              c.pagesLock();
              if (c.loc(L.level) + 1 <= req) {
                if (!o.nxFlagBeforeLink) c.nxSet(NX.flag, sp, true);
                if (c.nxFlag(sp)) c.nxSet(NX.list, sp, true);
                else if (c.rec) c.note(`t${sp} was unaccounted by a remover: not tracked`);
              }
              c.pagesUnlock();
              c.goto('read-entry');
            },
          } satisfies StepDef,
        ]
      : []),
    {
      name: 'zap-huge',
      tdx: true,
      doc: 'v10 mirror path: CAS(e, huge, np) to replace a private huge leaf by a table, then its remove hook',
      run: (c) => {
        if (!casOrRetry(c, c.loc(L.old), NP)) return;
        c.setLoc(L.hook, iterPos(c) + 1);
      },
    },
    {
      name: 'zap-huge-hook',
      tdx: true,
      doc: 'v10 remove hook for the zapped private huge leaf: TDH.MEM.RANGE.BLOCK at its level',
      ...installKickGuard,
      run: (c) => {
        if (installKickReturned(c)) return;
        const lv = c.loc(L.level);
        const g0 = c.loc(L.gfn) & ~(c.m.span(lv) - 1);
        const st = seamcall(c, 'TDH.MEM.RANGE.BLOCK', c.rec ? `g${g0} L${lv}` : '', rangeBlock(c, c.m, c.t, lv, g0));
        if (installBusyRetry(c, st)) return;
        c.setLoc(L.hook, 0);
        c.setLoc(L.old, NP);
        if (st !== ST.success) retryOrBug(c, st, 'RANGE.BLOCK');
        else c.goto('link');
      },
    },
    {
      name: 'link',
      doc: 'tdp_mmu_link_sp: allocate a table; direct: CAS(e, old, link); mirror: CAS(e, old, FROZEN) (freeze) or CAS(e, old, link) (cas-then-seamcall)',
      run: (c) => {
        const old = c.loc(L.old);
        const lv = c.loc(L.level);
        const tb = c.allocTable(lv - 1, c.loc(L.gfn), priv);
        c.setLoc(L.alloc, tb + 1);
        if (!priv) {
          nxBeforeLink(c, tb);
          if (!casOrRetry(c, old, mkLink(tb), tb)) return;
          iterDown(c, tb);
          linked(c);
          return;
        }
        if (!mirrorPublish(c, old, mkLink(tb), tb)) return;
        c.setLoc(L.hook, iterPos(c) + 1);
      },
    },
    {
      name: 'link-seamcall',
      tdx: true,
      doc: 'link_external_spt: TDH.MEM.SEPT.ADD for the new table (BUSY: tdxInstallBusy)',
      ...installKickGuard,
      run: (c) => {
        if (installKickReturned(c)) return;
        const lv = c.loc(L.level);
        const g0 = c.loc(L.gfn) & ~(c.m.span(lv) - 1);
        const st = seamcall(c, 'TDH.MEM.SEPT.ADD', c.rec ? `g${g0} L${lv}` : '', septAdd(c, c.m, c.t, lv, g0));
        if (installBusyRetry(c, st)) return;
        if (o.mirrorInstall === 'cas-then-seamcall' && c.loc(L.sc) !== ST.success) retryOrBug(c, c.loc(L.sc), 'SEPT.ADD');
      },
    },
    {
      name: 'link-finish',
      tdx: true,
      doc: 'freeze: store the link (success) or restore the old value (failure); seamcall-then-cas: CAS(e, old, link)',
      run: (c) => {
        const old = c.loc(L.old);
        const tb = c.loc(L.alloc) - 1;
        const st = c.loc(L.sc);
        c.setLoc(L.hook, 0);
        if (!mirrorFinish(c, old, mkLink(tb), st, 'SEPT.ADD', tb)) return;
        iterDown(c, tb);
        linked(c);
      },
    },
    {
      name: 'install',
      doc: 'target level: no memslot: CAS(e, old, MMIO SPTE of the current generation) (make_mmio_spte; it replaces whatever is there, no flush); spurious if already mapped; direct: CAS(e, old, leaf); mirror: CAS(e, old, FROZEN) or CAS(e, old, leaf)',
      run: (c) => {
        const old = c.loc(L.old);
        const lv = c.loc(L.level);
        if (c.loc(L.end) === NOSLOT) {
          // make_mmio_spte tags the SPTE with the generation of the memslots the vCPU sees now
          // (without the update-in-progress flag); no TLB flush on this path
          const mmio = mkMmio(mmioGenOf(c.m, c.g(G.gen)));
          if (old === mmio) {
            c.note('the same MMIO SPTE is already there: RET_PF_SPURIOUS');
            exitWith(c, OUT.done);
            return;
          }
          if (!casOrRetry(c, old, mmio)) return;
          c.leafRemoved(old);
          c.seen(WITNESS['mmio-cached']);
          c.note(`MMIO SPTE cached with generation ${mmioGenOf(c.m, c.g(G.gen))}: RET_PF_EMULATE`);
          exitWith(c, OUT.done);
          return;
        }
        if (isLeaf(old) && leafAllows(old, write) && leafLevel(old) === lv) {
          c.note('already mapped: RET_PF_SPURIOUS');
          exitWith(c, OUT.done);
          return;
        }
        const leaf = makeLeaf(c, lv);
        c.setLoc(L.new, leaf);
        if (!priv) {
          if (!casOrRetry(c, old, leaf)) return;
          afterInstall(c, leaf);
          if (isLink(old)) {
            rmStart(c, linkTable(old));
            c.goto('remove-child');
          } else {
            exitWith(c, OUT.done);
          }
          return;
        }
        if (isPresent(old)) {
          c.violate(12, 'mirror install over a present entry under the read lock');
          exitWith(c, OUT.bug);
          return;
        }
        if (!mirrorPublish(c, old, leaf)) return;
        c.setLoc(L.hook, iterPos(c) + 1);
      },
    },
    {
      name: 'install-seamcall',
      tdx: true,
      doc: 'set_external_spte: TDH.MEM.PAGE.AUG (entry FREE -> PENDING); TD not finalized: TDH.MEM.PAGE.ADD (FREE -> MAPPED, 6.19+) or only a premap record (before 6.19); BUSY: tdxInstallBusy',
      ...installKickGuard,
      run: (c) => {
        if (installKickReturned(c)) return;
        const lv = c.loc(L.level);
        const g0 = c.loc(L.gfn) & ~(c.m.span(lv) - 1);
        if (c.g(G.tdState) === 1) {
          if (o.tdxBuildAdd === 'premap') {
            c.note('TD not finalized: premap (nr_premapped++), PAGE.ADD comes after mmu_lock is dropped');
            c.setLoc(L.sc, ST.success);
            c.setLoc(L.aux2, 1);
            return;
          }
          const st = seamcall(c, 'TDH.MEM.PAGE.ADD', c.rec ? `g${g0} L${lv} pfn${leafPfn(c.loc(L.new))}` : '', lv === 1 ? pageAdd(c, c.m, c.t, g0, leafPfn(c.loc(L.new))) : ST.stateIncorrect);
          if (installBusyRetry(c, st)) return;
          if (st === ST.success) c.seen(WITNESS['private-added']);
          // KVM_TDX_MEASURE_MEMORY_REGION: TDH.MR.EXTEND is owed after the map returns
          if (st === ST.success && p.buildAdd === true && p.measure === true) c.setLoc(L.aux2, 2);
          if (o.mirrorInstall === 'cas-then-seamcall' && st !== ST.success) retryOrBug(c, st, 'PAGE.ADD');
          return;
        }
        const st = seamcall(c, 'TDH.MEM.PAGE.AUG', c.rec ? `g${g0} L${lv} pfn${leafPfn(c.loc(L.new))}` : '', pageAug(c, c.m, c.t, lv, g0, leafPfn(c.loc(L.new))));
        if (installBusyRetry(c, st)) return;
        if (st === ST.success) c.seen(WITNESS['private-mapped']);
        if (o.mirrorInstall === 'cas-then-seamcall' && st !== ST.success) retryOrBug(c, st, 'PAGE.AUG');
      },
    },
    {
      name: 'install-finish',
      tdx: true,
      doc: 'freeze: store the leaf (success) or restore the old value (failure); seamcall-then-cas: CAS(e, old, leaf)',
      run: (c) => {
        const old = c.loc(L.old);
        const leaf = c.loc(L.new);
        const st = c.loc(L.sc);
        // a premapped leaf stays exempt from I6 until the ioctl's PAGE.ADD
        if (c.loc(L.aux2) !== 1) c.setLoc(L.hook, 0);
        if (!mirrorFinish(c, old, leaf, st, 'PAGE.AUG')) return;
        afterInstall(c, leaf);
        exitWith(c, OUT.done);
      },
    },
    {
      name: 'remove-child',
      doc: 'handle_removed_pt(shared): XCHG each child of the replaced table to FROZEN (spinning while a child is frozen), then call_rcu',
      guard: (c) => rmGuard(c, true),
      run: (c) => {
        if (rmStep(c, true)) c.goto('flush');
        else c.stay();
      },
    },
    {
      name: 'flush',
      doc: 'a present table was replaced by a huge leaf: kvm_flush_remote_tlbs_gfn',
      run: (c) => {
        c.flushRemote();
        exitWith(c, OUT.done);
      },
    },
    ...(priv && o.tdxPromote !== 'none' ? mergeSteps : []),
    {
      name: 'exit-rcu',
      doc: 'rcu_read_unlock',
      run: (c) => {
        if (c.has(F.rcu)) c.rcuUnlock();
        else if (!c.has(F.rl)) c.goto('exit');
      },
    },
    {
      name: 'exit-unlock',
      doc: 'read_unlock(&kvm->mmu_lock)',
      run: (c) => {
        if (c.has(F.rl)) c.unlock();
      },
    },
    {
      name: 'exit',
      doc: retryDoc,
      run: (c) => {
        if (c.loc(L.out) === OUT.retry && o.maxRetries === 'unbounded') {
          // The retry loop: a TDX private fault retries inside tdx_handle_ept_violation (tdxLocalRetry) and
          // pre-fault inside kvm_tdp_map_page, both holding SRCU; a TDX fault on an invalid memslot
          // (tdxRetryInvalidSlot = to-guest) and every other vCPU fault return to the guest, which
          // drops SRCU (vcpu_enter_guest) and takes the same EPT violation again.
          const local = p.prefault === true || (priv && o.tdxLocalRetry === 'local' && !(o.tdxRetryInvalidSlot === 'to-guest' && slotStateOf(c, gfn) === SLOT.invalid));
          for (let i = 1; i < L.count; i++) c.setLoc(i, 0);
          if (!local) c.srcuUnlock();
          c.note(local ? 'RET_PF_RETRY: retry in the kernel, SRCU held' : 'RET_PF_RETRY: re-enter the guest, fault again');
          c.goto(!local && reenters ? 'reenter' : 'start');
          return;
        }
        if (c.loc(L.out) === OUT.retry && typeof o.maxRetries === 'number' && c.loc(L.retry) < o.maxRetries) {
          const n = c.loc(L.retry) + 1;
          for (let i = 1; i < L.count; i++) c.setLoc(i, 0);
          c.setLoc(L.retry, n);
          c.goto('start');
          return;
        }
        c.srcuUnlock();
        // the re-entry steps below are reached only from the retry above
        if (reenters) c.goto('end');
      },
    },
    ...(p.buildAdd
      ? [
          {
            name: 'page-add',
            tdx: true,
            doc: 'KVM_TDX_INIT_MEM_REGION before 6.19: after mmu_lock is dropped, TDH.MEM.PAGE.ADD for the premapped gfn (nr_premapped--); 6.19+: nothing left to do',
            run: (c: Ctx) => {
              if (c.loc(L.aux2) !== 1) return;
              const pfn = leafPfn(c.loc(L.new));
              const st = seamcall(c, 'TDH.MEM.PAGE.ADD', c.rec ? `g${gfn} L1 pfn${pfn}` : '', pageAdd(c, c.m, c.t, gfn, pfn));
              if (st === ST.success) c.seen(WITNESS['private-added']);
              else c.violate(7, `PAGE.ADD returned ${TDX_STATUS[st]?.name} (KVM_BUG_ON)`);
              c.setLoc(L.hook, 0);
              c.setLoc(L.aux2, st === ST.success && p.measure === true ? 2 : 0);
            },
          } satisfies StepDef,
        ]
      : []),
    ...(p.buildAdd && p.measure
      ? [
          {
            name: 'mr-extend',
            tdx: true,
            doc: 'KVM_TDX_MEASURE_MEMORY_REGION: TDH.MR.EXTEND over the added page (16 chunks in the kernel, one step here), outside mmu_lock; a failure bugs the VM (ad44aa4c5d3f, 6.19; before: -EIO to userspace, the image is not what userspace measured)',
            run: (c: Ctx) => {
              if (c.loc(L.aux2) !== 2) return;
              const st = seamcall(c, 'TDH.MR.EXTEND', c.rec ? `g${gfn}` : '', mrExtend(c, c.m, c.t, gfn));
              if (st === ST.success) c.seen(WITNESS.measured);
              else c.violate(7, `TDH.MR.EXTEND returned ${TDX_STATUS[st]?.name}: the page left the TD between PAGE.ADD and its measurement (KVM_BUG_ON)`);
              c.setLoc(L.aux2, 0);
            },
          } satisfies StepDef,
        ]
      : []),
    ...(reenters ? reentrySteps(gfn) : []),
  ];
}

/**
 * The vCPU goes back to the guest after RET_PF_RETRY (tdx_handle_ept_violation breaks out of its
 * local retry on an invalid memslot, 2bc2694fe20b): vcpu_enter_guest -> tdx_vcpu_run ->
 * TDH.VP.ENTER, in two steps as in a guest access (epoch lock shared; S-EPT tree lock exclusive
 * once the vCPU's EPT violations at the gfn have turned zero-step mitigation on), then the guest
 * takes the same EPT violation at once (counted toward zero-step mitigation) and the fault runs
 * again under SRCU. No mmu_lock on the way: a vCPU that keeps retrying on an invalid memslot keeps
 * entering while a zap holds mmu_lock for write. Entry waits while wait_for_sept_zap is set
 * (tdx_vcpu_run does not enter, sheet §2.14.3) and before TDH.MR.FINALIZE.
 */
function reentrySteps(gfn: number): StepDef[] {
  return [
    {
      name: 'reenter',
      tdx: true,
      doc: 'back to the guest: TDH.VP.ENTER begins (epoch lock shared; under zero-step mitigation the S-EPT tree lock exclusively; TDX_OPERAND_BUSY: enter again); waits while wait_for_sept_zap is set',
      guard: (c) => c.g(G.waitSeptZap) === 0 && c.g(G.tdState) === 0,
      run: (c) => {
        const zs = zeroStepOn(c.st, c.m, c.t);
        const st = seamcall(c, 'TDH.VP.ENTER', `vcpu${c.t}${zs ? ' (zero-step mitigation)' : ''}`, vpEnterBegin(c, c.m, c.t));
        if (st === ST.busy) {
          c.stay();
          return;
        }
        if (zs) c.seen(WITNESS['zero-step']);
      },
    },
    {
      name: 'reentered',
      tdx: true,
      doc: 'TDH.VP.ENTER ends (its locks released) in the same EPT violation on the gfn (counted toward zero-step mitigation); srcu_read_lock; the fault runs again',
      run: (c) => {
        if (vpEnterEnd(c, c.m, c.t)) vpExit(c, c.m, c.t, true);
        // once armed at this gfn the count no longer matters (the model counts up to 15): not counted further, so a loop repeats its states sooner
        if (!(zeroStepOn(c.st, c.m, c.t) && c.st[c.m.zeroStep(c.t)]! >> 4 === gfn)) zeroStepViolation(c, c.m, c.t, gfn);
        c.note(`EPT violation on private g${gfn} again`);
        // kvm_mmu_reload takes mmu_lock only when a root must be loaded (obsolete roots to free)
        if ((c.vcpu(c.t, V.req) & REQ.freeObsoleteRoots) !== 0) {
          c.goto('start');
          return;
        }
        c.srcuLock();
        c.goto('snapshot-seq');
      },
    },
  ];
}

/** Returns a fault operation instance (`tdxLocks`: see {@link faultSteps}). */
export function faultOp(p: FaultParams, o: Options, tdxLocks = false): OpInstance {
  if (p.prefault) return { op: 'pre-fault', label: `pre-fault(g${p.gfn})`, steps: faultSteps(p, o) };
  if (p.buildAdd) {
    // KVM_TDX_INIT_MEM_REGION holds kvm->slots_lock, and kvm_gmem_populate the guest_memfd's
    // filemap_invalidate_lock, from the pfn lookup to the end of tdx_gmem_post_populate
    const steps = underLocks(faultSteps({ ...p, private: true }, o), { slots: o.tdxBuildSlotsLock, gmem: o.tdxBuildGmemLock });
    return { op: 'page-add', label: `page-add(g${p.gfn}${p.measure ? ',measure' : ''})`, steps };
  }
  const label = `fault(g${p.gfn}${p.write || p.private ? ',W' : ',R'}${p.private ? ',priv' : ''}${(p.level ?? 1) > 1 ? ',2M' : ''}${p.fast ? ',fast' : ''}${p.nx ? ',nx' : ''}${p.accept !== undefined ? `,accept ${p.accept === 1 ? '4K' : '2M'}` : ''})`;
  return { op: 'fault', label, steps: faultSteps(p, o, tdxLocks) };
}
