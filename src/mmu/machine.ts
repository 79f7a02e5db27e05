/**
 * The executable MMU as a checker model: a generic interpreter of step programs. Each thread runs
 * a script of operations (programs of named atomic steps); an action is "thread t runs its next
 * step"; every enabled thread is an action, in thread order. Everything domain-specific (what the
 * steps do, the invariants, the 64-bit rendering of SPTEs) comes from the model layer as values.
 */
import { fail } from '../core/diagnostic.js';
import type { ItfValue, Model, Property } from '../check/model.js';
import { Ctx, newRecord, readLockFree, type StepRecord, writeLockFree } from './ctx.js';
import { COUNT, F, G, L, MmuLayout, MS, type Geometry, NX, P, R, RF, T, TLB, TS, V } from './layout.js';
import { applyEdits, checkEdits, compileProgram, editOperations, withUserSteps, type CompiledProgram, type OpInstance, type StepEdit } from './program.js';
import { stepNotes, traceSteps } from './trace.js';
import { addClass, type FootprintClass, type FootprintProperty, footprintPor, type MmuFootprints } from './footprint.js';
import { type FootprintPor, hasLoc, locSet } from '../check/por.js';
import { auxMaskPcs, gfnPermutations, identicalThreads, MmuSymmetry, ThreadSymmetry } from './symmetry.js';

/** A thread of a scenario: name (`V0`, `N`, `M`, ...) and its script of operations. */
export interface ThreadSpec {
  readonly name: string;
  readonly ops: readonly OpInstance[];
}

/** Display hooks: how the model layer renders compact words as real values. */
export interface MachineDisplay {
  /** Returns the real 64-bit SPTE of a compact SPTE word (mirror tables may differ). */
  spte64(v: number, mirror: boolean): bigint;
  /** Returns the name of an S-EPT entry word's state. */
  septState(word: number): string;
  /** Returns the fields of a 64-bit SPTE as text, e.g. `pfn=0x100 level=4K RWX A D`. */
  decode64(x: bigint): string;
  /**
   * Returns a 64-bit SPTE decoded by field: its classification, the layout view that fits it and
   * every field of that view (the decoder of `mmucheck decode`). The HTML viewer shows them.
   */
  fields64?(x: bigint): SpteFields;
}

/** A 64-bit SPTE decoded by field ({@link MachineDisplay.fields64}). */
export interface SpteFields {
  /** KVM's classification (present, mmio, frozen, non-present, ambiguous). */
  readonly class: string;
  /** The layout view the fields come from (present, link, mmio, nonpresent). */
  readonly view: string;
  readonly fields: readonly { readonly name: string; readonly bits: string; readonly value: bigint; readonly doc?: string }[];
}

/** The questions a step asks about other threads, answered by the footprint recording (see {@link MmuMachine.stepOn}). */
export interface StepProbes {
  waitsForLock(s: Int32Array, u: number): 'read' | 'write' | undefined;
  slotsHeld(s: Int32Array, u: number): boolean;
  /** Told the word of each commuting update before it happens (`Ctx.ownBit`). */
  commute?(i: number): void;
}

