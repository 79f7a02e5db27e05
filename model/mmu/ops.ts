/**
 * The other operations as step programs: guest access (TLB, hardware walk with A/D, TDX ACCEPT),
 * mmu_notifier / guest_memfd zap of a range, fast zap of all roots, memslot deletion, dirty
 * logging enable, aging, root unload. Each step is one shared access; see the protocol sheet
 * sections named in each doc string.
 */
import {
  type Ctx,
  FROZEN,
  isLeaf,
  isLink,
  isPresent,
  leafA,
  leafAllows,
  leafAT,
  leafD,
  leafLevel,
  leafPfn,
  leafW,
  linkTable,
  mmioGen,
  mmuState,
  NP,
  type OpInstance,
  spteKind,
  SpteKind,
  type StepDef,
  waitReadLock,
  withA,
  withAT,
  withD,
  withW,
} from '../../src/internal.js';
import { ACCEPT, acceptAt, acceptBegin, HOST_PRIORITY, SEPT, septGuestLeafFor, septLeafFor, septPfn, septState, septWord, ST, vpEnter, vpEnterBegin, vpEnterEnd, zeroStepOn, zeroStepProgress, zeroStepViolation } from '../tdx/module.js';
import { seamcall } from '../tdx/remove.js';
import { findPrivateHuge, tdxDemoteSteps, tdxRemoveSteps } from '../tdx/remove.js';
import { reloadRoot } from './fault.js';
import {
  advanceOr,
  dirtyLogOf,
  cacheMmioInfo,
  memslotsSynced,
  mmioCacheHit,
  mmioGenCurrent,
  mmioGenOf,
  publishMemslots,
  dropRoot,
  flushStep,
  iterAdvance,
  iterDown,
  iterIndex,
  iterPos,
  slotStateOf,
  iterStart,
  iterTable,
  leafWalkSteps,
  lockReadStep,
  lockWriteStep,
  maybeYield,
  rangeMask,
  relockStep,
  rmGuard,
  rmStart,
  rmStep,
  type RootFilter,
  rootInvalid,
  rootMirror,
  unlockStep,
  WITNESS,
} from './common.js';
import type { Options } from './options.js';

const { G, L, F, R, RF, V, REQ, P, TLB, MS, SLOT } = mmuState;

/** The memslot an operation works on: its index in the layout's slots, its id and its gfn range. */
export interface SlotRef {
  readonly index: number;
  readonly id: number;
  readonly base: number;
  readonly pages: number;
}

const isTdx = (c: Ctx): boolean => c.g(G.privateGfns) !== 0;

// ---- guest access ------------------------------------------------------------------------------

/** Parameters of a guest memory access. */
export interface AccessParams {
  readonly gfn: number;
  readonly write?: boolean;
  /**
   * The level the guest accepts a pending private gfn at (TDG.MEM.PAGE.ACCEPT: 1 = 4K, 2 = 2M,
   * retried at 4K on TDX_PAGE_SIZE_MISMATCH as the Linux guest's try_accept_one does); default: the
   * level S-EPT maps it at (a guest that knows the mapping).
   */
  readonly accept?: number;
}

/** Performs the access itself on the host page `pfn` (checks I3 and the dirty-logging half of I5). */
function touchPage(c: Ctx, gfn: number, pfn: number, write: boolean, priv: boolean): void {
  const o = c.m.page(pfn);
  const w = c.st[o]!;
  if ((w & P.stateMask) === P.freed) c.violate(3, `guest accessed g${gfn} through a stale mapping to freed page ${pfn}`);
  if (!write) return;
  c.put(o, w | P.wrote);
  c.seen(WITNESS['guest-wrote']);
  if (!priv && dirtyLogOf(c, gfn) === 2 && (c.g(G.bitmap) & (1 << gfn)) === 0) {
    // a harvest in flight took this bit and has not flushed yet: the write precedes its return (not lost)
    if ((c.g(G.harvest) & (1 << gfn)) !== 0) c.seen(WITNESS['harvest-raced']);
    else c.violate(5, `guest wrote g${gfn} while dirty logging is on and its dirty bit is clear`);
  }
}

/**
 * Returns the guest access steps: enter, access (TLB hit or walk), ACCEPT for PENDING private pages.
 * With the TDX module's locks (`tdxLocks`), TDH.VP.ENTER takes two steps (§1.8): it holds the
 * epoch lock, and under zero-step mitigation the S-EPT tree lock, between them.
 */
