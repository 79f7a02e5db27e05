/**
 * Footprints of the executable MMU for the checker's footprint-based partial-order reduction
 * (src/check/por.ts, where the soundness argument is written).
 *
 * Abstract locations are the words of the state (location i = state word i), and two locations per
 * thread beyond them, facts derived from its words that other threads ask about:
 * - its lock-wait mode (`size + t`): the mmu_lock mode the step at its pc wants, or none.
 *   `contended()` (the yielding zap walks) depends on other threads only through that mode, so it
 *   reads those locations, not the pcs: a step moving between two steps that do not want the lock
 *   (or want it alike) does not write it, and is independent of a walk that may yield;
 * - whether it holds kvm->slots_lock (`size + threads + t`, the `F.slots` bit of its flags): the
 *   slots_lock users wait on it, not on the rest of every thread's flags word.
 * The recording answers these questions itself (`StepProbes`): it notes a read of the derived
 * location (not of the words it comes from), and a write of a thread's own location when its step
 * changes the fact. A step depends on the answer only, so the argument of src/check/por.ts holds
 * with these locations as with words.
 * - The current step's footprint is measured, not declared: the step runs on a recording view of
 *   the state (a Proxy over the successor buffer) that notes every word read or written, by the
 *   step context's primitives, the TDX module emulation and direct `c.s[...]` accesses alike. A
 *   step that reaches the state any other way (a typed-array method on `c.s`) makes the recording
 *   give up, and that state is expanded fully.
 * - A thread's future is declared per operation as footprint classes (see {@link FootprintClass};
 *   the model layer declares them, model/mmu/footprints.ts), and its own pc and locals are always
 *   in it. An operation with no declaration, or one a variant edited, touches everything.
 *   {@link checkFootprints} (the test mode) runs every step of a whole exploration recorded and
 *   fails when a step touched a word outside its thread's declared future, or a property read a
 *   word outside its declared read set.
 * - Properties declare what they read (`reads` on the property object, as classes). A property
 *   without a declaration reads everything: no step is invisible, so the machine gets no POR.
 */
import { addLoc, FootprintPor, type FootprintModel, hasLoc, locList, locSet, type LocSet, subsetOf, unionInto } from '../check/por.js';
import type { Property } from '../check/model.js';
import { COUNT, F, G, HUGE, L, MC, MS, type MmuLayout, NX, TX, V } from './layout.js';
import type { MmuMachine } from './machine.js';

/**
 * A named group of state words:
 * - `G.<name>`: one global word (`G.seq`, `G.readers`, ...);
 * - `L.<name>`: local `<name>` of every thread (a step reading other threads' locals, or a property);
 * - `pc`: every thread's program counter;
 * - `lock-waits`: every thread's lock-wait mode (a location beyond the state; `contended()` reads them);
 * - `slots-held`: whether each thread holds kvm->slots_lock (a location beyond the state);
 * - `V.<name>`: word `<name>` of every vCPU; `tlb`: every vCPU's TLB (and its paging-structure
 *   cache word, with `pscache`); `own-vcpu`: the running
 *   thread's own vCPU words, TLB included (nothing for a host thread);
 * - `tables` (status, level, gfn, mirror, RCU waiters and both entries of every table), `roots`,
 *   `pages`, `pfn-map` (gfn to pfn), `sept` (the S-EPT);
 * - `memslots`: the state and dirty-logging words of every memslot (the first slot's are `G.slot`
 *   and `G.dirtyLog`, included; the others' are appended to the state);
 * - `nx-meta`: the NX metadata block (possible_nx_huge_pages and the tables' flags), when the
 *   state has one;
 * - `tdx-locks`: the TDX module's lock and zero-step words (appended with `tdxLocks`; none without);
 * - `tdx-huge`: the private huge page block (the guest-inhibit bits; appended with `tdxHuge`; none without);
 * - `mmio-cache`: every vCPU's MMIO cache words (appended with `mmioCache`; none without);
 * - `counters`: the page-table page counters and each thread's pending plain store (appended with
 *   `counters`; none without);
 * - `all`: every word.
 */
