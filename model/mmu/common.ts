/**
 * Building blocks shared by the operations: the TDP iterator (tdp_iter semantics, including the
 * restart after a yield), handle_removed_pt as a step-by-step walk, root iteration, witnesses.
 */
import { type Ctx, FROZEN, isLink, isLeaf, leafPfn, linkTable, mmuState, type StepDef, waitReadLock, waitWriteLock, WITNESS, WITNESS_DOC, type WitnessName } from '../../src/internal.js';
import type { Options } from './options.js';

const { G, L, F, R, RF, T } = mmuState;

/** The witnesses live in src/mmu/names.ts (step bodies name them); re-exported for the model layer. */
export { WITNESS, WITNESS_DOC, type WitnessName };

/** Returns the root-level of the machine. */
export const rootLevel = (c: Ctx): number => c.m.geometry.levels;

/** Starts an iterator at `rootTable` for `gfn`. */
export function iterStart(c: Ctx, rootTable: number, gfn: number): void {
  const lv = rootLevel(c);
  c.setLoc(L.level, lv);
  c.setLoc(L.it1 + lv - 1, rootTable);
  c.setLoc(L.gfn, gfn);
}
/** Returns the iterator's current table. */
export const iterTable = (c: Ctx): number => c.loc(L.it1 + c.loc(L.level) - 1);
/** Returns the iterator's current entry index. */
export const iterIndex = (c: Ctx): number => c.m.index(c.loc(L.level), c.loc(L.gfn));
/** Returns the S-EPT position code of the iterator's current entry. */
export const iterPos = (c: Ctx): number => c.m.septPos(c.loc(L.level), c.loc(L.gfn));
/** Steps down into `child` (the step context's public `iterDown`). */
export const iterDown = (c: Ctx, child: number): void => c.iterDown(child);
/** Steps to the next entry (sideways, then up); returns false when the walk passed `L.end`. */
export function iterAdvance(c: Ctx): boolean {
  let lv = c.loc(L.level);
  const span = c.m.span(lv);
  const gfn = (c.loc(L.gfn) & ~(span - 1)) + span;
  if (gfn >= c.loc(L.end) || gfn >= c.m.gfns) return false;
  const top = rootLevel(c);
  while (lv < top && c.m.index(lv, gfn) === 0) lv++;
  c.setLoc(L.level, lv);
  c.setLoc(L.gfn, gfn);
  return true;
}
/** tdp_iter_restart after a yield: back to the root at the same gfn (C1: optionally also advance). */
export function iterRestart(c: Ctx, o: Options): boolean {
  c.setLoc(L.level, rootLevel(c));
  if (o.advanceAfterYieldRestart) return iterAdvance(c);
  return true;
}

/**
 * Starts handle_removed_pt on `table` (already unlinked from its parent). Its first act,
 * tdp_mmu_unlink_sp, unaccounts the table: with NX metadata, a table whose
 * nx_huge_page_disallowed is set has it cleared and leaves possible_nx_huge_pages, under
 * tdp_mmu_pages_lock (always taken since 250ce1b4d21a).
 */
