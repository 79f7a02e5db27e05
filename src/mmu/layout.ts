/**
 * The state layout of the executable MMU: where every piece of shared state and every thread's
 * program counter and locals live inside the fixed-size Int32Array state. The layout depends only
 * on the geometry (levels, pool sizes, thread count), so two states of one model are comparable
 * word for word.
 */
import { fail } from '../core/diagnostic.js';

/** Tree geometry and pool sizes of one model. */
export interface Geometry {
  /** Levels of the TDP tree (root level = `levels`); fan-out is 2, so there are 2^levels gfns. */
  readonly levels: 2 | 3;
  /** Threads (vCPU threads first, then host threads). */
  readonly threads: number;
  /** vCPU threads: thread i is vCPU i for i < vcpus. */
  readonly vcpus: number;
  /** Page-table page pool size (roots included). */
  readonly tables: number;
  /** Root slots (direct and mirror). */
  readonly roots: number;
  /** Host pages. */
  readonly pages: number;
  /**
   * Memslots: disjoint gfn ranges, in the scenario's order (default: one slot, id 0, covering
   * every gfn). A gfn outside every slot has no memslot (a fault on it exits to userspace).
   */
  readonly memslots?: readonly SlotGeometry[];
  /**
   * The host mapping level of each gfn's backing page (1 = 4K, 2 = a 2M THP / hugetlbfs page, 3 =
   * 1G): what host_pfn_mapping_level finds for the gfn's hva. Default: the tree's top level for
   * every gfn (the host maps as large as the pfns allow).
   */
  readonly hostLevel?: readonly number[];
  /**
   * Page-table page metadata of the NX huge page mitigation (appended to the state only when a
   * scenario splits for it: a fault with `nx`): the possible_nx_huge_pages list and each table's
   * nx_huge_page_disallowed flag ({@link NX}).
   */
  readonly nxMeta?: boolean;
  /**
   * Model the TDX module's own locks (protocol sheet §1.8): the S-EPT tree lock, the TD epoch
   * lock, the host-priority bit of the S-EPT entry lock and the zero-step mitigation. TDH.VP.ENTER
   * then takes two steps (it holds the epoch lock, and under zero-step mitigation the tree lock,
   * between them) and the words of {@link TX} are appended to the state. Default off: the
   * SEAMCALLs then contend only on the entry locks guest TDCALLs hold.
   */
  readonly tdxLocks?: boolean;
  /**
   * Private huge pages with the guest's accept level (RFC "KVM: TDX huge page support for private
   * memory"): one word is appended ({@link HUGE}), the guest-inhibit bits of kvm_lpage_info that
   * KVM sets when a guest ACCEPT asked for a level below 2M. Default off (no word).
   */
  readonly tdxHuge?: boolean;
  /**
   * Bits of the memslots generation number an MMIO SPTE stores (1..6, default 6: the model's MMIO
   * SPTE field; the kernel stores 19, spte.h MMIO_SPTE_GEN_LOW/HIGH: 8 bits at SPTE bits 3-10 and 11
   * at 52-62). A smaller number makes the generation wrap (kvm_mmu_invalidate_mmio_sptes) reachable
   * in a few memslot updates. No state word: it is a parameter of the steps.
   */
  readonly mmioGenBits?: number;
  /**
   * The per-vCPU MMIO cache (vcpu->arch.mmio_gfn, mmio_gen; x86.h vcpu_cache_mmio_info,
   * vcpu_match_mmio_gen): {@link MC} words per vCPU are appended. Default off (no words): with the
   * generation check of 56f17dd3fbc4 and no caching during an update (ddfd1730fd82) a hit gives
   * what the walk of the MMIO SPTE would, so mainline scenarios leave it out.
   */
  readonly mmioCache?: boolean;
  /**
   * KVM's enable_mmio_caching (module parameter `mmio_caching`, forced off when the SPTE layout
   * leaves no reserved bits for an MMIO SPTE): with it false a fault on a gfn without a memslot is
   * emulated at once and never installs an MMIO SPTE (kvm_handle_noslot_fault). Default true. No
   * state word: it is a parameter of the steps.
   */
  readonly mmioCaching?: boolean;
  /**
   * The page-table page counters the TDP MMU keeps ({@link COUNT}): kvm->arch.tdp_mmu_pages (the
   * tables linked below the roots) and kvm->stat.nx_lpage_splits (the tables on
   * possible_nx_huge_pages), plus one word per thread for a plain read-modify-write in flight.
   * Appended last when true. Default off (no words).
   */
  readonly counters?: boolean;
  /**
   * The per-vCPU paging-structure cache of the hardware walker (protocol sheet §5.2 `pscache`, †;
   * Intel SDM vol. 3 "paging-structure caches", EPT included): one word per vCPU is appended to its
   * vCPU block after the TLB ({@link MmuLayout.pscache}), the tables (bit per table) a walk of the
   * direct root went through below the root. A TLB flush of the vCPU (remote flush, new root load)
   * empties it. Default off (no word): the vCPU block is what it was.
   */
  readonly pscache?: boolean;
}

