/**
 * The step context: what a step sees while it runs. It wraps the successor state and the running
 * thread, and offers the shared-state primitives of the protocol sheet (SPTE read / CAS / XCHG /
 * store, mmu_lock, RCU, SRCU, root references, flushes, table allocation and freeing). Primitives
 * that the kernel forbids (touching a freed table, dropping mmu_lock with a flush pending, freeing
 * a root that still maps something) record the broken invariant in the state itself, so a
 * violation is found by the explorer whatever the step list looks like.
 */
import { DiagnosticError, fail } from '../core/diagnostic.js';
import { enterUserCode, leaveUserCode } from '../core/user-code.js';
import { COUNT, F, G, L, MS, type MmuLayout, NX, P, R, REQ, RF, T, TLB, TS, V } from './layout.js';
import { type InvariantName, invariantNumber, WITNESS, type WitnessName, witnessBit } from './names.js';
import type { CompiledProgram } from './program.js';
import { FROZEN, formatSpte, isLeaf, isLink, isPresent, leafD, leafPfn, linkTable } from './spte.js';
import { type Held, type LocalName, type OpParams, ptrIndex, ptrTable, type RootInfo, sptePtr, type SptePtr, type TlbEntry } from './step-api.js';
import { pageAdd, pageAug, pageRemove, rangeBlock, septAdd, septRemove, ST, statusName, type TdxStatusName, track, vcpuInTdcall, vpExit } from './tdx.js';

/** Returns true when mmu_lock can be taken for read in state `s` (no writer). */
export function readLockFree(s: Int32Array): boolean {
  return s[G.writer] === 0;
}
/** Returns true when mmu_lock can be taken for write in state `s` (no writer, no reader). */
export function writeLockFree(s: Int32Array): boolean {
  return s[G.writer] === 0 && s[G.readers] === 0;
}

/** Invariant numbers (I1..I12 of the protocol sheet, section 5.3; I13 for private huge pages). */
export const INV = {
  useAfterFree: 1,
  leak: 2,
  notifier: 3,
  tlb: 4,
  dirty: 5,
  mirror: 6,
  seamcall: 7,
  septOrder: 8,
  tdPage: 9,
  rootRef: 10,
  progress: 11,
  readLock: 12,
  accepts: 13,
} as const;

/** What a step did, recorded only while tracing (replay, trace display). */
export interface StepRecord {
  /** Shared state the step touched, e.g. `R direct t0[1]`, `WL+`, `FLUSH`. */
  readonly touched: string[];
  /** SPTE changes: location, before, after (compact words). */
  readonly sptes: { where: string; before: number; after: number; table: number; index: number }[];
  /** SEAMCALLs: name, arguments, status name. */
  readonly seamcalls: { name: string; args: string; status: string }[];
  /** Free-form notes (decisions: retry, spurious, violation reasons). */
  readonly notes: string[];
}

/** Returns an empty step record. */
export function newRecord(): StepRecord {
  return { touched: [], sptes: [], seamcalls: [], notes: [] };
}

/** Longest list of written words a step keeps (a step that writes more counts as {@link Ctx.raw}). */
const WL_MAX = 1024;

/** The flag bit of each resource a thread can hold. */
const HELD: Readonly<Record<Held, number>> = { 'read-lock': F.rl, 'write-lock': F.wl, rcu: F.rcu, srcu: F.srcu, 'flush-pending': F.flush, 'root-ref': F.rootRef };

/** The parameters of an operation instance that carries none. */
const NO_PARAMS: OpParams = { op: '' };

/**
 * The per-step context: the `c` of `run(c)` and `guard(c)`. One instance is reused for every step
 * (no allocation on the hot path).
 *
 * The public surface for step bodies (README, "Writing step bodies"):
 * - the call and the thread: `params` (the operation call: `gfn`, `write`, `private`, `level`, ...),
 *   `opts` (the scenario's options), `thread`, `vcpus`, `isVcpu`, `kvm` (invalidation sequence and
 *   range, memslot state, dirty logging, private gfns), named locals `local` / `setLocal`
 * - control flow: `goto(step)`, `stay()`, `hasStep(step)`
 * - names: `seen('frozen-observed')`, `violate('I7', why)`, `note(text)`
 * - mmu_lock: `canRead`, `canWrite`, `lockRead`, `lockWrite`, `tryLock(mode)`, `unlock`,
 *   `contended`; `holds('read-lock' | 'write-lock' | 'rcu' | 'srcu' | 'flush-pending' | 'root-ref')`
 * - RCU and SRCU: `rcuLock`, `rcuUnlock`, `srcuLock`, `srcuUnlock`
 * - the walk and SPTEs: `iterStart(root, gfn)`, `here()`, `iterDown(child)`, `readSpte`, `casSpte`,
 *   `xchgSpte`, `storeSpte` (values built and inspected with `spte`)
 * - tables: `allocTable`, `unallocTable`, `unlinkTable`, `callRcuFree`, `leafRemoved`
 * - roots: `roots()`, `rootInfo(slot)`, `myRoot(private)`, `getRoot`, `putRoot`
 * - TLBs: `markFlush`, `flushRemote`, `tlbEntry(vcpu, gfn)`, `flushTlb(vcpu)`
 * - the TDX module: `c.tdx.septAdd`, `pageAug`, `pageAdd`, `rangeBlock`, `track`, `pageRemove`,
 *   `septRemove` (status names), `kickAll` (false while a vCPU is inside a guest TDCALL: the kick waits)
 * Methods that take raw table/index numbers or state offsets (`read`, `cas`, `loc`, `g`, `s`,
 * `flag`, ...) are the built-in steps' fast internals.
 */