export function accessSteps(p: AccessParams, o: Options, tdxLocks = false): StepDef[] {
  const write = p.write === true;
  const gfn = p.gfn;
  const enter = (c: Ctx): void => {
    if (c.vcpu(c.t, V.mode) === 1) return;
    if ((c.vcpu(c.t, V.req) & REQ.freeObsoleteRoots) !== 0) {
      // KVM_REQ_MMU_FREE_OBSOLETE_ROOTS is serviced before entry: put obsolete roots, load a valid one
      reloadRoot(c, false);
      c.setVcpu(c.t, V.req, c.vcpu(c.t, V.req) & ~REQ.freeObsoleteRoots);
      c.touch('reload roots');
    }
    if (isTdx(c)) vpEnter(c, c.m, c.t);
    else c.setVcpu(c.t, V.mode, 1);
    c.touch('VM entry');
  };
  const canEnter = (c: Ctx): boolean =>
    c.vcpu(c.t, V.mode) === 1 ||
    (c.g(G.waitSeptZap) === 0 && c.g(G.tdState) === 0 && ((c.vcpu(c.t, V.req) & REQ.freeObsoleteRoots) === 0 || c.canRead()));
  const serviceRequests = (c: Ctx): void => {
    if ((c.vcpu(c.t, V.req) & REQ.freeObsoleteRoots) !== 0) {
      reloadRoot(c, false);
      c.setVcpu(c.t, V.req, c.vcpu(c.t, V.req) & ~REQ.freeObsoleteRoots);
      c.touch('reload roots');
    }
  };
  const enterSteps: StepDef[] = !tdxLocks
    ? [
        {
          name: 'enter',
          doc: 'VM entry (TDX: TDH.VP.ENTER takes an epoch reference and flushes the TLB when the epoch changed); blocked while wait_for_sept_zap and before TDH.MR.FINALIZE',
          guard: canEnter,
          run: enter,
        },
      ]
    : [
        {
          name: 'enter',
          doc: 'TDH.VP.ENTER begins: the TD epoch lock shared and, under zero-step mitigation, the S-EPT tree lock exclusively (TDX_OPERAND_BUSY: KVM enters again); blocked while wait_for_sept_zap and before TDH.MR.FINALIZE',
          guard: canEnter,
          run: (c) => {
            if (c.vcpu(c.t, V.mode) === 1) {
              c.goto('access');
              return;
            }
            serviceRequests(c);
            if (!isTdx(c)) {
              c.setVcpu(c.t, V.mode, 1);
              c.goto('access');
              return;
            }
            const zs = zeroStepOn(c.st, c.m, c.t);
            const st = seamcall(c, 'TDH.VP.ENTER', c.rec ? `vcpu${c.t}${zs ? ' (zero-step mitigation)' : ''}` : '', vpEnterBegin(c, c.m, c.t));
            if (st === ST.busy) {
              c.stay();
              return;
            }
            if (zs) c.seen(WITNESS['zero-step']);
          },
        },
        {
          name: 'entered',
          doc: 'TDH.VP.ENTER ends: its locks are released and the guest runs; under zero-step mitigation with the gfn still unmapped it ends in the same EPT violation, and with a kick pending (wait_for_sept_zap) the vCPU exits at once and waits to enter again',
          run: (c) => {
            if (vpEnterEnd(c, c.m, c.t)) {
              c.touch('VM entry');
              return;
            }
            if (c.g(G.waitSeptZap) !== 0) {
              c.note('kick pending: exit at once');
              c.goto('enter');
              return;
            }
            if (c.rec) c.note(`zero-step mitigation: g${c.st[c.m.zeroStep(c.t)]! >> 4} still unmapped, EPT violation again`);
            c.goto('end');
          },
        },
      ];
  return [
    ...enterSteps,
    {
      name: 'access',
      doc: 'guest access: TLB hit, or an atomic hardware walk that sets A/D and fills the TLB, or an EPT violation',
      guard: canEnter,
      run: (c) => {
        if (c.vcpu(c.t, V.mode) !== 1) {
          // kicked out meanwhile: re-enter first
          if (tdxLocks) {
            c.goto('enter');
            return;
          }
          enter(c);
          c.stay();
          return;
        }
        const m = c.m;
        const priv = (c.g(G.privateGfns) & (1 << gfn)) !== 0;
        const to = m.tlb(c.t, gfn);
        const e = c.st[to]!;
        if (e !== 0 && (!write || ((e & TLB.w) !== 0 && ((e & TLB.d) !== 0 || !o.eptAd)))) {
          if (c.rec) c.touch(`TLB hit g${gfn}`);
          touchPage(c, gfn, (e >> 1) & 63, write, priv);
          if (priv) zeroStepProgress(c, m, c.t);
          c.goto('end');
          return;
        }
        if (priv && p.accept !== undefined) {
          // the CPU's walk: a blocked non-leaf entry (a merge in progress) is not present
          const leaf = septGuestLeafFor(c.st, m, gfn);
          if (leaf && septState(leaf.word) === SEPT.mapped) {
            const pfn = septPfn(leaf.word) + (gfn & (m.span(leaf.level) - 1));
            c.put(to, 1 | (pfn << 1) | TLB.w | TLB.d | TLB.priv);
            zeroStepProgress(c, m, c.t);
            touchPage(c, gfn, pfn, write, true);
            c.goto('end');
            return;
          }
          let lv = p.accept;
          let r = acceptAt(c, m, c.t, lv, gfn);
          if (r === ACCEPT.sizeMismatch) {
            c.seen(WITNESS['accept-size-mismatch']);
            if (c.rec) c.note(`TDG.MEM.PAGE.ACCEPT g${gfn} at 2M: TDX_PAGE_SIZE_MISMATCH (mapped at 4K), accept at 4K`);
            lv = 1;
            r = acceptAt(c, m, c.t, lv, gfn);
          }
          if (r === ACCEPT.begun) {
            if (c.rec) c.touch(`TDG.MEM.PAGE.ACCEPT g${gfn} at ${lv === 1 ? '4K' : '2M'} begins (entry lock)`);
            c.goto('accept-finish');
            return;
          }
          if (r === ACCEPT.already) {
            // unreachable: a MAPPED leaf was used above (TDX_PAGE_ALREADY_ACCEPTED: the access goes on)
            c.stay();
            return;
          }
          if (r === ACCEPT.busy) {
            if (c.rec) c.note(`TDG.MEM.PAGE.ACCEPT g${gfn}: TDX_OPERAND_BUSY`);
          } else {
            if (c.rec) c.note(`EPT violation on private g${gfn} (TDG.MEM.PAGE.ACCEPT at ${lv === 1 ? '4K' : '2M'}: the exit carries the accept level)`);
            zeroStepViolation(c, m, c.t, gfn);
          }
          c.exitGuest(c.t, true);
          c.goto('end');
          return;
        }
        if (priv) {
          const leaf = septGuestLeafFor(c.st, m, gfn);
          const st = leaf ? septState(leaf.word) : SEPT.free;
          // TDG.MEM.PAGE.ACCEPT: take the entry lock guest-side (TDX_OPERAND_BUSY: locked, or the host-priority bit set)
          if (leaf && st === SEPT.pending && acceptBegin(c, m, c.t, leaf.level, gfn) === ST.success) {
            if (c.rec) c.touch(`TDG.MEM.PAGE.ACCEPT g${gfn} begins (entry lock)`);
            c.goto('accept-finish');
            return;
          }
          if (leaf && st === SEPT.mapped) {
            const pfn = septPfn(leaf.word) + (gfn & (m.span(leaf.level) - 1));
            c.put(to, 1 | (pfn << 1) | TLB.w | TLB.d | TLB.priv);
            zeroStepProgress(c, m, c.t);
            touchPage(c, gfn, pfn, write, true);
            c.goto('end');
            return;
          }
          if (leaf && st === SEPT.pending) {
            if (c.rec) c.note(`TDG.MEM.PAGE.ACCEPT g${gfn}: TDX_OPERAND_BUSY`);
          } else {
            if (c.rec) c.note(`EPT violation on private g${gfn}`);
            zeroStepViolation(c, m, c.t, gfn);
          }
          c.exitGuest(c.t, true);
          c.goto('end');
          return;
        }
        const r = c.vcpu(c.t, V.droot);
        let tb = c.st[m.root(r, R.table)]!;
        for (let lv = m.geometry.levels; lv >= 1; lv--) {
          const st = c.st[m.table(tb, 0)]!;
          if (st === 4 || st === 0) c.violate(1, `hardware walk of g${gfn} through freed table t${tb}`);
          const ix = m.index(lv, gfn);
          const v = c.st[m.entry(tb, ix)]!;
          if (isLink(v)) {
            tb = linkTable(v);
            // the walker may cache the present non-leaf entry it used (pscache: the table it points
            // to), whatever the walk's outcome (a fill, or an EPT violation further down)
            if (m.pscacheOff >= 0) {
              c.put(m.pscache(c.t), c.st[m.pscache(c.t)]! | (1 << tb));
              if (c.rec) c.touch(`paging-structure cache: t${tb}`);
            }
            continue;
          }
          if (spteKind(v) === SpteKind.mmio) {
            // EPT misconfiguration on an MMIO SPTE: handle_mmio_page_fault looks in the vCPU's MMIO
            // cache first (mmio_info_in_cache), then check_mmio_spte on the SPTE
            if (mmioCacheHit(c, gfn, o)) {
              c.note(`g${gfn} is in the vCPU's MMIO cache${o.mmioCacheGenCheck ? ' with the current generation' : ' (no generation check, before 56f17dd3fbc4)'}: emulated MMIO (KVM_EXIT_MMIO)`);
              if (slotStateOf(c, gfn) === SLOT.valid && (c.g(G.gen) & 1) === 0) c.violate(2, `the guest's access to g${gfn}, which a memslot maps, was emulated as MMIO from a stale per-vCPU MMIO cache entry`);
            } else if (mmioGenCurrent(c.m, c.g(G.gen), mmioGen(v))) {
              c.seen(WITNESS['mmio-emulated']);
              if (c.rec) c.note(`MMIO SPTE of g${gfn} (generation ${mmioGen(v)}): emulated MMIO (KVM_EXIT_MMIO)`);
              if (slotStateOf(c, gfn) === SLOT.valid) c.violate(2, `the guest's access to g${gfn}, which a memslot maps, was emulated as MMIO: a stale MMIO SPTE of the current generation hides the memslot`);
              cacheMmioInfo(c, gfn);
            } else {
              c.seen(WITNESS['mmio-stale']);
              if (c.rec) c.note(`MMIO SPTE of g${gfn}: generation ${mmioGen(v)} is stale${(c.g(G.gen) & 1) !== 0 ? ' (memslot update in progress)' : ''}: RET_PF_INVALID, the page fault path`);
            }
            c.exitGuest(c.t, isTdx(c));
            c.goto('end');
            return;
          }
          if (leafAllows(v, write)) {
            let nv = withA(v, o.eptAd);
            if (write && o.eptAd) nv = withD(nv, true);
            // the CPU's A/D assist is a locked read-modify-write of the entry it just walked
            if (nv !== v) c.cas(tb, ix, v, nv);
            // PML: setting D logs the gpa; the model drains the log into the bitmap at once
            if (dbitLog(o) && write && !leafD(v) && dirtyLogOf(c, gfn) >= 1) c.setG(G.bitmap, c.g(G.bitmap) | (1 << gfn));
            const pfn = leafPfn(v) + (gfn & (m.span(lv) - 1));
            c.put(to, 1 | (pfn << 1) | (leafW(v) ? TLB.w : 0) | (leafD(nv) ? TLB.d : 0));
            if (c.rec) c.touch(`walk g${gfn} -> TLB fill pfn ${pfn}`);
            touchPage(c, gfn, pfn, write, false);
            c.goto('end');
            return;
          }
          break;
        }
        if (c.rec) c.note(`EPT violation on g${gfn}`);
        c.exitGuest(c.t, isTdx(c));
        c.goto('end');
      },
    },
    {
      name: 'accept-finish',
      doc: 'TDG.MEM.PAGE.ACCEPT completes: PENDING -> MAPPED, entry lock released; the access is retried',
      run: (c) => {
        const m = c.m;
        const leaf = septLeafFor(c.st, m, gfn);
        if (leaf === undefined) {
          c.goto('end');
          return;
        }
        const st = septState(leaf.word) === SEPT.pending ? SEPT.mapped : septState(leaf.word);
        // the entry lock is released; a host-priority bit a host SEAMCALL set meanwhile stays
        c.put(m.sept(leaf.level, gfn), septWord(st, septPfn(leaf.word), (leaf.word >> 10) & 3, 0) | (leaf.word & HOST_PRIORITY));
        if (leaf.level > 1 && p.accept !== undefined) c.seen(WITNESS['accepted-2m']);
        if (c.rec) c.touch(`ACCEPT g${gfn} done`);
        c.goto('access');
      },
    },
  ];
}