export function rmStart(c: Ctx, table: number): void {
  if (c.nxFlag(table)) {
    c.pagesLock();
    c.nxSet(mmuState.NX.flag, table, false);
    c.nxSet(mmuState.NX.list, table, false);
    c.pagesUnlock();
  }
  c.unlinkTable(table);
  c.setLoc(L.rmSp, 1);
  c.setLoc(L.rmT0, table);
  c.setLoc(L.rmI0, 0);
}
/** Guard of a removal step: under the read lock, spin while the next child is FROZEN by its transient owner. */
export function rmGuard(c: Ctx, shared: boolean): boolean {
  if (!shared) return true;
  const sp = c.loc(L.rmSp);
  if (sp === 0) return true;
  const t = c.loc(sp === 1 ? L.rmT0 : L.rmT1);
  const i = c.loc(sp === 1 ? L.rmI0 : L.rmI1);
  if (i >= 2) return true;
  return c.st[c.m.entry(t, i)] !== FROZEN;
}
/** One step of handle_removed_pt; returns true when the removal finished. */
export function rmStep(c: Ctx, shared: boolean): boolean {
  const sp = c.loc(L.rmSp);
  if (sp === 0) return true;
  const tK = sp === 1 ? L.rmT0 : L.rmT1;
  const iK = sp === 1 ? L.rmI0 : L.rmI1;
  const t = c.loc(tK);
  const i = c.loc(iK);
  if (i >= 2) {
    if (shared && c.st[c.m.table(t, T.mirror)] === 1) c.violate(8, `mirror table t${t} removed with mmu_lock held for read`);
    c.callRcuFree(t);
    c.setLoc(tK, 0);
    c.setLoc(iK, 0);
    c.setLoc(L.rmSp, sp - 1);
    if (sp === 1) c.seen(WITNESS['table-removed']);
    return sp === 1;
  }
  let old: number;
  if (shared) {
    old = c.xchg(t, i, FROZEN);
  } else {
    old = c.read(t, i);
    c.store(t, i, FROZEN);
  }
  c.setLoc(iK, i + 1);
  if (isLink(old)) {
    const child = linkTable(old);
    c.unlinkTable(child);
    c.setLoc(L.rmSp, sp + 1);
    c.setLoc(L.rmT1, child);
    c.setLoc(L.rmI1, 0);
  } else if (isLeaf(old)) {
    c.leafRemoved(old);
  }
  return false;
}

/** Allocates (direct) the table of leaves reproducing huge leaf `old` at `level` (children at level - 1) for `gfn`; returns its id. */
export function splitTable(c: Ctx, old: number, level: number, gfn: number): number {
  const tb = c.allocTable(level - 1, gfn, false);
  for (let i = 0; i < 2; i++) {
    c.put(c.m.entry(tb, i), (old & ~((3 << 9) | (63 << 3))) | ((level - 1) << 9) | ((leafPfn(old) + i * c.m.span(level - 1)) << 3));
  }
  return tb;
}

/** Root filters of a walk. */
export type RootFilter = 'shared' | 'private' | 'both';

/**
 * Finds the next root slot from `L.aux2` matching the filter, takes a reference on it (increment
 * if not zero) and starts RCU and the iterator at `L.gfn` = `start`; returns false when none is left.
 */
export function nextRoot(c: Ctx, filter: RootFilter, includeInvalid: boolean, start: number, takeRef: boolean): boolean {
  const m = c.m;
  for (let r = c.loc(L.aux2); r < m.geometry.roots; r++) {
    const fl = c.st[m.root(r, R.flags)]!;
    if ((fl & RF.used) === 0 || (fl & RF.freed) !== 0) continue;
    const mirror = (fl & RF.mirror) !== 0;
    if ((filter === 'shared' && mirror) || (filter === 'private' && !mirror)) continue;
    if (!includeInvalid && (fl & RF.invalid) !== 0) continue;
    if (takeRef) {
      if (!c.getRoot(r)) continue;
      c.flag(F.rootRef, true);
    }
    c.setLoc(L.root, r);
    c.setLoc(L.aux2, r + 1);
    iterStart(c, c.st[m.root(r, R.table)]!, start);
    return true;
  }
  return false;
}

/**
 * Drops the walk's root reference (if any). `free` false (`walkPutFreesRoot`, the code before
 * a889ea54b3da): the count is only decremented, a last reference does not free the root.
 */
export function dropRoot(c: Ctx, free = true): void {
  if (c.has(F.rootRef)) {
    c.flag(F.rootRef, false);
    const r = c.loc(L.root);
    if (free) {
      c.putRoot(r);
      return;
    }
    const o = c.m.root(r, R.ref);
    c.put(o, c.st[o]! - 1);
    c.touch(`put root${r} without freeing it (ref ${c.st[o]})`);
  }
}