export class Ctx {
  /**
   * The successor state being written (the primitives' own view: their writes go through
   * {@link put}, which lists them).
   */
  st: Int32Array = new Int32Array(0);
  /**
   * Words written by the running step through the primitives ({@link put}), in order, possibly
   * repeated: the first {@link nw} entries (see `MmuMachine.written`). Complete only while
   * {@link raw} is false.
   */
  readonly wl: Int32Array = new Int32Array(WL_MAX);
  nw = 0;
  /**
   * Set when the running step took the state itself ({@link s}, a user-written step): it may have
   * written any word, so {@link wl} does not tell which changed. The TDX module's SEAMCALLs write
   * through {@link put} (the context is their `StateSink`, see tdx.ts), so they are listed.
   */
  raw = false;
  /**
   * The successor state being written, as step bodies and helpers reach it directly (`c.s[i]`).
   * Taking it sets {@link raw}: its writes are not listed.
   */
  get s(): Int32Array {
    this.raw = true;
    return this.st;
  }
  set s(v: Int32Array) {
    this.st = v;
  }
  /** Writes word `i` of the successor and lists it in {@link wl}. */
  put(i: number, v: number): void {
    this.st[i] = v;
    const n = this.nw;
    if (n < WL_MAX) {
      this.wl[n] = i;
      this.nw = n + 1;
    } else this.raw = true;
  }
  /**
   * Sets (`on`) or clears the running thread's own bit of word `i` (a lock's reader mask): a
   * commuting update, its value read for nothing else, so updates of distinct threads commute.
   */
  ownBit(i: number, on: boolean): void {
    if (this.commute !== null) this.commute(i);
    const v = this.st[i]!;
    this.put(i, on ? v | (1 << this.t) : v & ~(1 << this.t));
  }
  /** The running thread. */
  t = 0;
  /** pc of the running step. */
  pc = 0;
  /** The pc the thread continues at (set by goto / end; defaults to pc + 1). */
  nextPc = 0;
  /** The thread's program. */
  prog: CompiledProgram | undefined;
  /** Trace record, or null when not tracing. */
  rec: StepRecord | null = null;
  readonly m: MmuLayout;
  /** Scenario options (read by steps). */
  readonly opts: Readonly<Record<string, string | number | boolean>>;
  /** Number of vCPU threads. */
  readonly vcpus: number;
  /** Returns true when thread `t` currently waits at a step that wants mmu_lock in `mode`. */
  waitsForLock: (s: Int32Array, t: number) => 'read' | 'write' | undefined = () => undefined;
  /**
   * Set by the footprint recording: told the word of each commuting update ({@link ownBit})
   * before it happens (src/mmu/footprint.ts, condition 1b of src/check/por.ts); null otherwise.
   */
  commute: ((i: number) => void) | null = null;
  /** Returns true when thread `t` holds kvm->slots_lock (its {@link F}.slots flag; the footprint recording replaces it). */
  slotsHeld: (s: Int32Array, t: number) => boolean = (s, t) => (s[this.m.local(t, L.flags)]! & F.slots) !== 0;

  /** The TDX module's SEAMCALLs, each returning its status name (see {@link TdxCalls}). */
  readonly tdx: TdxCalls;

  constructor(m: MmuLayout, opts: Readonly<Record<string, string | number | boolean>>) {
    this.m = m;
    this.opts = opts;
    this.vcpus = m.geometry.vcpus;
    this.tdx = new TdxCalls(this);
  }

  // ---- the public step API: parameters, locals, names -------------------------------------------

  /** The parameters of the running operation call (`c.params.gfn`, `c.params.write`, ...). */
  get params(): OpParams {
    return this.prog!.steps[this.pc]!.op.params ?? NO_PARAMS;
  }
  /** The running thread's index (vCPU threads first: thread `v` < vCPU count is vCPU `v`). */
  get thread(): number {
    return this.t;
  }
  /** Returns the running thread's local `name`. */
  local(name: LocalName): number {
    return this.loc(L[name]);
  }
  /** Sets the running thread's local `name`. */
  setLocal(name: LocalName, v: number): void {
    this.setLoc(L[name], v);
  }
  /** Returns true when the running thread holds `what` (a lock mode, RCU, SRCU, a root reference) or owes a flush. */
  holds(what: Held): boolean {
    return this.has(HELD[what]);
  }
  /** Records that a TLB flush is owed (something was zapped or write-protected); `unlock` before `flushRemote` breaks I4. */
  markFlush(): void {
    this.flag(F.flush, true);
  }
  /**
   * Returns the memslot / invalidation state a fault checks: sequence, in-progress count, range
   * mask, private gfns, and the state and dirty logging of the memslot holding the operation's
   * gfn (`c.params.gfn`), or of the call's `slot` (without either, the first memslot). A gfn outside every slot reads as
   * `deleted` (no memslot).
   */
  get kvm(): { readonly seq: number; readonly inProgress: number; readonly range: number; readonly slot: 'valid' | 'invalid' | 'deleted'; readonly dirtyLog: boolean; readonly privateGfns: number } {
    const s = this.st;
    const { gfn, slot: id } = this.params;
    const k = typeof gfn === 'number' ? (this.m.slotIndex[gfn] ?? -1) : typeof id === 'number' ? this.m.slots.findIndex((x) => x.id === id) : 0;
    const slot = k < 0 ? 'deleted' : ((['valid', 'invalid', 'deleted'] as const)[s[this.m.slot(k, MS.state)]!] ?? 'deleted');
    const dirtyLog = k >= 0 && s[this.m.slot(k, MS.dirtyLog)]! !== 0;
    return { seq: s[G.seq]!, inProgress: s[G.inProgress]!, range: s[G.range]!, slot, dirtyLog, privateGfns: s[G.privateGfns]! };
  }

  // ---- control flow -------------------------------------------------------------------------

  /** Continues at step `label` of the current operation (`start` and `end` are implicit). */
  goto(label: string): void {
    const cs = this.prog!.steps[this.pc]!;
    if (label === cs.lastLabel) {
      this.nextPc = cs.lastLabelPc;
      return;
    }
    if (label === 'end') {
      this.nextPc = cs.opEnd;
      return;
    }
    if (label === 'start') {
      this.nextPc = cs.opStart;
      return;
    }
    const to = cs.labels.get(label);
    if (to === undefined) {
      fail('MMC301', `step '${cs.op.op}.${cs.def.name}' jumps to '${label}', which this variant removed or never had`, {
        hint: `steps of ${cs.op.op}: ${cs.op.steps.map((s) => s.name).join(', ')}`,
      });
    }
    cs.lastLabel = label;
    cs.lastLabelPc = to;
    this.nextPc = to;
  }
  /** Stays on the current step (a spin: the step will run again). */
  stay(): void {
    this.nextPc = this.pc;
  }
  /** Returns true when the current operation has a step named `label` (variants may remove steps). */
  hasStep(label: string): boolean {
    return this.prog!.steps[this.pc]!.labels.has(label);
  }

  // ---- locals, flags, globals -------------------------------------------------------------------

