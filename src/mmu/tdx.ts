/**
 * The TDX module's Secure-EPT as the executable MMU sees it: entry states, the TD epoch and its
 * per-parity vCPU counts, the per-entry lock, and the SEAMCALLs KVM issues, each with the
 * preconditions and status codes of the protocol sheet (shared/kernel/tdp-protocol.md §1.5, §1.8).
 * Every SEAMCALL is one atomic step: it takes all the locks it needs or fails with
 * TDX_OPERAND_BUSY without side effects. Step bodies call these through the step context
 * (`c.tdx.pageAug(...)`, see ctx.ts), which records the call and returns the status name.
 *
 * S-EPT entry word: state bits 0..3, pfn bits 4..9, BEPOCH bits 10..11, entry-lock owner
 * (thread + 1) bits 12..15, host-priority bit 16.
 *
 * With the geometry's `tdxLocks` the module's own locks are modelled too (sheet §1.8, from the
 * lock table of the module's TDX 1.5 source as analysed on the KVM list, and the table in the
 * changelog of 4b2abc49712b "KVM: TDX: Kick off vCPUs when SEAMCALL is busy during TD page
 * removal"): the S-EPT tree lock (shared: SEPT.ADD, PAGE.AUG, PAGE.ADD, PAGE.REMOVE; exclusive:
 * RANGE.BLOCK, SEPT.REMOVE, and TDH.VP.ENTER under zero-step mitigation), the TD epoch lock (shared:
 * TDH.VP.ENTER; exclusive: TDH.MEM.TRACK), and the host-priority bit of the entry lock: a host
 * SEAMCALL that finds the entry locked by a guest TDCALL sets it, and a guest TDCALL that then finds
 * it set gives up with TDX_OPERAND_BUSY, so the host's retry wins; the host's next successful
 * write of the entry clears it. Host SEAMCALLs are atomic steps, so only TDH.VP.ENTER (two steps)
 * and guest TDCALLs hold a lock across steps. Any failed acquisition is TDX_OPERAND_BUSY without
 * side effects (besides the host-priority bit).
 */
import { G, type MmuLayout, P, TLB, TX, V, ZERO_STEP_AFTER } from './layout.js';

/**
 * Where a SEAMCALL reads the state (`st`) and writes it (`put`): the step context, whose `put`
 * lists every word it writes (`Ctx.put`, so that the checker knows which words a step changed),
 * or a bare state array (tests, the model layer's own uses), written in place.
 */
export interface StateSink {
  readonly st: Int32Array;
  put(i: number, v: number): void;
}

/** A state array, or a {@link StateSink} (the step context): what the functions below that write the state take. */
export type StateRef = Int32Array | StateSink;

/** A bare state array as a {@link StateSink}. */
class ArraySink implements StateSink {
  constructor(readonly st: Int32Array) {}
  put(i: number, v: number): void {
    this.st[i] = v;
  }
}

/** Returns `x` as a {@link StateSink} (a state array is wrapped: not on the checker's hot path, which passes the step context). */
function sink(x: StateRef): StateSink {
  return x instanceof Int32Array ? new ArraySink(x) : x;
}

/** S-EPT entry states KVM uses (the module has 16; migration states are not modelled). */
export const SEPT = { free: 0, nlMapped: 1, nlBlocked: 2, mapped: 3, blocked: 4, pending: 5, pendingBlocked: 6 } as const;
/** Names of the S-EPT states, by value. */
export const SEPT_NAMES = ['FREE', 'NL_MAPPED', 'NL_BLOCKED', 'MAPPED', 'BLOCKED', 'PENDING', 'PENDING_BLOCKED'] as const;

