/**
 * KVM's handling of TDX_OPERAND_BUSY (issue 13 item 1) against vCPUs that keep entering the TD,
 * and the contention of a private huge page's split (item 4 with the module's locks): the blind
 * retry of the removal path (`tdxRemoveBusy: blind-retry`) livelocks against a vCPU whose private
 * fault goes back to the guest on an invalid memslot and re-enters with TDH.VP.ENTER (an I11 lasso),
 * where mainline's kick + wait_for_sept_zap + one retry (4b2abc49712b) holds; the split's
 * RANGE.BLOCK / TRACK / DEMOTE meet a guest ACCEPT's entry lock and a zero-step entry's tree lock.
 * Each test names the mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../src/mmu/scenario.js';
import { buildMachine, toScenario, type Scenario } from '../../model/mmu/build.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { findScenario, SCENARIO_SPECS } from '../../model/mmu/scenarios.js';
import { explore } from './util.js';

const CATALOGUE = { options: OPTIONS };

/** The registered scenario `name` with `over` applied to its public spec (checked like a scenario file). */
function variant(name: string, over: Record<string, unknown>): Scenario {
  const spec = SCENARIO_SPECS.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`no scenario ${name}`);
  return toScenario(checkScenario({ ...spec, ...over, name: `${name}+test` }, CATALOGUE));
}

/** The verdict in one word (holds, or `violated <property>`), the witness kind and the labels of the trace's actions. */
function run(s: Scenario, options: Record<string, unknown> = {}): { verdict: string; kind?: string; labels: readonly string[]; loop?: number } {
  const r = explore(buildMachine(s, { options, name: `${s.name}+${JSON.stringify(options)}` }));
  const v = r.result.verdict;
  if (v.kind !== 'violated') return { verdict: v.kind, labels: [] };
  const tr = v.witness.trace;
  return {
    verdict: `violated ${r.allBroken.join('+')}`,
    kind: v.witness.kind,
    labels: tr?.labels ?? [],
    ...(tr?.lasso ? { loop: tr.lasso.loop } : {}),
  };
}

describe('blind BUSY retry against re-entering vCPUs (tdx/removal-busy-reentry)', () => {
  it('blind-retry is an I11 lasso whose loop holds the deletion\'s BUSY retry and the vCPU\'s re-entry; mainline holds', () => {
    const buggy = run(findScenario('tdx/removal-busy-reentry/buggy')!);
    expect(buggy.verdict).toBe('violated I11');
    expect(buggy.loop).toBeDefined();
    const loop = buggy.labels.slice(buggy.loop);
    // the remover retries in the loop and never gets past its step; the vCPU re-enters in it
    expect(loop.some((l) => l.startsWith('M: memslot-delete.'))).toBe(true);
    expect(loop.some((l) => l.endsWith('.reenter'))).toBe(true);
    // the kick path is taken: a BUSY SEAMCALL succeeds on its one retry after the vCPUs are out (witness busy-retried)
    const fixed = variant('tdx/removal-busy-reentry/fixed', { witnesses: ['slot-invalid-retried', 'zero-step', 'seamcall-busy', 'busy-retried', 'private-removed'] });
    expect(run(fixed).verdict).toBe('holds');
  });

  it('the lasso needs the re-entry: without the module\'s locks the fault goes back to the guest without TDH.VP.ENTER and blind retry holds (mutant: a re-entry that takes no lock)', () => {
    const s = variant('tdx/removal-busy-reentry/buggy', { tdxLocks: false, witnesses: ['slot-invalid-retried', 'private-removed'] });
    expect(run(s).verdict).toBe('holds');
  });

  it('the re-entering vCPU contends: fatal BUSY handling bugs the VM (mutant: re-entry steps that never take the epoch or tree lock)', () => {
    const r = run(findScenario('tdx/removal-busy-reentry/fixed')!, { tdxRemoveBusy: 'fatal' });
    expect(r.verdict).toBe('violated I7');
    expect(r.labels.some((l) => l.endsWith('.reenter'))).toBe(true);
  });

  it('mainline\'s one retry (busy-retried) is safe only because the re-entry waits while wait_for_sept_zap is set: kick and retry without blocking entry is I7 (mutant: a re-entry that ignores wait_for_sept_zap also breaks the fixed side)', () => {
    expect(run(findScenario('tdx/removal-busy-reentry/fixed')!, { tdxRemoveBusy: 'kick-retry-once' }).verdict).toBe('violated I7');
  });

  it('a vCPU that finitely often holds the locks (accesses of a script) does not starve a blind retry (tdx/removal-busy: holds, only the kick witness is missing)', () => {
    const r = run(findScenario('tdx/removal-busy/fixed')!, { tdxRemoveBusy: 'blind-retry' });
    expect(r.verdict).toBe('violated sometimes:busy-retried');
  });
});