  /** Returns local `i` of the running thread. */
  loc(i: number): number {
    return this.st[this.m.local(this.t, i)]!;
  }
  /** Sets local `i` of the running thread. */
  setLoc(i: number, v: number): void {
    this.put(this.m.local(this.t, i), v);
  }
  /** Returns true when the running thread holds flag `f`. */
  has(f: number): boolean {
    return (this.loc(L.flags) & f) !== 0;
  }
  /** Sets or clears flag `f` of the running thread. */
  flag(f: number, on: boolean): void {
    const v = this.loc(L.flags);
    this.setLoc(L.flags, on ? v | f : v & ~f);
  }
  /** Returns global word `g`. */
  g(i: number): number {
    return this.st[i]!;
  }
  /** Sets global word `g`. */
  setG(i: number, v: number): void {
    this.put(i, v);
  }
  /** Records that invariant `inv` (`'I7'`, or its number) broke at this step, with a reason for the trace. */
  violate(inv: number | InvariantName, reason: string): void {
    if (typeof inv === 'string') inv = invariantNumber(inv);
    this.put(G.viol, this.st[G.viol]! | (1 << (inv - 1)));
    if (this.st[G.vinfo] === 0) this.put(G.vinfo, (this.t + 1) | (this.pc << 8));
    if (this.rec) this.rec.notes.push(`BROKEN I${inv}: ${reason}`);
  }
  /** Records that race witness `w` (`'frozen-observed'`, or its bit) was reached. */
  seen(w: number | WitnessName): void {
    const bit = typeof w === 'string' ? witnessBit(w) : w;
    this.put(G.seen, this.st[G.seen]! | (1 << bit));
  }
  /** Adds a note to the trace record. */
  note(text: string): void {
    if (this.rec) this.rec.notes.push(text);
  }
  /** Adds a touched-state entry to the trace record. */
  touch(text: string): void {
    if (this.rec) this.rec.touched.push(text);
  }
  /** Returns true when the running thread is a vCPU. */
  get isVcpu(): boolean {
    return this.t < this.vcpus;
  }

  // ---- mmu_lock, RCU, SRCU ----------------------------------------------------------------------

  /** Returns true when mmu_lock can be taken for read. */
  canRead(): boolean {
    return readLockFree(this.st);
  }
  /** Returns true when mmu_lock can be taken for write. */
  canWrite(): boolean {
    return writeLockFree(this.st);
  }
  /** Takes mmu_lock for read (RL+). */
  lockRead(): void {
    this.ownBit(G.readers, true);
    this.flag(F.rl, true);
    this.touch('RL+');
  }
  /** Takes mmu_lock for write (WL+). */
  lockWrite(): void {
    this.put(G.writer, this.t + 1);
    this.flag(F.wl, true);
    this.touch('WL+');
  }
  /** write_trylock / read_trylock in the given mode: takes mmu_lock and returns true, or returns false when it is held. */
  tryLock(mode: 'read' | 'write'): boolean {
    if (mode === 'read' ? !this.canRead() : !this.canWrite()) return false;
    if (mode === 'read') this.lockRead();
    else this.lockWrite();
    return true;
  }
  /** Releases mmu_lock (either mode). Releasing with a flush pending breaks I4. */
  unlock(): void {
    if (this.has(F.flush)) this.violate(INV.tlb, 'mmu_lock released with a TLB flush pending');
    if (this.has(F.wl)) {
      this.put(G.writer, 0);
      this.touch('WL-');
    }
    if (this.has(F.rl)) {
      this.ownBit(G.readers, false);
      this.touch('RL-');
    }
    this.flag(F.rl | F.wl, false);
  }
  /** Returns true when another thread waits for mmu_lock in a mode our hold blocks (lock contended). */
  contended(): boolean {
    const writer = this.has(F.wl);
    for (let u = 0; u < this.m.geometry.threads; u++) {
      if (u === this.t) continue;
      const w = this.waitsForLock(this.st, u);
      if (w === 'write' || (w === 'read' && writer)) return true;
    }
    return false;
  }
  /** rcu_read_lock. */
  rcuLock(): void {
    this.ownBit(G.rcu, true);
    this.flag(F.rcu, true);
    this.touch('RCU+');
  }
  /** rcu_read_unlock; a grace period ends for queued tables no reader still waits on, which are freed. */
  rcuUnlock(): void {
    const bit = 1 << this.t;
    this.ownBit(G.rcu, false);
    this.flag(F.rcu, false);
    this.touch('RCU-');
    const m = this.m;
    for (let tb = 0; tb < m.geometry.tables; tb++) {
      if (this.st[m.table(tb, T.status)] !== TS.queued) continue;
      const w = this.st[m.table(tb, T.rcuWaiters)]! & ~bit;
      this.put(m.table(tb, T.rcuWaiters), w);
      if (w === 0) this.freeTableNow(tb);
    }
  }
  /** srcu_read_lock(&kvm->srcu). */
  srcuLock(): void {
    this.ownBit(G.srcu, true);
    this.flag(F.srcu, true);
  }
  /** srcu_read_unlock (the section leaves a grace period in flight, `G.srcuGp`). */
  srcuUnlock(): void {
    this.ownBit(G.srcu, false);
    this.ownBit(G.srcuGp, false);
    this.flag(F.srcu, false);
  }

  // ---- tables and SPTEs ------------------------------------------------------------------------