/** Everything the interpreter needs to build a model. */
export interface MachineSpec {
  readonly name: string;
  readonly geometry: Omit<Geometry, 'threads'>;
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly threads: readonly ThreadSpec[];
  /** Operations run sequentially (single-threaded, to completion) to build the initial state. */
  readonly setup: readonly { readonly thread: number; readonly op: OpInstance }[];
  /** Step edits (variants), applied by operation and step name. */
  readonly edits?: readonly StepEdit[];
  /** The scenario the machine is built from (diagnostics about edits name it; default `name`). */
  readonly from?: string;
  /** Every operation a script may call (an edit naming another is MMC005 listing them). */
  readonly operations?: readonly string[];
  /**
   * Returns the kernel function a step models (`fault`, `install` -> `tdp_mmu_map_handle_target_level`),
   * or undefined where the model cites none. Trace viewers link each step to it.
   */
  cites?(op: string, step: string): string | undefined;
  /** Writes the initial shared state (roots, memslot, pages, S-EPT root). */
  init(s: Int32Array, m: MmuLayout): void;
  /** Returns the properties over states of this machine. */
  properties(machine: MmuMachine): Property[];
  readonly display: MachineDisplay;
  /**
   * The declared footprint classes of an operation (everything its steps may touch besides the
   * thread's own pc and locals), for partial-order reduction (src/mmu/footprint.ts); undefined for
   * an operation that declares none (it touches everything). Absent: no reduction.
   */
  readonly footprints?: (op: string) => readonly FootprintClass[] | undefined;
  /**
   * Pairs of gfns the scenario declares interchangeable (`symmetricGfns`): checked at
   * construction (MMC301 naming what breaks it), then part of `canonicalize` (src/mmu/symmetry.ts).
   */
  readonly symmetricGfns?: readonly (readonly number[])[];
}

/** The executable MMU model (implements the checker's Model interface). */
export class MmuMachine implements Model {
  readonly name: string;
  readonly stateSize: number;
  readonly layout: MmuLayout;
  readonly spec: MachineSpec;
  readonly programs: readonly CompiledProgram[];
  readonly threadNames: readonly string[];
  private readonly ctx: Ctx;
  /** The spec's edits, checked, with their step bodies wrapped as user code. */
  private readonly edits: readonly StepEdit[];
  /** The setup operations, edited and compiled. */
  private readonly setup: readonly { readonly thread: number; readonly label: string; readonly prog: CompiledProgram }[];
  private props: Property[] | undefined;
  /**
   * Partial-order reduction (`Model.isLocal`) from footprints: present when the spec declares
   * operation footprints and every property declares what it reads (see src/mmu/footprint.ts).
   */
  readonly isLocal?: (state: Int32Array, action: number) => boolean;
  /** Conflict-closed persistent sets of threads (`Model.persistent`), with `isLocal`. */
  readonly persistent?: (state: Int32Array, actions: readonly number[], sel: Int32Array) => number;
  /**
   * Footprint POR is opt-in (`--por on`): it saves 2-20% of the states of the scenarios at a
   * higher cost per state, and its first counterexample may break another invariant than the
   * unreduced (shortest) one that scenario expectations name.
   */
  readonly porByDefault = false;
  /** The footprints behind `isLocal` (tests, statistics). */
  readonly footprints?: MmuFootprints;
  /** The reduction oracle behind `isLocal` and `persistent` (statistics: `por.stats`). */
  readonly por?: FootprintPor;
  /**
   * Symmetry (`Model.canonicalize`): present when some threads are identical and every property
   * is a built-in one (symmetric in the threads); see src/mmu/symmetry.ts.
   */
  readonly canonicalize?: (state: Int32Array, out: Int32Array) => void;
  /** The symmetry behind `canonicalize` (tests). */
  readonly symmetry?: ThreadSymmetry;
  /** The gfn symmetry behind `canonicalize` when the spec declares `symmetricGfns` (tests). */
  readonly gfnSymmetry?: MmuSymmetry;