/** SEAMCALL status codes, by index (index 0 is success). */
export const TDX_STATUS = [
  { name: 'TDX_SUCCESS', value: 0x0n },
  { name: 'TDX_OPERAND_BUSY', value: 0x8000020000000000n },
  { name: 'TDX_EPT_WALK_FAILED', value: 0xc0000b0000000000n },
  { name: 'TDX_EPT_ENTRY_STATE_INCORRECT', value: 0xc0000b0d00000000n },
  /** Value not in Linux's tdx_errno.h; name from the module source (UNVERIFIED value). */
  { name: 'TDX_GPA_RANGE_ALREADY_BLOCKED', value: undefined },
  { name: 'TDX_PREVIOUS_TLB_EPOCH_BUSY', value: 0x8000020100000000n },
  { name: 'TDX_GPA_RANGE_NOT_BLOCKED', value: undefined },
  { name: 'TDX_TLB_TRACKING_NOT_DONE', value: undefined },
  { name: 'TDX_EPT_PAGE_NOT_FREE', value: undefined },
  { name: 'TDX_PAGE_METADATA_INCORRECT', value: 0xc000030000000000n },
  /** Value from the huge-page RFC series' tdx_errno.h (Isaku Yamahata, 2022-24); not in mainline Linux. */
  { name: 'TDX_EPT_INVALID_PROMOTE_CONDITIONS', value: 0xc0000b0900000000n },
] as const;

/** Status indices (into TDX_STATUS). */
export const ST = {
  success: 0,
  busy: 1,
  walkFailed: 2,
  stateIncorrect: 3,
  alreadyBlocked: 4,
  prevEpochBusy: 5,
  notBlocked: 6,
  trackingNotDone: 7,
  pageNotFree: 8,
  pamtIncorrect: 9,
  invalidPromote: 10,
} as const;

/** Returns the state of an S-EPT word. */
export const septState = (w: number): number => w & 15;
/** Returns the pfn of an S-EPT word. */
export const septPfn = (w: number): number => (w >> 4) & 63;
/** Returns the BEPOCH of an S-EPT word. */
export const septBepoch = (w: number): number => (w >> 10) & 3;
/** Returns the entry-lock owner (thread + 1) of an S-EPT word, 0 if unlocked. */
export const septLock = (w: number): number => (w >> 12) & 15;
/** Returns an S-EPT word. */
export const septWord = (state: number, pfn = 0, bepoch = 0, lock = 0): number => state | (pfn << 4) | (bepoch << 10) | (lock << 12);
/** Returns true for the leaf states that map a page (PENDING, MAPPED and their BLOCKED forms). */
export const septMapsPage = (st: number): boolean => st >= SEPT.mapped;
/** Returns the name of an S-EPT word's state. */
export const septStateName = (w: number): string => SEPT_NAMES[septState(w)] ?? `state${septState(w)}`;

/** The S-EPT walk every GPA-addressed SEAMCALL does first: every non-leaf entry above `level` must be NL_*. */
function walk(s: Int32Array, m: MmuLayout, level: number, gfn: number): boolean {
  for (let l = m.geometry.levels; l > level; l--) {
    const st = septState(s[m.sept(l, gfn)]!);
    if (st !== SEPT.nlMapped && st !== SEPT.nlBlocked) return false;
  }
  return true;
}

/** The host-priority bit of an S-EPT entry word (set by a host SEAMCALL that found the entry locked by a guest TDCALL). */
export const HOST_PRIORITY = 1 << 16;

/**
 * Returns true when the entry at offset `o` is locked by someone other than host thread `t`
 * (TDX_OPERAND_BUSY); with `tdxLocks` the failed host acquisition sets the host-priority bit.
 */
function entryBusy(x: StateSink, m: MmuLayout, o: number, t: number): boolean {
  const w = x.st[o]!;
  const owner = septLock(w);
  if (owner === 0 || owner === t + 1) return false;
  if (m.tdxBase >= 0) x.put(o, w | HOST_PRIORITY);
  return true;
}

/** Returns true when the S-EPT tree lock is held (exclusively, by a TDH.VP.ENTER in progress) by someone other than `t`. */
export function treeBusy(s: Int32Array, m: MmuLayout, t: number): boolean {
  if (m.tdxBase < 0) return false;
  const h = s[m.tdx(TX.tree)]!;
  return h !== 0 && h !== t + 1;
}