export type FootprintClass =
  | `G.${Exclude<keyof typeof G, 'count'>}`
  | `L.${Exclude<keyof typeof L, 'count'>}`
  | 'pc'
  | 'lock-waits'
  | 'slots-held'
  | `V.${Exclude<keyof typeof V, 'tlb'>}`
  | 'tlb'
  | 'own-vcpu'
  | 'tables'
  | 'roots'
  | 'pages'
  | 'pfn-map'
  | 'sept'
  | 'memslots'
  | 'nx-meta'
  | 'tdx-locks'
  | 'tdx-huge'
  | 'mmio-cache'
  | 'counters'
  | 'all'
  | CommutingClass;

/**
 * `+G.<name>`: global word `<name>` (a lock's reader mask: `G.readers`, `G.rcu`, `G.srcu`,
 * `G.srcuGp`) that the operation touches ONLY through commuting updates of its own thread's bit
 * (`Ctx.ownBit`: rcu/srcu/read-lock acquire and release), never reading it otherwise. Two threads'
 * such updates commute (condition 1b of src/check/por.ts); an operation that reads the word
 * (write_lock's wait for readers, call_rcu's reader snapshot, synchronize_srcu) declares the
 * plain `G.<name>`. The test mode checks it: a plain access of a `+` word escapes.
 */
export type CommutingClass = `+G.${'readers' | 'rcu' | 'srcu' | 'srcuGp'}`;

/** A property that declares the state words it reads. */
export interface FootprintProperty extends Property {
  /**
   * The classes of words `check` may read (an over-approximation over every state). A step that
   * writes one of them is visible to the property. See the note on I11 in model/mmu/invariants.ts
   * for a property judged on terminal states.
   */
  readonly reads?: readonly FootprintClass[];
  /**
   * The state predicate, beyond `reads`, is false only in terminal states (no enabled action):
   * a persistent-set search reaches every reachable terminal state, so it needs no visibility.
   * The test mode checks the claim on every explored state.
   */
  readonly terminal?: true;
}

/** Adds the words of class `c` (as thread `t`, or -1 for none) to `out` (a commuting class: its word). */
export function addClass(m: MmuLayout, c: FootprintClass, t: number, out: LocSet): void {
  const g = m.geometry;
  if (c.startsWith('+')) return addClass(m, c.slice(1) as FootprintClass, t, out);
  const range = (from: number, n: number): void => {
    for (let i = 0; i < n; i++) addLoc(out, from + i);
  };
  if (c === 'all') range(0, m.size + 2 * g.threads);
  else if (c === 'lock-waits') range(m.size, g.threads);
  else if (c === 'slots-held') range(m.size + g.threads, g.threads);
  else if (c === 'pc') for (let u = 0; u < g.threads; u++) addLoc(out, m.pc(u));
  else if (c === 'tlb') {
    for (let v = 0; v < g.vcpus; v++) range(m.tlb(v, 0), m.gfns);
    // the paging-structure cache is filled and flushed with the TLB
    if (m.pscacheOff >= 0) for (let v = 0; v < g.vcpus; v++) addLoc(out, m.pscache(v));
  }
  else if (c === 'own-vcpu') {
    if (t >= 0 && t < g.vcpus) range(m.vcpu(t, 0), m.vcpuSize);
  } else if (c === 'tables') range(m.tableBase, m.rootBase - m.tableBase);
  else if (c === 'roots') range(m.rootBase, m.pageBase - m.rootBase);
  else if (c === 'pages') range(m.pageBase, g.pages);
  else if (c === 'pfn-map') range(m.pfnBase, m.gfns);
  else if (c === 'sept') range(m.septBase, m.septCount);
  else if (c === 'memslots') for (let k = 0; k < m.slots.length; k++) range(m.slot(k, 0), MS.size);
  else if (c === 'nx-meta') {
    if (m.nxBase >= 0) range(m.nxBase, NX.size);
  } else if (c === 'tdx-locks') {
    if (m.tdxBase >= 0) range(m.tdxBase, TX.zeroStep + g.vcpus);
  } else if (c === 'tdx-huge') {
    if (m.hugeBase >= 0) range(m.hugeBase, HUGE.size);
  } else if (c === 'mmio-cache') {
    if (m.mmioCacheBase >= 0) range(m.mmioCacheBase, g.vcpus * MC.size);
  } else if (c === 'counters') {
    if (m.countersBase >= 0) range(m.countersBase, COUNT.pending + g.threads);
  } else if (c.startsWith('G.')) addLoc(out, G[c.slice(2) as keyof typeof G]);
  else if (c.startsWith('L.')) for (let u = 0; u < g.threads; u++) addLoc(out, m.local(u, L[c.slice(2) as keyof typeof L]));
  else if (c.startsWith('V.')) for (let v = 0; v < g.vcpus; v++) addLoc(out, m.vcpu(v, V[c.slice(2) as keyof typeof V]));
}

