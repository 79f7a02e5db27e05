/**
 * Scenario files: a whole bounded system written as data, checked with `mmucheck check --model
 * FILE`. A scenario names its VM type, tree depth, vCPUs, private gfns, the threads with their
 * scripts of operation calls, the setup run before exploration, options, the race witnesses the
 * exploration must reach, extra properties over the state view, and the verdict it expects. The
 * registered scenarios (`mmucheck list`) are written in this same format.
 *
 * What the executable MMU has, and so what a scenario can say: a tree of `levels` levels with
 * fan-out 2, hence gfns 0..2^levels-1 (0..3 or 0..7); each gfn backed by a host page (`host.pfns`,
 * default pfn = gfn) the host may map huge (`host.huge`); memslots over disjoint gfn ranges
 * (`memslots`, default one slot, id 0, covering every gfn), each deleted, dirty-logged and
 * harvested on its own (`slot` of those calls); pool sizes (`bounds`). In a TD (`vm: 'tdx'`) the
 * gfns of `privateGfns` are private (guest_memfd, mirror root, S-EPT); every other gfn is shared.
 *
 * Nothing in a scenario is silently ignored: {@link checkScenario} checks the whole shape and
 * raises MMC301 naming the field (`threads[2].script[0].gfn: 9 is out of range; gfns are 0..3`).
 *
 * @example
 *   // my-scenario.ts
 *   import { scenario } from 'mmucheck';
 *   export default scenario({
 *     name: 'two-faults',
 *     vm: 'default',
 *     vcpus: 2,
 *     threads: [
 *       { name: 'V0', script: [{ op: 'fault', gfn: 0, write: true }] },
 *       { name: 'V1', script: [{ op: 'fault', gfn: 1, write: true }] },
 *     ],
 *     witnesses: ['cas-failed'],
 *     expect: 'holds',
 *   });
 */
import { fail } from '../core/diagnostic.js';
import { INVARIANT_DOC, WITNESS, type WitnessName } from './names.js';
import { describeValue } from './program.js';
import type { StateView } from './view.js';
import { isObject } from '../core/shape.js';

/** One operation call in a thread's script (`mmucheck list --operations` lists them with their steps). */
export type OpCall =
  /** A vCPU's EPT violation for `gfn`: a write fault when `write`, a private (S-EPT) fault when `private`, mapped at `level` (1 = 4K, 2 = 2M, 3 = 1G), through the lockless fast path first when `fast`; an instruction fetch under the NX huge page mitigation when `nx` (mapped at 4K; the tables it links are possible NX huge pages, tracked for `nx-recover`); for a private fault, `accept` is the level of the guest TDG.MEM.PAGE.ACCEPT whose EPT violation this is (1 = 4K, 2 = 2M; the TDX module reports it in the exit qualification; needs tdxHugePages). */
  | { readonly op: 'fault'; readonly gfn: number; readonly write?: boolean; readonly private?: boolean; readonly level?: number; readonly fast?: boolean; readonly nx?: boolean; readonly accept?: number }
  /** The guest reads (or writes when `write`) `gfn` through its TLB or a page walk; a private gfn not yet accepted is accepted first, at level `accept` (1 = 4K, 2 = 2M, falling back to 4K on TDX_PAGE_SIZE_MISMATCH; default: the level S-EPT maps it at). */
  | { readonly op: 'access'; readonly gfn: number; readonly write?: boolean; readonly accept?: number }
  /** An mmu_notifier invalidation of the shared gfns start..end-1 (host pages freed afterwards). */
  | { readonly op: 'zap-range'; readonly start: number; readonly end: number }
  /** guest_memfd PUNCH_HOLE of the private gfns start..end-1 (TD only). */
  | { readonly op: 'gmem-punch-hole'; readonly start: number; readonly end: number }
  /** kvm_mmu_zap_all_fast: invalidate every root and zap them (under kvm->slots_lock, like `memslot-delete`: the two never interleave). */
  | { readonly op: 'fast-zap' }
  /** Delete memslot `slot` (its id; default the only slot): invalidate, synchronize SRCU, zap, delete. */
  | { readonly op: 'memslot-delete'; readonly slot?: number }
  /** Create memslot `slot` (its id; a memslot with `present: false`, or one deleted before): install it, synchronize SRCU. */
  | { readonly op: 'memslot-create'; readonly slot?: number }
  /** Move memslot `slot` to the gfns of memslot `to` (a memslot with `present: false` of the same size): invalidate, synchronize SRCU, zap, install at the new base. */
  | { readonly op: 'memslot-move'; readonly slot?: number; readonly to: number }
  /** Userspace munmaps the host memory backing memslot `slot`: its pages are freed (an invalidation zaps the gfns first only while the slot is in the memslots). */
  | { readonly op: 'munmap'; readonly slot?: number }
  /** Enable dirty logging on memslot `slot` (default the only slot): write-protect its leaves. */
  | { readonly op: 'dirty-log-enable'; readonly slot?: number }
  /** Age the gfns start..end-1 (clear Accessed or mark for access tracking). */
  | { readonly op: 'age'; readonly start: number; readonly end: number }
  /** kvm_mmu_unload on a vCPU: drop its root references. */
  | { readonly op: 'unload' }
  /** KVM_GET_DIRTY_LOG / CLEAR on memslot `slot` (default the only slot): take its dirty bits and write-protect again. */
  | { readonly op: 'dirty-log-harvest'; readonly slot?: number }
  /** Eager page splitting of every huge leaf. */
  | { readonly op: 'eager-split' }
  /** NX huge page recovery of the table that maps `gfn` (with `nx` faults in the scenario: of the possible NX huge page on the list that covers `gfn`). */
  | { readonly op: 'nx-recover'; readonly gfn: number }
  /** KVM_TDX_INIT_MEM_REGION: TDH.MEM.PAGE.ADD of the private `gfn` while the TD is built. */
  | { readonly op: 'page-add'; readonly gfn: number; readonly measure?: boolean }
  /** KVM_PRE_FAULT_MEMORY of the shared `gfn` (kvm_tdp_map_page: the fault re-executed while it returns RET_PF_RETRY, SRCU held). */
  | { readonly op: 'pre-fault'; readonly gfn: number }
  /** KVM_TDX_FINALIZE_VM: TDH.MR.FINALIZE, the TD becomes runnable. */
  | { readonly op: 'finalize' };