  /**
   * Builds the model of `spec`. Its edits are checked (shape, and that each one fits some thread
   * or setup operation: see {@link editOperations}) and applied before anything runs.
   */
  constructor(spec: MachineSpec) {
    this.spec = spec;
    this.name = spec.name;
    this.layout = new MmuLayout({ ...spec.geometry, threads: spec.threads.length });
    this.stateSize = this.layout.size;
    this.edits = withUserSteps(checkEdits(spec.edits ?? []));
    const ops = [...spec.threads.flatMap((th) => th.ops), ...spec.setup.map((x) => x.op)];
    const edited = editOperations(ops, this.edits, { scenario: spec.from ?? spec.name, ...(spec.operations ? { operations: spec.operations } : {}) });
    let k = 0;
    this.programs = spec.threads.map((th) => compileProgram(th.ops.map(() => edited[k++]!)));
    this.setup = spec.setup.map(({ thread, op }) => ({ thread, label: op.label, prog: compileProgram([edited[k++]!]) }));
    this.threadNames = spec.threads.map((t) => t.name);
    this.ctx = new Ctx(this.layout, spec.options);
    this.ctx.waitsForLock = (s, u) => this.lockWaitAt(u, s[this.layout.pc(u)]!);
    if (spec.footprints) {
      const p = footprintPor(this, spec.footprints);
      if (p !== undefined) {
        const por = p.por;
        this.footprints = p.fp;
        this.por = por;
        this.isLocal = (s, a) => por.isLocal(s, a);
        this.persistent = (s, acts, sel) => por.persistent(s, acts, sel);
      }
      const groups = identicalThreads(this);
      const builtIn = (this.properties() as readonly FootprintProperty[]).every((p) => p.reads !== undefined);
      const pairs = spec.symmetricGfns ?? [];
      const perms = pairs.length > 0 ? gfnPermutations(this, pairs, !builtIn) : [];
      if ((groups.length > 0 || perms.length > 0) && builtIn) {
        const sym = new ThreadSymmetry(this.layout, groups);
        if (groups.length > 0) this.symmetry = sym;
        if (perms.length > 0) {
          const full = new MmuSymmetry(this.layout, sym, perms, auxMaskPcs(this));
          this.gfnSymmetry = full;
          this.canonicalize = (s, out) => full.canonicalize(s, out);
        } else this.canonicalize = (s, out) => sym.canonicalize(s, out);
      }
    } else if ((spec.symmetricGfns ?? []).length > 0) fail('MMC301', 'symmetricGfns: this machine declares no footprints, so its properties cannot be shown gfn-symmetric', { subject: 'symmetricGfns' });
  }

  /** Returns the initial state: the spec's init, then the setup operations run one after another. */
  initStates(): Int32Array[] {
    const m = this.layout;
    const s = new Int32Array(this.stateSize);
    this.spec.init(s, m);
    for (const { thread, label, prog } of this.setup) {
      this.runProgram(s, thread, label, prog);
      if (s[G.viol] !== 0) fail('MMC301', `setup operation ${label} broke an invariant (I-mask ${s[G.viol]})`);
    }
    s[G.seen] = 0;
    for (let t = 0; t < this.programs.length; t++) s[m.pc(t)] = this.programs[t]!.steps.length === 0 ? -1 : 0;
    return [s];
  }

  /**
   * Runs operation `op` on thread `thread` to completion, alone, in place on `s` (the
   * single-threaded refinement tests). The spec's edits that fit `op` are applied. Raises MMC301
   * when the operation blocks (it would wait for another thread forever).
   */
  runOp(s: Int32Array, thread: number, op: OpInstance): void {
    this.runProgram(s, thread, op.label, compileProgram([applyEdits(op, this.edits)]));
  }

  /** Runs the one-operation program `prog` (labelled `label`) on thread `thread` to completion, in place on `s`. */
  private runProgram(s: Int32Array, thread: number, label: string, prog: CompiledProgram): void {
    const m = this.layout;
    let pc = 0;
    let spins = 0;
    while (pc >= 0 && pc < prog.steps.length) {
      const r = this.runStep(s, s, thread, prog, pc, null);
      if (r === undefined) fail('MMC301', `operation ${label} blocked at step ${prog.steps[pc]!.def.name}`);
      if (r === pc && ++spins > 1000) fail('MMC301', `operation ${label} spins at step ${prog.steps[pc]!.def.name}`);
      pc = r;
    }
    for (let i = 0; i < L.count; i++) if (i !== L.flags) s[m.local(thread, i)] = 0;
  }