// ---- zap of a gfn range (mmu_notifier, guest_memfd, memslot targeted zap) -------------------------

/** Parameters of a range zap. */
export interface ZapParams {
  readonly start: number;
  readonly end: number;
  /** Root types (attr_filter): shared -> direct roots, private -> mirror roots. */
  readonly filter: RootFilter;
  /** mmu_notifier / guest_memfd invalidation: begin/end around it (in_progress, range, seq). */
  readonly notifier: boolean;
  /** guest_memfd: only gfns still bound through a memslot are zapped. */
  readonly gmem: boolean;
  /** The pages are freed (and replaced) after the zap (primary MMU change, PUNCH_HOLE). */
  readonly freePages: boolean;
}

/** Returns the steps of a range zap under the write lock; names are unique inside the operation. */
export function zapRangeSteps(p: ZapParams, o: Options): StepDef[] {
  // rangeZapTables: the mmu_notifier unmap of 5.18 (zap_gfn_range) also removes the page tables the
  // range covers whole (direct roots only: mirror tables are never removed at runtime, §2.14.5)
  const tables = p.notifier && !p.gmem && o.rangeZapTables !== 'leafs';
  const flushInRcu = tables && o.rangeZapTables === 'flush-in-rcu';
  /** The entry at `lv` under the iterator lies inside the range. */
  const coversEntry = (c: Ctx, lv: number): boolean => {
    const span = c.m.span(lv);
    const base = c.loc(L.gfn) & ~(span - 1);
    return base >= p.start && base + span <= p.end;
  };
  const mask = rangeMask(p.start, p.end);
  const effective = (c: Ctx): number => (p.gmem ? mask & c.g(G.gmemBound) : mask);
  const steps: StepDef[] = [lockWriteStep()];
  if (p.notifier) {
    steps.push({
      name: 'begin',
      doc: 'kvm_mmu_invalidate_begin + range_add: in_progress++, range grows',
      run: (c) => {
        if (c.g(G.inProgress) === 0) c.setG(G.range, 0);
        c.setG(G.inProgress, c.g(G.inProgress) + 1);
        c.setG(G.range, c.g(G.range) | mask);
        c.setLoc(L.aux, effective(c));
      },
    });
  }
  if (p.gmem && o.tdxHugePages && o.tdxBoundarySplit) {
    // huge private pages (RFC series, v1 16-19/21): split each private huge leaf crossing the
    // range's boundary before the zap, under the same write lock (kvm_split_boundary_leafs)
    const crossing = (c: Ctx, g: number): boolean => {
      if (!findPrivateHuge(c, g)) return false;
      const span = c.m.span(c.loc(L.level));
      const base = g & ~(span - 1);
      if (base >= p.start && base + span <= p.end) {
        c.setLoc(L.hook, 0);
        return false;
      }
      return true;
    };
    steps.push(
      {
        name: 'split-boundary',
        tdx: true,
        doc: 'kvm_split_boundary_leafs: R(e) down the mirror root at the range\'s first and last gfn; a private huge leaf reaching outside the range is split (DEMOTE) before the zap',
        run: (c) => {
          if (crossing(c, p.start) || crossing(c, p.end - 1)) return;
          for (const i of [L.table, L.level, L.gfn, L.old]) c.setLoc(i, 0);
          c.goto('split-done');
        },
      },
      ...tdxDemoteSteps(o, 'split-', (c) => c.goto('split-boundary')),
      { name: 'split-done', tdx: true, doc: 'every private leaf of the range now lies inside it', run: () => undefined },
    );
  }
  steps.push(
    ...leafWalkSteps(
      {
        doc: 'yield-safe root iterator: next root of the filter (valid and, mainline, invalid), take a reference, rcu_read_lock',
        filter: p.filter,
        includeInvalid: o.unmapIncludesInvalidRoots,
        start: p.start,
        end: p.end,
        takeRef: true,
        exhausted: 'flush',
        skip: (c) => (p.notifier ? c.loc(L.aux) : effective(c)) === 0,
      },
      {
        doc: tables
          ? 'zap_gfn_range loop (first 5.18 merge batch): yield point, then R(e); a present entry the range covers whole is zapped, page tables included; descend through the others, skip non-present ones'
          : 'tdp_mmu_zap_leafs loop: yield point, then R(e); descend through non-leaf entries, skip non-present ones',
        yieldOpts: o,
        saveOld: true,
        leaf: (_c, old) => (isLeaf(old) ? 'zap' : undefined),
        ...(tables ? { link: (c: Ctx, _old: number, lv: number) => (coversEntry(c, lv) && !rootMirror(c, c.loc(L.root)) ? 'zap-table' : undefined) } : {}),
      },
      [
        relockStep('write', o, 'root-done'),
        ...(tables ? zapTableSteps() : []),
        {
          name: 'zap',
          doc: 'tdp_mmu_set_spte: o := XCHG(e, np) (or a store of the value read, C8); handle_changed_spte(o -> np); mirror: remove_external_spte',
          run: (c) => {
            const tb = iterTable(c);
            const ix = iterIndex(c);
            let old: number;
            if (o.writeLockLeafWrite === 'xchg') {
              old = c.xchg(tb, ix, NP);
            } else {
              old = c.loc(L.old);
              c.store(tb, ix, NP);
            }
            c.setLoc(L.old, old);
            c.leafRemoved(old);
            const r = c.loc(L.root);
            if (rootMirror(c, r) && isLeaf(old) && leafLevel(old) > 1) {
              // I13: a private huge leaf reaching outside the range takes pages the guest accepted with it
              const lv = leafLevel(old);
              const base = c.loc(L.gfn) & ~(c.m.span(lv) - 1);
              const w = c.st[c.m.sept(lv, base)]!;
              if (septState(w) === SEPT.mapped && (base < p.start || base + c.m.span(lv) > p.end)) {
                c.violate(13, `the zap of g${p.start}..g${p.end - 1} removes the private ${lv === 2 ? '2M' : '1G'} leaf g${base}..g${base + c.m.span(lv) - 1}, which the guest accepted: accepted memory outside the range is lost`);
              }
            }
            if (rootMirror(c, r)) {
              c.setLoc(L.hook, iterPos(c) + 1);
              c.goto('block');
              return;
            }
            if (!rootInvalid(c, r)) c.flag(F.flush, true);
            advanceOr(c);
          },
        },
        ...tdxRemoveSteps(o, (c) => advanceOr(c)).map((st): StepDef => ({ ...st, tdx: true })),
      ],
      {
        doc: flushInRcu
          ? 'fcb93eb6d09d: the flush before rcu_read_unlock (the zap may have removed page tables); put the root reference (kvm_tdp_mmu_put_root: freed on the last one); next root'
          : 'rcu_read_unlock; put the root reference (kvm_tdp_mmu_put_root: freed on the last one); next root',
        putRef: true,
        free: o.walkPutFreesRoot,
        ...(flushInRcu ? { before: (c: Ctx) => { if (c.has(F.flush)) c.flushRemote(); } } : {}),
      },
    ),
    flushStep(),
    unlockStep(),
  );
  if (p.freePages) {
    steps.push({
      name: 'free-pages',
      doc: 'the primary MMU (or guest_memfd) frees the pages of the range; later faults get new pages',
      run: (c) => {
        const m = c.m;
        const eff = effective(c) | (p.notifier ? c.loc(L.aux) : 0);
        // The primary MMU frees only what it owns: a private gfn of a guest_memfd slot is backed by
        // guest_memfd, which an mmu_notifier invalidation or munmap of the userspace mapping does not
        // free (KVM_FILTER_SHARED keeps that invalidation off the mirror tree as well); only a
        // guest_memfd PUNCH_HOLE (`gmem`) frees those pages.
        const owned = p.gmem ? -1 : ~c.g(G.gmemBound);
        for (let g = p.start; g < p.end; g++) {
          if ((mask & owned & (1 << g)) === 0) continue;
          const old = c.st[m.pfnOf(g)]!;
          c.put(m.page(old), (c.st[m.page(old)]! & ~P.stateMask) | P.freed);
          let np = -1;
          for (let k = 0; k < m.geometry.pages; k++) {
            if ((c.st[m.page(k)]! & P.stateMask) === 0) {
              np = k;
              break;
            }
          }
          if (np < 0) {
            // recycle a freed page nobody maps (long single-threaded runs only)
            for (let k = 0; k < m.geometry.pages && np < 0; k++) if ((c.st[m.page(k)]! & (P.stateMask | P.td)) === P.freed && k !== old) np = k;
          }
          if (np < 0) c.violate(11, 'host page pool exhausted (raise the scenario pages bound)');
          else {
            c.put(m.page(np), P.allocated);
            c.put(m.pfnOf(g), np);
          }
          if (c.rec) c.touch(`free page ${old} (g${g})${(eff & (1 << g)) === 0 ? ' [not bound: not zapped]' : ''}`);
        }
      },
    });
  }
  if (p.notifier) {
    steps.push(lockWriteStep('end-lock'), {
      name: 'end',
      doc: 'kvm_mmu_invalidate_end: seq++, in_progress--',
      run: (c) => {
        c.setG(G.seq, c.g(G.seq) + 1);
        c.setG(G.inProgress, c.g(G.inProgress) - 1);
        if (c.g(G.inProgress) === 0) c.setG(G.range, 0);
      },
    }, unlockStep('end-unlock'));
  }
  return steps;
}

