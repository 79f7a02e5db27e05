/**
 * The invariants I1-I12 of the protocol sheet (§5.3) and I13 (huge private pages) as `always` properties, and the race
 * witnesses as `sometimes` properties. An invariant holds when no step recorded it broken (steps
 * record what only they can see: a freed table touched, mmu_lock dropped with a flush pending, a
 * SEAMCALL error KVM turns into KVM_BUG_ON) and its state predicate holds.
 */
import { FROZEN as FROZEN_WORD, NP as NP_WORD, type FootprintClass, type FootprintProperty, INVARIANT_DOC, isLeaf, isLink, leafAT, leafD, leafLevel, leafPfn, leafW, linkTable, mkMmio, type MmuMachine, mmuState, type Property } from '../../src/internal.js';
import { SEPT, septMapsPage, septPfn, septState } from '../tdx/module.js';
import { mmioGenOf, WITNESS, WITNESS_DOC, type WitnessName } from './common.js';
import type { Options } from './options.js';

const { G, L, F, R, RF, T, TS, V, REQ, P, TLB, MS, SLOT, NX, HUGE, COUNT } = mmuState;

/** The invariants' meanings live in src/mmu/names.ts (step bodies name them); re-exported here. */
export { INVARIANT_DOC };

/** Returns true when table `t` is neither free nor freed. */
function isLiveTable(s: Int32Array, mm: MmuMachine, t: number): boolean {
  const st = s[mm.layout.table(t, T.status)]!;
  return st !== TS.free && st !== TS.freed;
}

/** Returns the leaf for `gfn` in the tree of root slot `r`, or 0. */
function leafFor(s: Int32Array, mm: MmuMachine, r: number, gfn: number): number {
  const m = mm.layout;
  let tb = s[m.root(r, R.table)]!;
  for (let lv = m.geometry.levels; lv >= 1; lv--) {
    const v = s[m.entry(tb, m.index(lv, gfn))]!;
    if (isLink(v)) {
      tb = linkTable(v);
      continue;
    }
    return isLeaf(v) ? v : 0;
  }
  return 0;
}

/** Returns the 4K entry for `gfn` in the tree of root slot `r` (the last entry on its walk when a leaf or non-present entry ends it higher). */
function entry4k(s: Int32Array, mm: MmuMachine, r: number, gfn: number): number {
  const m = mm.layout;
  let tb = s[m.root(r, R.table)]!;
  for (let lv: number = m.geometry.levels; lv >= 1; lv--) {
    const v = s[m.entry(tb, m.index(lv, gfn))]!;
    if (!isLink(v) || lv === 1) return v;
    tb = linkTable(v);
  }
  return 0;
}

/**
 * Writes into `out` (`septCount` words) the mirror entry at each S-EPT position reachable from the
 * mirror root (-1 unreachable); returns false when there is no mirror root.
 */
function mirrorPositions(s: Int32Array, mm: MmuMachine, out: Int32Array): boolean {
  const m = mm.layout;
  let root = -1;
  for (let r = 0; r < m.geometry.roots; r++) {
    const fl = s[m.root(r, R.flags)]!;
    if ((fl & RF.used) !== 0 && (fl & RF.mirror) !== 0 && (fl & RF.freed) === 0) root = r;
  }
  if (root < 0) return false;
  out.fill(-1);
  visitMirror(s, m, out, s[m.root(root, R.table)]!, m.geometry.levels, 0);
  return true;
}

/**
 * The walk of {@link mirrorPositions} below table `tb` at level `lv` covering gfns from `base`. The
 * positions below a FROZEN non-leaf entry that a merge owns ({@link merging}) count as FROZEN too:
 * the merge is inside its hook for the whole range (`tdxPromote`). Below any other FROZEN entry the
 * positions are unreachable (-1), so they must be FREE, as in mainline, where a FROZEN entry is
 * never above S-EPT entries in use.
 */
function visitMirror(s: Int32Array, m: MmuMachine['layout'], out: Int32Array, tb: number, lv: number, base: number): void {
  for (let i = 0; i < 2; i++) {
    const g = base + i * m.span(lv);
    const v = s[m.entry(tb, i)]!;
    out[m.septPos(lv, g)] = v;
    if (isLink(v) && lv > 1) visitMirror(s, m, out, linkTable(v), lv - 1, g);
    else if (v === FROZEN_WORD && lv > 1 && merging(s, m, m.septPos(lv, g))) frozenBelow(m, out, lv - 1, g);
  }
}

