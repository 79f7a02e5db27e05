/**
 * From a scenario (threads with scripts of operation calls, options, bounds) to an executable
 * MMU machine the checker can explore.
 */
import {
  describeValue,
  DiagnosticError,
  fail,
  MmuMachine,
  type MmuLayout,
  mmuState,
  type OpInstance,
  type Property,
  type StepEdit,
} from '../../src/internal.js';
import { asUserCode, userCodeLabel } from '../../src/core/user-code.js';
import { expectOf, OPERATIONS, type OpCall, type ScenarioExpect, type ScenarioProperty, type ScenarioSpec, type ThreadScript } from '../../src/internal.js';
import { stateView } from '../../src/internal.js';
import { defaultMemslots, defaultPages, type HostSpec, type MemslotSpec } from '../../src/internal.js';
import { underLocks, type WitnessName } from './common.js';
import { faultOp } from './fault.js';
import { mmuProperties } from './invariants.js';
import { opFootprint } from './footprints.js';
import { accessSteps, ageSteps, dirtyLogEnableSteps, fastZapSteps, type MemslotExtras, memslotCreateSteps, memslotDeleteSteps, memslotMoveSteps, munmapSteps, type SlotRef, unloadSteps, zapRangeSteps } from './ops.js';
import { dirtyLogHarvestSteps, eagerSplitSteps, finalizeSteps, nxRecoverSteps } from './maintenance.js';
import { mainlineOptions, type Options, withOptions } from './options.js';
import { SpteWords, spteClassificationProperty } from './spte64.js';
import { kernelFunctionOf } from './cites.js';

const { G, R, RF, V, P, MS, SLOT } = mmuState;
type SlotGeometry = mmuState.SlotGeometry;

export { OPERATIONS, type OpCall, type ThreadScript };

/**
 * A scenario as the model builds it: a checked {@link ScenarioSpec} (the public format of
 * scenario files and of model/mmu/scenarios.ts) normalized by {@link toScenario}: its family, setup
 * threads as indices, its expectation as an object.
 */
export interface Scenario {
  /** Stable name, e.g. `tdx/2m-vs-4k/freeze`. */
  readonly name: string;
  readonly title: string;
  readonly doc?: string;
  /** The proof suite it belongs to: `tdx` for a TD, `mmu` otherwise. */
  readonly family: 'mmu' | 'tdx';
  readonly vm: 'default' | 'tdx';
  readonly levels?: 2 | 3;
  readonly options?: Partial<Options>;
  /** TDX: the TD is still being built (before TDH.MR.FINALIZE): private installs use PAGE.ADD, vCPUs cannot enter. */
  readonly tdBuilding?: boolean;
  /** TDX: the TDX module's own locks are modelled (geometry `tdxLocks`). */
  readonly tdxLocks?: boolean;
  /** Private gfns (TDX): mapped through the mirror root, backed by guest_memfd. */
  readonly privateGfns?: readonly number[];
  readonly vcpus: number;
  readonly threads: readonly ThreadScript[];
  /** Operations run before exploration, one after another, by thread index. */
  readonly setup?: readonly (readonly [number, OpCall])[];
  /** Race witnesses the exploration must reach (`sometimes`). */
  readonly witnesses: readonly WitnessName[];
  /** Extra properties over the state view. */
  readonly properties?: readonly ScenarioProperty[];
  readonly expect: ScenarioExpect;
  /** Pool sizes (tables, roots, pages) for harnesses that need more than the defaults (8, 3, see `defaultPages`). */
  readonly bounds?: { readonly tables?: number; readonly roots?: number; readonly pages?: number };
  /** The memslots (default: one slot covering every gfn). */
  readonly memslots?: readonly MemslotSpec[];
  /** The host mapping (default: pfn = gfn, huge wherever contiguous). */
  readonly host?: HostSpec;
  /** Pairs of interchangeable gfns (gfn symmetry, src/mmu/symmetry.ts). */
  readonly symmetricGfns?: readonly (readonly number[])[];
  /** Bits of the MMIO generation (geometry `mmioGenBits`, default 6). */
  readonly mmioGenBits?: number;
  /** The per-vCPU MMIO cache is modelled (geometry `mmioCache`). */
  readonly mmioCache?: boolean;
  /** enable_mmio_caching (geometry `mmioCaching`, default true). */
  readonly mmioCaching?: boolean;
  /** The page-table page counters are in the state (geometry `counters`). */
  readonly pageCounters?: boolean;
  /** The vCPUs' paging-structure caches are modelled (geometry `pscache`). */
  readonly pscache?: boolean;
}