/** Returns true when root `r` is invalid. */
export const rootInvalid = (c: Ctx, r: number): boolean => (c.st[c.m.root(r, R.flags)]! & RF.invalid) !== 0;
/** Returns true when root `r` is a mirror root. */
export const rootMirror = (c: Ctx, r: number): boolean => (c.st[c.m.root(r, R.flags)]! & RF.mirror) !== 0;

/** Returns the gfn bitmask of [start, end). */
export const rangeMask = (start: number, end: number): number => ((1 << end) - 1) & ~((1 << start) - 1);
// ---- the memslots generation (virt/kvm/kvm_main.c kvm_swap_active_memslots; mmu.c check_mmio_spte) ----

/**
 * The MMIO generation an MMIO SPTE stores for memslots generation word `gen` ({@link mmuState.G}.gen):
 * the number without the update-in-progress flag (spte.h: the flag is not part of the MMIO
 * generation), truncated to the layout's `mmioGenBits` (the kernel keeps 19 bits: 0-7 at SPTE bits
 * 3-10, 8-18 at SPTE bits 52-62; MMIO_SPTE_GEN_MASK in spte.h).
 */
export const mmioGenOf = (m: { readonly mmioGenMask: number }, gen: number): number => (gen >> 1) & m.mmioGenMask;
/** Returns true when an MMIO SPTE of generation `spteGen` is a cache hit under memslots generation `gen` (check_mmio_spte: never while an update is in progress). */
export const mmioGenCurrent = (m: { readonly mmioGenMask: number }, gen: number, spteGen: number): boolean => (gen & 1) === 0 && mmioGenOf(m, gen) === spteGen;

/**
 * New memslots are published (rcu_assign_pointer of the inactive set): mainline they carry the old
 * generation with the update-in-progress flag (`memslotGenUpdate` in-progress, ee3d1570b586);
 * before ee3d1570b586 they carry the incremented generation already.
 */
export function publishMemslots(c: Ctx, o: Options): void {
  const g = c.g(G.gen);
  c.setG(G.gen, o.memslotGenUpdate === 'in-progress' ? g | 1 : g + 2);
}
/** synchronize_srcu returned: the flag is dropped and the generation incremented (in-progress); nothing before ee3d1570b586. */
export function memslotsSynced(c: Ctx, o: Options): void {
  if (o.memslotGenUpdate === 'in-progress' && (c.g(G.gen) & 1) !== 0) c.setG(G.gen, (c.g(G.gen) & ~1) + 2);
}

/**
 * vcpu_cache_mmio_info for `gfn` (kvm_handle_noslot_fault, handle_mmio_page_fault): the running
 * vCPU caches the gfn with the memslots generation word, unless a memslot update is in progress
 * (ddfd1730fd82); nothing without the per-vCPU MMIO cache (scenario field `mmioCache`) or on a host
 * thread.
 */
export function cacheMmioInfo(c: Ctx, gfn: number): void {
  if (c.m.mmioCacheBase < 0 || c.t >= c.vcpus) return;
  const g = c.g(G.gen);
  if ((g & 1) !== 0) {
    c.note(`memslot update in progress: g${gfn} is not put in the vCPU's MMIO cache (ddfd1730fd82)`);
    return;
  }
  c.put(c.m.mmioCache(c.t, mmuState.MC.gfn), gfn + 1);
  c.put(c.m.mmioCache(c.t, mmuState.MC.gen), g);
}
/**
 * mmio_info_in_cache for `gfn` (vcpu_match_mmio_gpa): the running vCPU's MMIO cache names the gfn
 * and, with `mmioCacheGenCheck` (56f17dd3fbc4), its generation is the current one.
 */
