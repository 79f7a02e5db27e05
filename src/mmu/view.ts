/**
 * A read-only view of one state of an executable MMU, for property predicates (`always`,
 * `sometimes`) and tests: SPTEs by root, gfn and level (the compact value, the real 64-bit word and
 * its class), S-EPT entry states, TLB entries, mmu_lock and RCU holders, threads by name (where they
 * are in their script), reached witnesses and invariants recorded broken by a step. Nothing here
 * writes the state.
 *
 * @example
 *   const v = stateView(machine);
 *   const p = (s: Int32Array) => v.of(s).spte('mirror', 1, 1)?.kind !== 'frozen' || v.lock.writer !== undefined;
 */
import { fail } from '../core/diagnostic.js';
import type { MmuMachine } from './machine.js';
import { COUNT, G, L, MS, R, RF, T, TLB } from './layout.js';
import { type InvariantName, invariantNumber, type WitnessName, witnessBit } from './names.js';
import { isFrozen, isLeaf, isLink, linkTable, SpteKind, spteKind } from './spte.js';
import type { TlbEntry } from './step-api.js';
import { type SeptStateName, septStateName } from './tdx.js';

/** The class of an SPTE word, as the layout's predicates classify it. */
export type SpteClass = 'non-present' | 'frozen' | 'mmio' | 'leaf' | 'link';

/** One SPTE as a view shows it. */
export interface SpteView {
  /** The executable MMU's value (what `spte.*` predicates take). */
  readonly value: number;
  /** The real 64-bit SPTE word (as traces, ITF and `mmucheck decode` show it). */
  readonly word: bigint;
  readonly kind: SpteClass;
  /** The page table holding it and its entry index. */
  readonly table: number;
  readonly index: number;
}

/** Where a thread is in its script. */
export interface ThreadView {
  /** The step it runs next (`op.step`, e.g. `fault.install`), or undefined when done. */
  readonly step: string | undefined;
  /** The label of the operation call it is in (e.g. `fault(g1,W,priv)`), or undefined when done. */
  readonly op: string | undefined;
  /** Its program counter (-1 when done). */
  readonly pc: number;
  readonly done: boolean;
}

/** mmu_lock holders by thread name. */
export interface LockView {
  readonly writer: string | undefined;
  readonly readers: readonly string[];
}

/** One memslot as a view shows it. */
export interface MemslotView {
  /** Its id (what `memslot-delete` and the dirty-log operations name as `slot`). */
  readonly id: number;
  /** Its first gfn and number of gfns. */
  readonly base: number;
  readonly pages: number;
  readonly state: 'valid' | 'invalid' | 'deleted';
  readonly dirtyLog: 'off' | 'enabling' | 'on';
  /** Its gfns whose dirty bit is set. */
  readonly dirty: readonly number[];
}

/** Which root a view reads: a root slot number, or the direct / mirror root the vCPUs use. */
export type RootRef = number | 'direct' | 'mirror';

/** Returns the class of an SPTE value. */
function classOf(v: number): SpteClass {
  if (isFrozen(v)) return 'frozen';
  if (isLeaf(v)) return 'leaf';
  if (isLink(v)) return 'link';
  return spteKind(v) === SpteKind.mmio ? 'mmio' : 'non-present';
}

/** A read-only view of the states of one machine; {@link StateView.of} points it at a state. */
export class StateView {
  private s: Int32Array = new Int32Array(0);

  constructor(private readonly mm: MmuMachine) {}

  /** Points the view at state `s` and returns it (one view serves every state). */
  of(s: Int32Array): this {
    this.s = s;
    return this;
  }

  /**
   * Returns the SPTE at `level` covering `gfn` in the tree of `root`, or undefined when the walk
   * from the root does not reach that level (no table there) or the root is not in use.
   */
  spte(root: RootRef, gfn: number, level: number): SpteView | undefined {
    const m = this.mm.layout;
    const slot = this.rootSlot(root);
    if (slot === undefined) return undefined;
    let tb = this.s[m.root(slot, R.table)]!;
    for (let lv = m.geometry.levels; lv >= level; lv--) {
      const index = m.index(lv, gfn);
      const v = this.s[m.entry(tb, index)]!;
      if (lv === level) return { value: v, word: this.mm.spec.display.spte64(v, this.s[m.table(tb, T.mirror)] === 1), kind: classOf(v), table: tb, index };
      if (!isLink(v)) return undefined;
      tb = linkTable(v);
    }
    return undefined;
  }

  /** Returns the state name of the S-EPT entry at `level` covering `gfn` (`FREE`, `MAPPED`, `BLOCKED`, ...). */
  sept(gfn: number, level: number): SeptStateName | `state${number}` {
    return septStateName(this.s[this.mm.layout.sept(level, gfn)]!) as SeptStateName | `state${number}`;
  }

  /** Returns vCPU `vcpu`'s TLB entry for `gfn`, or undefined when it caches none. */
  tlb(vcpu: number, gfn: number): TlbEntry | undefined {
    const e = this.s[this.mm.layout.tlb(vcpu, gfn)]!;
    if (e === 0) return undefined;
    return { pfn: (e >> 1) & 63, writable: (e & TLB.w) !== 0, dirty: (e & TLB.d) !== 0, private: (e & TLB.priv) !== 0 };
  }

  /** The memslots in the scenario's order (one, id 0, covering every gfn, unless the scenario has `memslots`). */
  get memslots(): readonly MemslotView[] {
    return this.mm.layout.slots.map((_, k) => this.slotView(k));
  }