/** Returns the scenario the model builds from a (checked) public-format scenario. */
export function toScenario(spec: ScenarioSpec): Scenario {
  const names = spec.threads.map((t) => t.name);
  return {
    name: spec.name,
    title: spec.title ?? spec.name,
    ...(spec.doc !== undefined ? { doc: spec.doc } : {}),
    family: spec.vm === 'tdx' ? 'tdx' : 'mmu',
    vm: spec.vm,
    ...(spec.levels !== undefined ? { levels: spec.levels } : {}),
    ...(spec.options !== undefined ? { options: spec.options as Partial<Options> } : {}),
    ...(spec.tdBuilding !== undefined ? { tdBuilding: spec.tdBuilding } : {}),
    ...(spec.tdxLocks !== undefined ? { tdxLocks: spec.tdxLocks } : {}),
    ...(spec.privateGfns !== undefined ? { privateGfns: spec.privateGfns } : {}),
    ...(spec.memslots !== undefined ? { memslots: spec.memslots } : {}),
    ...(spec.host !== undefined ? { host: spec.host } : {}),
    ...(spec.bounds !== undefined ? { bounds: spec.bounds } : {}),
    ...(spec.symmetricGfns !== undefined ? { symmetricGfns: spec.symmetricGfns } : {}),
    ...(spec.mmioGenBits !== undefined ? { mmioGenBits: spec.mmioGenBits } : {}),
    ...(spec.mmioCache !== undefined ? { mmioCache: spec.mmioCache } : {}),
    ...(spec.mmioCaching !== undefined ? { mmioCaching: spec.mmioCaching } : {}),
    ...(spec.pageCounters !== undefined ? { pageCounters: spec.pageCounters } : {}),
    ...(spec.pscache !== undefined ? { pscache: spec.pscache } : {}),
    vcpus: spec.vcpus,
    threads: spec.threads,
    ...(spec.setup !== undefined ? { setup: spec.setup.map(([t, c]) => [typeof t === 'number' ? t : names.indexOf(t), c] as const) } : {}),
    witnesses: spec.witnesses ?? [],
    ...(spec.properties !== undefined ? { properties: spec.properties } : {}),
    expect: expectOf(spec),
  };
}

/**
 * Returns the `always` / `sometimes` properties of a scenario's own predicates: each runs as user
 * code (`property NAME`) on the machine's state view; a throw or a non-boolean result is MMC301
 * naming the property.
 */
function userProperties(mm: MmuMachine, props: readonly ScenarioProperty[]): Property[] {
  const view = stateView(mm);
  return props.map((p) => {
    const label = userCodeLabel(`property ${p.name}`);
    return {
      name: p.name,
      expectation: p.kind,
      ...(p.doc !== undefined ? { doc: p.doc } : {}),
      check: (s: Int32Array) => {
        let r: unknown;
        try {
          r = asUserCode(label, () => p.holds(view.of(s)));
        } catch (e) {
          if (e instanceof DiagnosticError) throw e;
          fail('MMC301', `property ${p.name} threw ${(e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0]}`, { subject: p.name });
        }
        if (typeof r !== 'boolean') fail('MMC301', `property ${p.name} returned ${describeValue(r)}: holds(view) returns true or false`, { subject: p.name });
        return r;
      },
    };
  });
}

/** Returns the label of an op call. */
export function opLabel(c: OpCall): string {
  switch (c.op) {
    case 'access':
      return `access(g${c.gfn},${c.write ? 'W' : 'R'}${c.accept !== undefined ? `,accept ${c.accept === 1 ? '4K' : '2M'}` : ''})`;
    case 'memslot-delete':
    case 'memslot-create':
    case 'munmap':
    case 'dirty-log-enable':
    case 'dirty-log-harvest':
      return c.slot === undefined ? c.op : `${c.op}(slot ${c.slot})`;
    case 'zap-range':
    case 'gmem-punch-hole':
    case 'age':
      return `${c.op}(g${c.start}..g${c.end - 1})`;
    case 'page-add':
      return `page-add(g${c.gfn}${c.measure === true ? ',measure' : ''})`;
    case 'nx-recover':
    case 'pre-fault':
      return `${c.op}(g${c.gfn})`;
    case 'memslot-move':
      return `memslot-move(slot ${c.slot ?? 0} to ${c.to})`;
    default:
      return c.op;
  }
}

/**
 * Returns the operation instance of a call. An instance that cannot touch TDX private memory (any
 * call in a default VM, a shared fault in a TD) is marked `sharedOnly`: its TDX steps are dead,
 * and edits must not make them reachable. The call itself is the instance's `params` (`c.params`).
 */