describe('the local retry of a private fault (tdxLocalRetry, tdx/zero-step/fault-vs-fault)', () => {
  it('mainline (local) holds; to-guest is an I11 lasso in which each vCPU re-enters under zero-step mitigation while the other\'s PAGE.AUG is BUSY', () => {
    expect(run(findScenario('tdx/zero-step/fault-vs-fault')!).verdict).toBe('holds');
    const b = run(findScenario('tdx/zero-step/fault-vs-fault/to-guest')!);
    expect(b.verdict).toBe('violated I11');
    const loop = b.labels.slice(b.loop);
    expect(loop.filter((l) => l.endsWith('.reenter')).length).toBeGreaterThanOrEqual(2);
    expect(loop.some((l) => l.endsWith('.install-seamcall'))).toBe(true);
  });

  it('the lasso is the zero-step tree lock: without the module\'s locks the retries go back to the guest and hold (mutant: a zero-step entry that takes no tree lock)', () => {
    const s = variant('tdx/zero-step/fault-vs-fault/to-guest', { tdxLocks: false, expect: { verdict: 'holds' } });
    expect(run(s).verdict).toBe('holds');
  });
});

describe('contention of a private huge page split (tdx/huge/demote-contention)', () => {
  /** The scenario with vCPU1's script replaced. */
  const withV1 = (script: unknown[], witnesses: string[], tdxLocks = true): Scenario => {
    const spec = SCENARIO_SPECS.find((s) => s.name === 'tdx/huge/demote-contention')!;
    return variant('tdx/huge/demote-contention', { threads: [spec.threads[0], { name: 'V1', script }], witnesses, tdxLocks });
  };
  /** Returns the last label of a fatal-BUSY counterexample (the SEAMCALL that bugged the VM). */
  const fatalAt = (s: Scenario): string => {
    const r = run(s, { tdxRemoveBusy: 'fatal' });
    expect(r.verdict).toBe('violated I7');
    return r.labels[r.labels.length - 1]!;
  };

  it('holds with every witness: the split is kicked and retried once (mutant: no busy-retried on the split path)', () => {
    expect(run(findScenario('tdx/huge/demote-contention')!).verdict).toBe('holds');
  });

  it('a guest ACCEPT at 2M holds the entry lock of the 2M leaf: the split\'s RANGE.BLOCK is BUSY (mutant: the guest takes no entry lock)', () => {
    // with the module's locks its TDH.VP.ENTER also holds the epoch lock (TRACK BUSY, found first): without them only the entry lock is left
    const s = withV1([{ op: 'access', gfn: 0, write: true, accept: 2 }], ['private-demoted'], false);
    expect(run(s).verdict).toBe('holds');
    expect(fatalAt(s)).toMatch(/^V0: fault\(g1.*\)\.accept-split-block$/);
    expect(fatalAt(withV1([{ op: 'access', gfn: 0, write: true, accept: 2 }], ['private-demoted']))).toMatch(/^V0: fault\(g1.*\)\.accept-split-track$/);
  });

  it('a zero-step TDH.VP.ENTER of another vCPU holds the S-EPT tree lock: a split SEAMCALL is BUSY (mutant: zero-step entry without the tree lock)', () => {
    const access2 = { op: 'access', gfn: 2, write: true };
    const s = withV1([access2, access2, access2], ['private-demoted', 'zero-step']);
    expect(run(s).verdict).toBe('holds');
    expect(fatalAt(s)).toMatch(/^V0: fault\(g1.*\)\.accept-split-(block|track|demote)$/);
    // vCPU1 armed beforehand: its first entry takes the tree lock, and RANGE.BLOCK (exclusive) is the first BUSY
    // (without the tree lock only TRACK would be, on the entry's epoch lock)
    const spec = SCENARIO_SPECS.find((x) => x.name === 'tdx/huge/demote-contention')!;
    const armed = variant('tdx/huge/demote-contention', {
      setup: [...(spec.setup ?? []), [1, access2], [1, access2]],
      threads: [spec.threads[0], { name: 'V1', script: [access2] }],
      witnesses: ['private-demoted', 'zero-step'],
    });
    expect(run(armed).verdict).toBe('holds');
    expect(fatalAt(armed)).toMatch(/^V0: fault\(g1.*\)\.accept-split-block$/);
  });
});