/** Adds thread `t`'s own pc, locals, lock-wait mode and slots_lock hold to `out`. */
function addOwn(m: MmuLayout, t: number, out: LocSet): void {
  for (let i = 0; i <= L.count; i++) addLoc(out, m.pc(t) + i);
  addLoc(out, m.size + t);
  addLoc(out, m.size + m.geometry.threads + t);
}

/** A lock-wait mode as a number (0 none, 1 read, 2 write). */
function waitCode(w: 'read' | 'write' | undefined): number {
  return w === undefined ? 0 : w === 'read' ? 1 : 2;
}

/**
 * A recording view of a state buffer: numeric reads and writes are noted (as locations, and the
 * words read before the step wrote them, in order, with their values); anything else but
 * `length` (a method such as `fill` or `subarray` that would reach words unseen) marks the
 * recording as failed.
 */
class Recorder {
  readonly buf: Int32Array;
  readonly view: Int32Array;
  reads: LocSet;
  writes: LocSet;
  /** Where commuting updates go (see {@link commute}); null: they are plain reads and writes. */
  adds: LocSet | null = null;
  /** The word of the commuting update under way (-1 none): its next read and write go to `adds`. */
  pending = -1;
  failed = false;
  /** Words read before this step wrote them, in order, and the values read. */
  firstReads: number[] = [];
  firstVals: number[] = [];
  /** Words written (each once). */
  written: number[] = [];
  private readonly mark: Uint8Array;