/**
 * Returns true when a thread merges the table below the FROZEN non-leaf entry at S-EPT position
 * `pos` (fault.ts merge-freeze: L.hook names `pos` and L.alloc marks the frozen entry's table as the
 * merge's; that table holds a present or frozen child). A mainline thread inside its hook with a
 * table in L.alloc (a link install) holds an empty new table: the positions below stay judged.
 * (L.alloc and the tables are words I2 and I6 read already: no step becomes visible to the
 * partial-order reduction for this.)
 */
function merging(s: Int32Array, m: MmuMachine['layout'], pos: number): boolean {
  for (let t = 0; t < m.geometry.threads; t++) {
    if (s[m.local(t, L.hook)] !== pos + 1) continue;
    const a = s[m.local(t, L.alloc)]!;
    if (a > 0 && (s[m.entry(a - 1, 0)] !== NP_WORD || s[m.entry(a - 1, 1)] !== NP_WORD)) return true;
  }
  return false;
}

/** Marks every S-EPT position at `lv` and below under the range starting at `base` (one entry at `lv + 1`) FROZEN. */
function frozenBelow(m: MmuMachine['layout'], out: Int32Array, lv: number, base: number): void {
  for (let i = 0; i < 2; i++) {
    const g = base + i * m.span(lv);
    out[m.septPos(lv, g)] = FROZEN_WORD;
    if (lv > 1) frozenBelow(m, out, lv - 1, g);
  }
}

/** Marks in `reach` every table reachable from table `tb` (links followed). */
function markReachable(s: Int32Array, m: MmuMachine['layout'], reach: Uint8Array, tb: number): void {
  reach[tb] = 1;
  for (let i = 0; i < 2; i++) {
    const v = s[m.entry(tb, i)]!;
    if (isLink(v)) markReachable(s, m, reach, linkTable(v));
  }
}

/**
 * Returns true when vCPU `v`'s TLB entry `e` can still be used: a private (S-EPT) entry of a vCPU
 * outside guest mode whose epoch is behind TD_EPOCH is dead (TDH.VP.ENTER flushes it), and so is
 * every entry of a vCPU outside guest mode that must reload its roots first.
 */
function tlbLive(s: Int32Array, mm: MmuMachine, v: number, e: number): boolean {
  const m = mm.layout;
  const inGuest = s[m.vcpu(v, V.mode)] === 1;
  // KVM_REQ_MMU_FREE_OBSOLETE_ROOTS pending outside guest mode: the vCPU reloads (and flushes) before entry
  if (!inGuest && (s[m.vcpu(v, V.req)]! & REQ.freeObsoleteRoots) !== 0) return false;
  if ((e & TLB.priv) === 0) return true;
  return inGuest || s[m.vcpu(v, V.epoch)] === s[G.tdEpoch];
}

const broken = (s: Int32Array, k: number): boolean => (s[G.viol]! & (1 << (k - 1))) !== 0;