/** The operation names a script may call. */
export const OPERATIONS = [
  'fault',
  'access',
  'zap-range',
  'gmem-punch-hole',
  'fast-zap',
  'memslot-delete',
  'memslot-create',
  'memslot-move',
  'munmap',
  'dirty-log-enable',
  'dirty-log-harvest',
  'eager-split',
  'nx-recover',
  'age',
  'unload',
  'page-add',
  'finalize',
  'pre-fault',
] as const;

/** An operation name. */
export type OperationName = (typeof OPERATIONS)[number];

/** A thread of a scenario: vCPU threads come first (`vcpus` of them), host threads after. */
export interface ThreadScript {
  /** Shown in traces, e.g. `V0`, `N` (notifier), `M` (memslot ioctl). Unique in the scenario. */
  readonly name: string;
  readonly script: readonly OpCall[];
}

/** A setup call: the thread (its name or index) and the operation it runs to completion before exploration. */
export type SetupCall = readonly [thread: string | number, call: OpCall];

/** An extra property: a predicate over the state view, checked in every reachable state. */
export interface ScenarioProperty {
  /** `always`: must hold in every reachable state; `sometimes`: must hold in at least one. */
  readonly kind: 'always' | 'sometimes';
  /** Unique among the scenario's properties, not an invariant (I1..I13) or witness name. */
  readonly name: string;
  /** One sentence: what it means (shown in reports). */
  readonly doc?: string;
  /** Returns true when the property holds in the state `view` shows. Synchronous, no side effects. */
  holds(view: StateView): boolean;
}

/** The verdict a scenario expects. */
export interface ScenarioExpect {
  readonly verdict: 'holds' | 'violated';
  /** For violations: the `always` property expected to break first (BFS, shortest path). */
  readonly property?: string;
  /** Why (the commit or changelog it models). */
  readonly note?: string;
}

/** One memslot of a scenario (`memslots`): the gfns base..base+pages-1, disjoint from the other slots. */
export interface MemslotSpec {
  /** The slot id operations name (`{ op: 'memslot-delete', slot: 1 }`); unique, 0..32767. */
  readonly id: number;
  /** Its first gfn. */
  readonly base: number;
  /** Its number of gfns (at least 1). */
  readonly pages: number;
  /** KVM_MEM_LOG_DIRTY_PAGES: dirty logging is on when exploration starts (default false). */
  readonly dirtyLog?: boolean;
  /** KVM_MEM_GUEST_MEMFD: the slot is bound to guest_memfd, which backs its private gfns (TD only; a TD's private gfns must be in such a slot). */
  readonly gmem?: boolean;
  /** The slot is in the memslots when exploration starts (default true); false: its gfns have no memslot until `memslot-create` installs it. */
  readonly present?: boolean;
}

/** The host mapping (`host`): which host page backs each gfn, and where the host maps huge pages. */
export interface HostSpec {
  /** The pfn backing each gfn (one per gfn, distinct, each below `bounds.pages`); default pfn = gfn. */
  readonly pfns?: readonly number[];
  /**
   * Where the host maps the backing with a huge page (THP or hugetlbfs): `true` (default) as large
   * as the tree's levels wherever the pfns are contiguous, `false` nowhere (4K host pages), or the
   * gfns whose page the host maps with a 2M page (each with the gfn backed by the other half of
   * that 2M host page: gfn + (pfn ^ 1) - pfn, listed too).
   */
  readonly huge?: boolean | readonly number[];
}

/** Pool sizes of the executable MMU (`bounds`). */
export interface BoundsSpec {
  /** Page-table pages, roots included (default 8; 2..63). */
  readonly tables?: number;
  /** Root slots (default 3; 1..8, a TD needs 2). */
  readonly roots?: number;
  /** Host pages (default: the highest pfn + 1 + one spare per gfn, at least 2 per gfn, at most 63; the pfns of `host` must be below it). */
  readonly pages?: number;
}