  constructor(size: number, locs: number) {
    this.buf = new Int32Array(size);
    this.mark = new Uint8Array(size);
    this.reads = locSet(locs);
    this.writes = locSet(locs);
    const self = this;
    const index = (k: string | symbol): number => {
      if (typeof k !== 'string') return -1;
      const c = k.charCodeAt(0);
      if (c < 48 || c > 57) return -1;
      const n = Number(k);
      return Number.isInteger(n) && n < size ? n : -1;
    };
    this.view = new Proxy(this.buf, {
      get(t, k) {
        const i = index(k);
        if (i >= 0) {
          if (i === self.pending) addLoc(self.adds!, i);
          else addLoc(self.reads, i);
          // 1: read before any write, 2: written
          if (self.mark[i] === 0) {
            self.mark[i] = 1;
            self.firstReads.push(i);
            self.firstVals.push(t[i]!);
          }
          return t[i];
        }
        if (k === 'length') return size;
        self.failed = true;
        const v: unknown = Reflect.get(t, k, t);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
      set(t, k, v) {
        const i = index(k);
        if (i >= 0) {
          if (i === self.pending) {
            addLoc(self.adds!, i);
            self.pending = -1;
          } else addLoc(self.writes, i);
          if (self.mark[i] !== 2) {
            self.mark[i] = 2;
            self.written.push(i);
          }
          t[i] = v as number;
          return true;
        }
        self.failed = true;
        return Reflect.set(t, k, v, t);
      },
    });
  }

  /**
   * A commuting update of word `i` follows (`Ctx.ownBit`: it reads `i` only to write it back
   * changed in the running thread's own bit): its read and write are noted in `adds` (when
   * recording them apart), not in `reads`/`writes`. Other accesses of `i` stay plain.
   */
  commute(i: number): void {
    if (this.adds !== null) this.pending = i;
  }

  /** Starts recording a step on a copy of `state`. */
  begin(state: Int32Array, reads: LocSet, writes: LocSet, adds: LocSet | null = null): void {
    this.buf.set(state);
    this.reads = reads;
    this.writes = writes;
    this.adds = adds;
    this.pending = -1;
    this.failed = false;
    for (const i of this.firstReads) this.mark[i] = 0;
    for (const i of this.written) this.mark[i] = 0;
    this.firstReads = [];
    this.firstVals = [];
    this.written = [];
  }
}

/**
 * A recorded execution of one step: a step is a function of the words it reads (the model is
 * deterministic), so in any state that has the same values in the words it read before writing
 * them, it reads and writes the same words and writes the same values. `recordStep` reuses it
 * instead of running the step again on the recording view.
 */
interface Memo {
  readonly idx: Int32Array;
  readonly vals: Int32Array;
  /** Written words and their final values; np undefined: the step was blocked. */
  readonly wIdx: Int32Array;
  readonly wVals: Int32Array;
  /** Derived locations the step asked (`size + ...`: lock-wait modes, slots_lock holds), and the answers. */
  readonly waitT: Int32Array;
  readonly waitVals: Int32Array;
  readonly np: number | undefined;
  readonly reads: LocSet;
  readonly writes: LocSet;
  /** The commuting updates (condition 1b of src/check/por.ts). */
  readonly adds: LocSet;
}

/** Recorded executions kept per thread and pc (the oldest is replaced). */
const MEMOS = 32;

/** A footprint report of a step or property that went outside its declaration (test mode). */
export interface FootprintEscape {
  /** `thread V0 at fault(g0,W).install`, or `property I4`. */
  readonly who: string;
  /** The words touched outside the declaration, named (`t2[1]`, `G.readers`, `V1.local.old`, ...). */
  readonly words: readonly string[];
}

/** The MMU machine's footprint model (see the module comment). */
export class MmuFootprints implements FootprintModel {
  readonly locations: number;
  readonly threadCount: number;
  readonly visible: LocSet;
  readonly monotone: LocSet;
  /** False when some property declares no read set (then the machine gets no POR). */
  readonly complete: boolean;
  /** Declared future per thread per pc: reads and writes (the same set: classes do not tell them apart). */
  private readonly fut: LocSet[][];
  /** Declared future per thread per pc: the words touched only by commuting updates (`+` classes; none of {@link fut}). */
  private readonly futAdds: LocSet[][];
  /** {@link fut} and {@link futAdds} as `futureSets` gives them. */
  private readonly futPair: { readonly reads: LocSet; readonly writes: LocSet; readonly adds: LocSet }[][];
  private readonly rec: Recorder;
  /** Recorded executions per thread and pc (see {@link Memo}), and where the next one goes. */
  private readonly memo: Memo[][][];
  private readonly memoNext: number[][];
  /** Lookups answered from a recorded execution, and steps run recorded (statistics). */
  hits = 0;
  misses = 0;
  /** Set by {@link recordStep}: it returned false because the step's guard refused (recorded precisely). */
  private blocked = false;
  private readonly scratchW: LocSet;
  private readonly scratchOut: Int32Array;