  /** Returns a location name for traces, e.g. `mirror t2[1] L1 g3`. */
  where(table: number, index: number): string {
    const m = this.m;
    const lvl = this.st[m.table(table, T.level)]!;
    const gfn = this.st[m.table(table, T.gfn)]! + index * m.span(lvl);
    const kind = this.st[m.table(table, T.mirror)] ? 'mirror' : 'direct';
    return `${kind} t${table}[${index}] L${lvl} g${gfn}`;
  }
  private checkAlive(table: number, what: string): void {
    const st = this.st[this.m.table(table, T.status)];
    if (st === TS.freed || st === TS.free) this.violate(INV.useAfterFree, `${what} of table t${table} after it was freed`);
  }
  /** Atomic 64-bit load of an SPTE (R). */
  read(table: number, index: number): number {
    this.checkAlive(table, 'read');
    const v = this.st[this.m.entry(table, index)]!;
    if (this.rec) this.rec.touched.push(`R ${this.where(table, index)} = ${formatSpte(v)}`);
    return v;
  }
  private record(table: number, index: number, before: number, after: number): void {
    if (this.rec && before !== after) this.rec.sptes.push({ where: this.where(table, index), before, after, table, index });
    if (this.m.countersBase >= 0) this.countLinks(before, after);
  }
  /**
   * kvm->arch.tdp_mmu_pages follows the entry writes (geometry `counters`): a write that links a
   * table is tdp_mmu_link_sp's tdp_account_mmu_page (+1, in the step of the successful
   * set: the mirror path's too, after its hook), a write that replaces a link is the
   * tdp_mmu_unlink_sp at the start of handle_removed_pt (-1, in the step that detached the table:
   * the parent's CAS / XCHG, or the XCHG of a removed table's entry for a child). Roots are not
   * counted (kvm_tdp_mmu_alloc_root does not account them). An atomic64 update (d25ceb926436):
   * one step; {@link deferPagesCount} turns the last +1 into a plain `++`. The same helpers also
   * count the page in the memcg's NR_SECONDARY_PAGETABLE stat (kvm_account_pgtable_pages,
   * 43a063cab325 "KVM: x86/mmu: count KVM mmu usage in secondary pagetable stats.", per-CPU
   * counters that need no lock): not modelled.
   */
  private countLinks(before: number, after: number): void {
    if (before === after) return;
    const o = this.m.countersBase + COUNT.pages;
    if (isLink(after)) this.put(o, this.st[o]! + 1);
    if (isLink(before)) this.put(o, this.st[o]! - 1);
  }
  /**
   * A plain `kvm->arch.tdp_mmu_pages++` (option `tdpMmuPagesAccount` plain): the step that linked
   * the table only loads the counter (the increment {@link countLinks} made is undone and kept as
   * this thread's pending store, value + 1); {@link storePagesCount} in a later step stores it,
   * over whatever other threads stored meanwhile.
   */
  deferPagesCount(): void {
    const b = this.m.countersBase;
    if (b < 0) return;
    const v = this.st[b + COUNT.pages]!;
    this.put(b + COUNT.pending + this.t, v + 1);
    this.put(b + COUNT.pages, v - 1);
    if (this.rec) this.touch(`load tdp_mmu_pages = ${v - 1}`);
  }
  /** The store of a plain `++` whose load {@link deferPagesCount} made (nothing pending: nothing to do). */
  storePagesCount(): void {
    const b = this.m.countersBase;
    if (b < 0) return;
    const p = this.st[b + COUNT.pending + this.t]!;
    if (p === 0) return;
    this.put(b + COUNT.pages, p - 1);
    this.put(b + COUNT.pending + this.t, 0);
    if (this.rec) this.touch(`store tdp_mmu_pages = ${p - 1}`);
  }
  /** try_cmpxchg64: stores `v` if the SPTE equals `expected`; returns the value found. */
  cas(table: number, index: number, expected: number, v: number): number {
    this.checkAlive(table, 'cmpxchg');
    const o = this.m.entry(table, index);
    const cur = this.st[o]!;
    if (cur === expected) {
      this.pfnChange(cur, v, table, index);
      this.put(o, v);
      this.record(table, index, cur, v);
      if (this.rec) this.rec.touched.push(`CAS ${this.where(table, index)} ok`);
    } else if (this.rec) {
      this.rec.touched.push(`CAS ${this.where(table, index)} failed (found ${formatSpte(cur)})`);
    }
    return cur;
  }
  /** Atomic exchange (XCHG); returns the previous value. */
  xchg(table: number, index: number, v: number): number {
    this.checkAlive(table, 'xchg');
    const o = this.m.entry(table, index);
    const cur = this.st[o]!;
    this.pfnChange(cur, v, table, index);
    this.put(o, v);
    this.record(table, index, cur, v);
    if (this.rec) this.rec.touched.push(`XCHG ${this.where(table, index)}`);
    return cur;
  }
  /**
   * try_cmpxchg64 that changes only leaf bits (A, D, W, access tracking: wrprot, clear-dirty,
   * aging, fast page fault). The snapshot `expected` must be a present leaf: acting on anything
   * else (a link that replaced a huge leaf after a failed CAS refreshed the snapshot) re-interprets
   * the snapshot's meaning, and a CAS issued on it breaks I12 whether or not it succeeds.
   */
  casLeafBits(table: number, index: number, expected: number, v: number): number {
    if (!isLeaf(expected)) this.violate(INV.readLock, `a leaf-bit CAS on ${this.where(table, index)} acts on ${formatSpte(expected)}, not a present leaf (its snapshot was re-interpreted)`);
    return this.cas(table, index, expected, v);
  }
  /** I12: a present leaf never changes pfn without passing through non-present (handle_changed_spte's "Invalid SPTE change"). */
  private pfnChange(cur: number, v: number, table: number, index: number): void {
    if (isLeaf(cur) && isLeaf(v) && leafPfn(cur) !== leafPfn(v)) this.violate(INV.readLock, `present leaf ${this.where(table, index)} changed pfn ${leafPfn(cur)} -> ${leafPfn(v)} without passing through non-present`);
  }
  /**
   * Plain store (WRITE_ONCE). Only a write-lock holder, or the owner of a FROZEN entry, may
   * plain-store an entry of a live table (I12): anyone else loses the updates other threads make
   * between its read and its store. The owner is whoever holds the entry FROZEN: every other
   * writer CASes against a snapshot that is not FROZEN (and fails) or holds the write lock, which
   * a FROZEN owner's read lock excludes.
   */
  store(table: number, index: number, v: number): void {
    this.checkAlive(table, 'store');
    const o = this.m.entry(table, index);
    const cur = this.st[o]!;
    if (cur !== FROZEN && !this.has(F.wl) && this.st[this.m.table(table, T.status)] === TS.live) {
      this.violate(INV.readLock, `plain store to live ${this.where(table, index)} without the write lock and without owning it FROZEN`);
    }
    this.pfnChange(cur, v, table, index);
    this.put(o, v);
    this.record(table, index, cur, v);
    if (this.rec) this.rec.touched.push(`W ${this.where(table, index)}`);
  }
  /** Returns a fresh table from the pool (from the vCPU's pre-filled cache), status live. */
  allocTable(level: number, gfn: number, mirror: boolean): number {
    const m = this.m;
    for (let tb = 0; tb < m.geometry.tables; tb++) {
      if (this.st[m.table(tb, T.status)] !== TS.free) continue;
      this.put(m.table(tb, T.status), TS.live);
      this.put(m.table(tb, T.level), level);
      this.put(m.table(tb, T.gfn), gfn & ~(m.span(level + 1) - 1));
      this.put(m.table(tb, T.mirror), mirror ? 1 : 0);
      this.put(m.table(tb, T.rcuWaiters), 0);
      this.put(m.entry(tb, 0), 0);
      this.put(m.entry(tb, 1), 0);
      return tb;
    }
    // Pool exhausted: recycle a table freed after its grace period (long single-threaded runs only).
    for (let tb = 0; tb < m.geometry.tables; tb++) {
      if (this.st[m.table(tb, T.status)] !== TS.freed) continue;
      this.pscacheReuse(tb);
      this.put(m.table(tb, T.status), TS.free);
      return this.allocTable(level, gfn, mirror);
    }
    return fail('MMC301', `page-table pool exhausted (${m.geometry.tables} tables); raise the scenario's 'tables' bound`);
  }
  /**
   * A freed table is reused: a vCPU whose paging-structure cache still points at it (and that does
   * not reload its roots, which flushes, before it next walks) would walk the reused page as if it
   * were the old table (I1; the state predicate sees a freed table, not a reused one).
   */
  private pscacheReuse(tb: number): void {
    this.pscacheHolds(tb, 'reused');
  }
  /**
   * Breaks I1 when table `tb` is freed (its grace period ended) or reused while the
   * paging-structure cache of a vCPU that can still walk with it points at it: one in guest mode,
   * or outside it without a root reload pending (the new root load flushes the cache first).
   */
  private pscacheHolds(tb: number, what: string): void {
    const m = this.m;
    if (m.pscacheOff < 0) return;
    for (let v = 0; v < this.vcpus; v++) {
      if ((this.st[m.pscache(v)]! & (1 << tb)) === 0) continue;
      const dead = this.st[m.vcpu(v, V.mode)] !== 1 && (this.st[m.vcpu(v, V.req)]! & REQ.freeObsoleteRoots) !== 0;
      if (!dead) this.violate(INV.useAfterFree, `table t${tb} ${what} while vCPU ${v}'s paging-structure cache still points at it`);
    }
  }
  // ---- page-table page metadata (the NX huge page mitigation; only when the state has it) ---------