/**
 * The start every host SEAMCALL on the S-EPT entry at `level` covering `gfn` shares: the tree lock
 * (TDX_OPERAND_BUSY), the walk (a `level` below `minLevel` fails it too), then the entry lock taken
 * host-side (TDX_OPERAND_BUSY; see {@link entryBusy}). Returns the entry's offset, or `~status`
 * (negative) when the call ends there.
 */
function hostEntry(x: StateSink, m: MmuLayout, t: number, level: number, gfn: number, minLevel = 1): number {
  if (treeBusy(x.st, m, t)) return ~ST.busy;
  if (level < minLevel || !walk(x.st, m, level, gfn)) return ~ST.walkFailed;
  const o = m.sept(level, gfn);
  return entryBusy(x, m, o, t) ? ~ST.busy : o;
}

/** TDH.MEM.SEPT.ADD: entry at `level` (non-leaf, level >= 2) FREE -> NL_MAPPED; children FREE. */
export function septAdd(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, level, gfn);
  if (o < 0) return ~o;
  if (septState(s[o]!) !== SEPT.free) return ST.stateIncorrect;
  x.put(o, septWord(SEPT.nlMapped));
  const span = m.span(level);
  const base = gfn & ~(span - 1);
  for (let l = level - 1; l >= 1; l--) for (let g = base; g < base + span; g += m.span(l)) x.put(m.sept(l, g), 0);
  return ST.success;
}

/** TDH.MEM.PAGE.AUG: leaf at `level` FREE -> PENDING with `pfn`; the page becomes TD-owned in the PAMT. */
export function pageAug(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number, pfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, level, gfn);
  if (o < 0) return ~o;
  if (septState(s[o]!) !== SEPT.free) return ST.stateIncorrect;
  const n = m.span(level);
  for (let k = 0; k < n; k++) if ((s[m.page(pfn + k)]! & P.td) !== 0) return ST.pamtIncorrect;
  x.put(o, septWord(SEPT.pending, pfn));
  for (let k = 0; k < n; k++) x.put(m.page(pfn + k), s[m.page(pfn + k)]! | P.td | P.pin);
  return ST.success;
}

/** TDH.MEM.PAGE.ADD (build time, TD not finalized): leaf FREE -> MAPPED with `pfn`. */
export function pageAdd(ref: StateRef, m: MmuLayout, t: number, gfn: number, pfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, 1, gfn);
  if (o < 0) return ~o;
  if (septState(s[o]!) !== SEPT.free) return ST.stateIncorrect;
  if ((s[m.page(pfn)]! & P.td) !== 0) return ST.pamtIncorrect;
  x.put(o, septWord(SEPT.mapped, pfn));
  x.put(m.page(pfn), s[m.page(pfn)]! | P.td | P.pin);
  return ST.success;
}

/**
 * TDH.MR.EXTEND (build time): extends the TD's measurement with a chunk of a page PAGE.ADD added;
 * the 4K leaf of `gfn` must be MAPPED (a removed page is FREE: TDX_EPT_ENTRY_STATE_INCORRECT; no
 * S-EPT table: TDX_EPT_WALK_FAILED). No state change in the model (the measurement is not kept).
 */
export function mrExtend(ref: StateRef, m: MmuLayout, t: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, 1, gfn);
  if (o < 0) return ~o;
  return septState(s[o]!) === SEPT.mapped ? ST.success : ST.stateIncorrect;
}

/** TDH.MEM.RANGE.BLOCK: NL_MAPPED/MAPPED/PENDING -> blocked form, BEPOCH := TD_EPOCH. */
export function rangeBlock(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, level, gfn);
  if (o < 0) return ~o;
  const w = s[o]!;
  const st = septState(w);
  const to = st === SEPT.nlMapped ? SEPT.nlBlocked : st === SEPT.mapped ? SEPT.blocked : st === SEPT.pending ? SEPT.pendingBlocked : -1;
  if (to < 0) return st === SEPT.free ? ST.stateIncorrect : ST.alreadyBlocked;
  x.put(o, septWord(to, septPfn(w), s[G.tdEpoch]! & 3));
  return ST.success;
}

