/**
 * What each operation's steps may touch, as footprint classes (src/mmu/footprint.ts), for the
 * checker's partial-order reduction. A thread's future is the union of the classes of its
 * remaining operations plus its own pc and locals; the reduction is only as good as these are
 * tight, and only sound if they cover every branch of every step under every option. The test
 * mode (`checkFootprints`, test/mmu/footprint.test.ts) runs every scenario's reachable steps
 * recorded and fails on any word a step touched outside its declaration.
 *
 * The shared part (BASE) is deliberately generous: mmu_lock, RCU, SRCU, the violation and witness
 * words, every table, root and host page, every vCPU's mode, requests, epoch and TLB, the S-EPT,
 * the TDX globals, the TDX module's lock words (tdxLocks) and the page-table page counters (a
 * link or unlink of a table updates them, geometry `counters`). Operations differ in the memslot / invalidation globals and the pfn map, in
 * whether they read other threads' lock-wait modes (the walks that yield: `contended()` asks which
 * mmu_lock mode the step each other thread stands at wants; only a step that changes its thread's
 * mode conflicts with their future, see src/mmu/footprint.ts) and other
 * threads' locals (TDH.MR.FINALIZE waits for in-flight hooks: `aux2`, `hook`), and whether others
 * hold kvm->slots_lock (fast zap, memslot deletion: `slots-held`, not every thread's flags word). The operations
 * that link or remove tables (faults, fast zap, memslot deletion, NX recovery) touch the NX
 * metadata (`nx-meta`, in the state only when a scenario splits for the NX mitigation).
 */
import type { FootprintClass } from '../../src/internal.js';
import type { Options } from './options.js';

const BASE: readonly FootprintClass[] = [
  'G.viol', 'G.vinfo', 'G.seen', 'G.writer', 'G.readers', 'G.rcu', 'G.srcu', 'G.srcuGp',
  'G.tdEpoch', 'G.epochRef0', 'G.epochRef1', 'G.waitSeptZap', 'G.tdState', 'G.privateGfns', 'G.gmemBound',
  'tables', 'roots', 'pages', 'sept', 'tlb', 'V.mode', 'V.req', 'V.epoch', 'own-vcpu', 'tdx-locks', 'tdx-huge', 'counters',
];
/** The zap walks yield when another thread waits for mmu_lock (maybeYield: `contended()` reads every thread's lock-wait mode). */
const YIELDS: readonly FootprintClass[] = [...BASE, 'lock-waits'];

/** The fault path reads the invalidation sequence, range and count, the memslot and the pfn map. */
const FAULT: readonly FootprintClass[] = [...BASE, 'G.seq', 'G.inProgress', 'G.range', 'memslots', 'G.bitmap', 'G.gen', 'pfn-map', 'nx-meta', 'mmio-cache'];
/** An invalidation (mmu_notifier or guest_memfd) bumps the sequence and range and frees pages; its zap walk yields. */
const INVALIDATE: readonly FootprintClass[] = [...YIELDS, 'G.seq', 'G.inProgress', 'G.range', 'pfn-map'];

/** Footprint classes by operation name (see OPERATIONS); an operation missing here touches everything. */
export const OP_FOOTPRINTS: Readonly<Record<string, readonly FootprintClass[]>> = {
  fault: FAULT,
  // kvm->slots_lock (slots-held) and the guest_memfd's filemap_invalidate_lock (every thread's flags)
  'page-add': [...FAULT, 'slots-held', 'L.flags'],
  'pre-fault': FAULT,
  access: [...BASE, 'memslots', 'G.bitmap', 'G.harvest', 'G.gen', 'mmio-cache'],
  'memslot-create': [...BASE, 'memslots', 'G.gen', 'slots-held'],
  'memslot-move': [...YIELDS, 'memslots', 'G.gen', 'G.gmemBound', 'slots-held', 'nx-meta', 'pfn-map'],
  munmap: [...INVALIDATE, 'memslots'],
  'memslot-delete': [...YIELDS, 'memslots', 'G.gen', 'slots-held', 'nx-meta'],
  'gmem-punch-hole': [...INVALIDATE, 'L.flags'],
  'zap-range': INVALIDATE,
  'fast-zap': [...YIELDS, 'slots-held', 'nx-meta'],
  unload: BASE,
  age: BASE,
  'dirty-log-enable': [...BASE, 'memslots', 'G.bitmap', 'slots-held'],
  'dirty-log-harvest': [...BASE, 'G.bitmap', 'G.harvest', 'slots-held'],
  'eager-split': BASE,
  'nx-recover': [...BASE, 'nx-meta'],
  finalize: [...BASE, 'L.aux2', 'L.hook'],
};