  /**
   * The memslots generation that MMIO SPTEs are checked against: its number, and whether a
   * memslot update is in progress (the flag set between publishing new memslots and the end of
   * their synchronize_srcu; MMIO SPTEs never hit while it is set).
   */
  get generation(): { readonly number: number; readonly updateInProgress: boolean } {
    const g = this.s[G.gen]!;
    return { number: g >> 1, updateInProgress: (g & 1) !== 0 };
  }

  /**
   * The page-table page counters (scenario field `pageCounters`): kvm->arch.tdp_mmu_pages and
   * kvm->stat.nx_lpage_splits as stored now (a plain update in flight is not in them yet), or
   * undefined when the state does not keep them.
   */
  get counters(): { readonly tdpMmuPages: number; readonly nxLpageSplits: number } | undefined {
    const b = this.mm.layout.countersBase;
    if (b < 0) return undefined;
    return { tdpMmuPages: this.s[b + COUNT.pages]!, nxLpageSplits: this.s[b + COUNT.splits]! };
  }

  /** Returns the memslot holding `gfn`, or undefined when no memslot holds it. */
  memslot(gfn: number): MemslotView | undefined {
    const k = this.mm.layout.slotIndex[this.gfnIn(gfn)] ?? -1;
    return k < 0 ? undefined : this.slotView(k);
  }

  /** Returns the pfn of the host page backing `gfn` now (a zap that frees the page backs it with a new one). */
  pfn(gfn: number): number {
    return this.s[this.mm.layout.pfnOf(this.gfnIn(gfn))]!;
  }

  /** Returns the host mapping level of `gfn`'s backing page as the scenario's `host.huge` set it (1 = 4K, 2 = 2M, 3 = 1G). */
  hostLevel(gfn: number): number {
    return this.mm.layout.hostLevels[this.gfnIn(gfn)]!;
  }

  /** The mmu_lock holders. */
  get lock(): LockView {
    const w = this.s[G.writer]!;
    return { writer: w === 0 ? undefined : this.mm.threadNames[w - 1], readers: this.threadsIn(this.s[G.readers]!) };
  }

  /** The threads inside rcu_read_lock. */
  get rcuReaders(): readonly string[] {
    return this.threadsIn(this.s[G.rcu]!);
  }

  /** Returns where thread `name` is (MMC301 listing the threads for an unknown name). */
  thread(name: string): ThreadView {
    const t = this.threadIndex(name);
    const pc = this.s[this.mm.layout.pc(t)]!;
    const cs = pc < 0 ? undefined : this.mm.programs[t]!.steps[pc];
    return { pc, done: cs === undefined, step: cs && `${cs.op.op}.${cs.def.name}`, op: cs?.op.label };
  }

  /** Returns thread `name`'s local `local` (`gfn`, `level`, `old`, `out`, ...). */
  local(name: string, local: Exclude<keyof typeof L, 'count'>): number {
    return this.s[this.mm.layout.local(this.threadIndex(name), L[local])]!;
  }

  /** Returns true when witness `name` was reached on the way to this state. */
  witnessReached(name: WitnessName): boolean {
    return (this.s[G.seen]! & (1 << witnessBit(name))) !== 0;
  }

  /** Returns true when a step recorded invariant `name` broken on the way to this state. */
  broken(name: InvariantName): boolean {
    return (this.s[G.viol]! & (1 << (invariantNumber(name) - 1))) !== 0;
  }

  /** Returns the slot of `root` (a slot, or the first live direct/mirror root), or undefined. */
  private rootSlot(root: RootRef): number | undefined {
    const m = this.mm.layout;
    for (let r = 0; r < m.geometry.roots; r++) {
      const fl = this.s[m.root(r, R.flags)]!;
      if ((fl & RF.used) === 0 || (fl & RF.freed) !== 0) continue;
      if (root === r) return r;
      if (typeof root === 'string' && (root === 'mirror') === ((fl & RF.mirror) !== 0) && (fl & RF.invalid) === 0) return r;
    }
    return undefined;
  }

  /** Returns memslot `k` (an index into the layout's slots) as a view. */
  private slotView(k: number): MemslotView {
    const m = this.mm.layout;
    const sl = m.slots[k]!;
    const bitmap = this.s[G.bitmap]! & m.slotMasks[k]!;
    return {
      id: sl.id,
      base: sl.base,
      pages: sl.pages,
      state: (['valid', 'invalid', 'deleted'] as const)[this.s[m.slot(k, MS.state)]!] ?? 'deleted',
      dirtyLog: (['off', 'enabling', 'on'] as const)[this.s[m.slot(k, MS.dirtyLog)]!] ?? 'off',
      dirty: Array.from({ length: sl.pages }, (_, j) => sl.base + j).filter((g) => (bitmap & (1 << g)) !== 0),
    };
  }

  /** Returns `gfn` after checking it is a gfn of the machine (MMC301 otherwise). */
  private gfnIn(gfn: number): number {
    const n = this.mm.layout.gfns;
    if (!Number.isInteger(gfn) || gfn < 0 || gfn >= n) fail('MMC301', `the state view has no gfn ${String(gfn)}; gfns are 0..${n - 1}`, { subject: 'gfn' });
    return gfn;
  }

  /** Returns the names of the threads in bitmask `mask`. */
  private threadsIn(mask: number): string[] {
    return this.mm.threadNames.filter((_, t) => (mask & (1 << t)) !== 0);
  }

  /** Returns the index of thread `name`. */
  private threadIndex(name: string): number {
    const t = this.mm.threadNames.indexOf(name);
    if (t < 0) fail('MMC301', `the state view has no thread '${name}'`, { subject: name, hint: `threads: ${this.mm.threadNames.join(', ')}` });
    return t;
  }
}

/** Returns a read-only view over the states of `mm`. */
export function stateView(mm: MmuMachine): StateView {
  return new StateView(mm);
}
