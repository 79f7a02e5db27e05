/**
 * Operations of the ioctl and kthread side that restructure or re-protect the tree: dirty-log
 * harvest (§2.12), eager huge page split (§2.6), NX huge page recovery (§2.13) and the TD build
 * finalization (§2.14.1). Each step is one shared access.
 */
import { type Ctx, isLeaf, isLink, leafD, leafLevel, leafW, linkTable, mkLink, mmuState, NP, type StepDef, withD, withW } from '../../src/internal.js';
import { seamcall } from '../tdx/remove.js';
import { ST } from '../tdx/module.js';
import {
  advanceOr,
  iterDown,
  iterIndex,
  iterTable,
  leafWalkSteps,
  lockReadStep,
  lockWriteStep,
  rangeMask,
  rmGuard,
  rmStart,
  rmStep,
  splitTable,
  unlockStep,
  WITNESS,
} from './common.js';
import type { Options } from './options.js';
import { dbitLog, type SlotRef } from './ops.js';

const { G, L, F, R, RF, T, TS, NX } = mmuState;

// ---- dirty-log harvest ---------------------------------------------------------------------------

/**
 * Returns the harvest steps (KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG, kvm_get_dirty_log_protect):
 * under the write lock, take and clear the bitmap word (xchg), then
 * kvm_tdp_mmu_clear_dirty_pt_masked write-protects each harvested 4K leaf with an atomic AND;
 * unlock; then the flush (after KVM_MMU_UNLOCK, as the kernel does) before the ioctl returns.
 * Without PML the harvested leaves are write-protected (AND ~W); with PML (`dirtyLogByDBit`)
 * their D bit is cleared (AND ~D) and handed to the page (kvm_set_pfn_dirty).
 */
export function dirtyLogHarvestSteps(o: Options, gfns: number, slot: SlotRef): StepDef[] {
  const atomic = o.writeLockLeafWrite === 'xchg';
  const pml = dbitLog(o);
  /** The leaf's dirty state the harvest clears: D with PML (kvm_mmu_clear_dirty_pt_masked), else W. */
  const dirtyState = (v: number): boolean => (pml ? leafD(v) : leafW(v));
  const clean = (v: number): number => (pml ? withD(v, false) : withW(v, false));
  const slotMask = rangeMask(slot.base, slot.base + slot.pages);
  return [
    lockWriteStep(),
    {
      name: 'take-bitmap',
      doc: 'mask = xchg(&dirty_bitmap[i], 0): the harvested bits go to userspace; they stay "in flight" until the flush',
      run: (c) => {
        const mask = c.g(G.bitmap) & slotMask;
        c.setG(G.bitmap, c.g(G.bitmap) & ~slotMask);
        c.setLoc(L.aux, mask);
        c.setG(G.harvest, c.g(G.harvest) | mask);
        if (c.rec) c.touch(`take dirty bits {${Array.from({ length: gfns }, (_, g) => g).filter((g) => (mask & (1 << g)) !== 0).map((g) => `g${g}`).join(',')}}`);
        if (mask === 0) c.goto('unlock');
      },
    },
    ...leafWalkSteps(
      { doc: 'for_each_valid_tdp_mmu_root (write lock held: no reference); rcu_read_lock', filter: 'shared', includeInvalid: false, start: slot.base, end: slot.base + slot.pages, takeRef: false, exhausted: 'unlock' },
      {
        doc: 'tdp_root_for_each_leaf_pte: R(e); descend; a writable 4K leaf whose gfn was harvested is write-protected',
        saveOld: !atomic,
        leaf: (c, old, lv) => (isLeaf(old) && lv === 1 && (c.loc(L.aux) & (1 << c.loc(L.gfn))) !== 0 && dirtyState(old) ? 'wrprot' : undefined),
      },
      [
        {
          name: 'wrprot',
          doc: atomic
            ? 'tdp_mmu_clear_spte_bits: atomic AND(e, ~W) (fast page fault and the CPU may change the leaf meanwhile); the flush becomes due'
            : 'before ba3a6120a4e7: tdp_mmu_set_spte_no_dirty_log stores the snapshot with W cleared (a D bit the CPU set since the read is lost); the flush becomes due',
          run: (c) => {
            const tb = iterTable(c);
            const ix = iterIndex(c);
            const cur = atomic ? c.st[c.m.entry(tb, ix)]! : c.loc(L.old);
            if (!atomic) {
              c.store(tb, ix, clean(cur));
              if (pml) c.leafRemoved(cur);
              c.flag(F.wpFlush, true);
              c.setLoc(L.out, 1);
              c.seen(WITNESS.harvested);
            } else if (isLeaf(cur) && dirtyState(cur)) {
              c.xchg(tb, ix, clean(cur));
              // with PML the cleared D is handed to the page (kvm_set_pfn_dirty)
              if (pml) c.leafRemoved(cur);
              c.flag(F.wpFlush, true);
              c.setLoc(L.out, 1);
              c.seen(WITNESS.harvested);
            }
            advanceOr(c);
          },
        },
      ],
      { doc: 'rcu_read_unlock; next root', putRef: false },
    ),
    unlockStep(),
    {
      name: 'flush',
      doc: 'kvm_flush_remote_tlbs_memslot after KVM_MMU_UNLOCK (something was write-protected)',
      run: (c) => {
        if (c.loc(L.out) === 1 || c.has(F.wpFlush)) c.flushRemote();
      },
    },
    {
      name: 'return',
      doc: 'the ioctl returns: the harvested data must be stable (no write-protection flush still due)',
      run: (c) => {
        if (c.has(F.wpFlush)) {
          c.violate(4, 'dirty-log harvest returned with its write-protection flush still due');
          c.flag(F.wpFlush, false);
        }
        c.setG(G.harvest, c.g(G.harvest) & ~c.loc(L.aux));
      },
    },
  ];
}