/** A scenario as written in a scenario file (and in model/mmu/scenarios.ts). */
export interface ScenarioSpec {
  /** Stable name, e.g. `tdx/2m-vs-4k/freeze`. */
  readonly name: string;
  /** One line shown by `mmucheck list` (default: the name). */
  readonly title?: string;
  /** Longer explanation. */
  readonly doc?: string;
  /** `default` (a normal VM) or `tdx` (a TD: private gfns, mirror root, S-EPT, SEAMCALLs). */
  readonly vm: 'default' | 'tdx';
  /** Levels of the TDP tree: 2 (gfns 0..3, 4K and 2M leaves) or 3 (gfns 0..7, also 1G). Default 2. */
  readonly levels?: 2 | 3;
  /** vCPUs: the first `vcpus` threads are vCPU threads (1..8). */
  readonly vcpus: number;
  /** TD only: the private gfns. */
  readonly privateGfns?: readonly number[];
  /** TD only: the TD is still being built (before TDH.MR.FINALIZE): private installs use PAGE.ADD, vCPUs cannot enter. */
  readonly tdBuilding?: boolean;
  /**
   * TD only: model the TDX module's own locks (S-EPT tree lock, TD epoch lock, the host-priority
   * bit, zero-step mitigation); TDH.VP.ENTER then takes two steps. Default false: SEAMCALLs contend
   * only on the entry locks guest TDCALLs hold.
   */
  readonly tdxLocks?: boolean;
  /**
   * Bits of the memslots generation number an MMIO SPTE stores, 1..6 (default 6, the model's MMIO
   * SPTE field; the kernel stores 19). With 1 or 2 the generation wraps after 2 or 4 memslot
   * updates, and each update whose new number is 0 zaps every root first
   * (kvm_mmu_invalidate_mmio_sptes, option `mmioGenWrapZap`).
   */
  readonly mmioGenBits?: number;
  /**
   * Model the per-vCPU MMIO cache (vcpu->arch.mmio_gfn and mmio_gen): a fault on a gfn without a
   * memslot and an access that finds a current MMIO SPTE cache the gfn with the memslots
   * generation; an access on an MMIO SPTE checks the cache first (option `mmioCacheGenCheck`).
   * Default false: no cache words in the state.
   */
  readonly mmioCache?: boolean;
  /**
   * KVM's enable_mmio_caching (module parameter `mmio_caching`; KVM also turns it off when the
   * SPTE layout leaves no usable reserved bits, e.g. some SME/MKTME configurations): false, a fault
   * on a gfn without a memslot is emulated at once and never installs an MMIO SPTE
   * (kvm_handle_noslot_fault), so every access to the gfn faults again. Default true. Not with
   * vm: 'tdx' (KVM refuses TDX without MMIO caching).
   */
  readonly mmioCaching?: boolean;
  /**
   * Keep the page-table page counters in the state: kvm->arch.tdp_mmu_pages (tables linked below
   * the roots) and kvm->stat.nx_lpage_splits (tables on possible_nx_huge_pages), checked against
   * the tree by I12 (option `tdpMmuPagesAccount`). Default false (no words), also on when that
   * option is not `atomic`.
   */
  readonly pageCounters?: boolean;
  /**
   * Model the vCPUs' paging-structure caches (protocol sheet §5.2 `pscache`; a hardware feature,
   * not a KVM choice): a guest access whose walk of the direct root goes through a page table
   * caches the table; a TLB flush of the vCPU (remote flush, new root load) empties the cache; I1
   * then also holds when no vCPU's cache points at a freed table (the walker could read freed
   * memory). Default false: no cache word in the state (leaf TLB entries only).
   */
  readonly pscache?: boolean;
  /** The memslots (default: one slot, id 0, covering every gfn, bound to guest_memfd in a TD). Gfns outside every slot have no memslot: a fault there exits to userspace. */
  readonly memslots?: readonly MemslotSpec[];
  /** The host mapping: pfns and huge pages (default: pfn = gfn, huge wherever contiguous). */
  readonly host?: HostSpec;
  /** Pool sizes (tables, roots, host pages). */
  readonly bounds?: BoundsSpec;
  /**
   * Pairs of gfns the scenario declares interchangeable (gfn symmetry, safety mode): each pair is
   * the two gfns of one leaf table, `[2k, 2k+1]` with k ≥ 1. The checker swaps them together with
   * the threads whose scripts name them; at load it refuses (MMC301) a declaration the scenario
   * does not bear out: a thread without a counterpart, an operation walking both gfns in order
   * (a range over both, fast-zap, eager-split, a memslot operation on their slot), a huge host
   * mapping over them, different memslots or attributes, or properties of the scenario's own.
   */
  readonly symmetricGfns?: readonly (readonly number[])[];
  /** 1..8 threads, vCPU threads first. */
  readonly threads: readonly ThreadScript[];
  /** Operations run to completion before exploration, one after another. */
  readonly setup?: readonly SetupCall[];
  /** Option values (`mmucheck list --options`); the rest are mainline. */
  readonly options?: Readonly<Record<string, string | number | boolean>>;
  /** Race witnesses the exploration must reach (`sometimes`; `mmucheck list` names them). */
  readonly witnesses?: readonly WitnessName[];
  /** Extra `always` / `sometimes` properties. */
  readonly properties?: readonly ScenarioProperty[];
  /** The verdict the author expects: `'holds'`, `'violated'`, or with the property that breaks. */
  readonly expect: 'holds' | 'violated' | ScenarioExpect;
}

/** Returns the scenario unchanged (a typed identity for scenario files). */
export function scenario(s: ScenarioSpec): ScenarioSpec {
  return s;
}

/** What a scenario is checked against: the options that exist, with their values. */
export interface ScenarioCatalogue {
  readonly options: Readonly<Record<string, { readonly values: readonly (string | number | boolean)[]; readonly mainline?: string | number | boolean }>>;
}

/** The witness names (`sometimes` properties every scenario may ask for). */
export const WITNESS_NAMES: readonly string[] = Object.keys(WITNESS);
/** The invariant names I1..I13 (`always` properties of every scenario). */
export const INVARIANT_NAMES: readonly string[] = Object.keys(INVARIANT_DOC);

/** The keys a scenario may have. */
export const SCENARIO_KEYS = ['name', 'title', 'doc', 'vm', 'levels', 'vcpus', 'privateGfns', 'tdBuilding', 'tdxLocks', 'mmioGenBits', 'mmioCache', 'mmioCaching', 'pageCounters', 'pscache', 'memslots', 'host', 'bounds', 'threads', 'setup', 'options', 'witnesses', 'properties', 'symmetricGfns', 'expect'] as const;

/** At most this many threads (the state layout's limit). */
export const MAX_THREADS = 8;

/** The built-in `always` properties besides I1-I12 (a user property may not take their names). */
export const BUILT_IN_PROPERTIES: readonly string[] = ['spte-classification'];

/** The parameters of each operation: name -> required. */
/** Each operation's parameters and their kinds (`mmucheck list --operations`). */
export const PARAMS: Readonly<Record<OperationName, Readonly<Record<string, 'int' | 'bool'>>>> = {
  fault: { gfn: 'int', write: 'bool', private: 'bool', level: 'int', fast: 'bool', nx: 'bool', accept: 'int' },
  access: { gfn: 'int', write: 'bool', accept: 'int' },
  'zap-range': { start: 'int', end: 'int' },
  'gmem-punch-hole': { start: 'int', end: 'int' },
  'fast-zap': {},
  'memslot-delete': { slot: 'int' },
  'memslot-create': { slot: 'int' },
  'memslot-move': { slot: 'int', to: 'int' },
  munmap: { slot: 'int' },
  'dirty-log-enable': { slot: 'int' },
  'dirty-log-harvest': { slot: 'int' },
  'eager-split': {},
  'nx-recover': { gfn: 'int' },
  age: { start: 'int', end: 'int' },
  unload: {},
  'page-add': { gfn: 'int', measure: 'bool' },
  finalize: {},
  'pre-fault': { gfn: 'int' },
};

/** Parameters every call of the operation must give. */
/** The parameters each operation requires. */
export const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  fault: ['gfn'],
  access: ['gfn'],
  'zap-range': ['start', 'end'],
  'gmem-punch-hole': ['start', 'end'],
  age: ['start', 'end'],
  'nx-recover': ['gfn'],
  'page-add': ['gfn'],
  'pre-fault': ['gfn'],
  'memslot-move': ['to'],
};

