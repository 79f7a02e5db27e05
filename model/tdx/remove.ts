/**
 * KVM's removal of a private 4K page (remove_external_spte -> tdx_sept_remove_private_spte),
 * always with mmu_lock held for write and after the mirror SPTE was already cleared:
 * RANGE.BLOCK, TRACK, kick, PAGE.REMOVE (§2.14.3). TDX_OPERAND_BUSY is handled by
 * `tdxRemoveBusy` (mainline: retried once after wait_for_sept_zap + kick); any other error is
 * KVM_BUG_ON (I7).
 */
import { type Ctx, isLeaf, isLink, leafLevel, leafPfn, linkTable, mkLink, mmuState, type StepDef } from '../../src/internal.js';
import { WITNESS } from '../mmu/common.js';
import type { Options } from '../mmu/options.js';
import { pageDemote, pageRemove, rangeBlock, ST, TDX_STATUS, track, vcpuInTdcall } from './module.js';

const { G, L, P, R, RF, HUGE } = mmuState;

/**
 * The kick (kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE): IPI every vCPU and wait until
 * each has left guest mode) is a wait: the IPI is taken between guest instructions, so a vCPU inside
 * a guest TDCALL (TDG.MEM.PAGE.ACCEPT, holding a guest-side S-EPT entry lock across its steps here)
 * exits only once the TDCALL has ended (protocol sheet §1.8, §2.14). Every kicking step is disabled
 * while one is (its guard: {@link noTdcall}); when it runs, `Ctx.tdx.kickAll` (the one implementation) exits
 * every vCPU at once. A kick decided inside a SEAMCALL's step (a BUSY status) that cannot run yet is
 * left pending in a local ({@link KickMark}) and done by the step's next run ({@link pendingKick}).
 */
export function kickAll(c: Ctx): void {
  if (!c.tdx.kickAll()) throw new Error('internal: a kick ran while a vCPU is inside a guest TDCALL (its step is not guarded by kickGuard)');
}

/** A thread's kick waits for a vCPU inside a guest TDCALL: local `at` holds `pending` (the removal path: L.retry -1). */
export interface KickMark {
  at: number;
  pending: number;
}
const REMOVAL_KICK: KickMark = { at: L.retry, pending: -1 };

/** Returns true when no vCPU is inside a guest TDCALL: a kick can return now. */
export function noTdcall(c: Ctx): boolean {
  return !vcpuInTdcall(c.st, c.m, c.t);
}

/** Kicks now when no vCPU is inside a guest TDCALL, else leaves the kick pending in `k` (the step stays; its guard waits, {@link noTdcall}). */
export function kickOrWait(c: Ctx, k: KickMark): void {
  if (noTdcall(c)) kickAll(c);
  else c.setLoc(k.at, k.pending);
}

/** Runs a pending kick `k` (the step's guard let it: no guest TDCALL); its local becomes `then`; the step stays. Returns true when it did. */
export function pendingKick(c: Ctx, k: KickMark, then: number): boolean {
  if (c.loc(k.at) !== k.pending) return false;
  kickAll(c);
  c.setLoc(k.at, then);
  c.stay();
  return true;
}

/** Records a SEAMCALL and its status (an index into TDX_STATUS) in the trace; returns the status (see `Ctx.recordSeamcall`). */
export function seamcall(c: Ctx, name: string, args: string, st: number): number {
  return c.recordSeamcall(name, args, st);
}

/** The SEAMCALLs of the removal whose TDX_OPERAND_BUSY KVM handles. */
type RemovalCall = 'RANGE.BLOCK' | 'TRACK' | 'PAGE.REMOVE' | 'PAGE.DEMOTE';

