/**
 * The scenarios of the executable MMU: the seed race, the catalogue's buggy/fixed pairs and the
 * mainline grid. Each carries its expected verdict; the verdict itself always comes from the
 * explorer. Pinned state counts live in the proof suites (proofs/mmu, proofs/tdx).
 */
import type { OpCall, Scenario } from './build.js';

const fault = (gfn: number, extra: Partial<Extract<OpCall, { op: 'fault' }>> = {}): OpCall => ({ op: 'fault', gfn, ...extra });
const pfault = (gfn: number, level = 1): OpCall => ({ op: 'fault', gfn, private: true, level });
const access = (gfn: number, write = false): OpCall => ({ op: 'access', gfn, write });

/** Returns the buggy/fixed pair of a catalogue entry. */
function pair(base: Omit<Scenario, 'name' | 'options' | 'expect'>, name: string, buggy: Scenario['options'], fixed: Scenario['options'], property: string, note: string): Scenario[] {
  return [
    { ...base, name: `${name}/buggy`, options: buggy ?? {}, expect: { verdict: 'violated', property, note } },
    { ...base, name: `${name}/fixed`, options: fixed ?? {}, expect: { verdict: 'holds' } },
  ];
}

/** The fields in which the variants of one scenario differ. */
type Variant = Pick<Scenario, 'name' | 'title' | 'options' | 'witnesses' | 'expect'>;

/** Returns one scenario per variant: the shared fields of `base` completed by the variant's own. */
function variants(base: Omit<Scenario, keyof Variant>, ...vs: Variant[]): Scenario[] {
  return vs.map((v) => ({ ...base, ...v }));
}