/** Operations that run on a vCPU (they use the vCPU's roots, TLB or guest mode). */
const VCPU_OPS: readonly string[] = ['fault', 'access', 'unload', 'page-add', 'pre-fault'];

/** What calls are checked against: the system the scenario describes. */
export interface ScenarioSystem {
  readonly vm: 'default' | 'tdx';
  readonly levels: 2 | 3;
  readonly vcpus: number;
  readonly privateGfns: readonly number[];
  readonly tdBuilding: boolean;
  /** Private memory may be mapped by huge pages (option `tdxHugePages`). */
  readonly privateHuge: boolean;
  /** The memslot ids (a call's `slot` names one). */
  readonly slots: readonly number[];
}

/** Raises MMC301 `at: message`, with `at` as the subject. */
function bad(at: string, message: string): never {
  return fail('MMC301', `${at}: ${message}`, { subject: at });
}

/** Raises MMC301 for the first key of `o` not in `allowed`. */
function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], at: string, what: string): void {
  const k = Object.keys(o).find((key) => !allowed.includes(key));
  if (k !== undefined) bad(at === '' ? k : `${at}.${k}`, `unknown key; ${what} has: ${allowed.join(', ')}`);
}

/** Returns `x` as an integer in lo..hi or raises MMC301 naming `at` and the range (`what` names it). */
function intIn(x: unknown, at: string, lo: number, hi: number, what: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) bad(at, `must be an integer, got ${describeValue(x)}`);
  if (x < lo || x > hi) bad(at, `${x} is out of range; ${what} ${lo}..${hi}`);
  return x;
}

/** Returns the highest gfn of a system. */
const lastGfn = (sys: ScenarioSystem): number => (1 << sys.levels) - 1;

/** Checks the parameters' types and ranges of one call (the operation is known). */
function checkParams(c: Record<string, unknown>, op: OperationName, at: string, sys: ScenarioSystem): void {
  const params = PARAMS[op];
  onlyKeys(c, ['op', ...Object.keys(params)], at, `operation '${op}'`);
  for (const p of REQUIRED[op] ?? []) if (c[p] === undefined) bad(`${at}.${p}`, `missing; operation '${op}' needs ${(REQUIRED[op] ?? []).join(', ')}`);
  for (const [p, type] of Object.entries(params)) {
    const v = c[p];
    if (v === undefined) continue;
    if (type === 'bool' && typeof v !== 'boolean') bad(`${at}.${p}`, `must be true or false, got ${describeValue(v)}`);
    if (p === 'slot' || p === 'to') {
      if (!sys.slots.includes(v as number)) bad(`${at}.${p}`, `${describeValue(v)} is not a memslot of the scenario; memslot ids: ${sys.slots.join(', ')}`);
    } else if (type === 'int' && p === 'level') intIn(v, `${at}.level`, 1, sys.levels, `levels are`);
    else if (type === 'int' && p === 'accept') intIn(v, `${at}.accept`, 1, 2, 'accept levels (TDG.MEM.PAGE.ACCEPT: 1 = 4K, 2 = 2M) are');
    else if (type === 'int' && p === 'end') intIn(v, `${at}.end`, 1, lastGfn(sys) + 1, 'range ends (exclusive) are');
    else if (type === 'int') intIn(v, `${at}.${p}`, 0, lastGfn(sys), 'gfns are');
  }
  if ('slot' in params && c['slot'] === undefined && sys.slots.length > 1) {
    bad(`${at}.slot`, `missing; the scenario has ${sys.slots.length} memslots (ids ${sys.slots.join(', ')}): name the one '${op}' works on`);
  }
  if (typeof c['start'] === 'number' && typeof c['end'] === 'number' && c['start'] >= c['end']) {
    bad(`${at}.end`, `the range ${c['start']}..${c['end'] as number - 1} is empty; end is exclusive and must be above start`);
  }
}

/** Checks what a call needs of the system: a TD, a private gfn, a TD being built, a vCPU thread. */
function checkFits(c: OpCall, at: string, sys: ScenarioSystem, thread: number, threadAt: string): void {
  const tdx = sys.vm === 'tdx';
  const privList = `privateGfns: [${sys.privateGfns.join(', ')}]`;
  if (VCPU_OPS.includes(c.op) && thread >= sys.vcpus) {
    bad(at, `${c.op} runs on a vCPU, but ${threadAt} is a host thread; the first ${sys.vcpus} thread(s) are the vCPUs (vcpus: ${sys.vcpus})`);
  }
  if (c.op === 'fault' && c.private === true) {
    if (!tdx) bad(`${at}.private`, "a private fault needs vm: 'tdx' (this is a default VM)");
    if (!sys.privateGfns.includes(c.gfn)) bad(`${at}.gfn`, `a private fault of gfn ${c.gfn}, which is not private (${privList})`);
    if (c.fast === true) bad(`${at}.fast`, 'the lockless fast page fault never handles private gfns');
    if (c.nx === true) bad(`${at}.nx`, 'private memory is never split for the NX huge page mitigation (mirror roots have no possible NX huge pages)');
    if ((c.level ?? 1) > 1 && !sys.privateHuge) bad(`${at}.level`, 'a private huge-page fault needs options: { tdxHugePages: true } (without it private memory is mapped at 4K only)');
  }
  if (c.op === 'fault' && c.accept !== undefined) {
    if (c.private !== true) bad(`${at}.accept`, 'an accept level comes with a private fault (private: true): only a guest ACCEPT of private memory reports one');
    if (!sys.privateHuge) bad(`${at}.accept`, 'a fault with the guest\'s accept level needs options: { tdxHugePages: true } (mainline KVM maps private memory at 4K only and ignores it)');
  }
  if (c.op === 'access' && c.accept !== undefined) {
    if (!tdx || !sys.privateGfns.includes(c.gfn)) bad(`${at}.accept`, `an accept level needs a private gfn of a TD (${privList})`);
  }
  if (c.op === 'gmem-punch-hole' && !tdx) bad(at, "gmem-punch-hole needs vm: 'tdx' (guest_memfd backs the private gfns of a TD)");
  if (c.op === 'page-add' || c.op === 'finalize') {
    if (!tdx || !sys.tdBuilding) bad(at, `${c.op} needs a TD being built (vm: 'tdx', tdBuilding: true)`);
  }
  if (c.op === 'page-add' && !sys.privateGfns.includes(c.gfn)) bad(`${at}.gfn`, `page-add of gfn ${c.gfn}, which is not private (${privList})`);
}