/**
 * TDH.MEM.TRACK: TD_EPOCH++, unless vCPUs are still in the epoch before the current one. With
 * `tdxLocks` (layout `m`), TDX_OPERAND_BUSY while a TDH.VP.ENTER holds the epoch lock.
 */
export function track(ref: StateRef, m?: MmuLayout): number {
  const x = sink(ref);
  const s = x.st;
  if (m !== undefined && m.tdxBase >= 0 && s[m.tdx(TX.epoch)] !== 0) return ST.busy;
  const e = s[G.tdEpoch]!;
  const prev = (e + 3) & 3;
  if (s[prev & 1 ? G.epochRef1 : G.epochRef0]! > 0) return ST.prevEpochBusy;
  x.put(G.tdEpoch, (e + 1) & 3);
  return ST.success;
}

/** Returns true when a block at `bepoch` is tracked: no vCPU can still hold a TLB entry from before it. */
export function tracked(s: Int32Array, bepoch: number): boolean {
  const e = s[G.tdEpoch]!;
  const diff = (e - bepoch) & 3;
  if (diff >= 2) return true;
  if (diff === 1) return s[bepoch & 1 ? G.epochRef1 : G.epochRef0]! === 0;
  return false;
}

/** TDH.MEM.PAGE.REMOVE: a blocked and tracked leaf -> FREE; the page is released in the PAMT. */
export function pageRemove(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, level, gfn);
  if (o < 0) return ~o;
  const w = s[o]!;
  const st = septState(w);
  if (st < SEPT.mapped) return ST.stateIncorrect;
  if (s[G.tdState] === 0) {
    if (st !== SEPT.blocked && st !== SEPT.pendingBlocked) return ST.notBlocked;
    if (!tracked(s, septBepoch(w))) return ST.trackingNotDone;
  }
  const pfn = septPfn(w);
  const n = m.span(level);
  x.put(o, 0);
  for (let k = 0; k < n; k++) x.put(m.page(pfn + k), s[m.page(pfn + k)]! & ~P.td);
  return ST.success;
}

/**
 * TDH.MEM.PAGE.DEMOTE (huge private pages, RFC series; not used by mainline KVM): splits the leaf
 * at `level` (2M here) covering `gfn` into a new S-EPT page of leaves one level down, each in the
 * leaf's state unblocked (BLOCKED -> MAPPED, PENDING_BLOCKED -> PENDING) with its part of the pfn
 * range; the entry becomes NL_MAPPED. From the TDX module's source (intel/tdx-module
 * tdh_mem_page_demote.c): the S-EPT tree lock is taken shared (TDX 1.5; the TDX 1.0 handler took it
 * exclusively) and the entry lock host-side (TDX_OPERAND_BUSY); the entry must be a leaf
 * (TDX_EPT_ENTRY_STATE_INCORRECT); while the TD runs it must be blocked
 * (TDX_GPA_RANGE_NOT_BLOCKED) and its BEPOCH tracked (TDX_TLB_TRACKING_NOT_DONE). No UNBLOCK
 * follows a successful DEMOTE. The new S-EPT page itself is not modelled (KVM's mirror table is).
 * The tree lock's mode is not modelled apart: host SEAMCALLs are atomic steps here, and the only
 * holders across steps are a zero-step TDH.VP.ENTER (exclusive: BUSY for a shared and an exclusive
 * DEMOTE alike) and guest TDCALLs, which take only the entry lock (tdg_mem_page_accept.c takes no
 * tree lock), so TDX 1.5's shared and TDX 1.0's exclusive DEMOTE return the same statuses; under
 * the RFC's write-locked split no other host SEAMCALL can run beside DEMOTE in the kernel either
 * (scenario tdx/huge/demote-contention reaches both contention paths).
 */