  constructor(
    private readonly mm: MmuMachine,
    opFootprint: (op: string) => readonly FootprintClass[] | undefined,
    /** Reuse recorded executions (see {@link Memo}); false runs every step recorded (tests). */
    private readonly memoize = true,
  ) {
    const m = mm.layout;
    this.locations = m.size + 2 * mm.programs.length;
    this.threadCount = mm.programs.length;
    this.rec = new Recorder(m.size, this.locations);
    this.scratchW = locSet(this.locations);
    this.scratchOut = new Int32Array(m.size);
    this.monotone = locSet(this.locations);
    addLoc(this.monotone, G.seen);
    // Visibility: every word an always/eventually property reads, and every non-monotone word a
    // sometimes property reads.
    this.visible = locSet(this.locations);
    let complete = true;
    for (const p of mm.properties() as readonly FootprintProperty[]) {
      const r = locSet(this.locations);
      for (const c of p.reads ?? ['all']) addClass(m, c, -1, r);
      if (p.reads === undefined) complete = false;
      if (p.expectation === 'sometimes') for (let k = 0; k < r.length; k++) r[k] = r[k]! & ~this.monotone[k]!;
      unionInto(this.visible, r);
    }
    this.complete = complete;
    // Futures: the union of the declared footprints of the operations from the current one to the
    // end of the script, plus the thread's own pc and locals. An edited operation touches everything.
    // A word some remaining operation touches plainly is plain (in `fut`), else commuting when
    // some remaining operation declares it `+` (in `futAdds`).
    const futures = mm.programs.map((prog, t) => {
      const spec = mm.spec.threads[t]!;
      const perOp = prog.ops.map((op, i) => {
        const s = locSet(this.locations);
        const a = locSet(this.locations);
        addOwn(m, t, s);
        const declared = op === spec.ops[i] ? opFootprint(op.op) : undefined;
        for (const c of declared ?? ['all']) addClass(m, c, t, c.startsWith('+') ? a : s);
        return { s, a };
      });
      const fromOp = perOp.map(() => ({ s: locSet(this.locations), a: locSet(this.locations) }));
      for (let i = perOp.length - 1; i >= 0; i--) {
        unionInto(fromOp[i]!.s, perOp[i]!.s);
        unionInto(fromOp[i]!.a, perOp[i]!.a);
        if (i + 1 < perOp.length) {
          unionInto(fromOp[i]!.s, fromOp[i + 1]!.s);
          unionInto(fromOp[i]!.a, fromOp[i + 1]!.a);
        }
      }
      for (const f of fromOp) for (let k = 0; k < f.a.length; k++) f.a[k] = f.a[k]! & ~f.s[k]!;
      return prog.steps.map((cs) => fromOp[cs.opIndex]!);
    });
    this.fut = futures.map((perPc) => perPc.map((f) => f.s));
    this.futAdds = futures.map((perPc) => perPc.map((f) => f.a));
    this.futPair = futures.map((perPc) => perPc.map((f) => ({ reads: f.s, writes: f.s, adds: f.a })));
    this.memo = mm.programs.map((p) => p.steps.map(() => []));
    this.memoNext = mm.programs.map((p) => p.steps.map(() => 0));
  }

  actionThread(_state: Int32Array, action: number): number {
    return action;
  }

  futureSets(state: Int32Array, t: number): { readonly reads: LocSet; readonly writes: LocSet; readonly adds: LocSet } | undefined {
    const pc = state[this.mm.layout.pc(t)]!;
    return pc < 0 ? undefined : this.futPair[t]![pc];
  }

  future(state: Int32Array, t: number, reads: LocSet, writes: LocSet, adds?: LocSet): boolean {
    const pc = state[this.mm.layout.pc(t)]!;
    if (pc < 0) return false;
    const f = this.fut[t]![pc];
    if (f === undefined) return false;
    unionInto(reads, f);
    unionInto(writes, f);
    MmuFootprints.addsTo(this.futAdds[t]![pc]!, reads, writes, adds);
    return true;
  }