/**
 * Handles a BUSY status of a removal SEAMCALL by `tdxRemoveBusy` (protocol sheet §2.14.3). Returns
 * true when the step should run again (a retry), false when the step goes on (after a violation).
 *
 * - `no-vcpus-retry-once` (mainline since 4b2abc49712b, packaged as tdh_do_no_vcpus in 6.19): set
 *   wait_for_sept_zap, kick every vCPU, retry once (the retry waits for the kicked vCPUs: the
 *   step's guard); a second BUSY is KVM_BUG_ON.
 * - `fatal`: KVM_BUG_ON at the first BUSY.
 * - `block-fatal-spin` (the code 4b2abc49712b replaced, from 02ab57707bdb and 22836e1de686):
 *   RANGE.BLOCK's BUSY is returned as -EBUSY and becomes KVM_BUG_ON; TRACK and PAGE.REMOVE
 *   retry blindly until they succeed.
 * - `kick-retry-once` (an ablation): kick and wait for the vCPUs, then retry once, without
 *   wait_for_sept_zap: a vCPU may enter again between the kick and the retry.
 * - `blind-retry`: retry at once, as often as it takes, without kicking or blocking entry. The
 *   contenders are vCPUs (mmu_lock held for write keeps every other host SEAMCALL out): a TD
 *   entry holds the epoch lock shared, and under zero-step mitigation the S-EPT tree lock
 *   exclusively, for the length of TDH.VP.ENTER, and a vCPU whose fault goes back to the guest
 *   (an invalid memslot, 2bc2694fe20b) enters again and again without mmu_lock, so every retry
 *   may meet an entry in progress (the livelock 4b2abc49712b's kick and wait_for_sept_zap rule
 *   out: the one retry comes after every vCPU is out and none may enter).
 */
function onBusy(c: Ctx, o: Options, what: RemovalCall): boolean {
  switch (o.tdxRemoveBusy) {
    case 'no-vcpus-retry-once':
      if (c.g(G.waitSeptZap) === 0) {
        c.setG(G.waitSeptZap, 1);
        kickOrWait(c, REMOVAL_KICK);
        c.stay();
        return true;
      }
      c.violate(7, `${what} still busy after tdx_no_vcpus_enter_start`);
      return false;
    case 'fatal':
      c.violate(7, `${what} returned TDX_OPERAND_BUSY (KVM_BUG_ON)`);
      return false;
    case 'block-fatal-spin':
      if (what === 'RANGE.BLOCK') {
        c.violate(7, 'RANGE.BLOCK returned TDX_OPERAND_BUSY: -EBUSY from the remove hook (KVM_BUG_ON)');
        return false;
      }
      c.stay();
      return true;
    case 'blind-retry':
      c.stay();
      return true;
    case 'kick-retry-once':
      if (c.loc(L.retry) === 0) {
        c.setLoc(L.retry, 1);
        kickOrWait(c, REMOVAL_KICK);
        c.stay();
        return true;
      }
      c.violate(7, `${what} still busy after the kick`);
      return false;
  }
}

/**
 * After a removal SEAMCALL that did not stay for a retry: with `tdxLocks`, tdh_do_no_vcpus clears
 * wait_for_sept_zap right after its retry (without, the model keeps it set until PAGE.REMOVE is
 * done, as it always did); the kick-retry marker is cleared.
 */
function afterCall(c: Ctx): void {
  if (c.m.tdxBase >= 0) c.setG(G.waitSeptZap, 0);
  c.setLoc(L.retry, 0);
}

/**
 * `kick-retry-once`: the kick's wait has returned (its guard) and the retry follows in a later
 * step. Returns true when this run was that acknowledgement (the step runs again for the retry).
 */
function kickAcknowledged(c: Ctx, o: Options): boolean {
  if (pendingKick(c, REMOVAL_KICK, o.tdxRemoveBusy === 'kick-retry-once' ? 1 : 0)) return true;
  if (o.tdxRemoveBusy !== 'kick-retry-once' || c.loc(L.retry) !== 1) return false;
  c.setLoc(L.retry, 2);
  c.touch('kicked vCPUs are out of guest mode');
  c.stay();
  return true;
}

/**
 * Returns true when the kicked vCPUs are out: no other thread holds an S-EPT entry lock (a guest
 * TDCALL in progress) and, with `tdxLocks`, no TDH.VP.ENTER is in progress (a kick waits for
 * vCPUs in guest mode, and a vCPU is in guest mode from before TDH.VP.ENTER).
 */
export function vcpusOut(c: Ctx): boolean {
  for (let pos = 0; pos < c.m.septCount; pos++) {
    const o = (c.st[c.m.septBase + pos]! >> 12) & 15;
    if (o !== 0 && o !== c.t + 1) return false;
  }
  return c.m.tdxBase < 0 || (c.st[c.m.tdx(mmuState.TX.tree)] === 0 && c.st[c.m.tdx(mmuState.TX.epoch)] === 0);
}