export function pageDemote(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, level, gfn, 2);
  if (o < 0) return ~o;
  const w = s[o]!;
  const st = septState(w);
  if (!septMapsPage(st)) return ST.stateIncorrect;
  if (s[G.tdState] === 0) {
    if (st !== SEPT.blocked && st !== SEPT.pendingBlocked) return ST.notBlocked;
    if (!tracked(s, septBepoch(w))) return ST.trackingNotDone;
  }
  const child = st === SEPT.blocked ? SEPT.mapped : st === SEPT.pendingBlocked ? SEPT.pending : st;
  const span = m.span(level);
  const base = gfn & ~(span - 1);
  const step = m.span(level - 1);
  for (let g = base, k = 0; g < base + span; g += step, k++) x.put(m.sept(level - 1, g), septWord(child, septPfn(w) + k * step));
  x.put(o, septWord(SEPT.nlMapped));
  return ST.success;
}

/**
 * TDH.MEM.PAGE.PROMOTE (huge private pages; never issued by mainline KVM, whose
 * arch/x86/virt/vmx/tdx/tdx.h defines no leaf 23): merges the S-EPT page of 4K leaves below the
 * non-leaf entry at `level` (2M here) covering `gfn` into one leaf at `level`. From the TDX
 * module's source (intel/tdx-module tdh_mem_page_promote.c; TDX 1.5 and later): the S-EPT tree
 * lock is taken shared (the TDX 1.0 handler took it exclusively; see {@link pageDemote} for why
 * the mode is not modelled apart), the entry lock host-side (TDX_OPERAND_BUSY), and the entry
 * must be NL_MAPPED or NL_BLOCKED (TDX_EPT_ENTRY_STATE_INCORRECT); while the TD runs it must be
 * NL_BLOCKED (TDX_GPA_RANGE_NOT_BLOCKED) and its BEPOCH tracked (TDX_TLB_TRACKING_NOT_DONE). It then
 * takes the host-side entry lock of every child (is_sept_page_valid_for_merge: a child a guest
 * TDCALL such as ACCEPT holds is TDX_OPERAND_BUSY, and the failed acquisition sets the child's
 * host-priority bit) and needs the first child MAPPED or PENDING with an address aligned to the
 * merged size, and every other child equal to it but for the address stride: all MAPPED or all
 * PENDING (not blocked), contiguous (TDX_EPT_INVALID_PROMOTE_CONDITIONS otherwise: mixed
 * PENDING/MAPPED children are exactly this). On success the entry becomes a leaf in the children's
 * state (MAPPED or PENDING, not blocked: no UNBLOCK follows) over the first child's address, and the
 * child S-EPT page leaves the TD (PAMT: PT_NDA; KVM reclaims it); the model frees the children's
 * positions. The TDX 1.0 handler required the entry blocked and tracked whatever the TD state and
 * did not lock the children.
 */
export function pagePromote(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, level, gfn, 2);
  if (o < 0) return ~o;
  const w = s[o]!;
  const st = septState(w);
  if (st !== SEPT.nlMapped && st !== SEPT.nlBlocked) return ST.stateIncorrect;
  if (s[G.tdState] === 0) {
    if (st !== SEPT.nlBlocked) return ST.notBlocked;
    if (!tracked(s, septBepoch(w))) return ST.trackingNotDone;
  }
  const span = m.span(level);
  const base = gfn & ~(span - 1);
  const step = m.span(level - 1);
  for (let g = base; g < base + span; g += step) if (entryBusy(x, m, m.sept(level - 1, g), t)) return ST.busy;
  const first = s[m.sept(level - 1, base)]!;
  const cst = septState(first);
  if ((cst !== SEPT.mapped && cst !== SEPT.pending) || septPfn(first) % span !== 0) return ST.invalidPromote;
  for (let g = base + step, k = 1; g < base + span; g += step, k++) {
    const c = s[m.sept(level - 1, g)]!;
    if (septState(c) !== cst || septPfn(c) !== septPfn(first) + k * step) return ST.invalidPromote;
  }
  for (let g = base; g < base + span; g += step) x.put(m.sept(level - 1, g), 0);
  x.put(o, septWord(cst, septPfn(first)));
  return ST.success;
}

