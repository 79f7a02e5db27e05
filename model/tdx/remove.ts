/**
 * KVM's removal of a private 4K page (remove_external_spte -> tdx_sept_remove_private_spte),
 * always with mmu_lock held for write and after the mirror SPTE was already cleared:
 * RANGE.BLOCK, TRACK, kick, PAGE.REMOVE (§2.14.3). TDX_OPERAND_BUSY is handled by
 * `tdxRemoveBusy` (mainline: retried once after wait_for_sept_zap + kick); any other error is
 * KVM_BUG_ON (I7).
 */
import { type Ctx, mmuState, type StepDef } from '../../src/internal.js';
import { WITNESS } from '../mmu/common.js';
import type { Options } from '../mmu/options.js';
import { pageRemove, rangeBlock, ST, TDX_STATUS, track } from './module.js';

const { G, L, P } = mmuState;

/** Kicks every vCPU out of guest mode and waits (KVM_REQ_OUTSIDE_GUEST_MODE). */
export function kickAll(c: Ctx): void {
  c.tdx.kickAll();
}

/** Records a SEAMCALL and its status (an index into TDX_STATUS) in the trace; returns the status (see `Ctx.recordSeamcall`). */
export function seamcall(c: Ctx, name: string, args: string, st: number): number {
  return c.recordSeamcall(name, args, st);
}

/** The SEAMCALLs of the removal whose TDX_OPERAND_BUSY KVM handles. */
type RemovalCall = 'RANGE.BLOCK' | 'TRACK' | 'PAGE.REMOVE';

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
 */
function onBusy(c: Ctx, o: Options, what: RemovalCall): boolean {
  switch (o.tdxRemoveBusy) {
    case 'no-vcpus-retry-once':
      if (c.g(G.waitSeptZap) === 0) {
        c.setG(G.waitSeptZap, 1);
        kickAll(c);
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
    case 'kick-retry-once':
      if (c.loc(L.retry) === 0) {
        kickAll(c);
        c.setLoc(L.retry, 1);
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
function vcpusOut(c: Ctx): boolean {
  for (let pos = 0; pos < c.m.septCount; pos++) {
    const o = (c.s[c.m.septBase + pos]! >> 12) & 15;
    if (o !== 0 && o !== c.t + 1) return false;
  }
  return c.m.tdxBase < 0 || (c.s[c.m.tdx(mmuState.TX.tree)] === 0 && c.s[c.m.tdx(mmuState.TX.epoch)] === 0);
}

/** The removal steps; `after` is the step the walk continues at. `level`/`gfn` come from the iterator locals. */
export function tdxRemoveSteps(o: Options, after: (c: Ctx) => void): StepDef[] {
  /** The retry after a kick waits for the kicked vCPUs (wait_for_sept_zap set, or the kick-retry marker). */
  const noEntryLocks = (c: Ctx): boolean => (c.g(G.waitSeptZap) === 0 && c.loc(L.retry) !== 1) || vcpusOut(c);
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
        const st = seamcall(c, 'TDH.MEM.RANGE.BLOCK', `g${gfn} L${lv}`, rangeBlock(c.s, c.m, c.t, lv, gfn));
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
        const st = seamcall(c, 'TDH.MEM.TRACK', '', track(c.s, c.m));
        if ((st === ST.prevEpochBusy || st === ST.busy) && onBusy(c, o, 'TRACK')) return;
        if (st === ST.success && retried) c.seen(WITNESS['busy-retried']);
        if (st !== ST.success && st !== ST.prevEpochBusy && st !== ST.busy) c.violate(7, `TRACK returned ${TDX_STATUS[st]?.name}`);
        afterCall(c);
      },
    },
    {
      name: 'kick',
      doc: 'tdx_track: kick every vCPU out of guest mode so none still runs in the old epoch',
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
        const st = seamcall(c, 'TDH.MEM.PAGE.REMOVE', `g${gfn} L${lv}`, pageRemove(c.s, c.m, c.t, lv, gfn));
        if (st === ST.busy && onBusy(c, o, 'PAGE.REMOVE')) return;
        if (st === ST.success && retried) c.seen(WITNESS['busy-retried']);
        if (st === ST.success) {
          c.seen(WITNESS['private-removed']);
          const pfn = (old >> 3) & 63;
          for (let k = 0; k < c.m.span(lv); k++) if (pfn + k < c.m.geometry.pages) c.s[c.m.page(pfn + k)] = c.s[c.m.page(pfn + k)]! & ~P.pin;
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