/**
 * The table zap of the 5.18 range zap (option rangeZapTables): tdp_mmu_set_spte under the write lock
 * stores np over the link (a non-leaf entry has no volatile bits), then handle_removed_pt(!shared)
 * tombstones the children (leaves' D bits to their pages) and call_rcu frees the table after the
 * grace period; since bb95dfb9e2df ("KVM: x86/mmu: Defer TLB flush to caller when freeing TDP MMU
 * shadow pages", 5.18) the removal no longer flushes by itself: the flush it owes is the caller's,
 * due before rcu_read_unlock (fcb93eb6d09d). An invalid root owes none (§1.5).
 */
function zapTableSteps(): StepDef[] {
  return [
    {
      name: 'zap-table',
      doc: 'zap_gfn_range (first 5.18 merge batch): the range covers the non-leaf entry whole: tdp_mmu_set_spte: W(e, np); handle_removed_pt(!shared) follows; the flush becomes due',
      run: (c) => {
        const old = c.loc(L.old);
        c.store(iterTable(c), iterIndex(c), NP);
        rmStart(c, linkTable(old));
        if (!rootInvalid(c, c.loc(L.root))) c.flag(F.flush, true);
      },
    },
    {
      name: 'zap-table-child',
      doc: 'handle_removed_pt(!shared): R then W(FROZEN) each child (recursing into tables), then call_rcu(free)',
      run: (c) => {
        if (rmStep(c, false)) advanceOr(c);
        else c.stay();
      },
    },
  ];
}

// ---- fast zap (kvm_mmu_zap_all_fast) -------------------------------------------------------------