// ---- eager huge page split -----------------------------------------------------------------------

/**
 * Returns the eager split steps (kvm_tdp_mmu_try_split_huge_pages down to 4K over the slot): for
 * each huge leaf, a pre-allocated table filled with equivalent leaves (plain writes: the table is
 * still private), then CAS(e, huge, link) under the read lock (failure: re-read the same entry) or
 * XCHG under the write lock; no TLB flush (translations unchanged); the walk continues into the
 * new table (a 1G leaf becomes 2M leaves, each split again).
 */
export function eagerSplitSteps(o: Options, gfns: number): StepDef[] {
  const shared = o.eagerSplitLock === 'read';
  // a plain ++ of kvm->arch.tdp_mmu_pages races only under the read lock
  const plainCount = shared && o.tdpMmuPagesAccount === 'plain';
  return [
    shared ? lockReadStep() : lockWriteStep(),
    ...leafWalkSteps(
      { doc: 'yield-safe iterator: next valid direct root (reference); rcu_read_lock', filter: 'shared', includeInvalid: false, start: 0, end: gfns, takeRef: true, exhausted: 'unlock' },
      {
        doc: 'R(e) above 4K: descend through links, split huge leaves',
        saveOld: true,
        leaf: (_c, old, lv) => (lv > 1 && isLeaf(old) && leafLevel(old) === lv ? 'split' : undefined),
      },
      [
        {
          name: 'split',
          doc: shared ? 'tdp_mmu_split_huge_page: CAS(e, huge, link(new table)); failure: free the table, re-read the entry' : 'tdp_mmu_split_huge_page under the write lock: XCHG(e, link(new table)); handle_changed_spte propagates D of the old leaf',
          run: (c) => {
            const old = c.loc(L.old);
            const lv = c.loc(L.level);
            const tb = splitTable(c, old, lv, c.loc(L.gfn));
            if (shared) {
              if (c.cas(iterTable(c), iterIndex(c), old, mkLink(tb)) !== old) {
                c.unallocTable(tb);
                c.seen(WITNESS['cas-failed']);
                c.goto('read');
                return;
              }
            } else {
              const was = c.xchg(iterTable(c), iterIndex(c), mkLink(tb));
              c.leafRemoved(was);
            }
            c.seen(WITNESS['eager-split']);
            iterDown(c, tb);
            if (plainCount) {
              c.deferPagesCount();
              c.goto('account');
              return;
            }
            c.goto('read');
          },
        },
        ...(plainCount
          ? [
              {
                name: 'account',
                doc: 'tdp_account_mmu_page with a plain counter (tdpMmuPagesAccount plain): store the value loaded when the table was linked, + 1',
                run: (c: Ctx) => {
                  c.storePagesCount();
                  c.goto('read');
                },
              } satisfies StepDef,
            ]
          : []),
      ],
      { doc: 'rcu_read_unlock; put the root', putRef: true, free: o.walkPutFreesRoot },
    ),
    unlockStep(),
  ];
}

// ---- NX huge page recovery -----------------------------------------------------------------------

/** Returns [parent table, index, sp] of the level-1 table mapping `gfn` in the valid direct root, or undefined. */
function findSp(c: Ctx, gfn: number): [number, number, number] | undefined {
  const m = c.m;
  for (let r = 0; r < m.geometry.roots; r++) {
    const fl = c.st[m.root(r, R.flags)]!;
    if ((fl & RF.used) === 0 || (fl & (RF.invalid | RF.freed | RF.mirror)) !== 0) continue;
    let tb = c.st[m.root(r, R.table)]!;
    for (let lv = m.geometry.levels; lv >= 2; lv--) {
      const ix = m.index(lv, gfn);
      const v = c.st[m.entry(tb, ix)]!;
      if (!isLink(v)) return undefined;
      if (lv === 2) return [tb, ix, linkTable(v)];
      tb = linkTable(v);
    }
  }
  return undefined;
}