/**
 * Returns `x` as an operation call after checking it (MMC301 naming the field otherwise): a known
 * operation, only its parameters with their types, gfns and levels in range, and what it needs of
 * the system (see `checkFits`). `thread` is the index of the thread that runs it.
 */
export function checkCall(x: unknown, at: string, sys: ScenarioSystem, thread: number, threadAt: string): OpCall {
  if (!isObject(x)) bad(at, `must be an operation call like { op: 'fault', gfn: 0 }, got ${describeValue(x)}`);
  const op = x['op'];
  if (typeof op !== 'string' || !(OPERATIONS as readonly string[]).includes(op)) {
    bad(`${at}.op`, `${typeof op === 'string' ? `unknown operation '${op}'` : `must be an operation name, got ${describeValue(op)}`}; operations: ${OPERATIONS.join(', ')}`);
  }
  checkParams(x, op as OperationName, at, sys);
  checkFits(x as unknown as OpCall, at, sys, thread, threadAt);
  return x as unknown as OpCall;
}

/**
 * Checks a list of threads (`at`, e.g. `threads` or `addThreads`), whose first thread has index
 * `first` in the scenario; `names` collects the names seen so far (unique across the scenario).
 */
export function checkThreads(x: unknown, at: string, sys: ScenarioSystem, first: number, names: string[]): readonly ThreadScript[] {
  if (!Array.isArray(x)) bad(at, `must be an array of threads like [{ name: 'V0', script: [...] }], got ${describeValue(x)}`);
  x.forEach((t, i) => {
    const tAt = `${at}[${i}]`;
    if (!isObject(t)) bad(tAt, `must be a thread like { name: 'V0', script: [...] }, got ${describeValue(t)}`);
    onlyKeys(t, ['name', 'script'], tAt, 'a thread');
    const name = t['name'];
    if (typeof name !== 'string' || name === '') bad(`${tAt}.name`, `must be a non-empty string, got ${describeValue(name)}`);
    if (names.includes(name)) bad(`${tAt}.name`, `'${name}' is already the name of another thread; thread names are unique`);
    names.push(name);
    const script = t['script'];
    if (!Array.isArray(script)) bad(`${tAt}.script`, `must be an array of operation calls, got ${describeValue(script)}`);
    script.forEach((c, j) => checkCall(c, `${tAt}.script[${j}]`, sys, first + i, `${tAt} ('${name}')`));
  });
  const total = first + x.length;
  if (total > MAX_THREADS) bad(at, `${total} threads; a scenario has at most ${MAX_THREADS}`);
  return x as readonly ThreadScript[];
}

/** Checks the setup calls against the scenario's thread names; returns them. */
export function checkSetup(x: unknown, at: string, sys: ScenarioSystem, names: readonly string[]): readonly SetupCall[] {
  if (!Array.isArray(x)) bad(at, `must be an array of [thread, call] pairs like [['V0', { op: 'fault', gfn: 0 }]], got ${describeValue(x)}`);
  x.forEach((p, i) => {
    const pAt = `${at}[${i}]`;
    if (!Array.isArray(p) || p.length !== 2) bad(pAt, `must be a pair [thread, call] (a thread name or index, then an operation call), got ${describeValue(p)}`);
    const th = p[0] as unknown;
    const index = typeof th === 'string' ? names.indexOf(th) : typeof th === 'number' && Number.isInteger(th) && th >= 0 && th < names.length ? th : -1;
    if (index < 0) bad(`${pAt}[0]`, `${describeValue(th)} is not a thread of the scenario; threads: ${names.map((n, k) => `${k} '${n}'`).join(', ')}`);
    checkCall(p[1], `${pAt}[1]`, sys, index, `thread '${names[index]}'`);
  });
  return x as readonly SetupCall[];
}

/** Checks a list of witness names (known, no repeats) and returns it. */
export function checkWitnesses(x: unknown, at: string, known: readonly string[]): readonly WitnessName[] {
  if (!Array.isArray(x)) bad(at, `must be an array of witness names, got ${describeValue(x)}`);
  x.forEach((w, i) => {
    if (typeof w !== 'string' || !known.includes(w)) bad(`${at}[${i}]`, `${describeValue(w)} is not a witness; witnesses: ${known.join(', ')}`);
    if (x.indexOf(w) !== i) bad(`${at}[${i}]`, `'${w}' is listed twice`);
  });
  return x as readonly WitnessName[];
}

/** Checks a list of extra properties (shape, kind, unique names outside `taken`) and returns it. */
export function checkProperties(x: unknown, at: string, taken: string[]): readonly ScenarioProperty[] {
  if (!Array.isArray(x)) bad(at, `must be an array of properties like [{ kind: 'always', name: 'p', holds: (v) => ... }], got ${describeValue(x)}`);
  x.forEach((p, i) => {
    const pAt = `${at}[${i}]`;
    if (!isObject(p)) bad(pAt, `must be a property like { kind: 'always', name: 'p', holds: (v) => ... }, got ${describeValue(p)}`);
    onlyKeys(p, ['kind', 'name', 'doc', 'holds'], pAt, 'a property');
    if (p['kind'] !== 'always' && p['kind'] !== 'sometimes') bad(`${pAt}.kind`, `must be 'always' or 'sometimes', got ${describeValue(p['kind'])}`);
    const name = p['name'];
    if (typeof name !== 'string' || name === '') bad(`${pAt}.name`, `must be a non-empty string, got ${describeValue(name)}`);
    if (taken.includes(name)) bad(`${pAt}.name`, `'${name}' is already the name of an invariant, witness or property`);
    taken.push(name);
    if (p['doc'] !== undefined && typeof p['doc'] !== 'string') bad(`${pAt}.doc`, `must be a string, got ${describeValue(p['doc'])}`);
    if (typeof p['holds'] !== 'function') bad(`${pAt}.holds`, `must be a function holds(view) returning a boolean, got ${describeValue(p['holds'])}`);
  });
  return x as readonly ScenarioProperty[];
}