  /**
   * Runs one step of thread `t` at `pc` of `prog` from `state` into `out`; returns the next pc
   * (-1 when the program ends) or undefined when the step is blocked.
   */
  private runStep(state: Int32Array, out: Int32Array, t: number, prog: CompiledProgram, pc: number, rec: StepRecord | null, copied = false): number | undefined {
    const cs = prog.steps[pc];
    if (cs === undefined) return undefined;
    const c = this.ctx;
    this.lastThread = -1;
    this.cleared = false;
    if (out !== state && !copied) out.set(state);
    c.st = out;
    c.raw = false;
    c.nw = 0;
    c.t = t;
    c.pc = pc;
    c.nextPc = pc + 1;
    c.prog = prog;
    c.rec = rec;
    const lg = cs.lockGuard;
    if (lg !== 0) {
      if (lg === 1 ? !readLockFree(out) : !writeLockFree(out)) return undefined;
    } else {
      const guard = cs.guard;
      if (guard !== undefined && !guard.call(cs.def, c)) return undefined;
    }
    cs.run.call(cs.def, c);
    let np = c.nextPc;
    if (np < cs.opStart || np >= cs.opEnd) {
      // The operation ended: its locals (not the held-resource flags) go back to 0. They are
      // written whatever their value, unread (footprint POR records this step's writes and reads:
      // writing only the non-zero ones would make some steps invisible and change reduced counts).
      const m = this.layout;
      for (let i = 0; i < L.count; i++) if (i !== L.flags) out[m.local(t, i)] = 0;
      this.cleared = true;
    }
    if (np >= prog.steps.length) np = -1;
    return np;
  }

  /**
   * Runs thread `t`'s next step in place on `s` (a recording view, see src/mmu/footprint.ts);
   * returns the next pc (-1 at the end) or undefined when the step is blocked or `t` finished.
   * The pc word itself is left for the caller.
   */
  stepOn(s: Int32Array, t: number, probes?: StepProbes): number | undefined {
    const prog = this.programs[t];
    if (prog === undefined) return undefined;
    const pc = s[this.layout.pc(t)]!;
    if (pc < 0) return undefined;
    if (probes === undefined) return this.runStep(s, s, t, prog, pc, null);
    // The recording answers the questions about other threads itself (it records the thread's
    // lock-wait mode or slots_lock hold, not the words these are derived from).
    const c = this.ctx;
    const { waitsForLock, slotsHeld, commute } = c;
    c.waitsForLock = probes.waitsForLock;
    c.slotsHeld = probes.slotsHeld;
    c.commute = probes.commute ?? null;
    try {
      return this.runStep(s, s, t, prog, pc, null);
    } finally {
      c.waitsForLock = waitsForLock;
      c.slotsHeld = slotsHeld;
      c.commute = commute;
    }
  }

  /**
   * The mmu_lock mode thread `u` waits for when its pc is `pc` (the step there wants the lock;
   * undefined at a step that does not, or at the end): all `contended()` knows of another thread.
   */
  lockWaitAt(u: number, pc: number): 'read' | 'write' | undefined {
    return pc < 0 ? undefined : this.programs[u]!.steps[pc]?.wantsLock;
  }

  /** Appends the enabled threads of `state`. */
  actions(state: Int32Array, out: number[]): void {
    for (let t = 0; t < this.programs.length; t++) if (this.canMove(state, t)) out.push(t);
  }

  /** Returns true when thread `t` has a next step in `state` and its guard (if any) lets it run. */
  private canMove(state: Int32Array, t: number): boolean {
    const pc = state[this.layout.pc(t)]!;
    if (pc < 0) return false;
    const prog = this.programs[t]!;
    const cs = prog.steps[pc];
    if (cs === undefined) return false;
    const lg = cs.lockGuard;
    if (lg !== 0) return lg === 1 ? readLockFree(state) : writeLockFree(state);
    const guard = cs.guard;
    if (guard === undefined) return true;
    const c = this.ctx;
    c.st = state;
    c.t = t;
    c.pc = pc;
    c.prog = prog;
    c.rec = null;
    return guard.call(cs.def, c);
  }

  /** Runs thread `action`'s next step. */
  next(state: Int32Array, action: number, out: Int32Array): boolean {
    return this.nextInto(state, action, out, false);
  }