/**
 * The page-table page counters block (appended last when `geometry.counters`): `pages`,
 * kvm->arch.tdp_mmu_pages (tdp_account_mmu_page / tdp_unaccount_mmu_page: +1 when a table is
 * linked below a root, -1 when handle_removed_pt unlinks it); `splits`, kvm->stat.nx_lpage_splits
 * (+1 / -1 as a table joins or leaves possible_nx_huge_pages); then `pending + t` for each thread
 * t: 0, or the value + 1 that thread loaded and will store (a plain `++` between its load and its
 * store: option `tdpMmuPagesAccount` plain).
 */
export const COUNT = { pages: 0, splits: 1, pending: 2 } as const;

/**
 * The per-vCPU MMIO cache block (appended last, per vCPU, when `geometry.mmioCache`): `gfn`, the
 * cached gfn + 1 (0: nothing cached; the TDP MMU caches no gva, only the gfn), and `gen`, the
 * memslots generation word (flag included) when it was cached.
 */
export const MC = { gfn: 0, gen: 1, size: 2 } as const;

/**
 * The private huge page block (appended last when `geometry.tdxHuge`): `inhibit`, a gfn bitmask
 * of the 2M ranges the guest accepts below 2M (hugepage_set_guest_inhibit: bit g set for every gfn
 * g of such a range; set under mmu_lock held for write after splitting the range, never cleared).
 */
export const HUGE = { inhibit: 0, size: 1 } as const;

/**
 * The NX metadata block (appended after the memslot blocks when `geometry.nxMeta`): `list`, the
 * tables on possible_nx_huge_pages (bit per table), and `flag`, the tables whose
 * nx_huge_page_disallowed is set (bit per table). Both are changed under tdp_mmu_pages_lock (or
 * with mmu_lock held for write).
 */
export const NX = { list: 0, flag: 1, size: 2 } as const;

/** One memslot: `pages` gfns from `base`, with a stable `id` (what operations name). */
export interface SlotGeometry {
  readonly id: number;
  readonly base: number;
  readonly pages: number;
}