/** Returns true when no other thread holds kvm->slots_lock. */
function slotsLockFree(c: Ctx): boolean {
  for (let t = 0; t < c.m.geometry.threads; t++) if (t !== c.t && c.slotsHeld(c.st, t)) return false;
  return true;
}

/**
 * Returns `steps` run under kvm->slots_lock: the first step also waits for and takes it, the last
 * step also releases it (folded into existing steps, so a scenario with one slots_lock user has
 * the same states as without the lock). kvm_mmu_zap_all_fast asserts slots_lock is held; memslot
 * deletion (kvm_set_memslot) holds it throughout.
 */
function underSlotsLock(steps: StepDef[]): StepDef[] {
  const first = steps[0]!;
  const last = steps[steps.length - 1]!;
  const firstGuard = first.guard;
  const wrapped: StepDef = {
    ...first,
    doc: `mutex_lock(&kvm->slots_lock); ${first.doc}`,
    guard: firstGuard ? (c) => slotsLockFree(c) && firstGuard(c) : slotsLockFree,
    run: (c) => {
      c.flag(F.slots, true);
      first.run(c);
    },
  };
  const lastRun = last.run;
  const released: StepDef = {
    ...last,
    doc: `${last.doc}; mutex_unlock(&kvm->slots_lock)`,
    run: (c) => {
      lastRun(c);
      c.flag(F.slots, false);
    },
  };
  return steps.length === 1 ? [{ ...wrapped, run: (c) => { wrapped.run(c); c.flag(F.slots, false); } }] : [wrapped, ...steps.slice(1, -1), released];
}

/** Returns the fast-zap steps (kvm_mmu_zap_all_fast, under kvm->slots_lock): invalidate roots under the write lock, then zap them under the read lock. */
export function fastZapSteps(o: Options): StepDef[] {
  return underSlotsLock(fastZapBody(o));
}

/**
 * Returns the fast-zap steps without taking kvm->slots_lock (the caller holds it); their names
 * start with `p` (an operation that zaps twice, e.g. a memslot deletion whose generation wraps,
 * names the second zap apart).
 */
function fastZapBody(o: Options, p = ''): StepDef[] {
  const advanceOrPass = (c: Ctx): void => {
    if (iterAdvance(c)) {
      c.goto(`${p}read`);
      return;
    }
    const zl = c.loc(L.aux) + 1;
    if (zl > c.m.geometry.levels) {
      c.goto(`${p}root-done`);
      return;
    }
    c.setLoc(L.aux, zl);
    iterStart(c, c.st[c.m.root(c.loc(L.root), R.table)]!, 0);
    c.goto(`${p}read`);
  };
  return [
    lockWriteStep(`${p}lock-write`),
    {
      name: `${p}invalidate-roots`,
      doc: 'kvm_tdp_mmu_invalidate_roots(KVM_DIRECT_ROOTS): role.invalid and scheduled-to-zap on each valid root; KVM_REQ_MMU_FREE_OBSOLETE_ROOTS to all vCPUs',
      run: (c) => {
        const m = c.m;
        for (let r = 0; r < m.geometry.roots; r++) {
          const fl = c.st[m.root(r, R.flags)]!;
          if ((fl & RF.used) === 0 || (fl & (RF.invalid | RF.freed)) !== 0) continue;
          if ((fl & RF.mirror) !== 0 && !o.fastZapIncludesMirror) continue;
          c.put(m.root(r, R.flags), fl | RF.invalid | RF.scheduled);
          if (c.rec) c.touch(`invalidate root${r}`);
        }
        // kvm_make_all_cpus_request: every vCPU leaves guest mode and reloads before re-entering
        for (let v = 0; v < c.vcpus; v++) {
          c.setVcpu(v, V.req, c.vcpu(v, V.req) | REQ.freeObsoleteRoots);
          c.exitGuest(v, isTdx(c));
        }
      },
    },
    unlockStep(`${p}unlock`),
    lockReadStep(`${p}lock-read`),
    {
      name: `${p}next-root`,
      doc: 'kvm_tdp_mmu_zap_invalidated_roots: next root scheduled to zap (clear the flag, own the TDP MMU reference), rcu_read_lock',
      run: (c) => {
        const m = c.m;
        for (let r = c.loc(L.aux2); r < m.geometry.roots; r++) {
          const fl = c.st[m.root(r, R.flags)]!;
          if ((fl & RF.scheduled) === 0) continue;
          c.put(m.root(r, R.flags), fl & ~RF.scheduled);
          c.flag(F.rootRef, true);
          c.setLoc(L.root, r);
          c.setLoc(L.aux2, r + 1);
          c.setLoc(L.aux, 1);
          c.setLoc(L.end, m.gfns);
          iterStart(c, c.st[m.root(r, R.table)]!, 0);
          c.rcuLock();
          return;
        }
        c.goto(`${p}unlock-read`);
      },
    },
    {
      name: `${p}read`,
      doc: '__tdp_mmu_zap_root pass at zap_level (4K, then 2M, ... then the top level): yield point, then R(e)',
      run: (c) => {
        if (maybeYield(c, o, `${p}relock`)) return;
        const old = c.read(iterTable(c), iterIndex(c));
        c.setLoc(L.old, old);
        const lv = c.loc(L.level);
        const zl = c.loc(L.aux);
        if (lv > zl && isLink(old)) {
          iterDown(c, linkTable(old));
          c.stay();
        } else if (lv === zl && isPresent(old)) {
          c.goto(`${p}zap`);
        } else {
          advanceOrPass(c);
        }
      },
    },
    relockStep('read', o, `${p}root-done`, p),
    {
      name: `${p}zap`,
      doc: 'tdp_mmu_set_spte_atomic: CAS(e, old, np), re-read on failure; handle_changed_spte (table removal for a link)',
      run: (c) => {
        const old = c.loc(L.old);
        const cur = c.cas(iterTable(c), iterIndex(c), old, NP);
        if (cur !== old) {
          c.seen(WITNESS['cas-failed']);
          c.goto(`${p}read`);
          return;
        }
        c.seen(WITNESS['invalid-root-zapped']);
        if (isLink(old)) {
          rmStart(c, linkTable(old));
          c.goto(`${p}remove-child`);
          return;
        }
        c.leafRemoved(old);
        advanceOrPass(c);
      },
    },
    {
      name: `${p}remove-child`,
      doc: 'handle_removed_pt(shared): XCHG each child to FROZEN (spin while frozen), then call_rcu',
      guard: (c) => rmGuard(c, true),
      run: (c) => {
        if (rmStep(c, true)) advanceOrPass(c);
        else c.stay();
      },
    },
    {
      name: `${p}root-done`,
      doc: 'rcu_read_unlock; kvm_tdp_mmu_put_root drops the TDP MMU reference (the root must be empty by now)',
      run: (c) => {
        c.rcuUnlock();
        const r = c.loc(L.root);
        if (c.subtreeMapsAnything(c.st[c.m.root(r, R.table)]!)) c.violate(2, `zap of invalidated root${r} finished but the root still maps memory`);
        dropRoot(c);
        c.goto(`${p}next-root`);
      },
    },
    unlockStep(`${p}unlock-read`),
  ];
}