export function instantiate(call: OpCall, o: Options, tdx: boolean, gfns: number, slots: readonly SlotGeometry[] = [{ id: 0, base: 0, pages: gfns }], tdxLocks = false, x: MemslotExtras = {}): OpInstance {
  const inst = { ...instanceOf(call, o, tdx, gfns, slots, tdxLocks, x), params: call };
  return !tdx || (call.op === 'fault' && call.private !== true) ? { ...inst, sharedOnly: true } : inst;
}

/** Returns the operation instance of a call (its steps for the options and VM type). */
function instanceOf(call: OpCall, o: Options, tdx: boolean, gfns: number, slots: readonly SlotGeometry[], tdxLocks: boolean, x: MemslotExtras): OpInstance {
  const mk = (steps: OpInstance['steps']): OpInstance => ({ op: call.op, label: opLabel(call), steps });
  const slotOf = (id: number | undefined): SlotRef => {
    const index = id === undefined ? 0 : slots.findIndex((x) => x.id === id);
    const sl = slots[index];
    if (sl === undefined || (id === undefined && slots.length > 1)) fail('MMC301', `${call.op}: ${id === undefined ? `the scenario has ${slots.length} memslots: name one with slot` : `memslot ${id} does not exist`}; memslot ids: ${slots.map((x) => x.id).join(', ')}`, { subject: 'slot' });
    return { index, id: sl.id, base: sl.base, pages: sl.pages };
  };
  switch (call.op) {
    case 'fault':
      return faultOp(call, o, tdx && tdxLocks);
    case 'access':
      return mk(accessSteps(call, o, tdxLocks));
    case 'zap-range':
      return mk(zapRangeSteps({ start: call.start, end: call.end, filter: 'shared', notifier: true, gmem: false, freePages: true }, o));
    case 'gmem-punch-hole':
      // kvm_gmem_punch_hole: filemap_invalidate_lock around the invalidation and the truncation
      return mk(underLocks(zapRangeSteps({ start: call.start, end: call.end, filter: 'private', notifier: true, gmem: true, freePages: true }, o), { gmem: true }));
    case 'fast-zap':
      return mk(fastZapSteps(o));
    case 'memslot-delete':
      return mk(memslotDeleteSteps(o, tdx, slotOf(call.slot), x));
    case 'memslot-create':
      return mk(memslotCreateSteps(o, slotOf(call.slot), x));
    case 'memslot-move': {
      const from = slotOf(call.slot);
      const to = slotOf(call.to);
      if (to.index === from.index || to.pages !== from.pages) fail('MMC301', `memslot-move: the destination memslot ${to.id} must be another memslot of the same size as memslot ${from.id} (${from.pages} gfns)`, { subject: 'to' });
      return mk(memslotMoveSteps(o, tdx, from, to, x));
    }
    case 'munmap':
      return mk(munmapSteps(o, slotOf(call.slot), x));
    case 'dirty-log-enable':
      // KVM_SET_USER_MEMORY_REGION (the flags update) holds kvm->slots_lock throughout (no option: in
      // the model no verdict depends on it; in the kernel it also keeps the bitmap and memslot alive)
      return mk(underLocks(dirtyLogEnableSteps(o, slotOf(call.slot)), { slots: true }));
    case 'age':
      return mk(ageSteps(o, call.start, call.end));
    case 'unload':
      return mk(unloadSteps());
    case 'dirty-log-harvest':
      // kvm_vm_ioctl_get_dirty_log / kvm_vm_ioctl_clear_dirty_log hold kvm->slots_lock throughout
      return mk(underLocks(dirtyLogHarvestSteps(o, gfns, slotOf(call.slot)), { slots: true }));
    case 'eager-split':
      return mk(eagerSplitSteps(o, gfns));
    case 'nx-recover':
      return mk(nxRecoverSteps(o, call.gfn));
    case 'page-add':
      return faultOp({ gfn: call.gfn, private: true, buildAdd: true, ...(call.measure === true ? { measure: true } : {}) }, o);
    case 'finalize':
      return mk(finalizeSteps());
    case 'pre-fault':
      return faultOp({ gfn: call.gfn, prefault: true }, o);
  }
}

/** What a caller may change on top of a scenario (a variant). */
export interface Variation {
  readonly options?: Readonly<Record<string, unknown>>;
  readonly edits?: readonly StepEdit[];
  readonly name?: string;
}

