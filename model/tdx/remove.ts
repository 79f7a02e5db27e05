/**
 * KVM's removal of a private 4K page (remove_external_spte -> tdx_sept_remove_private_spte),
 * always with mmu_lock held for write and after the mirror SPTE was already cleared:
 * RANGE.BLOCK, TRACK, kick, PAGE.REMOVE (§2.14.3). BUSY is retried once after
 * tdx_no_vcpus_enter_start (wait_for_sept_zap + kick); any other error is KVM_BUG_ON (I7).
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

/**
 * Handles a BUSY status the KVM way: first time set wait_for_sept_zap, kick, and retry the same
 * step; a second BUSY is KVM_BUG_ON. Returns true when the step should run again.
 */
function busyRetry(c: Ctx, what: string): boolean {
  if (c.g(G.waitSeptZap) === 0) {
    c.setG(G.waitSeptZap, 1);
    kickAll(c);
    c.stay();
    return true;
  }
  c.violate(7, `${what} still busy after tdx_no_vcpus_enter_start`);
  return false;
}

/** Returns true when no other thread holds an S-EPT entry lock (a guest TDCALL in progress). */
function noEntryLocks(c: Ctx): boolean {
  if (c.g(G.waitSeptZap) === 0) return true;
  for (let pos = 0; pos < c.m.septCount; pos++) {
    const o = (c.s[c.m.septBase + pos]! >> 12) & 15;
    if (o !== 0 && o !== c.t + 1) return false;
  }
  return true;
}

/** The removal steps; `after` is the step the walk continues at. `level`/`gfn` come from the iterator locals. */
export function tdxRemoveSteps(o: Options, after: (c: Ctx) => void): StepDef[] {
  return [
    {
      name: 'block',
      doc: 'TDH.MEM.RANGE.BLOCK on the private page (MAPPED/PENDING -> BLOCKED, BEPOCH := TD_EPOCH); after a BUSY, the retry waits for the kicked vCPUs',
      guard: noEntryLocks,
      run: (c) => {
        const lv = c.loc(L.level);
        const gfn = c.loc(L.gfn) & ~(c.m.span(lv) - 1);
        const st = seamcall(c, 'TDH.MEM.RANGE.BLOCK', `g${gfn} L${lv}`, rangeBlock(c.s, c.m, c.t, lv, gfn));
        if (st === ST.busy && busyRetry(c, 'RANGE.BLOCK')) return;
        if (st !== ST.success && st !== ST.busy) c.violate(7, `RANGE.BLOCK returned ${TDX_STATUS[st]?.name}`);
      },
    },
    {
      name: 'track',
      doc: 'tdx_track: TDH.MEM.TRACK (TD_EPOCH++)',
      guard: noEntryLocks,
      run: (c) => {
        if (!o.tdxTrack) return;
        const st = seamcall(c, 'TDH.MEM.TRACK', '', track(c.s));
        if (st === ST.prevEpochBusy && busyRetry(c, 'TRACK')) return;
        if (st !== ST.success && st !== ST.prevEpochBusy) c.violate(7, `TRACK returned ${TDX_STATUS[st]?.name}`);
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
        const lv = c.loc(L.level);
        const gfn = c.loc(L.gfn) & ~(c.m.span(lv) - 1);
        const old = c.loc(L.old);
        const st = seamcall(c, 'TDH.MEM.PAGE.REMOVE', `g${gfn} L${lv}`, pageRemove(c.s, c.m, c.t, lv, gfn));
        if (st === ST.busy && busyRetry(c, 'PAGE.REMOVE')) return;
        if (st === ST.success) {
          c.seen(WITNESS['private-removed']);
          const pfn = (old >> 3) & 63;
          for (let k = 0; k < c.m.span(lv); k++) if (pfn + k < c.m.geometry.pages) c.s[c.m.page(pfn + k)] = c.s[c.m.page(pfn + k)]! & ~P.pin;
        } else if (st !== ST.busy) {
          c.violate(7, `PAGE.REMOVE returned ${TDX_STATUS[st]?.name}`);
        }
        c.setG(G.waitSeptZap, 0);
        c.setLoc(L.hook, 0);
        after(c);
      },
    },
  ];
}