/** The removal steps; `after` is the step the walk continues at. `level`/`gfn` come from the iterator locals. */
export function tdxRemoveSteps(o: Options, after: (c: Ctx) => void): StepDef[] {
  /** The retry after a kick waits for the kicked vCPUs (wait_for_sept_zap set, or the kick-retry marker). */
  const noEntryLocks = (c: Ctx): boolean => (c.loc(L.retry) === REMOVAL_KICK.pending ? noTdcall(c) : (c.g(G.waitSeptZap) === 0 && c.loc(L.retry) !== 1) || vcpusOut(c));
  return [
    {
      name: 'block',
      doc: 'TDH.MEM.RANGE.BLOCK on the private page (MAPPED/PENDING -> BLOCKED, BEPOCH := TD_EPOCH); after a BUSY, the retry waits for the kicked vCPUs',
      guard: noEntryLocks,
      run: (c) => {
        if (kickAcknowledged(c, o)) return;
        const lv = c.loc(L.level);
        const gfn = c.loc(L.gfn) & ~(c.m.span(lv) - 1);
        const retried = c.g(G.waitSeptZap) !== 0 || c.loc(L.retry) !== 0;
        const st = seamcall(c, 'TDH.MEM.RANGE.BLOCK', c.rec ? `g${gfn} L${lv}` : '', rangeBlock(c, c.m, c.t, lv, gfn));
        if (st === ST.busy && onBusy(c, o, 'RANGE.BLOCK')) return;
        if (st === ST.success && retried) c.seen(WITNESS['busy-retried']);
        if (st !== ST.success && st !== ST.busy) c.violate(7, `RANGE.BLOCK returned ${TDX_STATUS[st]?.name}`);
        afterCall(c);
      },
    },
    {
      name: 'track',
      doc: 'tdx_track: TDH.MEM.TRACK (TD_EPOCH++)',
      guard: noEntryLocks,
      run: (c) => {
        if (!o.tdxTrack) return;
        if (kickAcknowledged(c, o)) return;
        const retried = c.g(G.waitSeptZap) !== 0 || c.loc(L.retry) !== 0;
        const st = seamcall(c, 'TDH.MEM.TRACK', '', track(c, c.m));
        if ((st === ST.prevEpochBusy || st === ST.busy) && onBusy(c, o, 'TRACK')) return;
        if (st === ST.success && retried) c.seen(WITNESS['busy-retried']);
        if (st !== ST.success && st !== ST.prevEpochBusy && st !== ST.busy) c.violate(7, `TRACK returned ${TDX_STATUS[st]?.name}`);
        afterCall(c);
      },
    },
    {
      name: 'kick',
      doc: 'tdx_track: kick every vCPU out of guest mode so none still runs in the old epoch; the kick waits for a vCPU inside a guest TDCALL to end it',
      guard: (c) => !o.tdxTrack || noTdcall(c),
      run: (c) => {
        if (o.tdxTrack) kickAll(c);
      },
    },
    {
      name: 'remove',
      doc: 'TDH.MEM.PAGE.REMOVE (blocked and tracked -> FREE), then WBINVD, clear and unpin the page',
      guard: noEntryLocks,
      run: (c) => {
        if (kickAcknowledged(c, o)) return;
        const lv = c.loc(L.level);
        const gfn = c.loc(L.gfn) & ~(c.m.span(lv) - 1);
        const old = c.loc(L.old);
        const retried = c.g(G.waitSeptZap) !== 0 || c.loc(L.retry) !== 0;
        const st = seamcall(c, 'TDH.MEM.PAGE.REMOVE', c.rec ? `g${gfn} L${lv}` : '', pageRemove(c, c.m, c.t, lv, gfn));
        if (st === ST.busy && onBusy(c, o, 'PAGE.REMOVE')) return;
        if (st === ST.success && retried) c.seen(WITNESS['busy-retried']);
        if (st === ST.success) {
          c.seen(WITNESS['private-removed']);
          const pfn = (old >> 3) & 63;
          for (let k = 0; k < c.m.span(lv); k++) if (pfn + k < c.m.geometry.pages) c.put(c.m.page(pfn + k), c.st[c.m.page(pfn + k)]! & ~P.pin);
        } else if (st !== ST.busy) {
          c.violate(7, `PAGE.REMOVE returned ${TDX_STATUS[st]?.name}`);
        }
        c.setG(G.waitSeptZap, 0);
        c.setLoc(L.retry, 0);
        c.setLoc(L.hook, 0);
        after(c);
      },
    },
  ];
}