/**
 * TDH.MEM.RANGE.UNBLOCK (huge private pages: the undo of a failed merge; not used by mainline
 * KVM): a blocked entry (NL_BLOCKED, BLOCKED, PENDING_BLOCKED) returns to its unblocked state. From
 * the module's source (tdh_mem_range_unblock.c): the S-EPT tree lock exclusively, the entry lock
 * host-side; any other state is TDX_EPT_ENTRY_STATE_INCORRECT; while the TD runs the block must be
 * tracked first (TDX_TLB_TRACKING_NOT_DONE, which the RFC series' tdx_sept_unzap_private_spte
 * retries).
 */
export function rangeUnblock(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, level, gfn);
  if (o < 0) return ~o;
  const w = s[o]!;
  const st = septState(w);
  const to = st === SEPT.nlBlocked ? SEPT.nlMapped : st === SEPT.blocked ? SEPT.mapped : st === SEPT.pendingBlocked ? SEPT.pending : -1;
  if (to < 0) return ST.stateIncorrect;
  if (s[G.tdState] === 0 && !tracked(s, septBepoch(w))) return ST.trackingNotDone;
  x.put(o, septWord(to, septPfn(w)));
  return ST.success;
}

/** Outcomes of a guest TDG.MEM.PAGE.ACCEPT ({@link acceptAt}). */
export const ACCEPT = {
  /** The entry was PENDING at the requested level: the guest holds its entry lock (finish with accept-finish). */
  begun: 0,
  /** TDX_PAGE_ALREADY_ACCEPTED: a MAPPED leaf at or above the requested level. */
  already: 1,
  /** TDX_PAGE_SIZE_MISMATCH: the requested level's entry is a non-leaf (mapped below it); the guest retries smaller. */
  sizeMismatch: 2,
  /** An EPT violation TD exit carrying the accept level (no leaf, a non-accessible leaf above the level, or a blocked one). */
  violation: 3,
  /** TDX_OPERAND_BUSY: the entry is locked, or its host-priority bit is set. */
  busy: 4,
} as const;

/**
 * TDG.MEM.PAGE.ACCEPT at `level` for `gfn` by vCPU thread `t` (the TDX module's check of the
 * request, intel/tdx-module tdg_mem_page_accept.c): the S-EPT walk stops at a leaf above the level
 * (MAPPED: already accepted; PENDING or blocked: an EPT violation exit with the accept level, which
 * is how KVM learns it must split), or at a missing entry (EPT violation); at the level, a non-leaf
 * entry is TDX_PAGE_SIZE_MISMATCH, a MAPPED leaf already accepted, a PENDING leaf is locked
 * guest-side and accepted, anything else an EPT violation.
 */
export function acceptAt(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  for (let l = m.geometry.levels; l >= level; l--) {
    const w = s[m.sept(l, gfn)]!;
    const st = septState(w);
    if (l > level) {
      if (st === SEPT.nlMapped) continue;
      return st === SEPT.mapped ? ACCEPT.already : ACCEPT.violation;
    }
    if (st === SEPT.nlMapped || st === SEPT.nlBlocked) return ACCEPT.sizeMismatch;
    if (st === SEPT.mapped) return ACCEPT.already;
    if (st !== SEPT.pending) return ACCEPT.violation;
    return acceptBegin(x, m, t, level, gfn) === ST.success ? ACCEPT.begun : ACCEPT.busy;
  }
  return ACCEPT.violation;
}

/** TDH.MEM.SEPT.REMOVE: NL_BLOCKED, tracked, all children FREE -> FREE. */
export function septRemove(ref: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(ref);
  const s = x.st;
  const o = hostEntry(x, m, t, level, gfn);
  if (o < 0) return ~o;
  const w = s[o]!;
  const st = septState(w);
  if (st !== SEPT.nlMapped && st !== SEPT.nlBlocked) return ST.stateIncorrect;
  if (s[G.tdState] === 0 && (st !== SEPT.nlBlocked || !tracked(s, septBepoch(w)))) return st !== SEPT.nlBlocked ? ST.notBlocked : ST.trackingNotDone;
  const span = m.span(level);
  const base = gfn & ~(span - 1);
  for (let g = base; g < base + span; g += m.span(level - 1)) if (septState(s[m.sept(level - 1, g)]!) !== SEPT.free) return ST.pageNotFree;
  x.put(o, 0);
  return ST.success;
}