/** Global words (offsets from 0). */
export const G = {
  /** Bitmask of invariants found broken by a step (bit k-1 for Ik). */
  viol: 0,
  /** Thread+1 | pc<<8 of the first step that broke an invariant. */
  vinfo: 1,
  /** Sticky bitmask of reached race witnesses (for `sometimes` properties). */
  seen: 2,
  /** mmu_lock writer: thread+1, or 0. */
  writer: 3,
  /** mmu_lock readers: bitmask of threads. */
  readers: 4,
  /** mmu_invalidate_seq. */
  seq: 5,
  /** mmu_invalidate_in_progress. */
  inProgress: 6,
  /** Union of in-flight invalidation ranges, as a gfn bitmask. */
  range: 7,
  /** State of the first memslot (index 0): {@link MS}.state; the other slots' words are appended (see {@link MmuLayout.slot}). */
  slot: 8,
  /** Dirty logging of the first memslot: {@link MS}.dirtyLog. */
  dirtyLog: 9,
  /** Dirty bitmaps of the memslots (gfn bitmask; the slots are disjoint, so one word holds every slot's bitmap). */
  bitmap: 10,
  /** SRCU readers of kvm->srcu: bitmask of threads. */
  srcu: 11,
  /** RCU readers: bitmask of threads inside rcu_read_lock. */
  rcu: 12,
  /** TDX TD_EPOCH (mod 4). */
  tdEpoch: 13,
  /** TDX vCPUs in guest per epoch parity. */
  epochRef0: 14,
  epochRef1: 15,
  /** KVM TDX wait_for_sept_zap. */
  waitSeptZap: 16,
  /** TD state: 0 runnable (finalized), 1 building. */
  tdState: 17,
  /** Private gfns (bitmask; memory attribute PRIVATE). */
  privateGfns: 18,
  /**
   * The memslots generation (kvm_memslots.generation) that MMIO SPTEs carry: bit 0 is the
   * update-in-progress flag (KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS, bit 63 in the kernel), the bits
   * above it the generation number; an MMIO SPTE stores the number without the flag.
   */
  gen: 19,
  /** guest_memfd bindings present (bitmask of gfns bound through their memslot). */
  gmemBound: 20,
  /**
   * Dirty bits taken by a dirty-log harvest still in flight (between xchg of the bitmap word and
   * the flush that makes the harvested data stable): guest writes to these gfns are in the
   * harvested buffer's window and are not lost (I5).
   */
  harvest: 21,
  /**
   * SRCU grace period in flight (synchronize_srcu): the threads whose read section began before it
   * and has not ended yet; a reader that ends its section leaves it, and new sections do not join.
   */
  srcuGp: 22,
  count: 23,
} as const;

/**
 * Per-memslot words. The first slot's are the globals `G.slot` and `G.dirtyLog` (where the one
 * memslot always lived, so a single-slot layout, its state words and hashes are what they were);
 * each further slot has a block appended after the S-EPT.
 */
export const MS = {
  /** 0 valid, 1 invalid (being deleted or moved), 2 deleted (not in the memslots: never created, deleted, or moved away). */
  state: 0,
  /** Dirty logging: 0 off, 1 enabling (flag published, write-protection in progress), 2 on. */
  dirtyLog: 1,
  size: 2,
} as const;
/**
 * The TDX module's lock words, appended after the memslots when the geometry has `tdxLocks`
 * ({@link MmuLayout.tdx}); then one zero-step word per vCPU ({@link MmuLayout.zeroStep}).
 */
export const TX = {
  /** S-EPT tree lock held exclusively across steps: thread + 1, or 0 (SEAMCALLs are atomic, so shared holders never persist). */
  tree: 0,
  /** TD epoch lock held shared by TDH.VP.ENTER in progress: bitmask of vCPU threads. */
  epoch: 1,
  /** Zero-step words follow, one per vCPU: EPT violations at one gfn without progress (bits 0..3), that gfn (bits 4..). */
  zeroStep: 2,
} as const;
/** EPT violations at one gfn after which the module's zero-step mitigation is on for the vCPU (the module's six, shortened: an abstraction). */
export const ZERO_STEP_AFTER = 2;

/** Memslot states (`MS.state`). */
export const SLOT = { valid: 0, invalid: 1, deleted: 2 } as const;

/** Thread locals (offsets inside a thread block after the pc). */
export const L = {
  /** Held-resource flags, see `F`. */
  flags: 0,
  gfn: 1,
  level: 2,
  table: 3,
  old: 4,
  new: 5,
  root: 6,
  seq: 7,
  retry: 8,
  aux: 9,
  aux2: 10,
  end: 11,
  /** Iterator: table at level 1, 2, 3 (it1 + level - 1). */
  it1: 12,
  it2: 13,
  it3: 14,
  /** Removal stack (handle_removed_pt): table ids and cursors. */
  rmT0: 15,
  rmT1: 16,
  rmI0: 17,
  rmI1: 18,
  rmSp: 19,
  /** Last SEAMCALL status (index into the TDX status table). */
  sc: 20,
  /** S-EPT position code + 1 this thread is between mirror update and SEAMCALL for (exempt from I6). */
  hook: 21,
  pfn: 22,
  goal: 23,
  out: 24,
  /** Yield progress marker: gfn + 1 of the last yield. */
  yieldedGfn: 25,
  /** Table id + 1 allocated from the vCPU's cache but not yet published (exempt from I2's reachability). */
  alloc: 26,
  count: 27,
} as const;