// ---- memslot updates against mmu_notifier invalidations (52ac8b358b0c) ------------------------------

/**
 * What a memslot update or munmap adds in a scenario: `wrap`, the MMIO generation wrap's zap
 * (srcuSyncSteps); `mnWait`, the pairing of a munmap's range_start and range_end with memslot
 * updates of other threads (52ac8b358b0c): the munmap counts itself in mn_active_invalidate_count
 * and looks the memslots up again at range_end, and memslot installs wait for the count to drop
 * (`memslotUpdateWaitsForInvalidation`). Both are left out where the scenario cannot reach them.
 */
export interface MemslotExtras {
  readonly wrap?: boolean;
  readonly mnWait?: boolean;
}

/** Returns true when no other thread is an mmu_notifier invalidation between range_start and range_end (kvm->mn_active_invalidate_count is 0). */
function noActiveInvalidation(c: Ctx): boolean {
  for (let t = 0; t < c.m.geometry.threads; t++) if (t !== c.t && (c.st[c.m.local(t, L.flags)]! & F.mnActive) !== 0) return false;
  return true;
}

/** Returns `st` (a step installing new memslots) waiting, with `mnWait` and the option, until no invalidation is between range_start and range_end (kvm_swap_active_memslots). */
function waitForInvalidations(st: StepDef, o: Options, x: MemslotExtras): StepDef {
  if (x.mnWait !== true || !o.memslotUpdateWaitsForInvalidation) return st;
  const g = st.guard;
  return {
    ...st,
    doc: `wait while kvm->mn_active_invalidate_count is not 0 (52ac8b358b0c); ${st.doc}`,
    guard: g ? (c) => noActiveInvalidation(c) && g(c) : noActiveInvalidation,
  };
}

// ---- memslot deletion ---------------------------------------------------------------------------

/**
 * Returns the memslot deletion steps (§2.10) of `slot`; the zap is fast (every root, whatever the
 * slot) or targeted at the slot's gfns, by `memslotDeleteZap`.
 */
export function memslotDeleteSteps(o: Options, tdx: boolean, slot: SlotRef, x: MemslotExtras = {}): StepDef[] {
  const wrap = x.wrap === true;
  const mode = o.memslotDeleteZap === 'auto' ? (tdx ? 'targeted' : 'fast-zap') : o.memslotDeleteZap;
  const end = slot.base + slot.pages;
  const mask = rangeMask(slot.base, end);
  const zap = mode === 'fast-zap' ? fastZapBody(o) : zapRangeSteps({ start: slot.base, end, filter: 'both', notifier: false, gmem: false, freePages: false }, o);
  return underSlotsLock([
    waitForInvalidations({
      name: 'invalidate-slot',
      doc: 'install a copy of the slot marked KVM_MEMSLOT_INVALID (kvm_invalidate_memslot; kvm_swap_active_memslots publishes it with the update-in-progress generation)',
      run: (c) => {
        c.put(c.m.slot(slot.index, MS.state), SLOT.invalid);
        if (c.rec) c.touch(`memslot ${slot.id} invalid`);
        publishMemslots(c, o);
      },
    }, o, x),
    ...srcuSyncSteps(o, 'sync-srcu', wrap),
    ...zap,
    waitForInvalidations({
      name: 'delete-slot',
      doc: 'install the final memslots without the slot; guest_memfd bindings of the slot go away',
      run: (c) => {
        c.put(c.m.slot(slot.index, MS.state), SLOT.deleted);
        if (c.rec) c.touch(`memslot ${slot.id} deleted`);
        c.setG(G.gmemBound, c.g(G.gmemBound) & ~mask);
        publishMemslots(c, o);
      },
    }, o, x),
    ...srcuSyncSteps(o, 'sync-srcu-2', wrap),
  ]);
}

/**
 * Returns the steps of synchronize_srcu_expedited in kvm_swap_active_memslots, as a grace period:
 * it waits for the read sections that began before it (a vCPU that leaves its section and enters
 * a new one, e.g. re-entering the guest after RET_PF_RETRY and faulting again, does not hold it
 * up), as SRCU does; when it returns, the memslots generation takes its second step
 * (`memslotGenUpdate`).
 *
 * With `wrap` (the scenario's memslot updates can wrap the MMIO generation, `mmioGenBits`), the
 * steps of kvm_arch_memslots_updated follow (virt/kvm/kvm_main.c kvm_swap_active_memslots ->
 * arch/x86/kvm/x86.c -> mmu.c kvm_mmu_invalidate_mmio_sptes, 152482580a1b): when the new
 * generation's MMIO number is 0, every root is zapped (kvm_mmu_zap_all_fast) before the new
 * generation is stored, or after it (`mmioGenWrapZap`). Without `wrap` no update of the scenario
 * reaches a wrap, and the steps are left out (the state space is the one without them).
 */
function srcuSyncSteps(o: Options, name: string, wrap = false): StepDef[] {
  const sync: StepDef = {
    name,
    doc: 'synchronize_srcu_expedited: start a grace period over the SRCU read sections in progress',
    run: (c) => {
      c.setG(G.srcuGp, c.g(G.srcu) & ~(1 << c.t));
      c.touch('synchronize_srcu');
    },
  };
  if (!wrap) {
    return [
      sync,
      {
        name: `${name}-wait`,
        doc: 'synchronize_srcu_expedited: wait until every read section of the grace period has ended; then drop the update-in-progress flag and increment the generation (kvm_swap_active_memslots)',
        guard: (c) => c.g(G.srcuGp) === 0,
        run: (c) => memslotsSynced(c, o),
      },
    ];
  }
  const synced = `${name}-synced`;
  return [
    sync,
    {
      name: `${name}-wait`,
      doc: 'synchronize_srcu_expedited: wait until every read section of the grace period has ended; kvm_arch_memslots_updated(gen): when the new generation\'s MMIO number is 0 (a wrap), zap every root (kvm_mmu_invalidate_mmio_sptes; mmioGenWrapZap: with the flag still set, after the new generation is stored, or not at all)',
      guard: (c) => c.g(G.srcuGp) === 0,
      run: (c) => {
        const g = c.g(G.gen);
        if ((g & 1) === 0) {
          // nothing was published (-EEXIST); the generation stays
          c.goto(synced);
          return;
        }
        const next = (g & ~1) + 2;
        if (mmioGenOf(c.m, next) !== 0) {
          c.goto(synced);
          return;
        }
        c.note(`the MMIO generation wraps: generation ${next >> 1} is ${mmioGenOf(c.m, next)} in the MMIO SPTE's bits`);
        if (o.mmioGenWrapZap === 'none') {
          c.goto(synced);
          return;
        }
        if (o.mmioGenWrapZap === 'after-publish') {
          c.setG(G.gen, next);
          c.note('the new generation is stored before the zap (before 152482580a1b)');
        }
        // kvm_mmu_zap_all_fast: its root walk starts from the first root
        c.setLoc(L.aux2, 0);
      },
    },
    ...fastZapBody(o, `${name}-wrap-`),
    {
      name: synced,
      doc: 'slots->generation = gen: the flag is dropped and the generation incremented (kvm_swap_active_memslots; after the wrap zap since 152482580a1b)',
      run: (c) => {
        c.setLoc(L.aux2, 0);
        c.setLoc(L.aux, 0);
        memslotsSynced(c, o);
      },
    },
  ];
}

