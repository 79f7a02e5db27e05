/**
 * Symmetry reduction over identical threads of the executable MMU (`Model.canonicalize`).
 *
 * Two threads are identical when they are of the same kind (both vCPU threads or both host
 * threads) and run the same operations with the same parameters and the same steps (the same
 * instances after a variant's edits, compared by label, parameters and step names). Permuting
 * identical threads maps the transition relation onto itself when every word that names a thread
 * is permuted with them: the thread blocks (pc and locals), the vCPU blocks of vCPU threads (mode,
 * roots, requests, epoch, TLB), the bitmasks of threads (mmu_lock readers, RCU and SRCU readers,
 * each table's RCU waiters), the mmu_lock writer and the first violator (thread + 1), and the lock
 * owner field of S-EPT entries (thread + 1), and with `tdxLocks` the TDX module's tree-lock holder
 * (thread + 1), epoch-lock holders (bitmask) and per-vCPU zero-step words. Nothing else in the state names a thread, and no step
 * reads a thread's index except through these words and its own identity (`c.t`, its vCPU): the
 * symmetry law test (test/mmu/symmetry.test.ts) checks `next(π(s), π(t)) = π(next(s, t))` and
 * that every property agrees on `s` and `π(s)` over whole explorations.
 *
 * The canonical representative sorts each group of identical threads by their blocks (thread
 * block, then vCPU block). Ties (equal blocks that differ only in a bitmask bit, e.g. a table's
 * RCU waiters) keep thread order: the result is still in the orbit of the state (sound), it just
 * does not merge every symmetric state. Properties must be symmetric: the built-in invariants and
 * witnesses quantify over all threads; a scenario's own properties may name threads, so a machine
 * with them gets no symmetry.
 *
 * Only identical threads: a permutation of gfns (fault g0 and fault g1 under one parent entry)
 * would also have to permute SPTE pfn fields, pages, table entry positions, S-EPT positions and the
 * gfn bitmasks, and is not built.
 */
import { G, L, type MmuLayout, T, TX } from './layout.js';
import type { MmuMachine } from './machine.js';

/** Returns the groups (of at least two threads) of identical threads of a machine. */
export function identicalThreads(mm: MmuMachine): number[][] {
  const vcpus = mm.layout.geometry.vcpus;
  const key = (t: number): string => {
    const ops = mm.programs[t]!.ops.map((o) => [o.op, o.label, o.params ?? null, o.sharedOnly ?? false, o.steps.map((s) => s.name)]);
    return JSON.stringify([t < vcpus, ops]);
  };
  const groups = new Map<string, number[]>();
  for (let t = 0; t < mm.programs.length; t++) {
    const k = key(t);
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/**
 * Writes into `out` the state `s` with thread `u` moved to index `to[u]` (a permutation within
 * groups of identical threads), and every word naming a thread renamed accordingly.
 */
export function permuteThreads(m: MmuLayout, s: Int32Array, to: Int32Array, out: Int32Array): void {
  out.set(s);
  const g = m.geometry;
  const ts = m.threadSize;
  for (let u = 0; u < g.threads; u++) {
    const v = to[u]!;
    if (v === u) continue;
    out.set(s.subarray(m.pc(u), m.pc(u) + ts), m.pc(v));
    if (u < g.vcpus) out.set(s.subarray(m.vcpu(u, 0), m.vcpu(u, 0) + m.vcpuSize), m.vcpu(v, 0));
  }
  const bits = (x: number): number => {
    let r = 0;
    for (let u = 0; u < g.threads; u++) if ((x & (1 << u)) !== 0) r |= 1 << to[u]!;
    return r;
  };
  out[G.readers] = bits(s[G.readers]!);
  out[G.rcu] = bits(s[G.rcu]!);
  out[G.srcu] = bits(s[G.srcu]!);
  for (let tb = 0; tb < g.tables; tb++) out[m.table(tb, T.rcuWaiters)] = bits(s[m.table(tb, T.rcuWaiters)]!);
  const w = s[G.writer]!;
  if (w > 0) out[G.writer] = to[w - 1]! + 1;
  const vi = s[G.vinfo]!;
  if ((vi & 0xff) > 0) out[G.vinfo] = (vi & ~0xff) | (to[(vi & 0xff) - 1]! + 1);
  for (let p = 0; p < m.septCount; p++) {
    const e = s[m.septBase + p]!;
    const owner = (e >> 12) & 15;
    if (owner > 0) out[m.septBase + p] = (e & ~(15 << 12)) | ((to[owner - 1]! + 1) << 12);
  }
  if (m.tdxBase >= 0) {
    // the TDX module's locks: tree-lock holder (thread + 1), epoch-lock holders (bitmask), zero-step words (per vCPU)
    const tree = s[m.tdx(TX.tree)]!;
    if (tree > 0) out[m.tdx(TX.tree)] = to[tree - 1]! + 1;
    out[m.tdx(TX.epoch)] = bits(s[m.tdx(TX.epoch)]!);
    for (let u = 0; u < g.vcpus; u++) out[m.zeroStep(to[u]!)] = s[m.zeroStep(u)]!;
  }
}

/** The canonicalizer of a machine with groups of identical threads. */
export class ThreadSymmetry {
  private readonly to: Int32Array;
  private readonly order: number[];

  constructor(
    private readonly m: MmuLayout,
    readonly groups: readonly number[][],
  ) {
    this.to = new Int32Array(m.geometry.threads);
    this.order = [];
  }

  /** Compares threads `a` and `b` of `s` by thread block, then vCPU block. */
  private cmp(s: Int32Array, a: number, b: number): number {
    const m = this.m;
    const n = 1 + L.count;
    const pa = m.pc(a);
    const pb = m.pc(b);
    for (let i = 0; i < n; i++) if (s[pa + i] !== s[pb + i]) return s[pa + i]! - s[pb + i]!;
    if (a < m.geometry.vcpus) {
      const va = m.vcpu(a, 0);
      const vb = m.vcpu(b, 0);
      for (let i = 0; i < m.vcpuSize; i++) if (s[va + i] !== s[vb + i]) return s[va + i]! - s[vb + i]!;
      if (m.tdxBase >= 0 && s[m.zeroStep(a)] !== s[m.zeroStep(b)]) return s[m.zeroStep(a)]! - s[m.zeroStep(b)]!;
    }
    return a - b;
  }

  /** `Model.canonicalize`: sorts each group of identical threads. */
  canonicalize(s: Int32Array, out: Int32Array): void {
    const to = this.to;
    for (let u = 0; u < to.length; u++) to[u] = u;
    let moved = false;
    for (const grp of this.groups) {
      const order = this.order;
      order.length = 0;
      for (const t of grp) order.push(t);
      order.sort((a, b) => this.cmp(s, a, b));
      // the thread sorted i-th goes to the group's i-th index
      for (let i = 0; i < grp.length; i++) {
        to[order[i]!] = grp[i]!;
        if (order[i] !== grp[i]) moved = true;
      }
    }
    if (!moved) out.set(s);
    else permuteThreads(this.m, s, to, out);
  }
}