/** Bits of the `flags` local. */
export const F = {
  rl: 1,
  wl: 2,
  rcu: 4,
  srcu: 8,
  /** A TLB flush is pending (something was zapped or write-protected). */
  flush: 16,
  /** The thread holds a reference on root `root`. */
  rootRef: 32,
  /** The iterator yielded and must restart from the root. */
  yielded: 64,
  /**
   * A flush for a permission reduction (dirty-log write-protection) is pending and may be issued
   * after mmu_lock is dropped (kvm_get_dirty_log_protect flushes after KVM_MMU_UNLOCK).
   */
  wpFlush: 128,
  /**
   * The thread holds kvm->slots_lock (memslot updates and kvm_mmu_zap_all_fast run under it, so
   * two of them never interleave).
   */
  slots: 256,
  /** The thread holds kvm->arch.tdp_mmu_pages_lock (taken and released inside one step). */
  pagesLock: 512,
  /**
   * The thread holds a guest_memfd's filemap_invalidate_lock (kvm_gmem_populate across a TD build
   * step, kvm_gmem_punch_hole across its invalidation; one guest_memfd per scenario).
   */
  gmem: 1024,
  /**
   * The thread is an mmu_notifier invalidation between range_start and range_end, counted in
   * kvm->mn_active_invalidate_count (a memslot update waits until no thread has it, 52ac8b358b0c).
   */
  mnActive: 2048,
} as const;

/** Per-vCPU words. */
export const V = { mode: 0, droot: 1, mroot: 2, req: 3, epoch: 4, tlb: 5 } as const;
/** vCPU request bits. */
export const REQ = { freeObsoleteRoots: 1 } as const;

/** Table words. */
export const T = { status: 0, level: 1, gfn: 2, mirror: 3, rcuWaiters: 4, e0: 5, size: 7 } as const;
/** Table status values. */
export const TS = { free: 0, live: 1, unlinked: 2, queued: 3, freed: 4 } as const;

/** Root words. */
export const R = { table: 0, flags: 1, ref: 2, size: 3 } as const;
/** Root flag bits. */
export const RF = { used: 1, invalid: 2, scheduled: 4, mirror: 8, freed: 16 } as const;

/** Page word bits. */
export const P = { stateMask: 3, allocated: 1, freed: 2, dirty: 4, wrote: 8, td: 16, pin: 32 } as const;

/** TLB entry word: 0 = none; else 1 | pfn<<1 | W<<7 | D<<8 | private<<9. */
export const TLB = { valid: 1, w: 1 << 7, d: 1 << 8, priv: 1 << 9 } as const;

/** Computed offsets of one geometry. */
export class MmuLayout {
  readonly geometry: Geometry;
  /** Number of gfns (2^levels). */
  readonly gfns: number;
  readonly threadBase: number;
  readonly threadSize = 1 + L.count;
  readonly vcpuBase: number;
  readonly vcpuSize: number;
  readonly tableBase: number;
  readonly rootBase: number;
  readonly pageBase: number;
  readonly pfnBase: number;
  readonly septBase: number;
  /** S-EPT entries per level (index = level). */
  readonly septLevelBase: number[];
  readonly septCount: number;
  /** The memslots (default: one, id 0, covering every gfn). */
  readonly slots: readonly SlotGeometry[];
  /** Offset of the appended per-slot blocks ({@link MS}) of slots 1.. (slot 0 lives in the globals). */
  readonly slotBase: number;
  /** gfn -> index of its slot in {@link slots}, or -1 (no memslot). */
  readonly slotIndex: Int8Array;
  /** Slot index -> gfn bitmask of its range. */
  readonly slotMasks: readonly number[];
  /** gfn -> host mapping level of its backing page. */
  readonly hostLevels: Int8Array;
  /** Offset of the NX metadata block ({@link NX}), or -1 when the state has none. */
  readonly nxBase: number;
  /** Offset of the TDX module's lock words ({@link TX}), or -1 when the geometry has no `tdxLocks`. */
  readonly tdxBase: number;
  /** Offset of the private huge page block ({@link HUGE}), or -1 when the geometry has no `tdxHuge`. */
  readonly hugeBase: number;
  /** Offset of the per-vCPU MMIO cache blocks ({@link MC}), or -1 when the geometry has no `mmioCache`. */
  readonly mmioCacheBase: number;
  /** The mask of the generation number an MMIO SPTE stores (`mmioGenBits`). */
  readonly mmioGenMask: number;
  /** enable_mmio_caching (`mmioCaching`, default true). */
  readonly mmioCaching: boolean;
  /** Offset of the page-table page counters block ({@link COUNT}), or -1 when the geometry has no `counters`. */
  readonly countersBase: number;
  /** Offset inside a vCPU block of its paging-structure cache word, or -1 when the geometry has no `pscache`. */
  readonly pscacheOff: number;
  readonly size: number;