/**
 * Returns the memslot creation steps of `slot` (KVM_MR_CREATE, kvm_create_memslot: one
 * kvm_swap_active_memslots, nothing to zap). The slot must not be in the memslots (a scenario
 * memslot with `present: false`, or one deleted or moved away before): creating it again is
 * -EEXIST, modelled as a note (the grace period that follows changes nothing).
 */
export function memslotCreateSteps(o: Options, slot: SlotRef, x: MemslotExtras = {}): StepDef[] {
  const wrap = x.wrap === true;
  return underSlotsLock([
    waitForInvalidations({
      name: 'create-slot',
      doc: 'install the memslots with the new slot (kvm_create_memslot; kvm_swap_active_memslots publishes them with the update-in-progress generation)',
      run: (c) => {
        if (c.st[c.m.slot(slot.index, MS.state)] !== SLOT.deleted) {
          if (c.rec) c.note(`memslot ${slot.id} exists: -EEXIST`);
          return;
        }
        c.put(c.m.slot(slot.index, MS.state), SLOT.valid);
        if (c.rec) c.touch(`memslot ${slot.id} created`);
        publishMemslots(c, o);
      },
    }, o, x),
    ...srcuSyncSteps(o, 'sync-srcu', wrap),
  ]);
}

/**
 * Returns the memslot move steps of `slot` to the gfns of `to` (KVM_MR_MOVE, §2.10): like a
 * deletion, the slot is made KVM_MEMSLOT_INVALID, published, SRCU synchronized and its gfns
 * zapped; then the final memslots have the slot at its new base (the destination `to`, a scenario
 * memslot with `present: false` of the same size, stands for the moved slot) and SRCU is
 * synchronized again. The slot keeps its userspace_addr, so the moved gfns are backed by the
 * same host pages.
 */
export function memslotMoveSteps(o: Options, tdx: boolean, slot: SlotRef, to: SlotRef, x: MemslotExtras = {}): StepDef[] {
  const del = memslotDeleteSteps(o, tdx, slot, x);
  const i = del.findIndex((st) => st.name === 'delete-slot');
  const move: StepDef = waitForInvalidations({
    name: 'move-slot',
    doc: 'install the final memslots with the slot at its new base (kvm_move_memslot; the same host pages back the moved gfns)',
    run: (c) => {
      if (c.st[c.m.slot(to.index, MS.state)] !== SLOT.deleted) c.violate(11, `memslot-move: the destination gfns of memslot ${to.id} are in use (KVM_SET_USER_MEMORY_REGION would fail with -EEXIST; the model needs them free)`);
      c.put(c.m.slot(slot.index, MS.state), SLOT.deleted);
      c.put(c.m.slot(to.index, MS.state), SLOT.valid);
      for (let k = 0; k < slot.pages; k++) c.put(c.m.pfnOf(to.base + k), c.st[c.m.pfnOf(slot.base + k)]!);
      if (c.rec) c.touch(`memslot ${slot.id} moved to g${to.base}..g${to.base + to.pages - 1} (memslot ${to.id})`);
      publishMemslots(c, o);
    },
  }, o, x);
  return [...del.slice(0, i), move, ...del.slice(i + 1)];
}

/**
 * Returns the munmap steps of the host memory backing `slot` (the gfns' host pages are freed;
 * later faults get new pages). The mmu_notifier walks only the memslots that map the hva range
 * (kvm_handle_hva_range): while the slot is in the memslots (valid or INVALID), it is an
 * invalidation that zaps its gfns first, as `zap-range`; once the slot is deleted or moved away,
 * nothing is zapped and no invalidation is counted, so any SPTE or TLB entry the deletion left
 * behind maps a freed page (I3).
 *
 * With `mnWait` (another thread updates memslots, 52ac8b358b0c / 071064f14d87), range_start also
 * counts the thread in kvm->mn_active_invalidate_count (flag `mnActive`, with the option
 * `memslotUpdateWaitsForInvalidation`), and range_end looks the memslots up again: it calls
 * kvm_mmu_invalidate_end only when a memslot maps the range now, and then drops the count. With
 * the wait both lookups agree; without it a memslot created in between gives an end without a
 * begin (KVM_BUG_ON(mmu_invalidate_in_progress < 0), I7).
 */
export function munmapSteps(o: Options, slot: SlotRef, x: MemslotExtras = {}): StepDef[] {
  const zap = zapRangeSteps({ start: slot.base, end: slot.base + slot.pages, filter: 'shared', notifier: true, gmem: false, freePages: true }, o);
  const mn = x.mnWait === true;
  const counted = mn && o.memslotUpdateWaitsForInvalidation;
  const present = (c: Ctx): boolean => c.st[c.m.slot(slot.index, MS.state)] !== SLOT.deleted;
  const steps: StepDef[] = [
    {
      name: 'find-memslots',
      doc: `kvm_mmu_notifier_invalidate_range_start: ${counted ? 'mn_active_invalidate_count++; ' : ''}the memslots mapping the hva range; none (slot deleted or moved away): nothing to zap, straight to freeing the pages`,
      run: (c) => {
        if (counted) c.flag(F.mnActive, true);
        if (present(c)) return;
        c.note(`no memslot maps the backing of memslot ${slot.id} any more: nothing to zap`);
        c.setLoc(L.pfn, 1);
        c.goto('free-pages');
      },
    },
  ];
  for (const st of zap) {
    if (st.name === 'free-pages') {
      steps.push({
        ...st,
        run: (c) => {
          st.run(c);
          if (c.loc(L.pfn) === 1) {
            c.setLoc(L.pfn, 0);
            c.goto(mn ? 'range-end' : 'end');
          }
        },
      });
      continue;
    }
    if (mn && st.name === 'end-lock') {
      steps.push({
        name: 'range-end',
        doc: 'kvm_mmu_notifier_invalidate_range_end: the memslots mapping the hva range, looked up again; none: no kvm_mmu_invalidate_end',
        run: (c) => {
          if (present(c)) return;
          c.note(`range_end: no memslot maps the backing of memslot ${slot.id}: no kvm_mmu_invalidate_end${c.g(G.inProgress) > 0 ? ' (the begin of range_start stays unpaired)' : ''}`);
          c.flag(F.mnActive, false);
          c.goto('end');
        },
      });
    }
    if (mn && st.name === 'end') {
      steps.push({
        ...st,
        doc: `${st.doc ?? ''}; KVM_BUG_ON(in_progress < 0)`,
        run: (c) => {
          if (c.g(G.inProgress) === 0) {
            c.violate(7, `range_end of the munmap of memslot ${slot.id}'s backing found a memslot that range_start did not: kvm_mmu_invalidate_end without a begin, KVM_BUG_ON(mmu_invalidate_in_progress < 0)`);
            return;
          }
          st.run(c);
        },
      });
      continue;
    }
    if (mn && st.name === 'end-unlock') {
      steps.push({ ...st, doc: `${st.doc ?? ''}; mn_active_invalidate_count--`, run: (c) => { st.run(c); c.flag(F.mnActive, false); } });
      continue;
    }
    steps.push(st);
  }
  return steps;
}