/** Returns the expectation as an object after checking it; `always` names the properties that may break. */
export function checkExpect(x: unknown, at: string, always: readonly string[]): ScenarioExpect {
  const e = typeof x === 'string' ? { verdict: x } : x;
  if (!isObject(e)) bad(at, `must be 'holds', 'violated' or { verdict, property?, note? }, got ${describeValue(x)}`);
  onlyKeys(e, ['verdict', 'property', 'note'], at, 'an expectation');
  const v = e['verdict'];
  const vAt = typeof x === 'string' ? at : `${at}.verdict`;
  if (v !== 'holds' && v !== 'violated') bad(vAt, `must be 'holds' or 'violated', got ${describeValue(v)}`);
  if (e['property'] !== undefined) {
    if (v !== 'violated') bad(`${at}.property`, "names the property expected to break, so the verdict must be 'violated'");
    if (typeof e['property'] !== 'string' || !always.includes(e['property'])) bad(`${at}.property`, `${describeValue(e['property'])} is not an always property; always properties: ${always.join(', ')}`);
  }
  if (e['note'] !== undefined && typeof e['note'] !== 'string') bad(`${at}.note`, `must be a string, got ${describeValue(e['note'])}`);
  return e as unknown as ScenarioExpect;
}

/**
 * Checks `options` (named `label` in messages, e.g. `options` or `variant key 'options'`): an
 * object of known options (MMC005 listing them) with allowed values (MMC005 listing those).
 */
export function checkOptionValues(x: unknown, label: string, options: ScenarioCatalogue['options']): void {
  if (!isObject(x)) fail('MMC301', `${label} must be an object of option values like { mirrorInstall: 'freeze' }, got ${describeValue(x)}`, { subject: 'options' });
  for (const [k, v] of Object.entries(x)) {
    const spec = options[k];
    if (spec === undefined) fail('MMC005', `unknown option '${k}' in ${label}`, { subject: `options.${k}`, hint: `options: ${Object.keys(options).join(', ')}` });
    if (!spec.values.includes(v as string | number | boolean)) {
      fail('MMC005', `option '${k}' cannot be ${JSON.stringify(v) ?? describeValue(v)}`, { subject: `options.${k}`, hint: `values: ${spec.values.map((y) => JSON.stringify(y)).join(', ')}` });
    }
  }
}

/** Checks the system fields (vm, levels, vcpus, privateGfns, tdBuilding, tdxLocks) and returns the system. */
function checkSystem(s: Record<string, unknown>, cat: ScenarioCatalogue): ScenarioSystem {
  const vm = s['vm'];
  if (vm !== 'default' && vm !== 'tdx') bad('vm', `must be 'default' or 'tdx', got ${describeValue(vm)}`);
  const levels = s['levels'] ?? 2;
  if (levels !== 2 && levels !== 3) bad('levels', `must be 2 or 3, got ${describeValue(levels)}`);
  const vcpus = intIn(s['vcpus'], 'vcpus', 1, MAX_THREADS, 'vCPUs are');
  const tdBuilding = s['tdBuilding'] ?? false;
  if (typeof tdBuilding !== 'boolean') bad('tdBuilding', `must be true or false, got ${describeValue(tdBuilding)}`);
  if (tdBuilding && vm !== 'tdx') bad('tdBuilding', "a TD being built needs vm: 'tdx'");
  const tdxLocks = s['tdxLocks'] ?? false;
  if (typeof tdxLocks !== 'boolean') bad('tdxLocks', `must be true or false, got ${describeValue(tdxLocks)}`);
  if (tdxLocks && vm !== 'tdx') bad('tdxLocks', "the TDX module's locks need vm: 'tdx'");
  if (s['mmioGenBits'] !== undefined) intIn(s['mmioGenBits'], 'mmioGenBits', 1, 6, 'MMIO generation bits are');
  if (s['mmioCache'] !== undefined && typeof s['mmioCache'] !== 'boolean') bad('mmioCache', `must be true or false, got ${describeValue(s['mmioCache'])}`);
  if (s['mmioCaching'] !== undefined && typeof s['mmioCaching'] !== 'boolean') bad('mmioCaching', `must be true or false, got ${describeValue(s['mmioCaching'])}`);
  if (s['mmioCaching'] === false && vm === 'tdx') bad('mmioCaching', "KVM does not offer TDX without MMIO caching (tdx_bringup disables TDX when enable_mmio_caching is off): drop mmioCaching: false or use vm: 'default'");
  if (s['pageCounters'] !== undefined && typeof s['pageCounters'] !== 'boolean') bad('pageCounters', `must be true or false, got ${describeValue(s['pageCounters'])}`);
  if (s['pscache'] !== undefined && typeof s['pscache'] !== 'boolean') bad('pscache', `must be true or false, got ${describeValue(s['pscache'])}`);
  const priv = s['privateGfns'] ?? [];
  if (!Array.isArray(priv)) bad('privateGfns', `must be an array of gfns, got ${describeValue(priv)}`);
  if (priv.length > 0 && vm !== 'tdx') bad('privateGfns', "private gfns need vm: 'tdx' (a default VM has only shared memory)");
  const slots = checkMemslots(s['memslots'], vm, levels);
  const sys: ScenarioSystem = { vm, levels, vcpus, privateGfns: priv as number[], tdBuilding, privateHuge: privateHuge(s['options'], cat), slots: slots.map((sl) => sl.id) };
  priv.forEach((g, i) => {
    intIn(g, `privateGfns[${i}]`, 0, lastGfn(sys), 'gfns are');
    if (priv.indexOf(g) !== i) bad(`privateGfns[${i}]`, `gfn ${g as number} is listed twice`);
    if (s['memslots'] === undefined) return;
    const sl = slots.find((x) => g >= x.base && g < x.base + x.pages);
    if (sl === undefined) bad(`privateGfns[${i}]`, `gfn ${g as number} is in no memslot; a private gfn needs a memslot with gmem: true`);
    if (sl.gmem !== true) bad(`privateGfns[${i}]`, `gfn ${g as number} is in memslot ${sl.id}, which is not bound to guest_memfd; give that slot gmem: true`);
  });
  const pages = checkBounds(s['bounds'], vm, levels);
  checkHost(s['host'], levels, pages);
  return sys;
}