/**
 * The `pick` of NX recovery with NX metadata: the sp on possible_nx_huge_pages that covers `gfn`
 * is taken off the list and unaccounted (nx_huge_page_disallowed cleared) under
 * tdp_mmu_pages_lock; its parent entry (sp->ptep) is where the valid direct root links a table at
 * the sp's level and gfn. Nothing listed: the recovery ends; an sp no root links (a stale entry
 * of the list: freed memory) is a use after free.
 */
function pickListed(c: Ctx, gfn: number): void {
  const m = c.m;
  let sp = -1;
  for (let tb = 0, list = c.nxList(); list !== 0 && tb < m.geometry.tables; tb++) {
    if ((list & (1 << tb)) === 0) continue;
    const lv = c.st[m.table(tb, T.level)]!;
    const base = c.st[m.table(tb, T.gfn)]!;
    if (gfn >= base && gfn < base + m.span(lv + 1)) sp = tb;
  }
  if (sp < 0) {
    if (c.rec) c.note(`no possible NX huge page on the list covers g${gfn}`);
    c.goto('unlock');
    return;
  }
  const st = c.st[m.table(sp, T.status)]!;
  if (st !== TS.live) c.violate(1, `NX recovery took t${sp} off possible_nx_huge_pages, but it was ${st === TS.freed || st === TS.free ? 'freed' : 'already removed'}`);
  c.pagesLock();
  c.nxSet(NX.list, sp, false);
  c.nxSet(NX.flag, sp, false);
  c.pagesUnlock();
  const lv = c.st[m.table(sp, T.level)]! + 1;
  let parent = -1;
  for (let r = 0; r < m.geometry.roots && parent < 0; r++) {
    const fl = c.st[m.root(r, R.flags)]!;
    if ((fl & RF.used) === 0 || (fl & (RF.invalid | RF.freed | RF.mirror)) !== 0) continue;
    let tb = c.st[m.root(r, R.table)]!;
    for (let l = m.geometry.levels; l > lv; l--) {
      const v = c.st[m.entry(tb, m.index(l, gfn))]!;
      if (!isLink(v)) {
        tb = -1;
        break;
      }
      tb = linkTable(v);
    }
    if (tb >= 0) parent = tb;
  }
  if (c.rec) c.touch(`pick listed sp t${sp}`);
  c.rcuLock();
  if (parent < 0) {
    if (c.rec) c.note(`no valid root reaches the parent of t${sp}`);
    c.goto('done');
    return;
  }
  c.setLoc(L.table, parent);
  c.setLoc(L.aux, m.index(lv, gfn));
  c.setLoc(L.aux2, sp + 1);
}

/**
 * Returns the NX recovery steps for the possible-NX page table mapping `gfn` (the model treats
 * every 4K table as an NX split): 6.18+ (read lock): pick and unaccount the sp, R(parent), only if
 * the parent still links the sp CAS(parent, link, np), handle_removed_pt(shared), flush before
 * unlocking; before 6.18 (write lock): XCHG(parent, np), handle_removed_pt(!shared), flush.
 *
 * The flush, in the kernel's order (torvalds/linux, arch/x86/kvm/mmu): the TDP MMU zap
 * (kvm_tdp_mmu_zap_sp, renamed kvm_tdp_mmu_zap_possible_nx_huge_page in the read-lock series of
 * a57750909580) returns whether it zapped something; kvm_recover_nx_huge_pages accumulates it
 * (`flush |= ...`) and does kvm_mmu_remote_flush_or_zap(flush) before rcu_read_unlock and
 * cond_resched_rwlock_{read,write} between pages, and again before dropping mmu_lock at the end
 * (048f49809c52 "KVM: x86/mmu: Ensure TLBs are flushed for TDP MMU during NX zapping" made the
 * TDP MMU zap's result reach that flush). The 6.18+ zap skips a parent that no longer links the
 * sp (another table, a huge leaf, not present, frozen), so the kernel never zaps a leaf here; the
 * model's `zap` step still handles one (a variant that drops `read-parent` reaches it) and marks
 * its flush pending like any other zap, so the flush step that follows is the only one owed
 * (test/mmu/nx-leaf-flush.test.ts: without the mark, I4 broke between zap and flush).
 */
