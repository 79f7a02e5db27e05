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
import { fail } from '../core/diagnostic.js';
import { COUNT, G, L, type MmuLayout, P, T, TX } from './layout.js';
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
  if (m.countersBase >= 0) {
    // the page-table page counters' pending plain store, one word per thread (pageCounters)
    const pend = m.countersBase + COUNT.pending;
    for (let u = 0; u < g.threads; u++) out[pend + to[u]!] = s[pend + u]!;
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
    if (m.countersBase >= 0) {
      const pend = m.countersBase + COUNT.pending;
      if (s[pend + a] !== s[pend + b]) return s[pend + a]! - s[pend + b]!;
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

// ---- gfn symmetry: swapping the two gfns of one leaf table, with the threads that name them ------

/**
 * Gfn symmetry (scenario field `symmetricGfns`): the scenario declares pairs of gfns
 * interchangeable, and each pair must be the two gfns of one leaf table (`[2k, 2k + 1]`, k ≥ 1).
 * A group element swaps the gfns of some pairs (π) and the threads whose scripts name them (τ:
 * thread t goes to the thread running t's script with π applied to every gfn in it). Canonical
 * form: the least (word by word) of the thread-sorted images of the state under every element.
 *
 * Soundness (the element g = (π, τ) is an automorphism of the transition relation and of every
 * property, so states of one orbit have the same futures up to g, and reducing by orbits keeps
 * every verdict and witness):
 * - The state maps by moving every word indexed by a gfn and renaming every word that holds a gfn:
 *   the two entries of every level-1 table whose base is the pair's (direct and mirror trees; a
 *   table's own words are untouched: a level-1 table covers the whole pair, higher tables' entries
 *   cover it whole), each vCPU's TLB entries, the pfn map (the primary MMU's gfn -> page), the
 *   level-1 S-EPT entries, the gfn bitmasks (invalidation range, dirty bitmap, harvest in flight,
 *   private attributes, guest_memfd bindings), the gfn in a vCPU's zero-step word, and the thread
 *   locals that hold gfns: the iterator's gfn, the walk end and the yield marker (gfn + 1), the
 *   S-EPT position + 1 of a pending hook, and the gfn mask of a range zap or aging (`L.aux` of
 *   those operations only; other operations keep a counter or index there). Pages are NOT
 *   renamed: a leaf's pfn, a TLB entry's pfn, the pages' words and the allocator (lowest free page)
 *   see the same pages in s and g(s), only which gfn maps them moves.
 * - Steps read gfns only through these words, their own parameters (thread t's parameters under π
 *   are τ(t)'s) and the geometry, which the load check makes π-invariant: both gfns in one memslot
 *   (same slot words), no huge leaf can cover them (a 2M leaf maps g and g + 1 to pfn and pfn + 1,
 *   which the swap would break: every gfn whose host level could build such a leaf is checked),
 *   the same private attribute and guest_memfd binding at the start.
 * - No operation may visit both gfns of a pair in separate steps in a fixed order (a range walk
 *   over both, fast-zap, eager-split, a memslot operation on their slot, NX recovery of their
 *   table): a lockless reader sees the order, so the swapped state would not behave as the
 *   swapped original. Such a scenario is refused at load, naming the thread and operation.
 * - gfn 0 is refused: cleared locals read 0, the same value as "gfn 0", so no bijection of states
 *   could swap g0 while fixing the cleared value (a retried fault's stale gfn and a fresh one would
 *   coincide for g0 and not for g1).
 * - The properties are the built-in ones (every invariant and witness quantifies over all gfns,
 *   pages and threads); a scenario with its own properties is refused.
 * test/mmu/gfn-symmetry.test.ts checks `next(g(s), g(t)) = g(next(s, t))` and property agreement
 * over whole explorations, and that dropping any one renamed word makes that law fail.
 */
export interface GfnPerm {
  /** gfn -> its image. */
  readonly gfn: Int32Array;
  /** thread -> its image. */
  readonly threads: Int32Array;
  /** host page -> its image (the initial pages of each swapped pair trade places; every other page is fixed). */
  readonly pages: Int32Array;
}

/** Operations whose `L.aux` is a gfn mask. */
const AUX_MASK_OPS = new Set(['zap-range', 'gmem-punch-hole', 'age']);

/** The words and locals a gfn permutation renames (the test mutant drops one). */
export const GFN_WORDS = ['entries', 'tlb', 'pfnOf', 'sept', 'masks', 'zeroStep', 'gfnLocal', 'endLocal', 'yieldLocal', 'hookLocal', 'auxMask', 'pageWords', 'leafPfns', 'tlbPfns', 'septPfns', 'pfnLocal', 'spteLocals'] as const;
export type GfnWord = (typeof GFN_WORDS)[number];

type Call = Record<string, unknown> & { op: string };

/**
 * Checks that the declared pairs are interchangeable in the machine (MMC301 naming the thread,
 * operation or slot that breaks it) and returns every non-identity element of the group they
 * generate, with its thread permutation.
 */
export function gfnPermutations(mm: MmuMachine, pairs: readonly (readonly number[])[], ownProperties: boolean): GfnPerm[] {
  const m = mm.layout;
  const at = (i: number): string => `symmetricGfns[${i}]`;
  const bad = (where: string, msg: string): never => fail('MMC301', `${where}: ${msg}`, { subject: 'symmetricGfns' });
  if (ownProperties) bad('symmetricGfns', "the scenario's own properties may tell gfns apart; gfn symmetry needs the built-in properties only");
  if (m.mmioCacheBase >= 0) bad('symmetricGfns', 'the per-vCPU MMIO cache (mmioCache) holds a gfn, which a swap does not rename; drop mmioCache or symmetricGfns');
  if (m.countersBase >= 0) bad('symmetricGfns', 'the page-table page counters (pageCounters) are not supported with gfn symmetry (not cross-checked against the unreduced search); drop pageCounters or symmetricGfns');
  const inPair = new Int32Array(m.gfns).fill(-1);
  pairs.forEach((p, i) => {
    if (p.length !== 2) bad(at(i), `must be a pair of gfns [2k, 2k+1], got ${p.length} gfns`);
    const [a, b] = [Math.min(p[0]!, p[1]!), Math.max(p[0]!, p[1]!)];
    if (a < 0 || b >= m.gfns) bad(at(i), `gfns are 0..${m.gfns - 1}`);
    if (a === 0) bad(at(i), 'gfn 0 cannot be swapped: a thread local reads 0 both when unset and at g0; use another pair of the tree (e.g. [2, 3])');
    if ((a & 1) !== 0 || b !== a + 1) bad(at(i), `g${p[0]!} and g${p[1]!} are not the two gfns of one leaf table (the pairs are [2k, 2k+1]); swapping gfns of different tables is not supported`);
    for (const g of [a, b]) {
      if (inPair[g] !== -1) bad(at(i), `g${g} is already in symmetricGfns[${inPair[g]!}]`);
      inPair[g] = i;
    }
    if (m.slotIndex[a] !== m.slotIndex[b]) bad(at(i), `g${a} and g${b} are in different memslots`);
  });
  for (let h = 0; h < m.gfns; h++) {
    const lv = m.hostLevels[h]!;
    if (lv < 2) continue;
    const span = m.span(lv);
    const base = h & ~(span - 1);
    for (let g = base; g < base + span; g++) {
      if (inPair[g]! >= 0) bad(at(inPair[g]!), `g${g} may be mapped by a huge leaf (the host maps g${h} at level ${lv}; host.huge), and a swap does not keep a huge leaf's pfn order; give host: { huge: false } or a list without these gfns`);
    }
  }
  const init = mm.initStates()[0]!;
  pairs.forEach((p, i) => {
    for (const w of [G.privateGfns, G.gmemBound]) {
      if (((init[w]! >> p[0]!) & 1) !== ((init[w]! >> p[1]!) & 1)) bad(at(i), `g${p[0]!} and g${p[1]!} differ in ${w === G.privateGfns ? 'privateGfns' : 'their guest_memfd binding'}`);
    }
  });
  pairs.forEach((p, i) => {
    for (const g of p) if (init[m.pfnOf(g)] === 0) bad(at(i), `g${g} is backed by host page 0 at the start, and 0 is also the value of an unset pfn; give the pair other pfns (host.pfns)`);
  });
  // the allocator's fallback (recycling the lowest freed page) is not invariant under swapping pages:
  // the pool must hold a never-allocated page for every page the scripts may free
  let fresh = 0;
  for (let p = 0; p < m.geometry.pages; p++) if ((init[m.page(p)]! & P.stateMask) === 0) fresh++;
  let frees = 0;
  for (const prog of mm.programs) for (const o of prog.ops) if (o.op === 'zap-range' || o.op === 'gmem-punch-hole') frees += ((o.params as Call)['end'] as number) - ((o.params as Call)['start'] as number);
  if (frees > fresh) bad('symmetricGfns', `the scripts may free ${frees} host pages but the pool has ${fresh} never-allocated pages; past that the allocator recycles the lowest freed page, which a swap does not preserve: raise bounds.pages by ${frees - fresh}`);
  const pairOf = (g: number): number => (g >= 0 && g < m.gfns ? inPair[g]! : -1);
  const names = mm.threadNames;
  // every call must be invariant under every swap, or map to a call of a counterpart thread
  mm.programs.forEach((prog, t) => {
    prog.ops.forEach((o, k) => {
      const c = (o.params ?? { op: o.op }) as Call;
      const where = `threads[${t}] (${names[t]}) script[${k}] ${o.label}`;
      const range = (lo: number, hi: number): number[] => Array.from({ length: Math.max(0, hi - lo) }, (_, j) => lo + j).filter((g) => pairOf(g) >= 0);
      const slotRange = (id: unknown): number[] => {
        const sl = id === undefined ? m.slots[0]! : m.slots.find((x) => x.id === id)!;
        return range(sl.base, sl.base + sl.pages);
      };
      let touched: number[] = [];
      // a memslot update whose MMIO generation wraps (mmioGenBits) zaps every root (kvm_mmu_zap_all_fast)
      if (pairs.length > 0 && o.steps.some((st) => st.name.includes('-wrap-'))) bad(at(0), `${where} may wrap the MMIO generation (mmioGenBits) and then zaps every root entry by entry, in gfn order, so it is not invariant under swapping gfns`);
      switch (c.op) {
        case 'zap-range':
        case 'gmem-punch-hole':
        case 'age': {
          const lo = c['start'] as number;
          const hi = c['end'] as number;
          touched = range(lo, hi);
          if (touched.length > 0 && hi - lo > 1) bad(at(pairOf(touched[0]!)), `${where} walks g${lo}..g${hi - 1} entry by entry, in gfn order (a lockless reader sees the order), so it is not invariant under swapping g${touched[0]!}; give it a range without the pair or a single gfn`);
          break;
        }
        case 'fast-zap':
        case 'eager-split':
          if (pairs.length > 0) bad(at(0), `${where} walks every gfn entry by entry, in gfn order, so it is not invariant under swapping gfns`);
          break;
        case 'memslot-delete':
        case 'dirty-log-enable':
        case 'dirty-log-harvest':
          touched = slotRange(c['slot']);
          if (touched.length > 0) bad(at(pairOf(touched[0]!)), `${where} walks its memslot, which holds g${touched[0]!}, entry by entry in gfn order; a swap of its gfns is not invariant`);
          break;
        case 'nx-recover': {
          const span = m.span(m.geometry.levels);
          const base = (c['gfn'] as number) & ~(span - 1);
          touched = range(base, base + span);
          if (touched.length > 0) bad(at(pairOf(touched[0]!)), `${where} may remove a table over g${touched[0]!} (handle_removed_pt walks its entries in order); a swap of its gfns is not invariant`);
          break;
        }
        default:
          break;
      }
    });
  });
  // the thread permutation of each pair's swap: t -> the thread whose script is t's with the swap applied
  const keyOf = (t: number, swap: Int32Array): string => {
    const ops = mm.programs[t]!.ops.map((o) => {
      const c = { ...((o.params ?? { op: o.op }) as Call) };
      for (const f of ['gfn']) if (typeof c[f] === 'number') c[f] = swap[c[f] as number]!;
      if (typeof c['start'] === 'number' && typeof c['end'] === 'number' && (c['end'] as number) - (c['start'] as number) === 1) {
        c['start'] = swap[c['start'] as number]!;
        c['end'] = (c['start'] as number) + 1;
      }
      const sorted = Object.fromEntries(Object.entries(c).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
      return [o.op, sorted, o.sharedOnly ?? false, o.steps.map((st) => st.name)];
    });
    return JSON.stringify([t < m.geometry.vcpus, ops]);
  };
  const ident = Int32Array.from({ length: m.gfns }, (_, g) => g);
  const identKeys = mm.programs.map((_, t) => keyOf(t, ident));
  const gens = pairs.map((p, i): GfnPerm => {
    const swap = Int32Array.from(ident);
    swap[p[0]!] = p[1]!;
    swap[p[1]!] = p[0]!;
    const to = new Int32Array(mm.programs.length).fill(-1);
    const used = new Set<number>();
    for (let t = 0; t < mm.programs.length; t++) {
      const k = keyOf(t, swap);
      let u = -1;
      for (let v = 0; v < mm.programs.length && u < 0; v++) if (!used.has(v) && identKeys[v] === k) u = v;
      if (u < 0) bad(at(i), `thread ${names[t]} (${mm.programs[t]!.ops.map((o) => o.label).join(', ') || 'no operations'}) has no counterpart: no ${t < m.geometry.vcpus ? 'vCPU' : 'host'} thread runs its script with g${p[0]!} and g${p[1]!} swapped`);
      used.add(u);
      to[t] = u;
    }
    const pages = Int32Array.from({ length: m.geometry.pages }, (_, x) => x);
    pages[init[m.pfnOf(p[0]!)]!] = init[m.pfnOf(p[1]!)]!;
    pages[init[m.pfnOf(p[1]!)]!] = init[m.pfnOf(p[0]!)]!;
    return { gfn: swap, threads: to, pages };
  });
  // the whole group: every non-empty subset of the pairs (the swaps commute; compose the thread maps)
  const out: GfnPerm[] = [];
  for (let mask = 1; mask < 1 << gens.length; mask++) {
    const gfn = Int32Array.from(ident);
    let threads = Int32Array.from({ length: mm.programs.length }, (_, t) => t);
    const pages = Int32Array.from({ length: m.geometry.pages }, (_, x) => x);
    gens.forEach((g, i) => {
      if ((mask & (1 << i)) === 0) return;
      for (let x = 0; x < m.gfns; x++) gfn[x] = g.gfn[gfn[x]!]!;
      for (let x = 0; x < pages.length; x++) pages[x] = g.pages[pages[x]!]!;
      threads = threads.map((t) => g.threads[t]!);
    });
    out.push({ gfn, threads, pages });
  }
  return out;
}

/** Returns, per thread, which pcs belong to an operation whose `L.aux` is a gfn mask. */
export function auxMaskPcs(mm: MmuMachine): Uint8Array[] {
  return mm.programs.map((p) => Uint8Array.from(p.steps, (cs) => (AUX_MASK_OPS.has(cs.op.op) ? 1 : 0)));
}

/**
 * Writes into `out` the state `s` with gfns renamed by `p.gfn` (threads already in place: apply
 * {@link permuteThreads} with `p.threads` first). `skip` leaves one class of words unrenamed (the
 * test's mutant).
 */
export function permuteGfns(m: MmuLayout, s: Int32Array, perm: GfnPerm, auxMask: readonly Uint8Array[], out: Int32Array, skip?: GfnWord): void {
  out.set(s);
  const gfn = perm.gfn;
  const pg = perm.pages;
  const pfnMap = (p: number): number => (p >= 0 && p < pg.length ? pg[p]! : p);
  // a leaf SPTE's pfn field (bits 3..8); other kinds unchanged
  const leaf = (v: number): number => ((v & 7) === 3 ? (v & ~(63 << 3)) | (pfnMap((v >> 3) & 63) << 3) : v);
  const n = m.gfns;
  const g = m.geometry;
  const mapMask = (x: number): number => {
    let r = x & ~((1 << n) - 1);
    for (let u = 0; u < n; u++) if ((x & (1 << u)) !== 0) r |= 1 << gfn[u]!;
    return r;
  };
  for (let u = 0; u < n; u++) {
    const v = gfn[u]!;
    if (v === u) continue;
    if (skip !== 'pfnOf') out[m.pfnOf(v)] = s[m.pfnOf(u)]!;
    if (skip !== 'sept') out[m.sept(1, v)] = s[m.sept(1, u)]!;
    if (skip !== 'tlb') for (let c = 0; c < g.vcpus; c++) out[m.tlb(c, v)] = s[m.tlb(c, u)]!;
  }
  // the pages: their words trade places, and every word naming a page is renamed
  if (skip !== 'pageWords') for (let p = 0; p < pg.length; p++) if (pg[p] !== p) out[m.page(pg[p]!)] = s[m.page(p)]!;
  if (skip !== 'pfnOf') for (let u = 0; u < n; u++) out[m.pfnOf(u)] = pfnMap(out[m.pfnOf(u)]!);
  if (skip !== 'tlbPfns') {
    for (let c = 0; c < g.vcpus; c++) {
      for (let u = 0; u < n; u++) {
        const v = out[m.tlb(c, u)]!;
        if ((v & 1) !== 0) out[m.tlb(c, u)] = (v & ~(63 << 1)) | (pfnMap((v >> 1) & 63) << 1);
      }
    }
  }
  if (skip !== 'septPfns') {
    for (let q = 0; q < m.septCount; q++) {
      const v = out[m.septBase + q]!;
      if (v !== 0) out[m.septBase + q] = (v & ~(63 << 4)) | (pfnMap((v >> 4) & 63) << 4);
    }
  }
  if (skip !== 'entries') {
    for (let tb = 0; tb < g.tables; tb++) {
      if (s[m.table(tb, T.level)] !== 1) continue;
      const base = s[m.table(tb, T.gfn)]!;
      if (base < 0 || base + 1 >= n || gfn[base] === base) continue;
      out[m.entry(tb, 0)] = s[m.entry(tb, 1)]!;
      out[m.entry(tb, 1)] = s[m.entry(tb, 0)]!;
    }
  }
  if (skip !== 'leafPfns') for (let tb = 0; tb < g.tables; tb++) for (let i = 0; i < 2; i++) out[m.entry(tb, i)] = leaf(out[m.entry(tb, i)]!);
  if (skip !== 'masks') for (const w of [G.range, G.bitmap, G.harvest, G.privateGfns, G.gmemBound]) out[w] = mapMask(s[w]!);
  if (m.tdxBase >= 0 && skip !== 'zeroStep') {
    for (let c = 0; c < g.vcpus; c++) {
      const w = s[m.zeroStep(c)]!;
      if (w !== 0) out[m.zeroStep(c)] = (w & 15) | (gfn[w >> 4]! << 4);
    }
  }
  const plus1 = (x: number): number => (x >= 1 && x <= n ? gfn[x - 1]! + 1 : x);
  for (let t = 0; t < g.threads; t++) {
    const gl = m.local(t, L.gfn);
    const x = s[gl]!;
    if (skip !== 'gfnLocal' && x >= 0 && x < n) out[gl] = gfn[x]!;
    if (skip !== 'endLocal') out[m.local(t, L.end)] = plus1(s[m.local(t, L.end)]!);
    if (skip !== 'yieldLocal') out[m.local(t, L.yieldedGfn)] = plus1(s[m.local(t, L.yieldedGfn)]!);
    const h = s[m.local(t, L.hook)]!;
    if (skip !== 'hookLocal' && h >= 1 && h <= n) out[m.local(t, L.hook)] = gfn[h - 1]! + 1; // level-1 S-EPT positions are the gfns
    if (skip !== 'pfnLocal') out[m.local(t, L.pfn)] = pfnMap(s[m.local(t, L.pfn)]!);
    if (skip !== 'spteLocals') for (const w of [L.old, L.new]) out[m.local(t, w)] = leaf(s[m.local(t, w)]!);
    const pc = s[m.pc(t)]!;
    if (skip !== 'auxMask' && pc >= 0 && auxMask[t]![pc] === 1) out[m.local(t, L.aux)] = mapMask(s[m.local(t, L.aux)]!);
  }
}

/** The canonicalizer of a machine with identical threads and/or interchangeable gfns. */
export class MmuSymmetry {
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  private readonly c: Int32Array;
  constructor(
    private readonly m: MmuLayout,
    readonly threads: ThreadSymmetry,
    readonly gfnPerms: readonly GfnPerm[],
    private readonly auxMask: readonly Uint8Array[],
  ) {
    this.a = new Int32Array(m.size);
    this.b = new Int32Array(m.size);
    this.c = new Int32Array(m.size);
  }

  /** `Model.canonicalize`: the least thread-sorted image of `s` under the gfn permutations. */
  canonicalize(s: Int32Array, out: Int32Array): void {
    this.threads.canonicalize(s, out);
    const n = out.length;
    for (const p of this.gfnPerms) {
      permuteThreads(this.m, s, p.threads, this.a);
      permuteGfns(this.m, this.a, p, this.auxMask, this.b);
      this.threads.canonicalize(this.b, this.c);
      let i = 0;
      while (i < n && this.c[i] === out[i]) i++;
      if (i < n && this.c[i]! < out[i]!) out.set(this.c);
    }
  }
}