  constructor(g: Geometry) {
    if (g.levels !== 2 && g.levels !== 3) fail('MMC301', `geometry: levels must be 2 or 3, got ${String(g.levels)}`);
    if (g.threads < 1 || g.threads > 8) fail('MMC301', `geometry: 1..8 threads, got ${g.threads}`);
    if (g.vcpus > g.threads) fail('MMC301', 'geometry: more vCPUs than threads');
    if (g.tables > 63 || g.pages > 63) fail('MMC301', 'geometry: at most 63 tables and 63 pages');
    this.geometry = g;
    this.gfns = 1 << g.levels;
    let o = G.count;
    this.threadBase = o;
    o += g.threads * this.threadSize;
    this.vcpuBase = o;
    if (g.pscache === true && g.tables > 31) fail('MMC301', `geometry: the paging-structure cache keeps a bit per table: at most 31 tables, got ${g.tables}`);
    this.pscacheOff = g.pscache === true ? V.tlb + this.gfns : -1;
    this.vcpuSize = V.tlb + this.gfns + (g.pscache === true ? 1 : 0);
    o += g.vcpus * this.vcpuSize;
    this.tableBase = o;
    o += g.tables * T.size;
    this.rootBase = o;
    o += g.roots * R.size;
    this.pageBase = o;
    o += g.pages;
    this.pfnBase = o;
    o += this.gfns;
    this.septBase = o;
    this.septLevelBase = [0];
    let n = 0;
    for (let l = 1; l <= g.levels; l++) {
      this.septLevelBase[l] = n;
      n += this.gfns >> (l - 1);
    }
    this.septCount = n;
    o += n;
    this.slots = g.memslots ?? [{ id: 0, base: 0, pages: this.gfns }];
    this.slotIndex = new Int8Array(this.gfns).fill(-1);
    this.slotMasks = this.slots.map((sl, k) => {
      let mask = 0;
      for (let x = sl.base; x < sl.base + sl.pages; x++) {
        if (x < 0 || x >= this.gfns || this.slotIndex[x] !== -1) fail('MMC301', `geometry: memslot ${sl.id} covers gfn ${x}, outside 0..${this.gfns - 1} or in another slot`);
        this.slotIndex[x] = k;
        mask |= 1 << x;
      }
      return mask;
    });
    this.hostLevels = Int8Array.from({ length: this.gfns }, (_, x) => g.hostLevel?.[x] ?? g.levels);
    this.slotBase = o - MS.size;
    o += (this.slots.length - 1) * MS.size;
    if (g.nxMeta === true && g.tables > 31) fail('MMC301', `geometry: the NX metadata keeps a bit per table: at most 31 tables, got ${g.tables}`);
    this.nxBase = g.nxMeta === true ? o : -1;
    if (g.nxMeta === true) o += NX.size;
    this.tdxBase = g.tdxLocks === true ? o : -1;
    if (g.tdxLocks === true) o += TX.zeroStep + g.vcpus;
    this.hugeBase = g.tdxHuge === true ? o : -1;
    if (g.tdxHuge === true) o += HUGE.size;
    const bits = g.mmioGenBits ?? 6;
    if (!Number.isInteger(bits) || bits < 1 || bits > 6) fail('MMC301', `geometry: mmioGenBits must be 1..6, got ${String(g.mmioGenBits)}`);
    this.mmioGenMask = (1 << bits) - 1;
    this.mmioCacheBase = g.mmioCache === true ? o : -1;
    if (g.mmioCache === true) o += g.vcpus * MC.size;
    this.mmioCaching = g.mmioCaching !== false;
    this.countersBase = g.counters === true ? o : -1;
    if (g.counters === true) o += COUNT.pending + g.threads;
    this.size = o;
  }