/**
 * The reader masks an operation touches only through its own bit (`+` classes, src/mmu/footprint.ts:
 * rcu/srcu/read-lock acquire and release commute between threads). An operation not listed for a
 * word reads it (write_lock waits for readers, call_rcu snapshots the RCU readers, synchronize_srcu
 * snapshots the SRCU readers) or may, under some option: `fault` takes mmu_lock for write for a
 * private huge-page demotion when `tdxDemoteLock` is `write`. The test mode catches a plain access.
 */
const COMMUTING: Readonly<Record<string, readonly ('G.readers' | 'G.rcu' | 'G.srcu' | 'G.srcuGp')[]>> = {
  fault: ['G.readers', 'G.srcu', 'G.srcuGp'],
  'pre-fault': ['G.readers', 'G.srcu', 'G.srcuGp'],
  access: ['G.readers', 'G.srcu', 'G.srcuGp'],
  'zap-range': ['G.srcu', 'G.srcuGp'],
  'fast-zap': ['G.srcu', 'G.srcuGp'],
  munmap: ['G.srcu', 'G.srcuGp'],
  'gmem-punch-hole': ['G.srcu', 'G.srcuGp'],
};

/**
 * What a memslot update adds when the scenario's updates can wrap the MMIO generation (`wrap`):
 * kvm_mmu_zap_all_fast inside kvm_swap_active_memslots (its walk yields, it removes tables).
 */
const WRAP_ZAP: readonly FootprintClass[] = [...YIELDS, 'nx-meta'];

/**
 * Returns the footprint classes of operation `op` under options `o`, or undefined (it touches
 * everything); with `x.wrap` memslot updates also zap every root, with `x.mnWait` they read every
 * thread's flags (mn_active_invalidate_count: the munmaps between range_start and range_end).
 */
export function opFootprint(op: string, o?: Options, x: { readonly wrap?: boolean; readonly mnWait?: boolean } = {}): readonly FootprintClass[] | undefined {
  if (!Object.hasOwn(OP_FOOTPRINTS, op)) return undefined;
  const update = op === 'memslot-create' || op === 'memslot-delete' || op === 'memslot-move';
  const extra: readonly FootprintClass[] = update ? [...(x.wrap === true ? WRAP_ZAP : []), ...(x.mnWait === true ? (['L.flags'] as const) : [])] : [];
  // the mmu_notifier unmap of 5.18 also removes page tables (option rangeZapTables): it unaccounts them (NX metadata)
  const tableZap = (op === 'zap-range' || op === 'munmap') && (o === undefined || o.rangeZapTables !== 'leafs');
  const more: readonly FootprintClass[] = [...extra, ...(tableZap ? (['nx-meta'] as const) : [])];
  const classes = more.length > 0 ? [...new Set([...OP_FOOTPRINTS[op]!, ...more])] : OP_FOOTPRINTS[op]!;
  let commuting = Object.hasOwn(COMMUTING, op) ? COMMUTING[op]! : [];
  if (op === 'fault' && (o === undefined || (o.tdxHugePages && o.tdxDemoteLock !== 'read'))) commuting = commuting.filter((w) => w !== 'G.readers');
  if (commuting.length === 0) return classes;
  return classes.map((c) => ((commuting as readonly string[]).includes(c) ? (`+${c}` as FootprintClass) : c));
}