// ---- dirty logging, aging, unload -----------------------------------------------------------------

/** Returns true when dirty logging works by D bits (PML; it needs EPT A/D bits, else KVM turns PML off). */
export const dbitLog = (o: Options): boolean => o.dirtyLogByDBit && o.eptAd;

/**
 * Returns the dirty-logging enable steps of `slot` (kvm_mmu_slot_apply_flags, C10): without PML
 * kvm_tdp_mmu_wrprot_slot clears W of every writable leaf; with PML kvm_tdp_mmu_clear_dirty_slot
 * clears D of every 4K leaf (clear_dirty_gfn_range: CAS against the snapshot, re-read and
 * re-check that it is still a present leaf on failure, 45a61ebb2211) and write-protection is kept
 * for huge leaves only (so that a write splits them); then the flush.
 */
export function dirtyLogEnableSteps(o: Options, slot: SlotRef): StepDef[] {
  const mask = rangeMask(slot.base, slot.base + slot.pages);
  const pml = dbitLog(o);
  /** The leaf's dirty state to clear: D of a 4K leaf with PML, else W. */
  const clearD = (lv: number): boolean => pml && lv === 1;
  return [
    {
      name: 'set-flag',
      doc: 'publish the memslot with KVM_MEM_LOG_DIRTY_PAGES (empty dirty bitmap)',
      run: (c) => {
        c.put(c.m.slot(slot.index, MS.dirtyLog), 1);
        if (c.rec) c.touch(`memslot ${slot.id} dirty logging`);
        c.setG(G.bitmap, c.g(G.bitmap) & ~mask);
      },
    },
    lockReadStep(),
    ...leafWalkSteps(
      { doc: 'next valid direct root (reference), rcu_read_lock', filter: 'shared', includeInvalid: false, start: slot.base, end: slot.base + slot.pages, takeRef: true, exhausted: 'flush' },
      {
        doc: pml ? 'R(e); descend; a 4K leaf with D set is cleaned, a writable huge leaf write-protected; others skipped' : 'R(e); descend; skip non-present and non-writable leaves',
        saveOld: true,
        leaf: (_c, old, lv) => (isLeaf(old) && (clearD(lv) ? leafD(old) : leafW(old)) ? 'wrprot' : undefined),
      },
      [
        {
          name: 'wrprot',
          doc: pml ? 'CAS(e, old, old & ~D) for a 4K leaf (handle_changed_spte marks the page dirty), CAS(e, old, old & ~W) for a huge one; on failure re-read and re-check the entry' : 'CAS(e, old, old & ~W); on failure re-read the entry',
          run: (c) => {
            const old = c.loc(L.old);
            const d = clearD(c.loc(L.level));
            if (c.casLeafBits(iterTable(c), iterIndex(c), old, d ? withD(old, false) : withW(old, false)) !== old) {
              c.seen(WITNESS['cas-failed']);
              c.goto('read');
              return;
            }
            if (d) {
              c.leafRemoved(old);
              c.seen(WITNESS['dirty-cleared']);
            } else c.seen(WITNESS['write-protected']);
            c.setLoc(L.out, 1);
            c.flag(F.flush, true);
            advanceOr(c);
          },
        },
      ],
      { doc: 'rcu_read_unlock; put the root', putRef: true, free: o.walkPutFreesRoot },
    ),
    {
      name: 'flush',
      doc: 'kvm_flush_remote_tlbs_memslot: always (mainline) or only if an SPTE changed (C10)',
      run: (c) => {
        if (o.dirtyLogEnableFlush === 'always' || c.loc(L.out) === 1) c.flushRemote();
      },
    },
    unlockStep(),
    {
      name: 'logging-on',
      doc: 'the enable ioctl returns: from now on every guest write must be logged',
      run: (c) => {
        c.put(c.m.slot(slot.index, MS.dirtyLog), 2);
        if (c.rec) c.touch(`memslot ${slot.id} dirty logging on`);
      },
    },
  ];
}

/** Returns the aging steps (kvm_tdp_mmu_age_gfn_range: lockless, no flush). */
export function ageSteps(o: Options, start: number, end: number): StepDef[] {
  return leafWalkSteps(
    { doc: 'for_each_tdp_mmu_root_rcu (no reference): next direct root; rcu_read_lock', filter: 'shared', includeInvalid: true, start, end, takeRef: false, exhausted: 'end' },
    {
      doc: 'R(e); descend; only young present leaves are aged',
      saveOld: true,
      leaf: (_c, old) => (isLeaf(old) && (o.eptAd ? leafA(old) : !leafAT(old)) ? 'age' : undefined),
    },
    [
      {
        name: 'age',
        doc: 'EPT A/D: atomic AND(~A); no A/D: CAS(e, old, access-tracked) (mark_spte_for_access_track); no TLB flush',
        run: (c) => {
          const tb = iterTable(c);
          const ix = iterIndex(c);
          if (o.eptAd) {
            // tdp_mmu_clear_spte_bits_atomic: an AND on whatever the entry holds now (the snapshot
            // was a young leaf; a link keeps its meaning, a non-present value has no A bit)
            const cur = c.st[c.m.entry(tb, ix)]!;
            if (isLeaf(cur)) {
              c.xchg(tb, ix, withA(cur, false));
              c.seen(WITNESS.aged);
            } else if (cur === FROZEN && o.frozenHasAccessedBit) {
              // FROZEN_SPTE (NP | 0x5a0) has EPT bit 8: the AND turns the owner's FROZEN into another
              // non-present value, which a walker still inside the table may CAS over
              c.violate(12, `lockless aging cleared the Accessed bit (EPT bit 8) of FROZEN_SPTE in ${c.where(tb, ix)}, an entry it does not own`);
            }
          } else {
            const old = c.loc(L.old);
            if (c.casLeafBits(tb, ix, old, withAT(old)) === old) c.seen(WITNESS.aged);
            else c.seen(WITNESS['cas-failed']);
          }
          advanceOr(c);
        },
      },
    ],
    { doc: 'rcu_read_unlock', putRef: false },
  );
}

/** Returns the root unload steps (kvm_mmu_free_roots: put the vCPU's roots under the read lock). */
export function unloadSteps(): StepDef[] {
  return [
    {
      name: 'put-roots',
      doc: 'read_lock; kvm_tdp_mmu_put_root for the direct and mirror roots; read_unlock',
      wantsLock: 'read',
      guard: waitReadLock,
      run: (c) => {
        c.exitGuest(c.t, isTdx(c));
        for (const w of [V.droot, V.mroot]) {
          const r = c.vcpu(c.t, w);
          if (r < 0) continue;
          c.setVcpu(c.t, w, -1);
          c.putRoot(r);
        }
      },
    },
  ];
}

/** Returns an operation instance. */
export function op(name: string, label: string, steps: StepDef[]): OpInstance {
  return { op: name, label, steps };
}