  /**
   * The value of derived location `loc` (beyond the state words) in `state`: a lock-wait mode
   * ({@link waitCode}) or a slots_lock hold (0 or 1).
   */
  derived(state: Int32Array, loc: number): number {
    const m = this.mm.layout;
    const T = this.threadCount;
    const u = loc - m.size;
    if (u < T) return waitCode(this.mm.lockWaitAt(u, state[m.pc(u)]!));
    return (state[m.local(u - T, L.flags)]! & F.slots) !== 0 ? 1 : 0;
  }

  /** A disabled step's guard, recorded: its reads (see `FootprintModel.blockedGuard`). */
  blockedGuard(state: Int32Array, t: number, reads: LocSet): boolean {
    const w = this.scratchW;
    w.fill(0);
    try {
      if (this.recordStep(state, t, this.scratchOut, reads, w)) return false;
    } catch {
      return false;
    }
    return this.blocked;
  }

  progress(state: Int32Array, t: number): number {
    const pc = state[this.mm.layout.pc(t)]!;
    return pc < 0 ? this.mm.programs[t]!.steps.length : pc;
  }

  /** Puts the commuting updates `a` of a step into `adds`, or into `reads` and `writes` when the caller keeps none. */
  private static addsTo(a: LocSet, reads: LocSet, writes: LocSet, adds: LocSet | undefined): void {
    if (adds !== undefined) unionInto(adds, a);
    else {
      unionInto(reads, a);
      unionInto(writes, a);
    }
  }

  recordStep(state: Int32Array, action: number, out: Int32Array, reads: LocSet, writes: LocSet, adds?: LocSet): boolean {
    const pcw = this.mm.layout.pc(action);
    const pc = state[pcw]!;
    this.blocked = false;
    if (pc < 0) return false;
    const list = this.memo[action]?.[pc];
    if (list === undefined) return false;
    for (let k = 0; k < (this.memoize ? list.length : 0); k++) {
      const e = list[k]!;
      const idx = e.idx;
      const vals = e.vals;
      let j = 0;
      while (j < idx.length && state[idx[j]!] === vals[j]) j++;
      if (j < idx.length) continue;
      const wt = e.waitT;
      j = 0;
      while (j < wt.length && this.derived(state, wt[j]!) === e.waitVals[j]) j++;
      if (j < wt.length) continue;
      this.hits++;
      if (k > 0) {
        // move to the front: the next lookup at this pc most likely needs it again
        list[k] = list[k - 1]!;
        list[k - 1] = e;
      }
      unionInto(reads, e.reads);
      unionInto(writes, e.writes);
      MmuFootprints.addsTo(e.adds, reads, writes, adds);
      if (e.np === undefined) {
        this.blocked = true;
        return false;
      }
      out.set(state);
      for (let q = 0; q < e.wIdx.length; q++) out[e.wIdx[q]!] = e.wVals[q]!;
      out[pcw] = e.np;
      return true;
    }
    this.misses++;
    const rec = this.rec;
    const recAdds = locSet(this.locations);
    rec.begin(state, reads, writes, recAdds);
    const mm = this.mm;
    const size = mm.layout.size;
    const waitT: number[] = [];
    const waitVals: number[] = [];
    // contended() asks for another thread's lock-wait mode: read it from the unrecorded buffer
    // (the pcs are never written by a step but the pc word of its own thread, by the caller)
    const ask = (loc: number): number => {
      const v = this.derived(rec.buf, loc);
      addLoc(reads, loc);
      waitT.push(loc);
      waitVals.push(v);
      return v;
    };
    const T = this.threadCount;
    const np = mm.stepOn(rec.view, action, {
      waitsForLock: (_s, u) => {
        const v = ask(size + u);
        return v === 0 ? undefined : v === 1 ? 'read' : 'write';
      },
      slotsHeld: (_s, u) => ask(size + T + u) !== 0,
      commute: (i) => rec.commute(i),
    });
    if (rec.failed) return false;
    addLoc(reads, pcw);
    if (np !== undefined) {
      addLoc(writes, pcw);
      if (mm.lockWaitAt(action, pc) !== mm.lockWaitAt(action, np)) addLoc(writes, size + action);
    }
    const fl = mm.layout.local(action, L.flags);
    if (((state[fl]! ^ rec.buf[fl]!) & F.slots) !== 0) addLoc(writes, size + T + action);
    const memo: Memo = {
      idx: Int32Array.from(rec.firstReads),
      vals: Int32Array.from(rec.firstVals),
      wIdx: Int32Array.from(rec.written),
      wVals: Int32Array.from(rec.written, (i) => rec.buf[i]!),
      waitT: Int32Array.from(waitT),
      waitVals: Int32Array.from(waitVals),
      np,
      reads: reads.slice(),
      writes: writes.slice(),
      adds: recAdds,
    };
    MmuFootprints.addsTo(recAdds, reads, writes, adds);
    const slot = this.memoNext[action]![pc]!;
    list[slot] = memo;
    this.memoNext[action]![pc] = (slot + 1) % MEMOS;
    if (np === undefined) {
      this.blocked = true;
      return false;
    }
    out.set(rec.buf);
    out[pcw] = np;
    return true;
  }