  /** Returns true when the state keeps the NX metadata (a scenario splits for the mitigation). */
  get nxMeta(): boolean {
    return this.m.nxBase >= 0;
  }
  /** Returns true when table `tb`'s nx_huge_page_disallowed is set. */
  nxFlag(tb: number): boolean {
    return this.m.nxBase >= 0 && (this.st[this.m.nxBase + NX.flag]! & (1 << tb)) !== 0;
  }
  /** Returns true when table `tb` is on possible_nx_huge_pages. */
  nxListed(tb: number): boolean {
    return this.m.nxBase >= 0 && (this.st[this.m.nxBase + NX.list]! & (1 << tb)) !== 0;
  }
  /** Returns the tables on possible_nx_huge_pages (bit per table). */
  nxList(): number {
    return this.m.nxBase >= 0 ? this.st[this.m.nxBase + NX.list]! : 0;
  }
  /** spin_lock(&kvm->arch.tdp_mmu_pages_lock) (released by {@link pagesUnlock} in the same step). */
  pagesLock(): void {
    this.flag(F.pagesLock, true);
    this.touch('pages_lock+');
  }
  /** spin_unlock(&kvm->arch.tdp_mmu_pages_lock). */
  pagesUnlock(): void {
    this.flag(F.pagesLock, false);
    this.touch('pages_lock-');
  }
  /**
   * Changes NX metadata word `w` ({@link NX}) of table `tb` (set or clear its bit). Shared
   * metadata is changed by a thread without the write lock only under tdp_mmu_pages_lock (I12);
   * a table not yet published (`published` false: the fault's own new table) is private.
   */
  nxSet(w: number, tb: number, on: boolean, published = true): void {
    if (this.m.nxBase < 0) return;
    if (published && !this.has(F.wl) && !this.has(F.pagesLock)) this.violate(INV.readLock, `NX metadata of t${tb} changed without mmu_lock held for write or tdp_mmu_pages_lock`);
    const o = this.m.nxBase + w;
    const was = this.st[o]!;
    this.put(o, on ? was | (1 << tb) : was & ~(1 << tb));
    // kvm->stat.nx_lpage_splits: track_possible_nx_huge_page ++, untrack_possible_nx_huge_page --
    // (a plain u64, under the same lock as the list), when the state keeps the counters
    if (w === NX.list && this.m.countersBase >= 0 && this.st[o] !== was) {
      const k = this.m.countersBase + COUNT.splits;
      this.put(k, this.st[k]! + (on ? 1 : -1));
    }
    if (this.rec) this.touch(`${w === NX.list ? (on ? 'track' : 'untrack') : on ? 'set nx_huge_page_disallowed' : 'clear nx_huge_page_disallowed'} t${tb}`);
  }

  /** Returns an allocated-but-unpublished table to the pool (CAS failed). */
  unallocTable(tb: number): void {
    if (this.nxFlag(tb)) this.nxSet(NX.flag, tb, false, false);
    this.put(this.m.table(tb, T.status), TS.free);
    this.put(this.m.table(tb, T.level), 0);
    this.put(this.m.table(tb, T.gfn), 0);
    this.put(this.m.table(tb, T.mirror), 0);
  }
  /** Marks a table detached from the tree (the parent entry no longer links it). */
  unlinkTable(tb: number): void {
    if (this.st[this.m.table(tb, T.status)] === TS.live) this.put(this.m.table(tb, T.status), TS.unlinked);
  }
  /** call_rcu(free): the table is freed once every current RCU reader has left. */
  callRcuFree(tb: number): void {
    const m = this.m;
    this.put(m.table(tb, T.status), TS.queued);
    const w = this.st[G.rcu]!;
    this.put(m.table(tb, T.rcuWaiters), w);
    if (this.rec) this.touch(`call_rcu(free t${tb})`);
    if (w === 0) this.freeTableNow(tb);
  }
  private freeTableNow(tb: number): void {
    const m = this.m;
    // the grace period is over: a vCPU whose paging-structure cache still points at the table can
    // walk freed memory from now on (checked here, so a flush later in the same step does not hide it)
    this.pscacheHolds(tb, 'freed');
    this.put(m.table(tb, T.status), TS.freed);
    this.put(m.table(tb, T.rcuWaiters), 0);
    if (this.rec) this.note(`t${tb} freed (grace period over)`);
  }
  // ---- SPTEs by location, the walk iterator (public) ---------------------------------------------