  /** `Model.stepFrom`: {@link next} into an `out` that holds `state`'s words already. */
  stepFrom(state: Int32Array, action: number, out: Int32Array): boolean {
    return this.nextInto(state, action, out, true);
  }

  private nextInto(state: Int32Array, action: number, out: Int32Array, copied: boolean): boolean {
    const prog = this.programs[action];
    if (prog === undefined) return false;
    const pc = state[this.layout.pc(action)]!;
    if (pc < 0) return false;
    const np = this.runStep(state, out, action, prog, pc, null, copied);
    if (np === undefined) {
      this.lastThread = -1;
      return false;
    }
    out[this.layout.pc(action)] = np;
    this.lastThread = action;
    return true;
  }

  /** The thread whose step the last `next` ran (-1 after one that failed). */
  private lastThread = -1;
  /** True when the last step ended its operation (`runStep` cleared the thread's locals). */
  private cleared = false;

  /**
   * `Model.written`: the words the last `next` wrote through the step context's primitives (the
   * context lists them, see `Ctx.put`), the thread's pc, and its locals when the step ended its
   * operation (`runStep` sets these itself); -1 when the step took the state directly (`c.s`, a
   * user-written step: `Ctx.raw`).
   */
  written(words: Int32Array): number {
    const c = this.ctx;
    const t = this.lastThread;
    if (t < 0 || c.raw) return -1;
    const n = c.nw;
    const pc = this.layout.pc(t);
    const all = this.cleared ? L.count : 0;
    if (n + 1 + all > words.length) return -1;
    const wl = c.wl;
    for (let k = 0; k < n; k++) words[k] = wl[k]!;
    words[n] = pc;
    const l0 = this.layout.local(t, 0);
    for (let i = 0; i < all; i++) words[n + 1 + i] = l0 + i;
    return n + 1 + all;
  }

  /** Runs thread `action`'s next step while recording what it touched (for trace display and replay). */
  traceStep(state: Int32Array, action: number): { next: Int32Array; record: StepRecord } | undefined {
    const prog = this.programs[action];
    if (prog === undefined) return undefined;
    const pc = state[this.layout.pc(action)]!;
    if (pc < 0) return undefined;
    const out = new Int32Array(this.stateSize);
    const rec = newRecord();
    const np = this.runStep(state, out, action, prog, pc, rec);
    if (np === undefined) return undefined;
    out[this.layout.pc(action)] = np;
    return { next: out, record: rec };
  }

  /** Thread `action` runs its next step: actions are threads (liveness mode judges fairness per thread). */
  actionThread(_state: Int32Array, action: number): number {
    return action;
  }

  /**
   * I11 as liveness (no thread is blocked or kept from progress forever, under weak fairness): the
   * progress steps are the steps that complete an operation of the thread's script (the pc leaves
   * the operation). A script is finite and its pc only moves forward from one operation to the
   * next, so every cycle of the state graph lies inside operations (a retry loop, a spin-wait, a
   * yield-restart) and none holds a progress step: liveness mode reports every weakly fair cycle
   * (a livelock, or a thread that waits forever while another loops) as a non-progress cycle.
   */
  isProgress(state: Int32Array, action: number): boolean {
    const prog = this.programs[action];
    if (prog === undefined) return false;
    const pc = state[this.layout.pc(action)]!;
    const cs = pc >= 0 ? prog.steps[pc] : undefined;
    if (cs === undefined) return false;
    const out = (this.scratch ??= new Int32Array(this.stateSize));
    const np = this.runStep(state, out, action, prog, pc, null);
    return np !== undefined && (np < 0 || np < cs.opStart || np >= cs.opEnd);
  }
  private scratch: Int32Array | undefined;

  /** The threads that have not finished their scripts (bit t for thread t), for per-thread progress. */
  unfinished(state: Int32Array): number {
    let m = 0;
    for (let t = 0; t < this.programs.length; t++) if (state[this.layout.pc(t)]! >= 0) m |= 1 << t;
    return m;
  }