/** Returns the effective options of a scenario plus a variation. */
export function scenarioOptions(scn: Scenario, v: Variation = {}): Options {
  return withOptions(withOptions(mainlineOptions(), scn.options ?? {}), v.options ?? {});
}

/** Returns the executable machine of a scenario (with a variation applied). */
export function buildMachine(scn: Scenario, v: Variation = {}): MmuMachine {
  const o = scenarioOptions(scn, v);
  const levels = scn.levels ?? 2;
  const gfns = 1 << levels;
  const tdx = scn.vm === 'tdx';
  const priv = scn.privateGfns ?? [];
  const memslots = scn.memslots ?? defaultMemslots(scn.vm, levels);
  const slots: SlotGeometry[] = memslots.map((sl) => ({ id: sl.id, base: sl.base, pages: sl.pages }));
  const pfns = scn.host?.pfns ?? Array.from({ length: gfns }, (_, g) => g);
  const huge = scn.host?.huge ?? true;
  const hostLevel = pfns.map((_, g) => (huge === true ? levels : huge !== false && huge.includes(g) ? 2 : 1));
  const locks = tdx && scn.tdxLocks === true;
  // tdx_bringup (vmx/tdx.c, 6.16+) disables TDX unless the TDP MMU, enable_mmio_caching and
  // enable_ept_ad_bits are all on: a TD's emulated MMIO needs MMIO SPTEs (they leave suppress-#VE
  // clear, so the guest gets a #VE and asks for emulation with a TDVMCALL)
  if (tdx && scn.mmioCaching === false) fail('MMC301', "mmioCaching: false with vm: 'tdx': KVM does not offer TDX without MMIO caching (tdx_bringup disables TDX when enable_mmio_caching is off)", { subject: 'mmioCaching' });
  // the same check of tdx_bringup also needs EPT A/D bits (enable_ept_ad_bits)
  if (tdx && !o.eptAd) fail('MMC301', "eptAd: false with vm: 'tdx': KVM does not offer TDX without EPT A/D bits (tdx_bringup disables TDX when enable_ept_ad_bits is off)", { subject: 'eptAd' });
  // munmap names the memslot whose backing it unmaps; a moved slot's backing follows it to its destination
  const calls = [...scn.threads.flatMap((t) => t.script), ...(scn.setup ?? []).map(([, c]) => c)];
  for (const c of calls) {
    if (c.op === 'memslot-move' && memslots.find((sl) => sl.id === (c.slot ?? memslots[0]!.id))?.gmem === true) {
      fail('MMC301', `memslot-move: memslot ${c.slot ?? memslots[0]!.id} is bound to guest_memfd, and KVM refuses to move such a slot (-EINVAL)`, { subject: 'slot' });
    }
    if (c.op === 'munmap' && calls.some((x) => x.op === 'memslot-move' && (x.slot ?? 0) === (c.slot ?? 0))) {
      fail('MMC301', `munmap: memslot ${c.slot ?? 0} is moved by memslot-move; its backing moves with it: munmap the destination memslot`, { subject: 'slot' });
    }
  }
  // the MMIO generation wrap (kvm_mmu_invalidate_mmio_sptes): its steps join the memslot updates only
  // when the scenario's updates can reach it (the generation number starts at 0 and each update adds
  // one; it wraps at 2^mmioGenBits)
  const updates = calls.reduce((n, c) => n + (c.op === 'memslot-create' ? 1 : c.op === 'memslot-delete' || c.op === 'memslot-move' ? 2 : 0), 0);
  const wrap = updates >= 1 << (scn.mmioGenBits ?? 6);
  if (wrap && o.memslotGenUpdate !== 'in-progress') fail('MMC301', `mmioGenBits: the MMIO generation wrap is modelled with memslotGenUpdate 'in-progress' only (the zap runs between synchronize_srcu and the generation store)`, { subject: 'mmioGenBits' });
  // a munmap and the memslot updates of another thread (52ac8b358b0c): range_start counts the munmap in
  // mn_active_invalidate_count, range_end looks the memslots up again, installs wait for the count
  // (only threads' scripts: setup runs one operation at a time)
  const isUpdate = (c: OpCall): boolean => c.op === 'memslot-create' || c.op === 'memslot-delete' || c.op === 'memslot-move';
  const mnWait = scn.threads.some((t, i) => t.script.some((c) => c.op === 'munmap') && scn.threads.some((u, j) => j !== i && u.script.some(isUpdate)));
  const x: MemslotExtras = { ...(wrap ? { wrap } : {}), ...(mnWait ? { mnWait } : {}) };
  const threads = scn.threads.map((t) => ({ name: t.name, ops: t.script.map((c) => instantiate(c, o, tdx, gfns, slots, locks, x)) }));
  const setup = (scn.setup ?? []).map(([thread, c]) => ({ thread, op: instantiate(c, o, tdx, gfns, slots, locks, x) }));
  const vcpus = scn.vcpus;
  // SPTE words: era 6.13, EPT (tdx in a TD) until the scenario format carries an era/flavour field.
  const words = new SpteWords({ flavour: tdx ? 'tdx' : 'ept', ad: o.eptAd });
  return new MmuMachine({
    name: v.name ?? scn.name,
    geometry: {
      levels,
      vcpus,
      tables: scn.bounds?.tables ?? 8,
      roots: scn.bounds?.roots ?? 3,
      pages: scn.bounds?.pages ?? defaultPages(pfns),
      ...(scn.memslots !== undefined ? { memslots: slots } : {}),
      ...(scn.host?.huge !== undefined && scn.host.huge !== true ? { hostLevel } : {}),
      // the NX metadata joins the state only when a fault splits for the mitigation
      ...([...scn.threads.flatMap((t) => t.script), ...(scn.setup ?? []).map(([, c]) => c)].some((c) => c.op === 'fault' && c.nx === true) ? { nxMeta: true } : {}),
      ...(locks ? { tdxLocks: true } : {}),
      ...(scn.mmioGenBits !== undefined ? { mmioGenBits: scn.mmioGenBits } : {}),
      ...(scn.mmioCache === true ? { mmioCache: true } : {}),
      ...(scn.mmioCaching === false ? { mmioCaching: false } : {}),
      // the counters join the state when the scenario asks, or when an option changes how they are kept
      ...(scn.pageCounters === true || o.tdpMmuPagesAccount !== 'atomic' ? { counters: true } : {}),
      ...(scn.pscache === true ? { pscache: true } : {}),
      // the guest-inhibit word joins the state only when a private fault carries a guest accept level
      ...(tdx && o.tdxHugePages && [...scn.threads.flatMap((t) => t.script), ...(scn.setup ?? []).map(([, c]) => c)].some((c) => c.op === 'fault' && c.accept !== undefined) ? { tdxHuge: true } : {}),
    },
    options: o as unknown as Record<string, string | number | boolean>,
    threads,
    setup,
    ...(v.edits ? { edits: v.edits } : {}),
    from: scn.name,
    operations: OPERATIONS,
    init: (s: Int32Array, m: MmuLayout) => {
      const gmemSlots = memslots.reduce((a, sl, k) => (sl.gmem === true ? a | m.slotMasks[k]! : a), 0);
      s[G.privateGfns] = priv.reduce((a, g) => a | (1 << g), 0);
      s[G.gmemBound] = s[G.privateGfns]! & (scn.memslots === undefined ? -1 : gmemSlots);
      if (scn.tdBuilding) s[G.tdState] = 1;
      for (let g = 0; g < gfns; g++) {
        s[m.page(pfns[g]!)] = P.allocated;
        s[m.pfnOf(g)] = pfns[g]!;
      }
      memslots.forEach((sl, k) => {
        if (sl.dirtyLog === true) s[m.slot(k, MS.dirtyLog)] = 2;
        if (sl.present === false) s[m.slot(k, MS.state)] = SLOT.deleted;
      });
      const mkRoot = (slot: number, table: number, mirror: boolean): void => {
        s[m.table(table, 0)] = 1; // live
        s[m.table(table, 1)] = levels;
        s[m.table(table, 3)] = mirror ? 1 : 0;
        s[m.root(slot, R.table)] = table;
        s[m.root(slot, R.flags)] = RF.used | (mirror ? RF.mirror : 0);
        s[m.root(slot, R.ref)] = 1 + vcpus;
      };
      mkRoot(0, 0, false);
      if (tdx) mkRoot(1, 1, true);
      for (let vc = 0; vc < vcpus; vc++) {
        s[m.vcpu(vc, V.droot)] = 0;
        s[m.vcpu(vc, V.mroot)] = tdx ? 1 : -1;
      }
    },
    properties: (mm) => [...mmuProperties(mm, o, scn.witnesses), spteClassificationProperty(mm, words), ...userProperties(mm, scn.properties ?? [])],
    display: words.display(),
    cites: kernelFunctionOf,
    footprints: (op) => opFootprint(op, o, x),
    ...(scn.symmetricGfns !== undefined ? { symmetricGfns: scn.symmetricGfns } : {}),
  });
}