/** Returns the `always` properties I1..I13 and the `sometimes` witnesses of a scenario. */
export function mmuProperties(mm: MmuMachine, o: Options, witnesses: readonly WitnessName[]): Property[] {
  const m = mm.layout;
  const threads = m.geometry.threads;
  const { vcpus, roots, tables, levels } = m.geometry;
  // Offsets the hot checks read, computed once (they run on most states).
  const offs = (n: number, f: (i: number) => number): Int32Array => Int32Array.from({ length: n }, (_, i) => f(i));
  const tFlags = offs(threads, (t) => m.local(t, L.flags));
  const tLevel = offs(threads, (t) => m.local(t, L.level));
  const tIt1 = offs(threads, (t) => m.local(t, L.it1));
  const tRoot = offs(threads, (t) => m.local(t, L.root));
  const vDroot = offs(vcpus, (v) => m.vcpu(v, V.droot));
  const vMroot = offs(vcpus, (v) => m.vcpu(v, V.mroot));
  const vReq = offs(vcpus, (v) => m.vcpu(v, V.req));
  const vTlb = offs(vcpus, (v) => m.tlb(v, 0));
  const vPsc = offs(vcpus, (v) => (m.pscacheOff >= 0 ? m.pscache(v) : -1));
  const rFlags = offs(roots, (r) => m.root(r, R.flags));
  const rTable = offs(roots, (r) => m.root(r, R.table));
  const rRef = offs(roots, (r) => m.root(r, R.ref));
  const tbStatus = offs(tables, (tb) => m.table(tb, T.status));
  /** Table `tb` is free or freed (I1). */
  const gone = (s: Int32Array, tb: number): boolean => {
    const st = s[tbStatus[tb]!]!;
    return st === TS.freed || st === TS.free;
  };
  /** Root slot `r` is freed (I1). */
  const rootFreed = (s: Int32Array, r: number): boolean => (s[rFlags[r]!]! & RF.freed) !== 0;
  // Scratch of the checks below (they run on every state: no allocation per call).
  const reach = new Uint8Array(m.geometry.tables);
  const removing = new Uint8Array(m.geometry.tables);
  const seenTables = new Uint8Array(m.geometry.tables);
  const mirror = new Int32Array(m.septCount);
  /** S-EPT position + 1 each thread is inside the mirror hook for (0: none). */
  const hooks = new Int32Array(threads);
  const hooked = (pos: number): boolean => {
    for (let t = 0; t < threads; t++) if (hooks[t] === pos + 1) return true;
    return false;
  };
  const loadHooks = (s: Int32Array): void => {
    for (let t = 0; t < threads; t++) {
      const h = s[m.local(t, L.hook)]!;
      hooks[t] = h > 0 ? h : 0;
    }
  };
  // What each invariant's state predicate reads (for partial-order reduction: a step writing one
  // of these words is visible; checked by the footprint test mode). I11's predicate ("some thread
  // is unfinished and none can move") is false only in terminal states, which a persistent-set
  // search reaches all of without any visibility condition (src/check/por.ts, condition 4), so
  // it declares only the violation word.
  const READS: Readonly<Record<number, readonly FootprintClass[]>> = {
    // with the paging-structure caches (scenario field pscache) also each vCPU's cache word ('tlb'),
    // mode and requests; without them those words are not read (the reduced state counts stay)
    1: ['L.flags', 'L.it1', 'L.it2', 'L.it3', 'L.level', 'L.root', 'V.droot', 'V.mroot', 'roots', 'tables', ...(m.pscacheOff >= 0 ? (['V.mode', 'V.req', 'tlb'] as const) : [])],
    2: ['L.alloc', 'L.rmSp', 'L.rmT0', 'L.rmT1', 'roots', 'tables', 'memslots', 'sept', 'G.gen'],
    3: ['G.tdEpoch', 'V.epoch', 'V.mode', 'V.req', 'pages', 'tables', 'tlb'],
    4: ['G.tdEpoch', 'L.flags', 'V.epoch', 'V.mode', 'V.req', 'roots', 'sept', 'tables', 'tlb'],
    5: ['pages', 'tables'],
    6: ['L.hook', 'L.alloc', 'roots', 'sept', 'tables'],
    7: [],
    8: ['sept', 'tables'],
    9: ['pages', 'sept'],
    10: ['L.flags', 'L.root', 'V.droot', 'V.mroot', 'roots'],
    11: [],
    12: ['L.hook', 'roots', 'tables', 'nx-meta', 'counters'],
    13: ['tdx-huge', 'sept', 'roots', 'tables'],
  };
  const inv = (k: number, check: (s: Int32Array) => boolean): FootprintProperty => ({
    name: `I${k}`,
    expectation: 'always',
    doc: INVARIANT_DOC[`I${k}`]!,
    check: (s) => !broken(s, k) && check(s),
    reads: ['G.viol', ...READS[k]!],
    ...(k === 11 ? { terminal: true } : {}),
  });
  /** I12's walk: the subtree of `tb` (level `lv`, gfns from `base`) is linked consistently; marks `seenTables`. */
  const wellLinked = (s: Int32Array, tb: number, lv: number, base: number, mir: number): boolean => {
    if (seenTables[tb]) return false;
    seenTables[tb] = 1;
    for (let i = 0; i < 2; i++) {
      const g = base + i * m.span(lv);
      const v = s[m.entry(tb, i)]!;
      if (v === FROZEN_WORD) {
        if (mir !== 1 || !hooked(m.septPos(lv, g))) return false;
      } else if (isLink(v)) {
        const c = linkTable(v);
        if (lv === 1 || s[m.table(c, T.status)] !== TS.live || s[m.table(c, T.level)] !== lv - 1 || s[m.table(c, T.mirror)] !== mir || s[m.table(c, T.gfn)] !== g) return false;
        if (!wellLinked(s, c, lv - 1, g, mir)) return false;
      } else if (isLeaf(v) && leafLevel(v) !== lv) return false;
    }
    return true;
  };
  const props: FootprintProperty[] = [
    inv(1, (s) => {
      // no thread inside an RCU read section walks a freed table; no held root reference, vCPU root or
      // root table is freed (the step hook additionally catches a read/CAS/store of a freed table)
      for (let t = 0; t < threads; t++) {
        const fl = s[tFlags[t]!]!;
        if ((fl & F.rcu) !== 0) {
          const lv = s[tLevel[t]!]!;
          if (lv >= 1 && lv <= levels) {
            for (let l = lv; l <= levels; l++) if (gone(s, s[tIt1[t]! + l - 1]!)) return false;
          }
        }
        if ((fl & F.rootRef) !== 0 && rootFreed(s, s[tRoot[t]!]!)) return false;
      }
      for (let v = 0; v < vcpus; v++) {
        const d = s[vDroot[v]!]!;
        if (d >= 0 && rootFreed(s, d)) return false;
        const mr = s[vMroot[v]!]!;
        if (mr >= 0 && rootFreed(s, mr)) return false;
      }
      for (let r = 0; r < roots; r++) {
        const fl = s[rFlags[r]!]!;
        if ((fl & RF.used) !== 0 && (fl & RF.freed) === 0 && gone(s, s[rTable[r]!]!)) return false;
      }
      // Paging-structure caches (protocol sheet §5.2 pscache, §1.4's TLB rule: "flush before dropping
      // RCU when page tables were zapped"): no vCPU whose cache the hardware walker can still use
      // points at a freed table. Freed means the RCU grace period after call_rcu is over (status
      // freed, or free again for reuse); a table that is detached (unlinked) or queued for its grace
      // period is still memory KVM owns, so a cached pointer into it is harmless until the flush the
      // remover owes. A vCPU outside guest mode that must reload its roots first does not count: the
      // new root load flushes its cache before the next walk (as for its TLB, tlbLive).
      if (m.pscacheOff >= 0) {
        for (let v = 0; v < vcpus; v++) {
          const pc = s[vPsc[v]!]!;
          if (pc === 0 || !tlbLive(s, mm, v, 0)) continue;
          for (let tb = 0; tb < tables; tb++) if ((pc & (1 << tb)) !== 0 && gone(s, tb)) return false;
        }
      }
      return true;
    }),
    inv(2, (s) => {
      // every live table is reachable from a root that is not freed
      reach.fill(0);
      for (let r = 0; r < m.geometry.roots; r++) {
        const fl = s[m.root(r, R.flags)]!;
        if ((fl & RF.used) !== 0 && (fl & RF.freed) === 0) markReachable(s, m, reach, s[m.root(r, R.table)]!);
      }
      for (let t = 0; t < threads; t++) {
        const a = s[m.local(t, L.alloc)]!;
        if (a > 0) reach[a - 1] = 1;
      }
      for (let t = 0; t < m.geometry.tables; t++) if (s[m.table(t, T.status)] === TS.live && !reach[t]) return false;
      // a detached table is being processed by handle_removed_pt (on some thread's removal stack) or queued for RCU
      removing.fill(0);
      for (let t = 0; t < threads; t++) {
        const sp = s[m.local(t, L.rmSp)]!;
        if (sp >= 1) removing[s[m.local(t, L.rmT0)]!] = 1;
        if (sp >= 2) removing[s[m.local(t, L.rmT1)]!] = 1;
      }
      for (let t = 0; t < m.geometry.tables; t++) if (s[m.table(t, T.status)] === TS.unlinked && !removing[t] && !reach[t]) return false;
      // nothing left behind in a deleted memslot (issue 13 item 7; I2 (c) for the deletion's zap,
      // §2.10): once memslot deletion installed the memslots without the slot (it zapped the
      // slot and synchronize_srcu waited out every fault that looked the slot up before it went
      // INVALID), no root that is not freed has a present leaf for a gfn of the slot, and no
      // S-EPT leaf maps one. Each deleted slot is checked over its own gfns.
      for (let k = 0; k < m.slots.length; k++) {
        if (s[m.slot(k, MS.state)] !== SLOT.deleted) continue;
        const sl = m.slots[k]!;
        for (let r = 0; r < m.geometry.roots; r++) {
          const fl = s[m.root(r, R.flags)]!;
          if ((fl & RF.used) === 0 || (fl & RF.freed) !== 0) continue;
          for (let g = sl.base; g < sl.base + sl.pages; g++) if (leafFor(s, mm, r, g) !== 0) return false;
        }
        for (let g = sl.base; g < sl.base + sl.pages; g++) {
          for (let lv = 1; lv <= m.geometry.levels; lv++) if (septMapsPage(septState(s[m.sept(lv, g)]!))) return false;
        }
      }
      // no stale MMIO SPTE hides a memslot (§1.6; ee3d1570b586, e0c378684b65): outside a memslot
      // update (no update-in-progress flag), no root that is not freed has an MMIO SPTE of the
      // current generation for a gfn a valid memslot maps; such an SPTE would send the guest's
      // accesses to that memory to MMIO emulation for as long as the generation stays
      const gen = s[G.gen]!;
      if ((gen & 1) === 0) {
        const cur = mkMmio(mmioGenOf(m, gen));
        for (let g = 0; g < m.gfns; g++) {
          const k = m.slotIndex[g]!;
          if (k < 0 || s[m.slot(k, MS.state)] !== SLOT.valid) continue;
          for (let r = 0; r < m.geometry.roots; r++) {
            const fl = s[m.root(r, R.flags)]!;
            if ((fl & RF.used) === 0 || (fl & (RF.freed | RF.mirror)) !== 0) continue;
            if (entry4k(s, mm, r, g) === cur) return false;
          }
        }
      }
      return true;
    }),
    inv(3, (s) => {
      const freed = (p: number): boolean => (s[m.page(p)]! & P.stateMask) === P.freed;
      for (let t = 0; t < m.geometry.tables; t++) {
        if (!isLiveTable(s, mm, t)) continue;
        for (let i = 0; i < 2; i++) {
          const v = s[m.entry(t, i)]!;
          if (!isLeaf(v)) continue;
          for (let k = 0; k < m.span(leafLevel(v)); k++) if (freed(leafPfn(v) + k)) return false;
        }
      }
      for (let v = 0; v < m.geometry.vcpus; v++) {
        for (let g = 0; g < m.gfns; g++) {
          const e = s[m.tlb(v, g)]!;
          if (e !== 0 && tlbLive(s, mm, v, e) && freed((e >> 1) & 63)) return false;
        }
      }
      return true;
    }),
    inv(4, (s) => {
      let pending = false;
      // a write-protection flush still due (dirty-log harvest flushes after dropping mmu_lock) covers W only
      let wpPending = false;
      for (let t = 0; t < threads; t++) {
        const fl = s[tFlags[t]!]!;
        if ((fl & F.flush) !== 0 && (fl & (F.rl | F.wl)) !== 0) pending = true;
        if ((fl & F.wpFlush) !== 0) wpPending = true;
      }
      for (let v = 0; v < vcpus; v++) {
        if ((s[vReq[v]!]! & REQ.freeObsoleteRoots) !== 0) continue;
        const tlb0 = vTlb[v]!;
        for (let g = 0; g < m.gfns; g++) {
          const e = s[tlb0 + g]!;
          if (e === 0) continue;
          const pfn = (e >> 1) & 63;
          if ((e & TLB.priv) !== 0) {
            if (!tlbLive(s, mm, v, e)) continue;
            // S-EPT: backed while the leaf still maps the pfn (blocked included)
            let ok = false;
            for (let lv = 1; lv <= m.geometry.levels && !ok; lv++) {
              const w = s[m.sept(lv, g)]!;
              if (septMapsPage(septState(w)) && septPfn(w) + (g & (m.span(lv) - 1)) === pfn) ok = true;
            }
            if (!ok) return false;
            continue;
          }
          if (pending) continue;
          let ok = false;
          for (let r = 0; r < m.geometry.roots && !ok; r++) {
            const fl = s[m.root(r, R.flags)]!;
            if ((fl & RF.used) === 0 || (fl & (RF.freed | RF.mirror)) !== 0) continue;
            const lf = leafFor(s, mm, r, g);
            if (lf === 0) continue;
            const lp = leafPfn(lf) + (g & (m.span(leafLevel(lf)) - 1));
            if (lp === pfn && ((e & TLB.w) === 0 || leafW(lf) || leafAT(lf) || wpPending)) ok = true;
          }
          if (!ok) return false;
        }
      }
      return true;
    }),
    inv(5, (s) => {
      for (let p = 0; p < m.geometry.pages; p++) {
        const w = s[m.page(p)]!;
        if ((w & P.wrote) === 0 || (w & P.dirty) !== 0 || (w & P.td) !== 0) continue;
        if (!o.eptAd) return false;
        let ok = false;
        for (let t = 0; t < m.geometry.tables; t++) {
          if (!isLiveTable(s, mm, t)) continue;
          for (let i = 0; i < 2; i++) {
            const v = s[m.entry(t, i)]!;
            if (isLeaf(v) && leafD(v) && p >= leafPfn(v) && p < leafPfn(v) + m.span(leafLevel(v))) ok = true;
          }
        }
        if (!ok) return false;
      }
      return true;
    }),
    inv(6, (s) => {
      if (!mirrorPositions(s, mm, mirror)) return true;
      loadHooks(s);
      for (let pos = 0; pos < m.septCount; pos++) {
        if (hooked(pos)) continue;
        const mv = mirror[pos]!;
        const w = s[m.septBase + pos]!;
        const st = septState(w);
        if (mv === 1) continue; // FROZEN: its owner is inside the hook
        if (isLink(mv)) {
          // a table KVM links and no thread owns is NL_MAPPED: NL_BLOCKED exists only inside a merge
          // (its mirror entry FROZEN), and a table left blocked is one the guest can no longer reach
          if (st !== SEPT.nlMapped) return false;
        } else if (isLeaf(mv)) {
          if (!septMapsPage(st) || septPfn(w) !== leafPfn(mv)) return false;
        } else if (st !== SEPT.free) {
          return false;
        }
      }
      return true;
    }),
    inv(7, () => true),
    inv(8, (s) => {
      // mirror (S-EPT backed) tables are never detached or freed while the TD lives (§2.14.5)
      for (let t = 0; t < m.geometry.tables; t++) {
        const st = s[m.table(t, T.status)]!;
        if (s[m.table(t, T.mirror)] === 1 && st !== TS.free && st !== TS.live) return false;
      }
      // S-EPT structure: a non-FREE entry has only NL_MAPPED / NL_BLOCKED ancestors (no orphan below a FREE non-leaf)
      for (let pos = 0; pos < m.septCount; pos++) {
        if (septState(s[m.septBase + pos]!) === SEPT.free) continue;
        const [lv, g] = m.septPosition(pos);
        for (let l = lv + 1; l <= m.geometry.levels; l++) {
          const a = septState(s[m.sept(l, g)]!);
          if (a !== SEPT.nlMapped && a !== SEPT.nlBlocked) return false;
        }
      }
      return true;
    }),
    inv(9, (s) => {
      for (let p = 0; p < m.geometry.pages; p++) {
        const w = s[m.page(p)]!;
        if ((w & P.stateMask) !== P.freed) continue;
        if ((w & P.td) !== 0) return false;
        for (let pos = 0; pos < m.septCount; pos++) {
          const e = s[m.septBase + pos]!;
          if (!septMapsPage(septState(e))) continue;
          const [lv] = m.septPosition(pos);
          if (p >= septPfn(e) && p < septPfn(e) + m.span(lv)) return false;
        }
      }
      return true;
    }),
    inv(10, (s) => {
      for (let r = 0; r < roots; r++) {
        const fl = s[rFlags[r]!]!;
        if ((fl & RF.used) === 0) continue;
        const ref = s[rRef[r]!]!;
        if ((fl & RF.freed) !== 0) {
          if (ref !== 0 || (fl & RF.invalid) === 0) return false;
          continue;
        }
        // the last put frees a root (kvm_tdp_mmu_put_root): a live root without references is leaked (a889ea54b3da)
        if (ref === 0) return false;
        let need = (fl & RF.invalid) === 0 || (fl & RF.scheduled) !== 0 ? 1 : 0;
        for (let v = 0; v < vcpus; v++) {
          if (s[vDroot[v]!] === r) need++;
          if (s[vMroot[v]!] === r) need++;
        }
        for (let t = 0; t < threads; t++) if ((s[tFlags[t]!]! & F.rootRef) !== 0 && s[tRoot[t]!] === r) need++;
        if (ref < need) return false;
      }
      return true;
    }),
    inv(11, (s) => !mm.isStuck(s)),
    inv(12, (s) => {
      // no lost update shows in the tree: every link of a reachable table points to a live table of
      // the next level, same kind, covering the entry's gfns, linked once; leaves sit at their level;
      // a FROZEN entry of a reachable table is owned by a thread inside its mirror hook
      loadHooks(s);
      seenTables.fill(0);
      for (let r = 0; r < m.geometry.roots; r++) {
        const fl = s[m.root(r, R.flags)]!;
        if ((fl & RF.used) === 0 || (fl & RF.freed) !== 0) continue;
        const tb = s[m.root(r, R.table)]!;
        if (!wellLinked(s, tb, m.geometry.levels, 0, s[m.table(tb, T.mirror)]!)) return false;
      }
      // page-table metadata agrees with the tree: every table on possible_nx_huge_pages has its
      // nx_huge_page_disallowed set, and a table with the flag set is live (tdp_mmu_unlink_sp
      // clears it when the table is removed, under tdp_mmu_pages_lock)
      if (m.nxBase >= 0) {
        const list = s[m.nxBase + NX.list]!;
        const flag = s[m.nxBase + NX.flag]!;
        if ((list & ~flag) !== 0) return false;
        for (let t = 0; t < m.geometry.tables; t++) if ((flag & (1 << t)) !== 0 && s[m.table(t, T.status)] !== TS.live) return false;
      }
      // the page-table page counters agree with the tree when no thread is between the load and
      // the store of a plain update (geometry `counters`): kvm->arch.tdp_mmu_pages is the number of
      // links in tables not yet freed (each link write accounted a table, each overwrite of a link
      // unaccounted one; roots are not counted), kvm->stat.nx_lpage_splits the number of tables on
      // possible_nx_huge_pages. A lost update of a plain ++ outside the lock shows here.
      if (m.countersBase >= 0) {
        for (let t = 0; t < threads; t++) if (s[m.countersBase + COUNT.pending + t] !== 0) return true;
        let links = 0;
        for (let t = 0; t < m.geometry.tables; t++) {
          const st = s[m.table(t, T.status)]!;
          if (st !== TS.live && st !== TS.unlinked) continue;
          for (let i = 0; i < 2; i++) if (isLink(s[m.entry(t, i)]!)) links++;
        }
        if (s[m.countersBase + COUNT.pages] !== links) return false;
        let listed = 0;
        for (let x = m.nxBase >= 0 ? s[m.nxBase + NX.list]! : 0; x !== 0; x &= x - 1) listed++;
        if (s[m.countersBase + COUNT.splits] !== listed) return false;
      }
      return true;
    }),
    inv(13, (s) => {
      // huge private pages: once the guest asked to accept a gfn of a 2M range at 4K (its
      // guest-inhibit bit is set, after the range was split under the write lock), no private leaf
      // above 4K covers the range, in S-EPT or in the mirror (kvm_mmu_hugepage_adjust honours the
      // bit under mmu_lock); the step-recorded half is the zap of an accepted huge leaf (ops.ts)
      if (m.hugeBase < 0) return true;
      const inhibit = s[m.hugeBase + HUGE.inhibit]!;
      if (inhibit === 0) return true;
      let mroot = -1;
      for (let r = 0; r < m.geometry.roots; r++) {
        const fl = s[m.root(r, R.flags)]!;
        if ((fl & RF.used) !== 0 && (fl & RF.mirror) !== 0 && (fl & RF.freed) === 0) mroot = r;
      }
      for (let g = 0; g < m.gfns; g++) {
        if ((inhibit & (1 << g)) === 0) continue;
        for (let lv = 2; lv <= m.geometry.levels; lv++) if (septMapsPage(septState(s[m.sept(lv, g)]!))) return false;
        if (mroot >= 0) {
          const lf = leafFor(s, mm, mroot, g);
          if (lf !== 0 && leafLevel(lf) > 1) return false;
        }
      }
      return true;
    }),
  ];
  for (const w of witnesses) {
    const bit = WITNESS[w];
    props.push({ name: `sometimes:${w}`, expectation: 'sometimes', doc: WITNESS_DOC[w], check: (s) => (s[G.seen]! & (1 << bit)) !== 0, reads: ['G.seen'] });
  }
  return props;
}