/** The default memslots: one slot, id 0, covering every gfn (bound to guest_memfd in a TD). */
export function defaultMemslots(vm: 'default' | 'tdx', levels: 2 | 3): readonly MemslotSpec[] {
  return [{ id: 0, base: 0, pages: 1 << levels, ...(vm === 'tdx' ? { gmem: true } : {}) }];
}

/** Checks `memslots` (absent: the default slot) and returns the slots. */
function checkMemslots(x: unknown, vm: 'default' | 'tdx', levels: 2 | 3): readonly MemslotSpec[] {
  if (x === undefined) return defaultMemslots(vm, levels);
  const last = (1 << levels) - 1;
  if (!Array.isArray(x) || x.length === 0) bad('memslots', `must be a non-empty array of memslots like [{ id: 0, base: 0, pages: ${last + 1} }], got ${describeValue(x)}`);
  x.forEach((sl, i) => {
    const at = `memslots[${i}]`;
    if (!isObject(sl)) bad(at, `must be a memslot like { id: 0, base: 0, pages: ${last + 1} }, got ${describeValue(sl)}`);
    onlyKeys(sl, ['id', 'base', 'pages', 'dirtyLog', 'gmem', 'present'], at, 'a memslot');
    const id = intIn(sl['id'], `${at}.id`, 0, 32767, 'memslot ids are');
    const k = x.findIndex((y) => isObject(y) && y['id'] === id);
    if (k !== i) bad(`${at}.id`, `${id} is already the id of memslots[${k}]; ids are unique`);
    const base = intIn(sl['base'], `${at}.base`, 0, last, 'gfns are');
    const pages = intIn(sl['pages'], `${at}.pages`, 1, last + 1 - base, `from base ${base} the slot can have`);
    for (const key of ['dirtyLog', 'gmem', 'present']) if (sl[key] !== undefined && typeof sl[key] !== 'boolean') bad(`${at}.${key}`, `must be true or false, got ${describeValue(sl[key])}`);
    if (sl['gmem'] === true && vm !== 'tdx') bad(`${at}.gmem`, "a guest_memfd-bound slot needs vm: 'tdx' (a default VM has only shared memory)");
    if (sl['gmem'] === true && sl['present'] === false) bad(`${at}.present`, 'a guest_memfd-bound slot starts present (creating a guest_memfd binding is not modelled)');
    for (let j = 0; j < i; j++) {
      const o = x[j] as MemslotSpec;
      if (base < o.base + o.pages && o.base < base + pages) bad(at, `gfns ${base}..${base + pages - 1} overlap memslots[${j}] (id ${o.id}, gfns ${o.base}..${o.base + o.pages - 1}); memslots are disjoint`);
    }
  });
  return x as readonly MemslotSpec[];
}

/** Checks `host` (its pfns below `pages`, the `bounds.pages` of the scenario, when it has one) and returns the pfn of each gfn. */
function checkHost(x: unknown, levels: 2 | 3, pages: number | undefined): readonly number[] {
  const gfns = 1 << levels;
  const identity = Array.from({ length: gfns }, (_, g) => g);
  if (x === undefined) return identity;
  if (!isObject(x)) bad('host', `must be an object like { pfns: [...], huge: false }, got ${describeValue(x)}`);
  onlyKeys(x, ['pfns', 'huge'], 'host', 'the host mapping');
  let pfns = identity;
  if (x['pfns'] !== undefined) {
    const p = x['pfns'];
    if (!Array.isArray(p) || p.length !== gfns) bad('host.pfns', `must be an array of ${gfns} pfns (one per gfn 0..${gfns - 1}), got ${describeValue(p)}${Array.isArray(p) ? ` of ${p.length}` : ''}`);
    p.forEach((v, g) => {
      intIn(v, `host.pfns[${g}]`, 0, (pages ?? MAX_PAGES) - 1, pages === undefined ? 'pfns are' : `with bounds.pages: ${pages}, pfns are`);
      const k = p.indexOf(v);
      if (k !== g) bad(`host.pfns[${g}]`, `pfn ${v as number} already backs gfn ${k}; each gfn has its own host page`);
    });
    pfns = p as number[];
  }
  const huge = x['huge'];
  if (huge !== undefined && typeof huge !== 'boolean') {
    if (!Array.isArray(huge)) bad('host.huge', `must be true, false or an array of gfns, got ${describeValue(huge)}`);
    huge.forEach((g, i) => {
      intIn(g, `host.huge[${i}]`, 0, gfns - 1, 'gfns are');
      if (huge.indexOf(g) !== i) bad(`host.huge[${i}]`, `gfn ${g as number} is listed twice`);
      const p = pfns[g as number]!;
      const partner = (g as number) + ((p ^ 1) - p);
      if (partner < 0 || partner >= gfns || pfns[partner] !== (p ^ 1) || !huge.includes(partner)) {
        bad(`host.huge[${i}]`, `gfn ${g as number} (pfn ${p}) is in a 2M host page with pfn ${p ^ 1}, which must back gfn ${partner} and be listed too`);
      }
    });
  }
  return pfns;
}

/** At most this many host pages and page-table pages (the state layout's limit). */
export const MAX_PAGES = 63;

/** Returns the default host page pool for the pfns: the highest pfn + 1 + one spare per gfn, at least 2 per gfn, at most {@link MAX_PAGES}. */
export function defaultPages(pfns: readonly number[]): number {
  return Math.min(MAX_PAGES, Math.max(2 * pfns.length, Math.max(...pfns) + 1 + pfns.length));
}