  /** Returns the words a property read while judging `state` (test mode). */
  propertyReads(p: Property, state: Int32Array): LocSet | undefined {
    const rec = this.rec;
    rec.begin(state, locSet(this.locations), locSet(this.locations));
    p.check(rec.view);
    return rec.failed ? undefined : rec.reads;
  }

  /** Returns the declared read set of a property. */
  declaredReads(p: Property): LocSet {
    const r = locSet(this.locations);
    for (const c of (p as FootprintProperty).reads ?? ['all']) addClass(this.mm.layout, c, -1, r);
    return r;
  }

  /** Returns the declared future of thread `t` at `pc` (test mode): its plain words. */
  declaredFuture(t: number, pc: number): LocSet {
    return this.fut[t]![pc]!;
  }

  /** Returns the declared future of thread `t` at `pc` (test mode): the words it touches only by commuting updates. */
  declaredAdds(t: number, pc: number): LocSet {
    return this.futAdds[t]![pc]!;
  }

  /** Returns a readable name of state word `i`. */
  wordName(i: number): string {
    const m = this.mm.layout;
    const names = this.mm.threadNames;
    if (i >= m.size + names.length) return `${names[i - m.size - names.length]}.slots-held`;
    if (i >= m.size) return `${names[i - m.size]}.lock-wait`;
    if (i < G.count) return `G.${Object.keys(G).find((k) => G[k as keyof typeof G] === i)}`;
    if (i < m.vcpuBase) {
      const t = Math.floor((i - m.threadBase) / m.threadSize);
      const j = (i - m.threadBase) % m.threadSize;
      return j === 0 ? `${names[t]}.pc` : `${names[t]}.local.${Object.keys(L).find((k) => L[k as keyof typeof L] === j - 1)}`;
    }
    if (i < m.tableBase) return `vcpu${Math.floor((i - m.vcpuBase) / m.vcpuSize)}.word${(i - m.vcpuBase) % m.vcpuSize}`;
    if (i < m.rootBase) return `table${Math.floor((i - m.tableBase) / 7)}.word${(i - m.tableBase) % 7}`;
    if (i < m.pageBase) return `root${Math.floor((i - m.rootBase) / 3)}.word${(i - m.rootBase) % 3}`;
    if (i < m.pfnBase) return `page${i - m.pageBase}`;
    if (i < m.septBase) return `pfnOf(g${i - m.pfnBase})`;
    if (i < m.septBase + m.septCount) return `sept${i - m.septBase}`;
    return `memslot${Math.floor((i - m.slotBase) / MS.size)}.word${(i - m.slotBase) % MS.size}`;
  }
}

/** Returns the POR oracle of a machine, or undefined when its properties do not all declare what they read. */
export function footprintPor(mm: MmuMachine, opFootprint: (op: string) => readonly FootprintClass[] | undefined): { fp: MmuFootprints; por: FootprintPor } | undefined {
  const fp = new MmuFootprints(mm, opFootprint);
  if (!fp.complete) return undefined;
  return { fp, por: new FootprintPor(fp) };
}

/**
 * The footprint test mode: explores every reachable state of `mm` (unreduced, at most
 * `maxStates`), runs every enabled step recorded and judges every property recorded, and returns
 * each step whose accesses left its thread's declared future and each property that read a word
 * outside its declared read set (with the words). Empty means every declaration covered
 * everything the exploration did.
 */
export function checkFootprints(mm: MmuMachine, fp: MmuFootprints, maxStates = 200_000): { states: number; escapes: FootprintEscape[] } {
  const m = mm.layout;
  const escapes = new Map<string, Set<number>>();
  const note = (who: string, words: number[]): void => {
    let s = escapes.get(who);
    if (s === undefined) escapes.set(who, (s = new Set()));
    for (const w of words) s.add(w);
  };
  const seen = new Set<string>();
  const init = mm.initStates();
  const queue: Int32Array[] = [...init];
  for (const s of init) seen.add(s.join(','));
  const props = mm.properties();
  const declared = props.map((p) => fp.declaredReads(p));
  const out = new Int32Array(m.size);
  const acts: number[] = [];
  while (queue.length > 0 && seen.size <= maxStates) {
    const s = queue.pop()!;
    acts.length = 0;
    mm.actions(s, acts);
    props.forEach((p, k) => {
      if ((p as FootprintProperty).terminal) {
        // Its verdict beyond the declared words may be false only where nothing can move.
        if (acts.length > 0 && !p.check(s) && s[G.viol] === 0) note(`property ${p.name} (false in a non-terminal state)`, []);
        return;
      }
      const r = fp.propertyReads(p, s);
      if (r === undefined) note(`property ${p.name} (unrecordable access)`, []);
      else if (!subsetOf(r, declared[k]!, null)) note(`property ${p.name}`, locList(r).filter((i) => !hasLoc(declared[k]!, i)));
    });
    for (const t of acts) {
      const pc = s[m.pc(t)]!;
      const r = locSet(fp.locations);
      const w = locSet(fp.locations);
      const a = locSet(fp.locations);
      if (!fp.recordStep(s, t, out, r, w, a)) {
        note(`thread ${mm.threadNames[t]} at ${mm.threadAt(s, t)} (unrecordable access)`, []);
        continue;
      }
      // a derived location (lock-wait mode, slots_lock hold) the step changed must be recorded as written
      const changed: number[] = [];
      for (let i = m.size; i < fp.locations; i++) if (fp.derived(s, i) !== fp.derived(out, i) && !hasLoc(w, i)) changed.push(i);
      if (changed.length > 0) note(`thread ${mm.threadNames[t]} at ${mm.threadAt(s, t)} (changed without recording the write)`, changed);
      unionInto(r, w);
      const f = fp.declaredFuture(t, pc);
      if (!subsetOf(r, f, null)) note(`thread ${mm.threadNames[t]} at ${mm.threadAt(s, t)}`, locList(r).filter((i) => !hasLoc(f, i)));
      // a commuting update may be declared either way; a plain access of a `+` word escapes (above)
      const fa = locSet(fp.locations);
      unionInto(fa, f);
      unionInto(fa, fp.declaredAdds(t, pc));
      if (!subsetOf(a, fa, null)) note(`thread ${mm.threadNames[t]} at ${mm.threadAt(s, t)} (commuting updates)`, locList(a).filter((i) => !hasLoc(fa, i)));
      const key = out.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(out.slice());
      }
    }
  }
  return { states: seen.size, escapes: [...escapes].map(([who, ws]) => ({ who, words: [...ws].sort((a, b) => a - b).map((i) => fp.wordName(i)) })) };
}