  /** Starts the walk iterator at the top of root slot `root`'s tree for `gfn` (tdp_iter_start). */
  iterStart(root: number, gfn: number): void {
    const lv = this.m.geometry.levels;
    this.setLoc(L.level, lv);
    this.setLoc(L.it1 + lv - 1, this.rootTable(root));
    this.setLoc(L.gfn, gfn);
  }
  /** Returns the location of the iterator's current SPTE (level `c.local('level')`, gfn `c.local('gfn')`). */
  here(): SptePtr {
    const lv = this.loc(L.level);
    return sptePtr(this.loc(L.it1 + lv - 1), this.m.index(lv, this.loc(L.gfn)));
  }
  /** Steps the iterator down one level into page table `child` (`spte.child(link)`). */
  iterDown(child: number): void {
    const lv = this.loc(L.level) - 1;
    this.setLoc(L.level, lv);
    this.setLoc(L.it1 + lv - 1, child);
  }
  /** Atomic 64-bit load of the SPTE at `p`. */
  readSpte(p: SptePtr): number {
    return this.read(ptrTable(p), ptrIndex(p));
  }
  /** try_cmpxchg64 of the SPTE at `p`: stores `v` if it equals `expected`; returns the value found (=== expected on success). */
  casSpte(p: SptePtr, expected: number, v: number): number {
    return this.cas(ptrTable(p), ptrIndex(p), expected, v);
  }
  /** Atomic exchange of the SPTE at `p`; returns the previous value. */
  xchgSpte(p: SptePtr, v: number): number {
    return this.xchg(ptrTable(p), ptrIndex(p), v);
  }
  /** Plain store (WRITE_ONCE) of the SPTE at `p`. */
  storeSpte(p: SptePtr, v: number): void {
    this.store(ptrTable(p), ptrIndex(p), v);
  }
  /** Returns the root slots in use and not yet freed, in slot order (for_each_tdp_mmu_root). */
  roots(): RootInfo[] {
    const out: RootInfo[] = [];
    for (let r = 0; r < this.m.geometry.roots; r++) {
      const fl = this.rootFlags(r);
      if ((fl & RF.used) !== 0 && (fl & RF.freed) === 0) out.push(this.rootInfo(r));
    }
    return out;
  }
  /** Returns root slot `r` (its table, kind, validity and refcount), e.g. `c.rootInfo(c.myRoot(false)).valid`. */
  rootInfo(r: number): RootInfo {
    const fl = this.rootFlags(r);
    return { slot: r, table: this.rootTable(r), mirror: (fl & RF.mirror) !== 0, valid: (fl & RF.invalid) === 0, refcount: this.st[this.m.root(r, R.ref)]! };
  }

  /** Returns the table id of root slot `r`. */
  rootTable(r: number): number {
    return this.st[this.m.root(r, R.table)]!;
  }
  /** Returns the flags of root slot `r`. */
  rootFlags(r: number): number {
    return this.st[this.m.root(r, R.flags)]!;
  }
  /** kvm_tdp_mmu_get_root: increment-if-not-zero; returns false for a dying root. */
  getRoot(r: number): boolean {
    const o = this.m.root(r, R.ref);
    if (this.st[o]! <= 0) return false;
    this.put(o, this.st[o]! + 1);
    if (this.rec) this.touch(`get root${r} (ref ${this.st[o]})`);
    return true;
  }
  /**
   * kvm_tdp_mmu_put_root: decrement; on zero the root must be invalid (I10) and empty (I2), and is
   * unlinked from the list and freed through RCU.
   */
  putRoot(r: number): void {
    const m = this.m;
    const o = m.root(r, R.ref);
    const ref = this.st[o]! - 1;
    this.put(o, ref);
    if (this.rec) this.touch(`put root${r} (ref ${ref})`);
    if (ref < 0) this.violate(INV.rootRef, `root${r} refcount went negative`);
    if (ref !== 0) return;
    const fl = this.st[m.root(r, R.flags)]!;
    if ((fl & RF.invalid) === 0) this.violate(INV.rootRef, `final put of root${r} while it is still valid`);
    const tb = this.st[m.root(r, R.table)]!;
    if (this.subtreeMapsAnything(tb)) this.violate(INV.leak, `root${r} freed while its tree still maps memory`);
    this.put(m.root(r, R.flags), fl | RF.freed);
    this.unlinkTable(tb);
    this.callRcuFree(tb);
  }
  /** Returns true when a present entry is reachable from table `tb`. */
  subtreeMapsAnything(tb: number): boolean {
    for (let i = 0; i < 2; i++) {
      const v = this.st[this.m.entry(tb, i)]!;
      if (isPresent(v)) return true;
    }
    return false;
  }

  // ---- TLBs, pages ------------------------------------------------------------------------------

  /** kvm_flush_remote_tlbs: every vCPU drops its shared (non-S-EPT) TLB entries; clears our pending flush. */
  flushRemote(): void {
    const m = this.m;
    for (let v = 0; v < this.vcpus; v++) {
      for (let g = 0; g < m.gfns; g++) {
        const o = m.tlb(v, g);
        const e = this.st[o]!;
        if (e !== 0 && (e & TLB.priv) === 0) this.put(o, 0);
      }
      // the flush (INVEPT) also empties the vCPU's paging-structure cache
      if (m.pscacheOff >= 0) this.put(m.pscache(v), 0);
    }
    this.flag(F.flush | F.wpFlush, false);
    this.touch('FLUSH');
  }
  /** handle_changed_spte for a removed leaf: propagate D to the host page (kvm_set_pfn_dirty). */
  leafRemoved(old: number): void {
    if (isLeaf(old) && leafD(old)) {
      const lvl = (old >> 9) & 3;
      const n = this.m.span(lvl);
      for (let k = 0; k < n; k++) {
        const o = this.m.page(leafPfn(old) + k);
        if (leafPfn(old) + k < this.m.geometry.pages) this.put(o, this.st[o]! | P.dirty);
      }
    }
  }
  /** Returns vCPU `v`'s TLB entry for `gfn`, or undefined when it caches none. */
  tlbEntry(v: number, gfn: number): TlbEntry | undefined {
    const e = this.vcpu(v, V.tlb + gfn);
    if (e === 0) return undefined;
    return { pfn: (e >> 1) & 63, writable: (e & TLB.w) !== 0, dirty: (e & TLB.d) !== 0, private: (e & TLB.priv) !== 0 };
  }
  /** Drops every TLB entry of vCPU `v` (a local flush, e.g. on its next VM entry). */
  flushTlb(v: number): void {
    for (let g = 0; g < this.m.gfns; g++) this.setVcpu(v, V.tlb + g, 0);
    if (this.m.pscacheOff >= 0) this.put(this.m.pscache(v), 0);
    if (this.rec) this.touch(`FLUSH vcpu${v}`);
  }
  /** Records a SEAMCALL and its status (an index into TDX_STATUS) in the trace and the thread's `sc` local; returns the status. */
  recordSeamcall(name: string, args: string, st: number): number {
    this.setLoc(L.sc, st);
    if (this.rec) this.rec.seamcalls.push({ name, args, status: statusName(st) });
    if (st === ST.busy || st === ST.prevEpochBusy) this.seen(WITNESS['seamcall-busy']);
    return st;
  }
  /** A TD exit of vCPU `v` (see `vpExit` in tdx.ts; normal VMs just leave guest mode). */
  exitGuest(v: number, tdx: boolean): void {
    vpExit(this, this.m, v, tdx);
  }
  /** Returns vCPU `v`'s word `w`. */
  vcpu(v: number, w: number): number {
    return this.st[this.m.vcpu(v, w)]!;
  }
  /** Sets vCPU `v`'s word `w`. */
  setVcpu(v: number, w: number, x: number): void {
    this.put(this.m.vcpu(v, w), x);
  }
  /** Returns the running vCPU's root slot for a private (mirror) or shared (direct) access. */
  myRoot(priv: boolean): number {
    return this.vcpu(this.t, priv ? V.mroot : V.droot);
  }
  /** Returns true when `tb` is a link target (helper for walkers). */
  static childOf(v: number): number {
    return isLink(v) ? linkTable(v) : -1;
  }
}

