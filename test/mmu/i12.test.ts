/**
 * I12 in full (protocol sheet §5.3, issue 13 item 7): each clause is caught when a step breaks it
 * (a mutant variant), and mainline holds. Clauses:
 * (1) a thread without the write lock never plain-stores a live SPTE unless it owns it FROZEN;
 * (2) a present leaf never changes pfn without passing through non-present;
 * (3) a CAS never acts on a snapshot whose meaning was re-interpreted: leaf bits on a non-leaf
 *     (the shape 45a61ebb2211 fixed in clear_dirty_gfn_range), a zap of a parent that no longer
 *     links the intended table (NX recovery: test/mmu/nx-leaf-flush.test.ts);
 * (4) page-table metadata (the possible-NX list and flags) agrees with the tree and is changed by
 *     read-lock holders only under tdp_mmu_pages_lock (test/mmu/nx-meta.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { buildMachine, toScenario } from '../../model/mmu/build.js';
import { advanceOr } from '../../model/mmu/common.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { type Ctx, mmuState, spte, type StepEdit } from '../../src/internal.js';
import type { ScenarioSpec } from '../../src/mmu/scenario.js';
import { explore } from './util.js';

const scn = (name: string) => findScenario(name)!;

describe('I12 clause 1: no plain store of a live SPTE without the write lock (unless owned FROZEN)', () => {
  /** Dirty-log enable write-protects with a plain store under the read lock (loses a racing update). */
  const storeWrprot: StepEdit = {
    op: 'dirty-log-enable',
    replace: 'wrprot',
    with: {
      doc: 'W(e, old & ~W) under the read lock',
      run: (c: Ctx) => {
        c.storeSpte(c.here(), spte.withW(c.local('old'), false));
        c.markFlush();
        advanceOr(c);
      },
    },
  };

  it('mutant: write-protection by a plain store under the read lock breaks I12', () => {
    const r = explore(buildMachine(scn('mmu/grid/access-vs-dirty-log'), { edits: [storeWrprot], name: 'store-wrprot' }));
    expect(r.allBroken).toContain('I12');
  });

  it('a store under the write lock (C8 buggy: loses D) is I5, not I12; the FROZEN owner\'s stores (mirror install) are not I12', () => {
    const c8 = explore(buildMachine(scn('mmu/c8-volatile-bits/buggy')));
    expect(c8.allBroken).toContain('I5');
    expect(c8.allBroken).not.toContain('I12');
    expect(explore(buildMachine(scn('tdx/link-before-sept-add/freeze'))).result.verdict.kind).toBe('holds');
  });
});

describe('I12 clause 2: a present leaf never changes pfn without passing through non-present', () => {
  /** The fault installs a leaf for another page over the present leaf it found. */
  const otherPfn: StepEdit = {
    op: 'fault',
    replace: 'install',
    with: {
      doc: 'CAS(e, leaf(p), leaf(p + 1))',
      run: (c: Ctx) => {
        const old = c.local('old');
        // over nothing: the fault's own page (the setup's install); over a present leaf: another page
        const pfn = spte.isLeaf(old) ? (spte.pfn(old) + 1) % 4 : c.local('pfn');
        c.casSpte(c.here(), old, spte.leaf(pfn, 1, { w: true, a: true, d: true, mw: true }));
        c.setLocal('out', 0);
        c.goto('exit-rcu');
      },
    },
  };

  it('mutant: a fault replacing a present leaf by a leaf of another page breaks I12', () => {
    const r = explore(buildMachine(scn('mmu/grid/access-vs-dirty-log'), { edits: [otherPfn], name: 'other-pfn' }));
    expect(r.allBroken).toContain('I12');
    expect(r.trace?.labels.at(-1)).toBe('V0: fault(g0,W).install');
  });
});

describe('I12 clause 3: a leaf-bit CAS never acts on a snapshot that is no longer a leaf', () => {
  /** A huge leaf is split by a vCPU fault (dirty logging forces 4K) while dirty logging write-protects it. */
  const spec: ScenarioSpec = {
    name: 'test/split-vs-wrprot',
    vm: 'default',
    vcpus: 1,
    setup: [['V0', { op: 'fault', gfn: 0, write: true, level: 2 }]],
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 1, write: true }] },
      { name: 'M', script: [{ op: 'dirty-log-enable' }] },
    ],
    witnesses: ['huge-split', 'cas-failed', 'write-protected'],
    expect: 'holds',
  } as unknown as ScenarioSpec;

  /** Before 45a61ebb2211: after a failed CAS the refreshed snapshot is retried without checking that it is still a leaf. */
  const retryAnything: StepEdit = {
    op: 'dirty-log-enable',
    replace: 'wrprot',
    with: {
      doc: 'CAS(e, old, old & ~W); on failure retry on the refreshed snapshot (present check only)',
      run: (c: Ctx) => {
        let old = c.local('old');
        for (let k = 0; k < 2; k++) {
          const cur = c.casLeafBits(c.here() >> 1, c.here() & 1, old, spte.withW(old, false));
          if (cur === old) break;
          if (!spte.isPresent(cur)) break;
          old = cur;
        }
        c.markFlush();
        advanceOr(c);
      },
    },
  };

  it('mainline (re-read and re-check after a failed CAS) holds with the race reached', () => {
    const r = explore(buildMachine(toScenario(spec)));
    expect(r.result.verdict.kind, r.allBroken.join()).toBe('holds');
  });

  it('mutant: retrying the leaf-bit CAS on a link that replaced the huge leaf breaks I12', () => {
    const r = explore(buildMachine(toScenario(spec), { edits: [retryAnything], name: 'retry-anything' }));
    expect(r.allBroken).toContain('I12');
  });
});

describe('I12 clause 4: page-table metadata agrees with the tree and is changed under its lock', () => {
  /** The NX split tracks its table without tdp_mmu_pages_lock. */
  const unlockedTrack: StepEdit = {
    op: 'fault',
    replace: 'track-nx',
    with: {
      doc: 'list_add without tdp_mmu_pages_lock',
      run: (c: Ctx) => {
        const sp = c.local('alloc') - 1;
        if (c.nxFlag(sp)) c.nxSet(mmuState.NX.list, sp, true);
        c.goto('read-entry');
      },
    },
  };

  it('mutant: tracking a possible NX huge page under the read lock without tdp_mmu_pages_lock breaks I12', () => {
    const r = explore(buildMachine(scn('mmu/nx-flag-before-link/fixed'), { edits: [unlockedTrack], name: 'unlocked-track' }));
    expect(r.allBroken).toContain('I12');
    expect(r.trace?.labels.at(-1)).toBe('V0: fault(g0,R,nx).track-nx');
  });

  it('the metadata predicate: the pre-61f94478547b order tracks a removed table (mmu/nx-flag-before-link/buggy); mainline holds', () => {
    const bug = explore(buildMachine(scn('mmu/nx-flag-before-link/buggy')));
    expect(bug.allBroken).toEqual(['I12']);
    expect(bug.trace?.labels.at(-1)).toBe('V0: fault(g0,R,nx).track-nx');
    expect(explore(buildMachine(scn('mmu/nx-flag-before-link/fixed'))).result.verdict.kind).toBe('holds');
  });

  it('scenarios without an NX split keep no NX metadata (their states and pinned counts are unchanged)', () => {
    expect(buildMachine(scn('mmu/grid/nx-recover-vs-fault')).layout.nxBase).toBe(-1);
    expect(buildMachine(scn('mmu/nx-flag-before-link/fixed')).layout.nxBase).toBeGreaterThan(0);
  });
});
