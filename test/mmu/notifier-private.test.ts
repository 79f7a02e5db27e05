/**
 * An mmu_notifier invalidation (`zap-range`) or a munmap over a TD's private gfns: the primary MMU
 * frees only the pages it owns. A private gfn of a guest_memfd slot is backed by guest_memfd; the
 * invalidation, filtered to the shared tree (KVM_FILTER_SHARED), leaves its S-EPT mapping alone,
 * and must not free its page either (it did: a false I3, use-after-free, on every such scenario).
 */
import { describe, expect, it } from 'vitest';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import type { Scenario } from '../../model/mmu/build.js';
import { explore } from './util.js';

function td(threads: Scenario['threads'], witnesses: Scenario['witnesses'] = ['private-mapped']): Scenario {
  const base = findScenario('tdx/grid/fault-vs-punch-hole');
  if (base === undefined) throw new Error('no base scenario');
  return { ...base, name: 'test/notifier-over-private', threads, witnesses, expect: { verdict: 'holds' } };
}

describe('an mmu_notifier invalidation over private gfns', () => {
  // mutant: free-pages in model/mmu/ops.ts freeing every gfn of the range (without the guest_memfd-owned mask)
  it('a private fault and access racing with zap-range over the same gfn holds (the guest_memfd page is not freed)', () => {
    const r = explore(buildMachine(td([
      { name: 'V0', script: [{ op: 'fault', gfn: 0, private: true }, { op: 'access', gfn: 0, write: true }] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 2 }] },
    ])));
    expect(r.allBroken).toEqual([]);
    expect(r.result.verdict.kind).toBe('holds');
  });

  it('the shared gfns of the same range are still freed and re-faulted (the invalidation is not a no-op)', () => {
    const r = explore(buildMachine(td([
      { name: 'V0', script: [{ op: 'fault', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
      { name: 'N', script: [{ op: 'zap-range', start: 0, end: 4 }] },
    ], [])));
    expect(r.allBroken).toEqual([]);
    expect(r.result.verdict.kind).toBe('holds');
    // the notifier freed g2's page while V0 had it mapped: V0 re-faults onto a new page in some interleaving
    expect(r.result.stats.distinctStates).toBeGreaterThan(20);
  });
});