export function nxRecoverSteps(o: Options, gfn: number): StepDef[] {
  const shared = o.nxRecoveryLock === 'read';
  return [
    shared ? lockReadStep() : lockWriteStep(),
    {
      name: 'pick',
      doc: 'pop an sp from possible_nx_huge_pages and unaccount it under tdp_mmu_pages_lock (its ptep is known); rcu_read_lock',
      run: (c) => {
        if (c.nxMeta) {
          pickListed(c, gfn);
          return;
        }
        const f = findSp(c, gfn);
        if (f === undefined) {
          if (c.rec) c.note(`no possible-NX table maps g${gfn}`);
          c.goto('unlock');
          return;
        }
        const [parent, ix, sp] = f;
        c.setLoc(L.table, parent);
        c.setLoc(L.aux, ix);
        c.setLoc(L.aux2, sp + 1);
        if (c.rec) c.touch(`pick sp t${sp} (parent t${parent}[${ix}])`);
        c.rcuLock();
      },
    },
    {
      name: 'read-parent',
      doc: 'R(sp->ptep): recover only if it still links the sp (not FROZEN, not zapped, not replaced by a huge leaf or another table)',
      run: (c) => {
        const old = c.read(c.loc(L.table), c.loc(L.aux));
        c.setLoc(L.old, old);
        if (!(isLink(old) && linkTable(old) === c.loc(L.aux2) - 1)) {
          c.note('the parent no longer links the sp: skip it');
          c.goto('done');
        }
      },
    },
    {
      name: 'zap',
      doc: shared ? 'CAS(parent, link, np) (failure: skip); handle_removed_pt(sp, shared) follows' : 'XCHG(parent, np); handle_removed_pt(sp, !shared) follows',
      run: (c) => {
        const old = c.loc(L.old);
        let was = old;
        if (shared) {
          if (c.cas(c.loc(L.table), c.loc(L.aux), old, NP) !== old) {
            c.seen(WITNESS['cas-failed']);
            c.goto('done');
            return;
          }
        } else {
          was = c.xchg(c.loc(L.table), c.loc(L.aux), NP);
        }
        // I12: the zap is meant for the parent's link to the sp; anything else (a huge leaf or
        // another table that replaced it, an entry already zapped) is a snapshot re-interpreted
        if (!(isLink(was) && linkTable(was) === c.loc(L.aux2) - 1)) c.violate(12, `NX recovery zapped t${c.loc(L.table)}[${c.loc(L.aux)}], which no longer links the possible-NX table t${c.loc(L.aux2) - 1}`);
        if (isLink(was)) {
          rmStart(c, linkTable(was));
          c.flag(F.flush, true);
        } else {
          // Dead in mainline (read-parent skips all but the sp's link); reached by a variant that
          // drops the re-check after a 2M fault replaced the table by a huge leaf. A removed
          // leaf owes a flush like a removed table: mark it pending before the flush step.
          c.leafRemoved(was);
          if (isLeaf(was)) c.flag(F.flush, true);
          c.goto('flush');
        }
      },
    },
    {
      name: 'remove-child',
      doc: shared ? 'handle_removed_pt(shared): XCHG each child to FROZEN (spin while frozen), then call_rcu' : 'handle_removed_pt(!shared): R then W(FROZEN) each child, then call_rcu',
      guard: (c) => rmGuard(c, shared),
      run: (c) => {
        if (!rmStep(c, shared)) c.stay();
      },
    },
    {
      name: 'flush',
      doc: o.nxRecoveryFlush ? 'kvm_flush_remote_tlbs before any unlock or yield' : 'no flush: the TDP MMU zap\'s result does not reach kvm_mmu_remote_flush_or_zap (before 048f49809c52)',
      run: (c) => {
        if (o.nxRecoveryFlush) c.flushRemote();
        else if (c.has(F.flush)) {
          c.flag(F.flush, false);
          c.note('the zap owed a flush; it is lost (before 048f49809c52)');
        }
        c.seen(WITNESS['nx-recovered']);
      },
    },
    {
      name: 'done',
      doc: 'rcu_read_unlock',
      run: (c) => {
        if (c.has(F.rcu)) c.rcuUnlock();
      },
    },
    unlockStep(),
  ];
}

// ---- TD finalization -----------------------------------------------------------------------------

/** Returns the TD finalization step (KVM_TDX_FINALIZE_VM: TDH.MR.FINALIZE; the TD becomes runnable). */
export function finalizeSteps(): StepDef[] {
  return [
    {
      name: 'finalize',
      doc: 'TDH.MR.FINALIZE (refused while a premapped page awaits PAGE.ADD): the TD becomes runnable, later private installs use PAGE.AUG',
      guard: (c) => {
        // nr_premapped != 0 -> -EINVAL in KVM; the model waits for the ioctl that owes the PAGE.ADD
        for (let t = 0; t < c.m.geometry.threads; t++) if (c.st[c.m.local(t, L.aux2)] === 1 && c.st[c.m.local(t, L.hook)]! > 0) return false;
        return true;
      },
      run: (c) => {
        seamcall(c, 'TDH.MR.FINALIZE', '', ST.success);
        c.setG(G.tdState, 0);
      },
    },
  ];
}