export function mmioCacheHit(c: Ctx, gfn: number, o: Options): boolean {
  if (c.m.mmioCacheBase < 0 || c.t >= c.vcpus) return false;
  if (c.st[c.m.mmioCache(c.t, mmuState.MC.gfn)] !== gfn + 1) return false;
  return !o.mmioCacheGenCheck || c.st[c.m.mmioCache(c.t, mmuState.MC.gen)] === c.g(G.gen);
}

/** Returns the state of the memslot holding `gfn` ({@link mmuState.SLOT}); a gfn outside every slot reads as deleted (no memslot). */
export function slotStateOf(c: Ctx, gfn: number): number {
  const o = c.m.slotOf(gfn, mmuState.MS.state);
  return o < 0 ? mmuState.SLOT.deleted : c.st[o]!;
}
/** Returns the dirty-logging state (0 off, 1 enabling, 2 on) of the memslot holding `gfn` (0 outside every slot). */
export function dirtyLogOf(c: Ctx, gfn: number): number {
  const o = c.m.slotOf(gfn, mmuState.MS.dirtyLog);
  return o < 0 ? 0 : c.st[o]!;
}
/** Returns true when an invalidation covering `gfn` is in flight or the sequence moved (mmu_invalidate_retry_gfn). */
export function invalidationRetry(c: Ctx, gfn: number): boolean {
  return (c.g(G.inProgress) > 0 && (c.g(G.range) & (1 << gfn)) !== 0) || c.g(G.seq) !== c.loc(L.seq);
}

/** A step taking mmu_lock for read. */
export const lockReadStep = (name = 'lock-read'): StepDef => ({
  name,
  doc: 'read_lock(&kvm->mmu_lock)',
  wantsLock: 'read',
  guard: waitReadLock,
  run: (c) => c.lockRead(),
});
/** A step taking mmu_lock for write. */
export const lockWriteStep = (name = 'lock-write'): StepDef => ({
  name,
  doc: 'write_lock(&kvm->mmu_lock)',
  wantsLock: 'write',
  guard: waitWriteLock,
  run: (c) => c.lockWrite(),
});
/** A step releasing mmu_lock (breaks I4 if a flush is pending). */
export const unlockStep = (name = 'unlock'): StepDef => ({ name, doc: 'release mmu_lock', run: (c) => c.unlock() });
/** A step flushing remote TLBs if a flush is pending. */
export const flushStep = (name = 'flush'): StepDef => ({
  name,
  doc: 'kvm_flush_remote_tlbs if anything was zapped or write-protected',
  run: (c) => {
    if (c.has(F.flush)) c.flushRemote();
  },
});

/**
 * Yield check at the top of a walk loop (tdp_mmu_iter_cond_resched): when another thread waits
 * for mmu_lock and the walk made progress since its last yield (`yieldNeedsProgress`), flush if pending (option),
 * drop RCU and mmu_lock, and continue at `relock`; the flush comes before rcu_read_unlock
 * (bd29677952fa, option `yieldFlushBeforeRcu`). Returns true when it yielded.
 */
export function maybeYield(c: Ctx, o: Options, relock = 'relock'): boolean {
  const gfn = c.loc(L.gfn);
  // yieldNeedsProgress (ed5e484b79e8): no second yield at the gfn of the last one (no progress since)
  if (!c.contended() || (o.yieldNeedsProgress && c.loc(L.yieldedGfn) === gfn + 1)) return false;
  if (c.has(F.flush) && o.yieldFlushFirst && !o.yieldFlushBeforeRcu) {
    // before bd29677952fa: rcu_read_unlock first (the grace period may end and free a table the
    // walk removed), then the flush, then the lock is dropped
    c.rcuUnlock();
    c.flushRemote();
  } else {
    if (c.has(F.flush) && o.yieldFlushFirst) c.flushRemote();
    c.rcuUnlock();
  }
  c.unlock();
  c.setLoc(L.yieldedGfn, gfn + 1);
  c.seen(WITNESS.yielded);
  c.note(`yield at g${gfn}`);
  c.goto(relock);
  return true;
}
/** The step re-taking mmu_lock (and RCU) after a yield, restarting the walk at the root (step names prefixed by `p`). */
export function relockStep(mode: 'read' | 'write', o: Options, onDone: string, p = ''): StepDef {
  return {
    name: `${p}relock`,
    doc: `cond_resched_rwlock_${mode}: re-take mmu_lock, rcu_read_lock, restart the walk from the root (iter->yielded)`,
    wantsLock: mode,
    guard: mode === 'read' ? waitReadLock : waitWriteLock,
    run: (c) => {
      if (mode === 'read') c.lockRead();
      else c.lockWrite();
      c.rcuLock();
      if (!iterRestart(c, o)) c.goto(onDone);
      else c.goto(`${p}read`);
    },
  };
}