/** Checks `bounds` against the VM type and the gfns; returns `bounds.pages` when given. */
function checkBounds(x: unknown, vm: 'default' | 'tdx', levels: 2 | 3): number | undefined {
  if (x === undefined) return undefined;
  if (!isObject(x)) bad('bounds', `must be an object like { tables: 8, roots: 3, pages: 8 }, got ${describeValue(x)}`);
  onlyKeys(x, ['tables', 'roots', 'pages'], 'bounds', 'bounds');
  const tdx = vm === 'tdx' ? 1 : 0;
  if (x['tables'] !== undefined) intIn(x['tables'], 'bounds.tables', 1 + tdx, MAX_PAGES, 'page-table pool sizes are');
  if (x['roots'] !== undefined) intIn(x['roots'], 'bounds.roots', 1 + tdx, 8, `root slot counts${tdx ? ' (a TD has a direct and a mirror root)' : ''} are`);
  return x['pages'] === undefined ? undefined : intIn(x['pages'], 'bounds.pages', 1 << levels, MAX_PAGES, 'host page pool sizes (at least one page per gfn) are');
}

/** Returns true when `options` (or the mainline value) let private memory be mapped by huge pages. */
function privateHuge(options: unknown, cat: ScenarioCatalogue): boolean {
  const own = isObject(options) ? options['tdxHugePages'] : undefined;
  return (own ?? cat.options['tdxHugePages']?.mainline) === true;
}

/** Returns the system a checked scenario describes (with `options`, e.g. a variant's merged options). */
export function systemOf(s: ScenarioSpec, cat: ScenarioCatalogue, options: ScenarioSpec['options'] = s.options): ScenarioSystem {
  const levels = s.levels ?? 2;
  const slots = (s.memslots ?? defaultMemslots(s.vm, levels)).map((sl) => sl.id);
  return { vm: s.vm, levels, vcpus: s.vcpus, privateGfns: s.privateGfns ?? [], tdBuilding: s.tdBuilding ?? false, privateHuge: privateHuge(options, cat), slots };
}

/** Raises MMC301 unless `s[key]` is absent or a string (non-empty when `nonEmpty`). */
function optionalString(s: Record<string, unknown>, key: string, nonEmpty: boolean): void {
  const x = s[key];
  if (x !== undefined && (typeof x !== 'string' || (nonEmpty && x === ''))) bad(key, `must be a ${nonEmpty ? 'non-empty ' : ''}string, got ${describeValue(x)}`);
}

/**
 * Returns `x` as a scenario after checking its whole shape, one MMC301 per mistake naming the
 * field: only {@link SCENARIO_KEYS}; `name` a non-empty string; the system (vm, levels 2|3, vCPUs
 * 1..8, private gfns in range and only in a TD, tdBuilding only in a TD); 1..8 threads with unique
 * names, at least `vcpus` of them, whose calls are known operations with their parameters in range
 * that fit the system and thread (see {@link checkCall}); setup pairs naming a thread; options
 * (MMC005 for an unknown option or value); known witnesses; properties; the expectation.
 */
export function checkScenario(x: unknown, cat: ScenarioCatalogue): ScenarioSpec {
  if (!isObject(x)) fail('MMC301', `a scenario must be an object like { name, vm, vcpus, threads, expect }, got ${describeValue(x)}`);
  onlyKeys(x, SCENARIO_KEYS, '', 'a scenario');
  if (typeof x['name'] !== 'string' || x['name'] === '') bad('name', `must be a non-empty string, got ${describeValue(x['name'])}`);
  optionalString(x, 'title', false);
  optionalString(x, 'doc', false);
  if (x['options'] !== undefined) checkOptionValues(x['options'], 'options', cat.options);
  const sys = checkSystem(x, cat);
  const names: string[] = [];
  const threads = checkThreads(x['threads'], 'threads', sys, 0, names);
  if (threads.length < sys.vcpus) bad('threads', `${threads.length} thread(s) for ${sys.vcpus} vCPUs; the first ${sys.vcpus} threads are the vCPUs`);
  if (x['setup'] !== undefined) checkSetup(x['setup'], 'setup', sys, names);
  if (x['witnesses'] !== undefined) checkWitnesses(x['witnesses'], 'witnesses', WITNESS_NAMES);
  if (x['symmetricGfns'] !== undefined) checkSymmetricGfns(x['symmetricGfns'], sys);
  const props = x['properties'] === undefined ? [] : checkProperties(x['properties'], 'properties', [...INVARIANT_NAMES, ...BUILT_IN_PROPERTIES, ...WITNESS_NAMES]);
  if (x['expect'] === undefined) bad('expect', "missing: the verdict the scenario expects ('holds' or 'violated')");
  checkExpect(x['expect'], 'expect', [...INVARIANT_NAMES, ...BUILT_IN_PROPERTIES, ...props.filter((p) => p.kind === 'always').map((p) => p.name)]);
  return x as unknown as ScenarioSpec;
}

/** Checks the shape of `symmetricGfns` (pairs [2k, 2k+1] of gfns, k ≥ 1, each gfn in one pair); the machine checks the rest. */
function checkSymmetricGfns(x: unknown, sys: ScenarioSystem): void {
  const last = lastGfn(sys);
  if (!Array.isArray(x)) bad('symmetricGfns', `must be an array of gfn pairs like [[2, 3]], got ${describeValue(x)}`);
  const seen = new Map<number, number>();
  x.forEach((p, i) => {
    const at = `symmetricGfns[${i}]`;
    if (!Array.isArray(p) || p.length !== 2) bad(at, `must be a pair of gfns [2k, 2k+1] (the two gfns of one leaf table), got ${describeValue(p)}`);
    const a = intIn(p[0], `${at}[0]`, 0, last, 'gfns are');
    const b = intIn(p[1], `${at}[1]`, 0, last, 'gfns are');
    const lo = Math.min(a, b);
    if (lo === 0) bad(at, 'gfn 0 cannot be swapped (a thread local reads 0 both when unset and at g0); use another pair, e.g. [2, 3]');
    if ((lo & 1) !== 0 || Math.max(a, b) !== lo + 1) bad(at, `g${a} and g${b} are not the two gfns of one leaf table; the pairs are [2k, 2k+1] (swapping entries across tables is not supported)`);
    for (const g of [a, b]) {
      const k = seen.get(g);
      if (k !== undefined) bad(at, `g${g} is already in symmetricGfns[${k}]`);
      seen.set(g, i);
    }
  });
}

/** Returns the expectation of a scenario as an object. */
export function expectOf(s: Pick<ScenarioSpec, 'expect'>): ScenarioExpect {
  return typeof s.expect === 'string' ? { verdict: s.expect } : s.expect;
}