  /** Returns the offset of thread `t`'s pc. */
  pc(t: number): number {
    return this.threadBase + t * this.threadSize;
  }
  /** Returns the offset of local `i` of thread `t`. */
  local(t: number, i: number): number {
    return this.threadBase + t * this.threadSize + 1 + i;
  }
  /** Returns the offset of word `w` of vCPU `v`. */
  vcpu(v: number, w: number): number {
    return this.vcpuBase + v * this.vcpuSize + w;
  }
  /** Returns the offset of vCPU `v`'s TLB entry for `gfn`. */
  tlb(v: number, gfn: number): number {
    return this.vcpuBase + v * this.vcpuSize + V.tlb + gfn;
  }
  /** Returns the offset of vCPU `v`'s paging-structure cache word (a bit per table); only with `pscache`. */
  pscache(v: number): number {
    return this.vcpuBase + v * this.vcpuSize + this.pscacheOff;
  }
  /** Returns the offset of word `w` of table `t`. */
  table(t: number, w: number): number {
    return this.tableBase + t * T.size + w;
  }
  /** Returns the offset of entry `i` of table `t`. */
  entry(t: number, i: number): number {
    return this.tableBase + t * T.size + T.e0 + i;
  }
  /** Returns the offset of word `w` of root slot `r`. */
  root(r: number, w: number): number {
    return this.rootBase + r * R.size + w;
  }
  /** Returns the offset of host page `p`. */
  page(p: number): number {
    return this.pageBase + p;
  }
  /** Returns the offset of the pfn map entry of `gfn` (primary MMU / guest_memfd). */
  pfnOf(gfn: number): number {
    return this.pfnBase + gfn;
  }
  /** Returns the offset of word `w` ({@link MS}) of the memslot at index `k` (not its id). */
  slot(k: number, w: number): number {
    return k === 0 ? G.slot + w : this.slotBase + k * MS.size + w;
  }
  /** Returns the offset of word `w` of the memslot holding `gfn`, or -1 when no memslot holds it. */
  slotOf(gfn: number, w: number): number {
    const k = this.slotIndex[gfn] ?? -1;
    return k < 0 ? -1 : this.slot(k, w);
  }
  /** Returns the offset of the TDX module's lock word `w` ({@link TX}); only with `tdxLocks`. */
  tdx(w: number): number {
    return this.tdxBase + w;
  }
  /** Returns the offset of vCPU `v`'s zero-step word; only with `tdxLocks`. */
  zeroStep(v: number): number {
    return this.tdxBase + TX.zeroStep + v;
  }
  /** Returns the offset of word `w` ({@link MC}) of vCPU `v`'s MMIO cache; only with `mmioCache`. */
  mmioCache(v: number, w: number): number {
    return this.mmioCacheBase + v * MC.size + w;
  }
  /** Returns the S-EPT position code of the entry at `level` covering `gfn`. */
  septPos(level: number, gfn: number): number {
    return (this.septLevelBase[level] ?? 0) + (gfn >> (level - 1));
  }
  /** Returns the offset of S-EPT entry at `level` covering `gfn`. */
  sept(level: number, gfn: number): number {
    return this.septBase + this.septPos(level, gfn);
  }
  /** Returns the number of gfns an entry at `level` covers. */
  span(level: number): number {
    return 1 << (level - 1);
  }
  /** Returns the index inside its table of the entry at `level` covering `gfn`. */
  index(level: number, gfn: number): number {
    return (gfn >> (level - 1)) & 1;
  }
  /** Returns the [level, first gfn] of an S-EPT position code. */
  septPosition(pos: number): [number, number] {
    for (let l = this.geometry.levels; l >= 1; l--) {
      const b = this.septLevelBase[l] ?? 0;
      if (pos >= b) return [l, (pos - b) << (l - 1)];
    }
    return [1, pos];
  }
}
