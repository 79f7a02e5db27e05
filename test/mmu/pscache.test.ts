/**
 * Issue 13 item 8, protocol sheet §5.2 `pscache` and §1.4's TLB rule ("flush before dropping RCU
 * when page tables were zapped: the hardware walker could use a freed table through a stale
 * paging-structure cache"). The scenario field `pscache` gives each vCPU the walker's cache of the
 * page tables its walks went through (one word per vCPU, appended to its vCPU block); a TLB flush
 * of the vCPU empties it; I1 also holds when no vCPU whose cache the walker can still use points at
 * a freed table. The options `rangeZapTables` (fcb93eb6d09d), `yieldFlushBeforeRcu` (bd29677952fa)
 * and the existing `nxRecoveryFlush` (048f49809c52) each have a pair whose buggy side holds without
 * the field. Each test names the
 * mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import { buildMachine, toScenario } from '../../model/mmu/build.js';
import { accessSteps } from '../../model/mmu/ops.js';
import { mainlineOptions, OPTIONS } from '../../model/mmu/options.js';
import { findScenario, SCENARIO_SPECS } from '../../model/mmu/scenarios.js';
import { checkScenario } from '../../src/mmu/scenario.js';
import { F, G, T, TS, V } from '../../src/mmu/layout.js';
import type { Ctx, StepEdit } from '../../src/internal.js';
import { diagOf, explore } from './util.js';

const spec = (name: string) => {
  const s = SCENARIO_SPECS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
};
/** The registered scenario with the paging-structure caches switched on or off. */
const withField = (name: string, on: boolean) => buildMachine(toScenario({ ...spec(name), pscache: on }));
const machine = (x: Record<string, unknown>) =>
  buildMachine(toScenario(checkScenario({ name: 'user/pscache', vm: 'default', vcpus: 1, expect: 'holds', threads: [{ name: 'V0', script: [] }], ...x }, { options: OPTIONS })));
const verdict = (r: ReturnType<typeof explore>): string => (r.result.verdict.kind === 'violated' ? `violated ${r.allBroken.join('+') || r.sometimesMissing.join(',')}` : r.result.verdict.kind);

describe('scenario field pscache', () => {
  it('is checked: one line naming the field and what is allowed', () => {
    const d = diagOf(() => machine({ pscache: 'yes' }));
    expect(d.code).toBe('MMC301');
    expect(d.message).toContain('pscache: must be true or false');
    expect(diagOf(() => machine({ pscache: true, bounds: { tables: 40 } })).message).toContain('at most 31 tables');
  });

  it('adds one word per vCPU only when asked for (the state of every scenario without it is unchanged)', () => {
    const two = { vcpus: 2, threads: [{ name: 'V0', script: [] }, { name: 'V1', script: [] }] };
    const off = machine(two);
    const on = machine({ ...two, pscache: true });
    expect(off.layout.pscacheOff).toBe(-1);
    expect(on.layout.size - off.layout.size).toBe(2);
    expect(on.layout.vcpuSize - off.layout.vcpuSize).toBe(1);
  });
});

describe('the pairs: their buggy side holds without the field, breaks I1 with it', () => {
  for (const [pair, option] of [
    ['mmu/range-zap-pscache', 'rangeZapTables'],
    ['mmu/nx-recovery-pscache', 'nxRecoveryFlush'],
    ['mmu/yield-rcu-pscache', 'yieldFlushBeforeRcu'],
  ] as const) {
    it(`${pair} (${option})`, () => {
      expect(verdict(explore(withField(`${pair}/buggy`, false)))).toBe('holds');
      expect(verdict(explore(withField(`${pair}/buggy`, true)))).toBe('violated I1');
      expect(verdict(explore(withField(`${pair}/fixed`, true)))).toBe('holds');
    });
  }

  it("the leaf-TLB pair of 048f49809c52 does not need the field (its vCPU's TLB maps a gfn below the freed table)", () => {
    expect(verdict(explore(withField('mmu/nx-recovery-flush/buggy', false)))).toBe('violated I4');
  });

  it('mainline, the range zap removes leaves only: the fixed scenario misses its table-removed witness, nothing breaks', () => {
    const r = explore(buildMachine(findScenario('mmu/range-zap-pscache/fixed')!, { options: { rangeZapTables: 'leafs' } }));
    const v = r.result.verdict;
    expect(v.kind === 'violated' && v.witness.kind).toBe('sometimes');
    expect(r.sometimesMissing).toEqual(['sometimes:table-removed']);
  });
});

describe('I1 over the paging-structure caches', () => {
  const r = explore(buildMachine(findScenario('mmu/range-zap-pscache/buggy')!));
  const states = r.trace!.states;
  const mm = buildMachine(findScenario('mmu/range-zap-pscache/buggy')!);
  const i1 = mm.properties().find((p) => p.name === 'I1')!;
  const m = mm.layout;
  /** I1's state predicate alone (without what a step recorded in the violation word). */
  const pred = (st: Int32Array): boolean => {
    const x = st.slice();
    x[G.viol] = x[G.viol]! & ~1;
    return i1.check(x);
  };

  it('breaks when the grace period frees a table a vCPU in guest mode still caches (mutant: the clause dropped, i.e. the cache word ignored)', () => {
    const last = states[states.length - 1]!;
    expect(r.trace!.labels.at(-1)).toBe('N: zap-range(g0..g1).root-done');
    const t1 = Math.log2(last[m.pscache(0)]!);
    expect(last[m.table(t1, T.status)]).toBe(TS.freed);
    expect(last[m.vcpu(0, V.mode)]).toBe(1);
    // the step that ended the grace period recorded it, and the state predicate sees it too
    expect(last[G.viol]! & 1).toBe(1);
    expect(pred(last)).toBe(false);
    // the same state with the cache word cleared: nothing else breaks I1
    const cleared = last.slice();
    cleared[m.pscache(0)] = 0;
    expect(pred(cleared)).toBe(true);
  });

  it('does not count a detached table still waiting for its grace period (call_rcu done, RCU held): the walker reads memory KVM still owns', () => {
    const before = states[states.length - 2]!;
    const t1 = Math.log2(before[m.pscache(0)]!);
    expect(before[m.table(t1, T.status)]).toBe(TS.queued);
    expect(i1.check(before)).toBe(true);
    const unlinked = states.find((s) => s[m.table(t1, T.status)] === TS.unlinked && s[m.pscache(0)] !== 0);
    expect(unlinked).toBeDefined();
    expect(i1.check(unlinked!)).toBe(true);
  });

  it('does not count a vCPU outside guest mode that must reload its roots first (the new root load flushes the cache)', () => {
    const last = states[states.length - 1]!.slice();
    last[m.vcpu(0, V.mode)] = 0;
    expect(pred(last)).toBe(false);
    last[m.vcpu(0, V.req)] = 1;
    expect(pred(last)).toBe(true);
  });
});