/**
 * TDH.VP.ENTER for vCPU `v`: takes a reference on the current epoch and flushes the vCPU's
 * private (S-EPT) TLB entries when its last epoch differs.
 */
export function vpEnter(to: StateRef, m: MmuLayout, v: number): void {
  const x = sink(to);
  const s = x.st;
  const e = s[G.tdEpoch]!;
  const ref = e & 1 ? G.epochRef1 : G.epochRef0;
  x.put(ref, s[ref]! + 1);
  if (s[m.vcpu(v, V.epoch)] !== e) {
    for (let g = 0; g < m.gfns; g++) if ((s[m.tlb(v, g)]! & TLB.priv) !== 0) x.put(m.tlb(v, g), 0);
  }
  x.put(m.vcpu(v, V.epoch), e);
  x.put(m.vcpu(v, V.mode), 1);
}

/**
 * Returns true when a vCPU other than thread `self` is inside a guest TDCALL: it holds a guest-side
 * S-EPT entry lock (owner = its thread + 1; vCPU v is thread v). A kick waits for such a vCPU.
 */
export function vcpuInTdcall(s: ArrayLike<number>, m: MmuLayout, self: number): boolean {
  for (let pos = 0; pos < m.septCount; pos++) {
    const o = septLock(s[m.septBase + pos]!);
    if (o !== 0 && o !== self + 1 && o <= m.geometry.vcpus) return true;
  }
  return false;
}

/** A TD exit of vCPU `v` (drops its epoch reference). Normal VMs just leave guest mode. */
export function vpExit(to: StateRef, m: MmuLayout, v: number, tdx: boolean): void {
  const x = sink(to);
  const s = x.st;
  if (s[m.vcpu(v, V.mode)] !== 1) return;
  x.put(m.vcpu(v, V.mode), 0);
  if (tdx) {
    const e = s[m.vcpu(v, V.epoch)]!;
    const ref = e & 1 ? G.epochRef1 : G.epochRef0;
    x.put(ref, s[ref]! - 1);
  }
}

/**
 * TDH.VP.ENTER, first step (`tdxLocks`): takes the TD epoch lock shared and, when the vCPU's
 * zero-step mitigation is on, the S-EPT tree lock exclusively. TDX_OPERAND_BUSY when another
 * vCPU's zero-step entry holds the tree lock.
 */
export function vpEnterBegin(to: StateRef, m: MmuLayout, v: number): number {
  const x = sink(to);
  const s = x.st;
  if (zeroStepOn(s, m, v)) {
    if (treeBusy(s, m, v)) return ST.busy;
    x.put(m.tdx(TX.tree), v + 1);
  }
  x.put(m.tdx(TX.epoch), s[m.tdx(TX.epoch)]! | (1 << v));
  return ST.success;
}

/**
 * TDH.VP.ENTER, second step (`tdxLocks`): releases the locks of the first and enters the guest
 * ({@link vpEnter}), except when the zero-step mitigation finds the faulting gfn still without a
 * present S-EPT leaf (the entry ends in the same EPT violation) or when a kick is pending
 * (`wait_for_sept_zap`: the vCPU exits again at once). Returns true when the vCPU entered (its
 * zero-step count is cleared only by a guest access that makes progress).
 */
export function vpEnterEnd(to: StateRef, m: MmuLayout, v: number): boolean {
  const x = sink(to);
  const s = x.st;
  const zs = zeroStepOn(s, m, v);
  if (zs && s[m.tdx(TX.tree)] === v + 1) x.put(m.tdx(TX.tree), 0);
  x.put(m.tdx(TX.epoch), s[m.tdx(TX.epoch)]! & ~(1 << v));
  if (s[G.waitSeptZap] !== 0) return false;
  if (zs && septLeafFor(s, m, s[m.zeroStep(v)]! >> 4) === undefined) return false;
  vpEnter(x, m, v);
  return true;
}