  /** Returns true when no thread can move although some thread has not finished (I11 deadlock). */
  isStuck(state: Int32Array): boolean {
    // The first thread that can move answers (I11 asks this of every state: no action list).
    let running = false;
    for (let t = 0; t < this.programs.length; t++) {
      if (state[this.layout.pc(t)]! < 0) continue;
      running = true;
      if (this.canMove(state, t)) return false;
    }
    return running;
  }

  /** Every thread finished. */
  isFinal(state: Int32Array): boolean {
    return this.programs.every((_, t) => state[this.layout.pc(t)]! < 0);
  }

  /**
   * Returns the properties (cached). A property that declares what it reads (`reads`, footprint
   * classes) and is not judged on terminal states only gets those classes' words as
   * `Property.words`, so that a breadth-first search judges it only where a step changed one of
   * them (the declarations are the ones partial-order reduction trusts, checked by the footprint
   * test mode, src/mmu/footprint.ts).
   */
  properties(): readonly Property[] {
    this.props ??= this.spec.properties(this).map((p) => {
      const fp = p as FootprintProperty;
      if (fp.reads === undefined || fp.terminal) return p;
      const set = locSet(this.layout.size);
      for (const c of fp.reads) addClass(this.layout, c, -1, set);
      const words: number[] = [];
      for (let i = 0; i < this.layout.size; i++) if (hasLoc(set, i)) words.push(i);
      return { ...p, words };
    });
    return this.props;
  }

  /** Returns `thread: op.step` for an action. */
  formatAction(state: Int32Array, action: number): string {
    const pc = state[this.layout.pc(action)] ?? -1;
    const cs = pc >= 0 ? this.programs[action]?.steps[pc] : undefined;
    const name = this.threadNames[action] ?? `T${action}`;
    return cs ? `${name}: ${cs.op.label}.${cs.def.name}` : `${name}: (done)`;
  }

  /** Returns `op.step` of thread t in `state`, or `done`. */
  threadAt(state: Int32Array, t: number): string {
    const pc = state[this.layout.pc(t)] ?? -1;
    const cs = pc >= 0 ? this.programs[t]?.steps[pc] : undefined;
    return cs ? `${cs.op.label}.${cs.def.name}` : 'done';
  }

  /**
   * Returns the step notes of a path (ItfStepDecorator of src/report): SPTE changes decoded by
   * field, SEAMCALLs with their status, decisions, and the invariants broken at the end.
   */
  itfStepNotes(states: readonly Int32Array[], actions: readonly number[]): string[][] {
    const init = states[0];
    if (init === undefined) return [];
    return stepNotes(this, traceSteps(this, init, actions), init);
  }

  /**
   * Returns the trace's description for its viewers (ItfTraceDescriber of src/report), kept in the
   * ITF `#meta`: `spteWords` maps every 64-bit SPTE of the trace's tables (hex) to its description
   * and its fields decoded by the display's decoder (the one of `mmucheck decode`); `steps` maps each
   * step of the threads' scripts (`op-label.step`) to the operation, the step's documentation and
   * the kernel function it models; `threadNames` lists the threads in order.
   */
  itfTraceMeta(states: readonly Int32Array[]): Record<string, unknown> {
    const m = this.layout;
    const d = this.spec.display;
    const words: Record<string, unknown> = {};
    for (const s of states) {
      for (let tb = 0; tb < m.geometry.tables; tb++) {
        if (s[m.table(tb, T.status)] === TS.free) continue;
        const mirror = s[m.table(tb, T.mirror)] === 1;
        for (let i = 0; i < 2; i++) {
          const x = d.spte64(s[m.entry(tb, i)]!, mirror);
          const key = `0x${x.toString(16)}`;
          if (key in words) continue;
          const f = d.fields64?.(x);
          words[key] = {
            text: d.decode64(x),
            ...(f ? { class: f.class, view: f.view, fields: f.fields.map((e) => ({ name: e.name, bits: e.bits, value: `0x${e.value.toString(16)}`, ...(e.doc ? { doc: e.doc } : {}) })) } : {}),
          };
        }
      }
    }
    const steps: Record<string, unknown> = {};
    for (const prog of this.programs) {
      for (const cs of prog.steps) {
        const key = `${cs.op.label}.${cs.def.name}`;
        if (key in steps) continue;
        const fn = this.spec.cites?.(cs.op.op, cs.def.name);
        steps[key] = { op: cs.op.op, step: cs.def.name, ...(cs.def.doc ? { doc: cs.def.doc } : {}), ...(fn ? { kernel: fn } : {}) };
      }
    }
    return { threadNames: [...this.threadNames], spteWords: words, steps };
  }