// ---- huge private pages: the split of a private 2M leaf (DEMOTE) -----------------------------------

/** Returns true when the guest-inhibit bit of `gfn`'s 2M range is set (hugepage_test_guest_inhibit; no huge page block: false). */
export function guestInhibited(c: Ctx, gfn: number): boolean {
  return c.m.hugeBase >= 0 && (c.st[c.m.hugeBase + HUGE.inhibit]! & (1 << gfn)) !== 0;
}

/** Sets the guest-inhibit bits of `gfn`'s 2M range (hugepage_set_guest_inhibit, under mmu_lock held for write). */
export function setGuestInhibit(c: Ctx, gfn: number): void {
  if (c.m.hugeBase < 0) return;
  const span = c.m.span(2);
  const base = gfn & ~(span - 1);
  let bits = 0;
  for (let g = base; g < base + span; g++) bits |= 1 << g;
  c.put(c.m.hugeBase + HUGE.inhibit, c.st[c.m.hugeBase + HUGE.inhibit]! | bits);
  if (c.rec) c.touch(`guest inhibit g${base}..g${base + span - 1} (no private mapping above 4K)`);
}

/**
 * Finds the private huge leaf (level >= 2) of the mirror root that covers `gfn`, reading the walk's
 * entries; on success sets L.table (its table), L.level, L.gfn (= gfn) and L.old (the leaf) and
 * returns true.
 */
export function findPrivateHuge(c: Ctx, gfn: number): boolean {
  const m = c.m;
  let root = -1;
  for (let r = 0; r < m.geometry.roots; r++) {
    const fl = c.st[m.root(r, R.flags)]!;
    if ((fl & RF.used) !== 0 && (fl & RF.mirror) !== 0 && (fl & (RF.freed | RF.invalid)) === 0) root = r;
  }
  if (root < 0) return false;
  let tb = c.st[m.root(root, R.table)]!;
  for (let lv = m.geometry.levels; lv >= 2; lv--) {
    const v = c.read(tb, m.index(lv, gfn));
    if (isLink(v)) {
      tb = linkTable(v);
      continue;
    }
    if (!isLeaf(v) || leafLevel(v) !== lv) return false;
    c.setLoc(L.table, tb);
    c.setLoc(L.level, lv);
    c.setLoc(L.gfn, gfn);
    c.setLoc(L.old, v);
    c.setLoc(L.hook, m.septPos(lv, gfn) + 1);
    return true;
  }
  return false;
}

/**
 * The split of the private huge leaf {@link findPrivateHuge} found (tdx_sept_split_private_spte of
 * the RFC series "KVM: TDX huge page support for private memory", v3: RANGE.BLOCK and DEMOTE
 * through tdh_do_no_vcpus, tdx_track between them; no UNBLOCK after DEMOTE): RANGE.BLOCK, TRACK,
 * kick, TDH.MEM.PAGE.DEMOTE, then the mirror leaf is replaced by a link to a new mirror table of
 * 4K leaves (tdp_mmu_split_huge_page -> tdp_mmu_link_sp). TDX_OPERAND_BUSY is handled as on the
 * removal path (`tdxRemoveBusy`, mainline kick and retry once); any other error is KVM_BUG_ON (I7).
 * With `tdxDemoteLock` write the link is stored (mmu_lock held for write); with read it is CASed
 * over the leaf read before the SEAMCALLs. `prefix` names the steps; `after` is where the
 * operation continues.
 */