// ---- shared TDP walk steps (for_each_tdp_pte) ------------------------------------------------------

/** Moves the walk to the next entry of the range (step 'read') or, past its end, to step `done`. */
export function advanceOr(c: Ctx, done = 'root-done'): void {
  if (iterAdvance(c)) c.goto('read');
  else c.goto(done);
}

/** The root iterator of a walk: which roots it visits, over which range, and where it goes when none is left. */
export interface WalkRoots {
  /** Doc of the 'next-root' step. */
  readonly doc: string;
  readonly filter: RootFilter;
  readonly includeInvalid: boolean;
  /** First gfn of the walk. */
  readonly start: number;
  /** End of the walk (exclusive gfn), stored in `L.end` for each root. */
  readonly end: number;
  /** Take (and later put) a reference on each root (yield-safe iterator). */
  readonly takeRef: boolean;
  /** Step to go to when the roots are exhausted. */
  readonly exhausted: string;
  /** Checked before looking for a root: when true the walk ends as if no root was left. */
  readonly skip?: (c: Ctx) => boolean;
}

/** The per-entry read of a walk: R(e), descend through links, hand other entries to `leaf`. */
export interface WalkRead {
  /** Doc of the 'read' step. */
  readonly doc: string;
  /** With options: a yield point (maybeYield) before the read. */
  readonly yieldOpts?: Options;
  /** Store the value read in `L.old`. */
  readonly saveOld: boolean;
  /** For an entry that is not a link above 4K: the step acting on it, or undefined to advance. */
  readonly leaf: (c: Ctx, old: number, level: number) => string | undefined;
  /** For a link above 4K: the step acting on it instead of descending, or undefined to descend (default). */
  readonly link?: (c: Ctx, old: number, level: number) => string | undefined;
}

/** Step 'next-root': next root of the walk (reference if asked), iterator at the start, rcu_read_lock. */
export function nextRootStep(p: WalkRoots): StepDef {
  return {
    name: 'next-root',
    doc: p.doc,
    run: (c) => {
      if ((p.skip !== undefined && p.skip(c)) || !nextRoot(c, p.filter, p.includeInvalid, p.start, p.takeRef)) {
        c.goto(p.exhausted);
        return;
      }
      c.setLoc(L.end, p.end);
      c.rcuLock();
    },
  };
}

/** Step 'read': R(e) (after an optional yield point); descend through links above 4K, else the leaf action or advance. */
export function walkReadStep(p: WalkRead): StepDef {
  return {
    name: 'read',
    doc: p.doc,
    run: (c) => {
      if (p.yieldOpts !== undefined && maybeYield(c, p.yieldOpts)) return;
      const old = c.read(iterTable(c), iterIndex(c));
      if (p.saveOld) c.setLoc(L.old, old);
      const lv = c.loc(L.level);
      if (isLink(old) && lv > 1) {
        const at = p.link?.(c, old, lv);
        if (at !== undefined) {
          c.goto(at);
          return;
        }
        iterDown(c, linkTable(old));
        c.stay();
        return;
      }
      const to = p.leaf(c, old, lv);
      if (to !== undefined) c.goto(to);
      else advanceOr(c);
    },
  };
}