  /** Returns the ITF variables of a state (SPTEs and S-EPT entries as 64-bit values). */
  toItf(s: Int32Array): Record<string, ItfValue> {
    const m = this.layout;
    const d = this.spec.display;
    const names = this.threadNames;
    const setOf = (mask: number): ItfValue => ({ '#set': names.filter((_, t) => (mask & (1 << t)) !== 0) });
    const threads: Record<string, ItfValue> = {};
    names.forEach((n, t) => {
      const fl = s[m.local(t, L.flags)]!;
      threads[n] = {
        at: this.threadAt(s, t),
        held: { '#set': Object.entries(F).filter(([, b]) => (fl & b) !== 0).map(([k]) => k) },
        locals: Object.fromEntries(Object.entries(L).filter(([k]) => k !== 'flags' && k !== 'count').map(([k, i]) => [k, s[m.local(t, i)]!])),
      };
    });
    const tables: [ItfValue, ItfValue][] = [];
    for (let tb = 0; tb < m.geometry.tables; tb++) {
      const st = s[m.table(tb, T.status)]!;
      if (st === TS.free) continue;
      const mirror = s[m.table(tb, T.mirror)] === 1;
      tables.push([
        `t${tb}`,
        {
          status: (Object.keys(TS) as (keyof typeof TS)[]).find((k) => TS[k] === st) ?? String(st),
          level: s[m.table(tb, T.level)]!,
          gfn: s[m.table(tb, T.gfn)]!,
          mirror,
          sptes: [0, 1].map((i) => ({ '#bigint': d.spte64(s[m.entry(tb, i)]!, mirror).toString() })),
          // the NX metadata, when the state keeps it: nx_huge_page_disallowed, on possible_nx_huge_pages
          ...(m.nxBase >= 0 ? { nxHugePageDisallowed: (s[m.nxBase + NX.flag]! & (1 << tb)) !== 0, possibleNxHugePage: (s[m.nxBase + NX.list]! & (1 << tb)) !== 0 } : {}),
        },
      ]);
    }
    const roots: ItfValue[] = [];
    for (let r = 0; r < m.geometry.roots; r++) {
      const fl = s[m.root(r, R.flags)]!;
      if ((fl & RF.used) === 0) continue;
      roots.push({
        slot: r,
        table: `t${s[m.root(r, R.table)]}`,
        refcount: s[m.root(r, R.ref)]!,
        flags: { '#set': Object.entries(RF).filter(([k, b]) => k !== 'used' && (fl & b) !== 0).map(([k]) => k) },
      });
    }
    const vcpus: ItfValue[] = [];
    for (let v = 0; v < m.geometry.vcpus; v++) {
      const tlb: [ItfValue, ItfValue][] = [];
      for (let g = 0; g < m.gfns; g++) {
        const e = s[m.tlb(v, g)]!;
        if (e !== 0) tlb.push([`g${g}`, { pfn: (e >> 1) & 63, w: (e & TLB.w) !== 0, d: (e & TLB.d) !== 0, private: (e & TLB.priv) !== 0 }]);
      }
      vcpus.push({
        name: names[v] ?? `V${v}`,
        mode: s[m.vcpu(v, V.mode)] === 1 ? 'guest' : 'host',
        directRoot: s[m.vcpu(v, V.droot)]!,
        mirrorRoot: s[m.vcpu(v, V.mroot)]!,
        requests: s[m.vcpu(v, V.req)]!,
        epoch: s[m.vcpu(v, V.epoch)]!,
        tlb: { '#map': tlb },
        // the paging-structure cache, when the state has one (scenario field pscache)
        ...(m.pscacheOff >= 0 ? { pscache: { '#set': Array.from({ length: m.geometry.tables }, (_, tb) => tb).filter((tb) => (s[m.pscache(v)]! & (1 << tb)) !== 0).map((tb) => `t${tb}`) } } : {}),
      });
    }
    const pages: ItfValue[] = [];
    for (let p = 0; p < m.geometry.pages; p++) {
      const w = s[m.page(p)]!;
      if ((w & P.stateMask) === 0) continue;
      pages.push({
        pfn: p,
        state: (w & P.stateMask) === P.freed ? 'freed' : 'allocated',
        dirty: (w & P.dirty) !== 0,
        guestWrote: (w & P.wrote) !== 0,
        tdOwned: (w & P.td) !== 0,
      });
    }
    const sept: [ItfValue, ItfValue][] = [];
    for (let pos = 0; pos < m.septCount; pos++) {
      const w = s[m.septBase + pos]!;
      if (w === 0) continue;
      const [lvl, gfn] = m.septPosition(pos);
      sept.push([`L${lvl} g${gfn}`, { state: d.septState(w), pfn: (w >> 4) & 63, bepoch: (w >> 10) & 3, lockedBy: (w >> 12) & 15 }]);
    }
    const bits = (mask: number): ItfValue => ({ '#set': Array.from({ length: m.gfns }, (_, g) => g).filter((g) => (mask & (1 << g)) !== 0) });
    return {
      threads,
      mmuLock: { writer: s[G.writer]! > 0 ? names[s[G.writer]! - 1]! : '', readers: setOf(s[G.readers]!) },
      rcuReaders: setOf(s[G.rcu]!),
      srcuReaders: setOf(s[G.srcu]!),
      srcuGracePeriod: setOf(s[G.srcuGp]!),
      notifier: { seq: s[G.seq]!, inProgress: s[G.inProgress]!, range: bits(s[G.range]!) },
      memslots: m.slots.map((sl, k) => ({
        id: sl.id,
        gfns: { '#set': Array.from({ length: sl.pages }, (_, j) => sl.base + j) },
        state: ['valid', 'invalid', 'deleted'][s[m.slot(k, MS.state)]!] ?? '?',
        dirtyLogging: ['off', 'enabling', 'on'][s[m.slot(k, MS.dirtyLog)]!] ?? '?',
        dirtyBitmap: bits(s[G.bitmap]! & m.slotMasks[k]!),
        gmemBound: bits(s[G.gmemBound]! & m.slotMasks[k]!),
      })),
      privateGfns: bits(s[G.privateGfns]!),
      pfnOf: Array.from({ length: m.gfns }, (_, g) => s[m.pfnOf(g)]!),
      tables: { '#map': tables },
      roots,
      vcpus,
      pages,
      tdx: { tdEpoch: s[G.tdEpoch]!, epochRefs: [s[G.epochRef0]!, s[G.epochRef1]!], waitForSeptZap: s[G.waitSeptZap] === 1, sept: { '#map': sept } },
      brokenInvariants: { '#set': Array.from({ length: 12 }, (_, i) => i).filter((i) => (s[G.viol]! & (1 << i)) !== 0).map((i) => `I${i + 1}`) },
      witnessesSeen: s[G.seen]!,
      // the page-table page counters, when the state keeps them (geometry counters)
      ...(m.countersBase >= 0
        ? {
            counters: {
              tdpMmuPages: s[m.countersBase + COUNT.pages]!,
              nxLpageSplits: s[m.countersBase + COUNT.splits]!,
              pendingStores: { '#map': names.flatMap((n, t): [ItfValue, ItfValue][] => (s[m.countersBase + COUNT.pending + t]! !== 0 ? [[n, s[m.countersBase + COUNT.pending + t]! - 1]] : [])) },
            },
          }
        : {}),
    };
  }
}