export function tdxDemoteSteps(o: Options, prefix: string, after: (c: Ctx) => void): StepDef[] {
  const noEntryLocks = (c: Ctx): boolean => (c.loc(L.retry) === REMOVAL_KICK.pending ? noTdcall(c) : (c.g(G.waitSeptZap) === 0 && c.loc(L.retry) !== 1) || vcpusOut(c));
  const target = (c: Ctx): [number, number] => {
    const lv = c.loc(L.level);
    return [lv, c.loc(L.gfn) & ~(c.m.span(lv) - 1)];
  };
  return [
    {
      name: `${prefix}block`,
      tdx: true,
      doc: 'split: TDH.MEM.RANGE.BLOCK on the private huge leaf (MAPPED/PENDING -> blocked, BEPOCH := TD_EPOCH); a BUSY is handled as on the removal path',
      guard: noEntryLocks,
      run: (c) => {
        if (kickAcknowledged(c, o)) return;
        const [lv, g0] = target(c);
        const retried = c.g(G.waitSeptZap) !== 0 || c.loc(L.retry) !== 0;
        const st = seamcall(c, 'TDH.MEM.RANGE.BLOCK', `g${g0} L${lv}`, rangeBlock(c, c.m, c.t, lv, g0));
        if (st === ST.busy && onBusy(c, o, 'RANGE.BLOCK')) return;
        if (st === ST.success && retried) c.seen(WITNESS['busy-retried']);
        if (st !== ST.success && st !== ST.busy) c.violate(7, `RANGE.BLOCK (split) returned ${TDX_STATUS[st]?.name}`);
        afterCall(c);
      },
    },
    {
      name: `${prefix}track`,
      tdx: true,
      doc: 'split: tdx_track: TDH.MEM.TRACK (TD_EPOCH++)',
      guard: noEntryLocks,
      run: (c) => {
        if (!o.tdxTrack) return;
        if (kickAcknowledged(c, o)) return;
        const retried = c.g(G.waitSeptZap) !== 0 || c.loc(L.retry) !== 0;
        const st = seamcall(c, 'TDH.MEM.TRACK', '', track(c, c.m));
        if ((st === ST.prevEpochBusy || st === ST.busy) && onBusy(c, o, 'TRACK')) return;
        if (st === ST.success && retried) c.seen(WITNESS['busy-retried']);
        if (st !== ST.success && st !== ST.prevEpochBusy && st !== ST.busy) c.violate(7, `TRACK (split) returned ${TDX_STATUS[st]?.name}`);
        afterCall(c);
      },
    },
    {
      name: `${prefix}kick`,
      tdx: true,
      doc: 'split: tdx_track kicks every vCPU out of guest mode so none still runs in the old epoch; the kick waits for a vCPU inside a guest TDCALL to end it',
      guard: (c) => !o.tdxTrack || noTdcall(c),
      run: (c) => {
        if (o.tdxTrack) kickAll(c);
      },
    },
    {
      name: `${prefix}demote`,
      tdx: true,
      doc: 'split: TDH.MEM.PAGE.DEMOTE (blocked and tracked 2M leaf -> NL_MAPPED over 4K leaves in its state unblocked); then the mirror leaf is replaced by a link to a mirror table of 4K leaves',
      guard: noEntryLocks,
      run: (c) => {
        if (kickAcknowledged(c, o)) return;
        const [lv, g0] = target(c);
        const retried = c.g(G.waitSeptZap) !== 0 || c.loc(L.retry) !== 0;
        const st = seamcall(c, 'TDH.MEM.PAGE.DEMOTE', `g${g0} L${lv}`, pageDemote(c, c.m, c.t, lv, g0));
        if (st === ST.busy && onBusy(c, o, 'PAGE.DEMOTE')) return;
        if (st === ST.success && retried) c.seen(WITNESS['busy-retried']);
        afterCall(c);
        if (st === ST.success) {
          const old = c.loc(L.old);
          const tb = c.loc(L.table);
          const ix = c.m.index(lv, c.loc(L.gfn));
          const nt = c.allocTable(lv - 1, g0, true);
          for (let i = 0; i < 2; i++) {
            c.put(c.m.entry(nt, i), (old & ~((3 << 9) | (63 << 3))) | ((lv - 1) << 9) | ((leafPfn(old) + i * c.m.span(lv - 1)) << 3));
          }
          if (o.tdxDemoteLock === 'write') c.store(tb, ix, mkLink(nt));
          else if (c.cas(tb, ix, old, mkLink(nt)) !== old) {
            c.unallocTable(nt);
            c.violate(6, 'the mirror huge leaf changed while it was split under the read lock: S-EPT was demoted, the mirror was not');
          }
          c.seen(WITNESS['private-demoted']);
        } else if (st !== ST.busy) {
          c.violate(7, `PAGE.DEMOTE returned ${TDX_STATUS[st]?.name}`);
        }
        // tdh_do_no_vcpus ends: the vCPUs may enter again
        c.setG(G.waitSeptZap, 0);
        c.setLoc(L.retry, 0);
        c.setLoc(L.hook, 0);
        after(c);
      },
    },
  ];
}