/** Step 'root-done': (`before`, e.g. a flush owed under RCU), rcu_read_unlock, put the root reference if `putRef` (freeing it at zero unless `free` is false), next root. */
export function rootDoneStep(doc: string, putRef: boolean, free = true, before?: (c: Ctx) => void): StepDef {
  return {
    name: 'root-done',
    doc,
    run: (c) => {
      if (before !== undefined) before(c);
      c.rcuUnlock();
      if (putRef) dropRoot(c, free);
      c.goto('next-root');
    },
  };
}

/**
 * Returns the steps of a leaf walk over the roots (for_each_tdp_pte): 'next-root', 'read', the
 * per-leaf `body` steps, 'root-done'. Body steps continue the walk with `advanceOr`.
 */
export function leafWalkSteps(roots: WalkRoots, read: WalkRead, body: readonly StepDef[], rootDone: { readonly doc: string; readonly putRef: boolean; readonly free?: boolean; readonly before?: (c: Ctx) => void }): StepDef[] {
  return [nextRootStep(roots), walkReadStep(read), ...body, rootDoneStep(rootDone.doc, rootDone.putRef, rootDone.free ?? true, rootDone.before)];
}

// ---- sleeping locks held across steps (kvm->slots_lock, a guest_memfd's filemap_invalidate_lock) ----

/** Returns true when no other thread holds kvm->slots_lock. */
export function slotsLockFree(c: Ctx): boolean {
  for (let t = 0; t < c.m.geometry.threads; t++) if (t !== c.t && c.slotsHeld(c.st, t)) return false;
  return true;
}

/** Returns true when no other thread holds the guest_memfd's filemap_invalidate_lock. */
export function gmemLockFree(c: Ctx): boolean {
  for (let t = 0; t < c.m.geometry.threads; t++) if (t !== c.t && (c.st[c.m.local(t, L.flags)]! & F.gmem) !== 0) return false;
  return true;
}

/**
 * Returns `steps` run holding the sleeping locks named: the first step also waits for and takes
 * them, the last step also releases them (folded into existing steps: with no other user of a
 * lock the states are those of the bare steps). The last step must end the operation (no loop
 * goes back from it); a retry that restarts at the first step takes the locks again (a no-op).
 */
export function underLocks(steps: StepDef[], locks: { readonly slots?: boolean; readonly gmem?: boolean }): StepDef[] {
  const bits = (locks.slots === true ? F.slots : 0) | (locks.gmem === true ? F.gmem : 0);
  if (bits === 0) return steps;
  const free = (c: Ctx): boolean => (locks.slots !== true || slotsLockFree(c)) && (locks.gmem !== true || gmemLockFree(c));
  const names = [locks.slots === true ? 'kvm->slots_lock' : '', locks.gmem === true ? 'filemap_invalidate_lock' : ''].filter((x) => x !== '').join(', ');
  const first = steps[0]!;
  const last = steps[steps.length - 1]!;
  const firstGuard = first.guard;
  const firstRun = first.run;
  const lastRun = last.run;
  if (steps.length === 1) {
    return [{ ...first, doc: `take ${names}; ${first.doc}; release them`, guard: firstGuard ? (c) => free(c) && firstGuard(c) : free, run: (c) => { c.flag(bits, true); firstRun(c); c.flag(bits, false); } }];
  }
  return [
    { ...first, doc: `take ${names}; ${first.doc}`, guard: firstGuard ? (c) => free(c) && firstGuard(c) : free, run: (c) => { c.flag(bits, true); firstRun(c); } },
    ...steps.slice(1, -1),
    { ...last, doc: `${last.doc}; release ${names}`, run: (c) => { lastRun(c); c.flag(bits, false); } },
  ];
}