/** Every scenario, by family. */
export const SCENARIOS: readonly Scenario[] = [
  // ---- T1: the 2M-versus-4K private mapping race of the v10 TDX series -------------------------------
  ...variants(
    {
      family: 'tdx',
      vm: 'tdx',
      privateGfns: [0, 1, 2, 3],
      vcpus: 2,
      threads: [
        { name: 'V0', script: [pfault(0, 2)] },
        { name: 'V1', script: [pfault(1, 1)] },
      ],
    },
    {
      name: 'tdx/2m-vs-4k/cas-then-seamcall',
      title: 'T1 (b): vCPU0 maps a private 2M page while vCPU1 maps a 4K page in the same range; mirror SPTEs published by plain CAS, SEAMCALL afterwards (v10)',
      options: { mirrorInstall: 'cas-then-seamcall', tdxHugePages: true },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'T1: SEAMCALL order differs from mirror order (v10 changelog)' },
    },
    {
      name: 'tdx/2m-vs-4k/freeze',
      title: 'T1 fixed: the same 2M-vs-4K race with the freeze protocol (FROZEN, SEAMCALL, final store)',
      options: { mirrorInstall: 'freeze', tdxHugePages: true },
      witnesses: ['frozen-observed', 'private-mapped', 'huge-mapped'],
      expect: { verdict: 'holds' },
    },
  ),
  ...variants(
    {
      family: 'tdx',
      vm: 'tdx',
      privateGfns: [0, 1, 2, 3],
      vcpus: 2,
      threads: [
        { name: 'V0', script: [pfault(0)] },
        { name: 'V1', script: [pfault(1)] },
      ],
    },
    {
      name: 'tdx/link-before-sept-add/cas-then-seamcall',
      title: 'T1 (a): two 4K private faults under one level-2 entry; the link is published before TDH.MEM.SEPT.ADD',
      options: { mirrorInstall: 'cas-then-seamcall' },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'T1 (a): PAGE.AUG below a link whose SEPT.ADD has not run: TDX_EPT_WALK_FAILED' },
    },
    {
      name: 'tdx/link-before-sept-add/freeze',
      title: 'T1 (a) fixed: the same two faults with the freeze protocol',
      options: { mirrorInstall: 'freeze' },
      witnesses: ['frozen-observed', 'private-mapped'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/link-before-sept-add/seamcall-then-cas',
      title: 'mirror-install order: SEAMCALL first, then publish with CAS (a lost CAS leaves an S-EPT entry without mirror)',
      options: { mirrorInstall: 'seamcall-then-cas' },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I7', note: 'the alternative order is not atomic either: the second vCPU\'s SEPT.ADD finds the entry already NL_MAPPED' },
    },
  ),
  // ---- T2: memslot deletion for TDX ---------------------------------------------------------------
  ...variants(
    {
      family: 'tdx',
      vm: 'tdx',
      privateGfns: [0],
      vcpus: 1,
      setup: [[0, pfault(0)]],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'M', script: [{ op: 'memslot-delete' }] },
        { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
      ],
    },
    {
      name: 'tdx/memslot-delete/fast-zap',
      title: 'T2: deleting the memslot of a mapped private page by fast zap (direct roots only), then guest_memfd PUNCH_HOLE',
      options: { memslotDeleteZap: 'fast-zap' },
      witnesses: [],
      expect: { verdict: 'violated', property: 'I9', note: 'T2: guest_memfd frees a page still mapped in S-EPT' },
    },
    {
      name: 'tdx/memslot-delete/targeted',
      title: 'T2 fixed: memslot deletion zaps exactly the slot leaves in direct and mirror roots (BLOCK, TRACK, kick, REMOVE)',
      options: { memslotDeleteZap: 'targeted' },
      witnesses: ['private-removed', 'guest-wrote'],
      expect: { verdict: 'holds' },
    },
  ),
  ...pair(
    {
      title: 'TDX removal without TDH.MEM.TRACK: PAGE.REMOVE while a vCPU may still hold the translation',
      family: 'tdx',
      vm: 'tdx',
      privateGfns: [0],
      vcpus: 1,
      setup: [[0, pfault(0)]],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
      ],
      witnesses: ['private-removed', 'guest-wrote'],
    },
    'tdx/removal-track',
    { tdxTrack: false },
    { tdxTrack: true },
    'I7',
    'PAGE.REMOVE without TRACK fails with TDX_TLB_TRACKING_NOT_DONE',
  ),
  // ---- C1: iterator advanced after a yield-restart ----------------------------------------------------
  ...pair(
    {
      title: 'C1: zap of an invalidated root yields between top-level entries while a notifier wants mmu_lock',
      family: 'mmu',
      vm: 'default',
      vcpus: 1,
      setup: [
        [0, fault(0, { write: true })],
        [0, fault(2, { write: true })],
      ],
      threads: [
        { name: 'V0', script: [] },
        { name: 'M', script: [{ op: 'fast-zap' }] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
      ],
      witnesses: ['yielded', 'table-removed', 'invalid-root-zapped'],
    },
    'mmu/c1-yield-restart',
    { advanceAfterYieldRestart: true },
    { advanceAfterYieldRestart: false },
    'I2',
    'C1, 3a0f64de479c "KVM: x86/mmu: Don\'t advance iterator after restart due to yielding"',
  ),
  // ---- C6: fault into a root fast zap already passed --------------------------------------------------
  ...pair(
    {
      title: 'C6: a vCPU fault races with kvm_mmu_zap_all_fast; without the obsolete-root check it installs into a zapped root',
      family: 'mmu',
      vm: 'default',
      vcpus: 1,
      threads: [
        { name: 'V0', script: [fault(0, { write: true }), { op: 'unload' }] },
        { name: 'M', script: [{ op: 'fast-zap' }] },
      ],
      witnesses: ['stale-fault-retried'],
    },
    'mmu/c6-fault-vs-fast-zap',
    { faultChecksObsoleteRoot: false },
    { faultChecksObsoleteRoot: true },
    'I2',
    'C6, a955cad84cda "KVM: x86/mmu: Retry page fault if root is invalidated by memslot update"',
  ),
  // ---- C8: non-atomic leaf write under the write lock -------------------------------------------------
  ...pair(
    {
      title: 'C8: the guest sets D while an mmu_notifier zap under the write lock stores the value it read earlier',
      family: 'mmu',
      vm: 'default',
      vcpus: 1,
      setup: [[0, fault(0)]],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
      ],
      witnesses: ['guest-wrote'],
    },
    'mmu/c8-volatile-bits',
    { writeLockLeafWrite: 'read-then-store' },
    { writeLockLeafWrite: 'xchg' },
    'I5',
    'C8, ba3a6120a4e7 "KVM: x86/mmu: Use atomic XCHG to write TDP MMU SPTEs with volatile bits"',
  ),
  // ---- C10: dirty logging enable without a flush ------------------------------------------------------
  ...pair(
    {
      title: 'C10: aging makes a leaf access-tracked without a flush; enabling dirty logging finds nothing to write-protect',
      family: 'mmu',
      vm: 'default',
      vcpus: 1,
      setup: [
        [0, fault(0, { write: true })],
        [0, access(0, true)],
      ],
      threads: [
        { name: 'V0', script: [access(0, true)] },
        { name: 'A', script: [{ op: 'age', start: 0, end: 1 }] },
        { name: 'M', script: [{ op: 'dirty-log-enable' }] },
      ],
      witnesses: ['aged', 'guest-wrote'],
    },
    'mmu/c10-dirty-log-flush',
    { dirtyLogEnableFlush: 'if-changed', eptAd: false },
    { dirtyLogEnableFlush: 'always', eptAd: false },
    'I5',
    'C10, b64d740ea7dd "kvm: x86: mmu: Always flush TLBs when enabling dirty logging"',
  ),
  // ---- mainline grid (2 and 3 threads) ----------------------------------------------------------------
  {
    name: 'mmu/grid/fault-fault',
    title: 'mainline: two vCPUs fault gfns under the same level-2 entry (link race) and access them',
    family: 'mmu',
    vm: 'default',
    vcpus: 2,
    threads: [
      { name: 'V0', script: [fault(0, { write: true }), access(0, true)] },
      { name: 'V1', script: [fault(1, { write: true }), access(1, true)] },
    ],
    witnesses: ['cas-failed', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/huge-vs-4k',
    title: 'mainline: a 2M fault and a 4K fault in the same range (table replaced by a huge leaf, or huge leaf split)',
    family: 'mmu',
    vm: 'default',
    vcpus: 2,
    threads: [
      { name: 'V0', script: [fault(0, { write: true, level: 2 })] },
      { name: 'V1', script: [fault(1, { write: true }), access(1, true)] },
    ],
    witnesses: ['huge-mapped', 'cas-failed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/fault-vs-notifier',
    title: 'mainline: a fault and guest access race with an mmu_notifier invalidation of the page',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(0, { write: true }), access(0, true)] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 2 }] },
    ],
    witnesses: ['stale-fault-retried', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/fault-vs-memslot-delete',
    title: 'mainline: a fault races with memslot deletion (fast zap on a default VM)',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(0, { write: true }), access(0, true)] },
      { name: 'M', script: [{ op: 'memslot-delete' }] },
    ],
    witnesses: ['slot-invalid-retried'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/access-vs-dirty-log',
    title: 'mainline: guest writes race with enabling dirty logging',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true }), access(0, true)] },
      { name: 'M', script: [{ op: 'dirty-log-enable' }] },
    ],
    witnesses: ['write-protected', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'tdx/grid/fault-vs-punch-hole',
    title: 'mainline TDX: a private fault and accept race with a guest_memfd PUNCH_HOLE',
    family: 'tdx',
    vm: 'tdx',
    privateGfns: [0, 1],
    vcpus: 1,
    threads: [
      { name: 'V0', script: [pfault(0), access(0, true)] },
      { name: 'N', script: [{ op: 'gmem-punch-hole', start: 0, end: 1 }] },
    ],
    witnesses: ['private-mapped', 'private-removed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/3t-fault-notifier-fast-zap',
    title: 'mainline, 3 threads: a fault, an mmu_notifier invalidation and a fast zap',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(0, { write: true })] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
      { name: 'M', script: [{ op: 'fast-zap' }] },
    ],
    witnesses: ['stale-fault-retried', 'invalid-root-zapped'],
    expect: { verdict: 'holds' },
  },
  // ---- mainline grid with the lockless and maintenance operations (2 threads) -------------------------
  {
    name: 'mmu/grid/fast-fault-vs-harvest',
    title: 'mainline: a write to a page write-protected for dirty logging is fixed by the lockless fast page fault while a dirty-log harvest write-protects again',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    setup: [
      [0, fault(0, { write: true })],
      [1, { op: 'dirty-log-enable' }],
    ],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true, fast: true }), access(0, true), access(0, true)] },
      { name: 'M', script: [{ op: 'dirty-log-harvest' }] },
    ],
    witnesses: ['fast-fixed', 'harvested', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/fast-fault-vs-notifier',
    title: 'mainline: the lockless fast page fault (RCU only) races with an mmu_notifier zap under the write lock',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    setup: [
      [0, fault(0, { write: true })],
      [1, { op: 'dirty-log-enable' }],
    ],
    threads: [
      { name: 'V0', script: [fault(0, { write: true, fast: true }), access(0, true)] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 1 }] },
    ],
    witnesses: ['fast-fixed', 'cas-failed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/eager-split-vs-fault',
    title: 'mainline: eager splitting (read lock, CAS) races with a vCPU fault that splits the same huge leaf on the fault path',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true, level: 2 })]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(1, { write: true }), access(1, true)] },
      { name: 'M', script: [{ op: 'eager-split' }] },
    ],
    witnesses: ['eager-split', 'huge-split', 'cas-failed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/nx-recover-vs-fault',
    title: 'mainline (6.18+): NX huge page recovery zaps a 4K table under the read lock while a vCPU faults and accesses a gfn below it',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [fault(1, { write: true }), access(1, true)] },
      { name: 'K', script: [{ op: 'nx-recover', gfn: 0 }] },
    ],
    witnesses: ['nx-recovered', 'table-removed', 'frozen-observed'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid/nx-recover-vs-huge-fault',
    title: 'mainline (6.18+): NX recovery and a 2M fault both try to replace the same table; the recovery re-reads the parent before its CAS',
    family: 'mmu',
    vm: 'default',
    vcpus: 1,
    setup: [[0, fault(0, { write: true })]],
    threads: [
      { name: 'V0', script: [access(0, true), fault(0, { write: true, level: 2 }), access(1, true)] },
      { name: 'K', script: [{ op: 'nx-recover', gfn: 0 }] },
    ],
    witnesses: ['nx-recovered', 'huge-mapped'],
    expect: { verdict: 'holds' },
  },
  ...variants(
    {
      family: 'tdx',
      vm: 'tdx',
      tdBuilding: true,
      privateGfns: [0, 1],
      vcpus: 2,
      threads: [
        { name: 'V0', script: [{ op: 'page-add', gfn: 0 }, { op: 'finalize' }, access(0, true)] },
        { name: 'V1', script: [{ op: 'page-add', gfn: 1 }] },
      ],
    },
    {
      name: 'tdx/build/page-add',
      title: 'mainline (6.19+) TD build: two KVM_TDX_INIT_MEM_REGION calls under one level-2 entry (SEPT.ADD and PAGE.ADD in the frozen hook), then TDH.MR.FINALIZE and a guest write',
      witnesses: ['private-added', 'frozen-observed', 'guest-wrote'],
      expect: { verdict: 'holds' },
    },
    {
      name: 'tdx/build/page-add-premap',
      title: 'TD build before 6.19: the leaf hook only premaps, PAGE.ADD follows after mmu_lock is dropped; finalize waits for nr_premapped == 0',
      options: { tdxBuildAdd: 'premap' },
      witnesses: ['private-added', 'frozen-observed', 'guest-wrote'],
      expect: { verdict: 'holds' },
    },
  ),
  // ---- 3-level geometry ---------------------------------------------------------------------------
  {
    name: 'mmu/grid3l/eager-split-1g',
    title: 'mainline, 3-level tree: eager splitting turns a 1G leaf into 2M leaves and each of those into 4K leaves while the guest writes through it',
    family: 'mmu',
    vm: 'default',
    levels: 3,
    vcpus: 1,
    setup: [[0, fault(0, { write: true, level: 3 })]],
    threads: [
      { name: 'V0', script: [access(5, true), access(2, true)] },
      { name: 'M', script: [{ op: 'eager-split' }] },
    ],
    witnesses: ['eager-split', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
  {
    name: 'mmu/grid3l/fault-vs-notifier',
    title: 'mainline, 3-level tree: two faults linking two levels of tables race with an mmu_notifier invalidation',
    family: 'mmu',
    vm: 'default',
    levels: 3,
    vcpus: 1,
    threads: [
      { name: 'V0', script: [fault(5, { write: true }), access(5, true)] },
      { name: 'N', script: [{ op: 'zap-range', start: 4, end: 6 }] },
    ],
    witnesses: ['stale-fault-retried', 'guest-wrote'],
    expect: { verdict: 'holds' },
  },
];

/** Returns the scenario named `name`, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