describe('the cache is filled by walks and emptied by flushes', () => {
  const walk = accessSteps({ gfn: 1 }, mainlineOptions()).find((s) => s.name === 'access')!;
  /** access, and then the cache is forgotten. */
  const noFill: StepEdit = {
    op: 'access',
    replace: 'access',
    with: { doc: 'guest access without filling the paging-structure cache', run: (c: Ctx) => { walk.run(c); c.put(c.m.pscache(c.t), 0); } },
  };

  it('mutant: a walk that caches nothing makes the buggy NX pair hold (the fill through a table ending in an EPT violation is what it needs)', () => {
    expect(verdict(explore(buildMachine(findScenario('mmu/nx-recovery-pscache/buggy')!, { edits: [noFill], name: 'nx-recovery-pscache+no-fill' })))).toBe('holds');
  });

  it("mutant: a flush before rcu_read_unlock that leaves the caches alone breaks the fixed range-zap pair", () => {
    const mm0 = buildMachine(findScenario('mmu/range-zap-pscache/fixed')!);
    const orig = mm0.programs[1]!.ops[0]!.steps.find((s) => s.name === 'root-done')!;
    const keep: StepEdit = {
      op: 'zap-range',
      replace: 'root-done',
      with: {
        doc: 'flush (TLB only), rcu_read_unlock, put the root',
        run: (c: Ctx) => {
          const w = c.st[c.m.pscache(0)]!;
          orig.run(c);
          c.put(c.m.pscache(0), w);
        },
      },
    };
    expect(verdict(explore(buildMachine(findScenario('mmu/range-zap-pscache/fixed')!, { edits: [keep], name: 'range-zap-pscache+flush-keeps-cache' })))).toBe('violated I1');
  });

  it('mutant (bd29677952fa reversed inside one step): rcu_read_unlock, then the flush, in the same step: the state after it is clean, the free itself is caught', () => {
    const mm0 = buildMachine(findScenario('mmu/range-zap-pscache/fixed')!);
    const orig = mm0.programs[1]!.ops[0]!.steps.find((s) => s.name === 'root-done')!;
    const late: StepEdit = {
      op: 'zap-range',
      replace: 'root-done',
      with: {
        doc: 'rcu_read_unlock, put the root, then the flush',
        run: (c: Ctx) => {
          const owed = c.has(F.flush);
          c.flag(F.flush, false);
          orig.run(c);
          if (owed) c.flushRemote();
        },
      },
    };
    const r = explore(buildMachine(findScenario('mmu/range-zap-pscache/fixed')!, { edits: [late], name: 'range-zap-pscache+flush-after-unlock-same-step' }));
    expect(verdict(r)).toBe('violated I1');
    const last = r.trace!.states.at(-1)!;
    expect(last[buildMachine(findScenario('mmu/range-zap-pscache/fixed')!).layout.pscache(0)]).toBe(0);
  });

  it('mainline scenarios with the field on keep their verdicts (no false alarm: every table free is preceded by a flush or a forced root reload)', () => {
    for (const name of ['mmu/grid/nx-recover-vs-fault', 'mmu/grid/eager-split-vs-fault', 'mmu/root-put-after-yield/fixed', 'mmu/dirty-log/enable-vs-fast-zap', 'mmu/grid/huge-vs-4k', 'mmu/nx-flag-before-link/fixed']) {
      expect(verdict(explore(withField(name, true))), name).toBe('holds');
    }
  });
});

describe('reductions keep the verdicts with the field (the cache word lives in the vCPU block, so thread symmetry moves it with its vCPU)', () => {
  for (const side of ['buggy', 'fixed'] as const) {
    it(`two identical vCPUs, mmu/range-zap-pscache/${side}: same verdict with POR and symmetry as without`, () => {
      const base = spec(`mmu/range-zap-pscache/${side}`);
      const two = { ...base, name: `user/two-vcpus-${side}`, vcpus: 2, setup: [[0, { op: 'fault', gfn: 0, level: 1 }]] as const, threads: [{ name: 'V0', script: [{ op: 'access' as const, gfn: 0 }] }, { name: 'V1', script: [{ op: 'access' as const, gfn: 0 }] }, base.threads[1]!] };
      const mm = () => buildMachine(toScenario(checkScenario(two as unknown as Record<string, unknown>, { options: OPTIONS })));
      const full = explore(mm());
      const reduced = explore(mm(), { reduced: true });
      expect(verdict(full)).toBe(side === 'buggy' ? 'violated I1' : 'holds');
      expect(verdict(reduced)).toBe(verdict(full));
      expect(reduced.distinct).toBeLessThan(full.distinct);
    });
  }
});