/**
 * The TDX module's SEAMCALLs as a step body calls them (`c.tdx.pageAug(1, gfn, pfn)`): each is one
 * atomic call on the S-EPT that is recorded in the trace and returns its status name
 * (`'TDX_SUCCESS'`, `'TDX_OPERAND_BUSY'`, `'TDX_EPT_ENTRY_STATE_INCORRECT'`, ...). KVM's reaction to
 * a status (retry, KVM_BUG_ON: `c.violate('I7', ...)`) is the step's business. `gfn` is aligned to
 * the entry's level by the caller.
 */
export class TdxCalls {
  constructor(private readonly c: Ctx) {}
  /** Records the call and returns the name of status `st`. */
  private call(name: string, args: string, st: number): TdxStatusName {
    return statusName(this.c.recordSeamcall(name, args, st));
  }
  /** TDH.MEM.SEPT.ADD: a non-leaf S-EPT entry at `level` (>= 2) FREE -> NL_MAPPED. */
  septAdd(level: number, gfn: number): TdxStatusName {
    const c = this.c;
    return this.call('TDH.MEM.SEPT.ADD', this.c.rec ? `g${gfn} L${level}` : '', septAdd(c, c.m, c.t, level, gfn));
  }
  /** TDH.MEM.PAGE.AUG: a leaf at `level` FREE -> PENDING mapping `pfn` (runtime, finalized TD). */
  pageAug(level: number, gfn: number, pfn: number): TdxStatusName {
    const c = this.c;
    return this.call('TDH.MEM.PAGE.AUG', this.c.rec ? `g${gfn} L${level} pfn${pfn}` : '', pageAug(c, c.m, c.t, level, gfn, pfn));
  }
  /** TDH.MEM.PAGE.ADD: a 4K leaf FREE -> MAPPED with `pfn` (build time, TD not finalized). */
  pageAdd(gfn: number, pfn: number): TdxStatusName {
    const c = this.c;
    return this.call('TDH.MEM.PAGE.ADD', this.c.rec ? `g${gfn} L1 pfn${pfn}` : '', pageAdd(c, c.m, c.t, gfn, pfn));
  }
  /** TDH.MEM.RANGE.BLOCK: the entry at `level` -> its BLOCKED form, BEPOCH := TD_EPOCH. */
  rangeBlock(level: number, gfn: number): TdxStatusName {
    const c = this.c;
    return this.call('TDH.MEM.RANGE.BLOCK', this.c.rec ? `g${gfn} L${level}` : '', rangeBlock(c, c.m, c.t, level, gfn));
  }
  /** TDH.MEM.TRACK: TD_EPOCH++ (TDX_PREVIOUS_TLB_EPOCH_BUSY while vCPUs run in the epoch before). */
  track(): TdxStatusName {
    return this.call('TDH.MEM.TRACK', '', track(this.c, this.c.m));
  }
  /** TDH.MEM.PAGE.REMOVE: a blocked and tracked leaf at `level` -> FREE; the page leaves the TD. */
  pageRemove(level: number, gfn: number): TdxStatusName {
    const c = this.c;
    return this.call('TDH.MEM.PAGE.REMOVE', this.c.rec ? `g${gfn} L${level}` : '', pageRemove(c, c.m, c.t, level, gfn));
  }
  /** TDH.MEM.SEPT.REMOVE: a blocked, tracked non-leaf entry whose children are all FREE -> FREE. */
  septRemove(level: number, gfn: number): TdxStatusName {
    const c = this.c;
    return this.call('TDH.MEM.SEPT.REMOVE', this.c.rec ? `g${gfn} L${level}` : '', septRemove(c, c.m, c.t, level, gfn));
  }
  /**
   * Kicks every vCPU out of guest mode and waits (KVM_REQ_OUTSIDE_GUEST_MODE after TRACK): the one
   * kick of the model. The IPI is taken between guest instructions, so a vCPU inside a guest TDCALL
   * (holding a guest-side S-EPT entry lock, e.g. TDG.MEM.PAGE.ACCEPT between its steps) leaves guest
   * mode only once the TDCALL has ended and released the lock (protocol sheet §1.8, §2.14): while one
   * is, the kick cannot return, nothing happens and the result is false (the kicking step must wait:
   * guard it with "no vCPU inside a guest TDCALL"); otherwise every vCPU exits and the result is true.
   */
  kickAll(): boolean {
    const c = this.c;
    if (vcpuInTdcall(c.st, c.m, c.t)) return false;
    for (let v = 0; v < c.vcpus; v++) vpExit(c, c.m, v, true);
    c.touch('KICK');
    return true;
  }
}

/** The checked view of each context (created at its first user step). */
const userViews = new WeakMap<Ctx, UserCtx>();

/**
 * Runs part of a variant's own step on the checked view of `c` (see {@link UserCtx}): marked as
 * user code `label` (`step <op>.<name>`) for the watchdog, and an exception it throws becomes
 * MMC301 naming the step and the message. Diagnostics (a jump to a missing step, a write outside
 * the state) pass through unchanged. Only edits' steps run through here: built-in steps pay nothing.
 */
export function runUserCode<T>(c: Ctx, step: string, label: number, guard: boolean, f: (u: Ctx) => T): T {
  let u = userViews.get(c);
  if (u === undefined) {
    u = new UserCtx(c.m, c.opts);
    userViews.set(c, u);
  }
  u.enter(c, step, guard);
  enterUserCode(label);
  try {
    const r = f(u);
    if (r instanceof Promise) fail('MMC301', `step ${step}${guard ? ' (its guard)' : ''} returned a promise: step bodies and guards run synchronously (drop async)`, { subject: step });
    if (guard && typeof r !== 'boolean') fail('MMC301', `step ${step} (its guard) returned ${String(r)}: a guard returns true (the step can run) or false (it waits)`, { subject: step });
    return r;
  } catch (e) {
    if (e instanceof DiagnosticError) throw e;
    const what = e instanceof Error ? `${e.name}: ${e.message}` : `the value ${String(e)}`;
    return fail('MMC301', `step ${step}${guard ? ' (its guard)' : ''} threw ${what.split('\n')[0]}`, { subject: step });
  } finally {
    leaveUserCode();
    c.nextPc = u.nextPc;
  }
}

/** Returns true when property key `k` is a canonical numeric string (an index-like key of a typed array). */
function numericKey(k: string | symbol): k is string {
  return typeof k === 'string' && (String(Number(k)) === k || k === '-0');
}