/** Returns true when vCPU `v`'s zero-step mitigation is on (`tdxLocks`): {@link ZERO_STEP_AFTER} EPT violations at one gfn without progress. */
export function zeroStepOn(s: Int32Array, m: MmuLayout, v: number): boolean {
  return m.tdxBase >= 0 && (s[m.zeroStep(v)]! & 15) >= ZERO_STEP_AFTER;
}

/** Counts an EPT violation of vCPU `v` at private `gfn` toward the zero-step mitigation (`tdxLocks`; no-op otherwise). */
export function zeroStepViolation(to: StateRef, m: MmuLayout, v: number, gfn: number): void {
  if (m.tdxBase < 0) return;
  const x = sink(to);
  const w = x.st[m.zeroStep(v)]!;
  const n = (w & 15) > 0 && w >> 4 === gfn ? Math.min(15, (w & 15) + 1) : 1;
  x.put(m.zeroStep(v), n | (gfn << 4));
}

/** Clears vCPU `v`'s zero-step count (a guest access made progress; `tdxLocks`, no-op otherwise). */
export function zeroStepProgress(to: StateRef, m: MmuLayout, v: number): void {
  if (m.tdxBase >= 0) sink(to).put(m.zeroStep(v), 0);
}

/**
 * TDG.MEM.PAGE.ACCEPT begins (guest TDCALL of vCPU thread `t` on the entry at `level` covering
 * `gfn`): takes the entry lock guest-side, or gives up with TDX_OPERAND_BUSY when the entry is
 * locked or its host-priority bit is set.
 */
export function acceptBegin(to: StateRef, m: MmuLayout, t: number, level: number, gfn: number): number {
  const x = sink(to);
  const o = m.sept(level, gfn);
  const w = x.st[o]!;
  if (septLock(w) !== 0 || (w & HOST_PRIORITY) !== 0) return ST.busy;
  x.put(o, w | ((t + 1) << 12));
  return ST.success;
}

/**
 * The guest's (the CPU's) walk of S-EPT for `gfn`: the leaf covering it, or undefined when an entry
 * on the way is FREE or a blocked non-leaf (NL_BLOCKED is not present to the CPU: an EPT
 * violation). {@link septLeafFor} is the host's view, which walks through NL_BLOCKED.
 */
export function septGuestLeafFor(s: Int32Array, m: MmuLayout, gfn: number): { level: number; word: number } | undefined {
  for (let l = m.geometry.levels; l >= 1; l--) {
    const w = s[m.sept(l, gfn)]!;
    const st = septState(w);
    if (st === SEPT.nlMapped) continue;
    if (st === SEPT.free || st === SEPT.nlBlocked) return undefined;
    return { level: l, word: w };
  }
  return undefined;
}

/** Finds the S-EPT leaf covering `gfn` (level and word), or undefined. */
export function septLeafFor(s: Int32Array, m: MmuLayout, gfn: number): { level: number; word: number } | undefined {
  for (let l = m.geometry.levels; l >= 1; l--) {
    const w = s[m.sept(l, gfn)]!;
    const st = septState(w);
    if (st === SEPT.nlMapped || st === SEPT.nlBlocked) continue;
    if (st === SEPT.free) return undefined;
    return { level: l, word: w };
  }
  return undefined;
}

/** A SEAMCALL status name, e.g. `TDX_SUCCESS`, `TDX_OPERAND_BUSY`. */
export type TdxStatusName = (typeof TDX_STATUS)[number]['name'];
/** An S-EPT entry state name, e.g. `MAPPED`, `BLOCKED`. */
export type SeptStateName = (typeof SEPT_NAMES)[number];

/** Returns the name of status index `st` (an index into {@link TDX_STATUS}). */
export function statusName(st: number): TdxStatusName {
  const e = TDX_STATUS[st];
  if (e === undefined) throw new Error(`internal error: SEAMCALL status index ${st}`);
  return e.name;
}