/**
 * The context a user-written step sees: the same state, thread and primitives, but every word it
 * reads or writes is bounds-checked. Accessors that take an index (locals, globals, vCPU words,
 * SPTEs, roots) check it against its own region, so `setLoc(-5, v)` cannot land in another
 * thread's words, and the state itself is a proxy that refuses `c.s[i]` outside the array (a
 * typed array would drop such a write silently). A guard gets a read-only view. Each violation is
 * MMC301 naming the step.
 */
class UserCtx extends Ctx {
  private step = '';
  private guardOnly = false;
  private target: Int32Array | undefined;
  private view: Int32Array | undefined;

  /** Takes over the running step of `c`: its state (as a checked proxy), thread, pc and program. */
  enter(c: Ctx, step: string, guard: boolean): void {
    this.step = step;
    this.guardOnly = guard;
    if (this.target !== c.s) {
      this.target = c.s;
      this.view = this.checkedState(c.s);
    }
    this.s = this.view!;
    this.t = c.t;
    this.pc = c.pc;
    this.nextPc = c.nextPc;
    this.prog = c.prog;
    this.rec = c.rec;
    this.waitsForLock = c.waitsForLock;
    this.slotsHeld = c.slotsHeld;
  }

  /** Raises MMC301: the step touched `what`, which is not a word of the state. */
  private outside(access: 'reads' | 'writes', what: string, allowed: string): never {
    return fail('MMC301', `step ${this.step}${this.guardOnly ? ' (its guard)' : ''} ${access} ${what}, outside the state (${allowed})`, { subject: this.step });
  }

  /** Checks that `i` is an integer in 0..n-1. */
  private within(access: 'reads' | 'writes', what: string, i: number, n: number, unit: string): void {
    if (!(Number.isInteger(i) && i >= 0 && i < n)) this.outside(access, `${what} ${String(i)}`, `${unit} are 0..${n - 1}`);
  }

  /** Returns a proxy of `s` that refuses reads and writes outside it (and any write in a guard). */
  private checkedState(s: Int32Array): Int32Array {
    const size = s.length;
    const index = (k: string): boolean => {
      const n = Number(k);
      return Number.isInteger(n) && n >= 0 && n < size && k !== '-0';
    };
    return new Proxy(s, {
      get: (t, k) => {
        if (numericKey(k) && !index(k)) this.outside('reads', `c.s[${k}]`, `the state has ${size} words`);
        const v: unknown = Reflect.get(t, k, t);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
      set: (t, k, v) => {
        if (this.guardOnly) fail('MMC301', `step ${this.step} (its guard) writes the state (c.s[${String(k)}]); a guard only decides whether the step can run`, { subject: this.step });
        if (!numericKey(k) || !index(k)) this.outside('writes', `c.s[${String(k)}]`, `the state has ${size} words`);
        t[Number(k)] = v as number;
        return true;
      },
    });
  }

  override loc(i: number): number {
    this.within('reads', 'local', i, L.count, 'locals');
    return super.loc(i);
  }
  override setLoc(i: number, v: number): void {
    this.within('writes', 'local', i, L.count, 'locals');
    super.setLoc(i, v);
  }
  override g(i: number): number {
    this.within('reads', 'global word', i, G.count, 'global words');
    return super.g(i);
  }
  override setG(i: number, v: number): void {
    this.within('writes', 'global word', i, G.count, 'global words');
    super.setG(i, v);
  }
  override vcpu(v: number, w: number): number {
    this.vcpuWord('reads', v, w);
    return super.vcpu(v, w);
  }
  override setVcpu(v: number, w: number, x: number): void {
    this.vcpuWord('writes', v, w);
    super.setVcpu(v, w, x);
  }
  private vcpuWord(access: 'reads' | 'writes', v: number, w: number): void {
    this.within(access, 'vCPU', v, this.vcpus, 'vCPUs');
    this.within(access, `word of vCPU ${v}:`, w, this.m.vcpuSize, 'vCPU words');
  }
  private spte(access: 'reads' | 'writes', table: number, index: number): void {
    this.within(access, 'table', table, this.m.geometry.tables, 'tables');
    this.within(access, `entry of table ${table}:`, index, 2, 'entries');
  }
  override read(table: number, index: number): number {
    this.spte('reads', table, index);
    return super.read(table, index);
  }
  override cas(table: number, index: number, expected: number, v: number): number {
    this.spte('writes', table, index);
    return super.cas(table, index, expected, v);
  }
  override xchg(table: number, index: number, v: number): number {
    this.spte('writes', table, index);
    return super.xchg(table, index, v);
  }
  override store(table: number, index: number, v: number): void {
    this.spte('writes', table, index);
    super.store(table, index, v);
  }
  override rootTable(r: number): number {
    this.within('reads', 'root slot', r, this.m.geometry.roots, 'root slots');
    return super.rootTable(r);
  }
  override rootFlags(r: number): number {
    this.within('reads', 'root slot', r, this.m.geometry.roots, 'root slots');
    return super.rootFlags(r);
  }
  override getRoot(r: number): boolean {
    this.within('writes', 'root slot', r, this.m.geometry.roots, 'root slots');
    return super.getRoot(r);
  }
  override putRoot(r: number): void {
    this.within('writes', 'root slot', r, this.m.geometry.roots, 'root slots');
    super.putRoot(r);
  }
}

/**
 * The step context as the public API documents it (see {@link Ctx}): every member a step body
 * needs, none of the raw-offset internals. Annotate a helper with it (`function exit(c:
 * StepContext)`) and the type checker keeps the helper on the public surface.
 */
export type StepContext = Pick<
  Ctx,
  | 'params' | 'opts' | 'thread' | 'vcpus' | 'isVcpu' | 'kvm' | 'local' | 'setLocal'
  | 'goto' | 'stay' | 'hasStep' | 'seen' | 'violate' | 'note'
  | 'canRead' | 'canWrite' | 'lockRead' | 'lockWrite' | 'tryLock' | 'unlock' | 'contended' | 'holds'
  | 'rcuLock' | 'rcuUnlock' | 'srcuLock' | 'srcuUnlock'
  | 'iterStart' | 'here' | 'iterDown' | 'readSpte' | 'casSpte' | 'xchgSpte' | 'storeSpte'
  | 'allocTable' | 'unallocTable' | 'unlinkTable' | 'callRcuFree' | 'leafRemoved'
  | 'roots' | 'rootInfo' | 'myRoot' | 'getRoot' | 'putRoot'
  | 'markFlush' | 'flushRemote' | 'tlbEntry' | 'flushTlb' | 'tdx'
>;
