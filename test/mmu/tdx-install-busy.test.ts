/**
 * TDX_OPERAND_BUSY on the install path (`tdxInstallBusy`, issue 13 items 1 and 8): SEPT.ADD and
 * PAGE.AUG run inside the fault's hooks with mmu_lock held for read and the mirror entry frozen, and
 * are BUSY only against another vCPU's TDH.VP.ENTER under zero-step mitigation (the S-EPT tree lock;
 * a guest TDCALL never holds the entry lock of a FREE entry). Mainline restores the entry and
 * retries the fault; a blind retry never leaves the hook (an I11 lasso against a vCPU that re-enters
 * on a memslot being deleted: the retrier's SRCU holds up the deletion); tdh_do_no_vcpus on the
 * install path lets one fault's retry reopen TD entry before another's (I7). Each test names the
 * mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import { buildMachine, type Scenario } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { explore } from './util.js';

/** The verdict in one word (holds, or `violated <property>`), the labels of the trace's actions and the lasso's loop start. */
function run(s: Scenario, options: Record<string, unknown> = {}): { verdict: string; labels: readonly string[]; loop?: number } {
  const r = explore(buildMachine(s, { options, name: `${s.name}+${JSON.stringify(options)}` }));
  const v = r.result.verdict;
  if (v.kind !== 'violated') return { verdict: v.kind, labels: [] };
  const tr = v.witness.trace;
  return { verdict: `violated ${r.allBroken.join('+')}`, labels: tr?.labels ?? [], ...(tr?.lasso ? { loop: tr.lasso.loop } : {}) };
}

const scn = (name: string): Scenario => findScenario(name)!;

describe('blind retry of an install SEAMCALL (tdxInstallBusy blind-retry, tdx/install-busy-reentry)', () => {
  it('is an I11 lasso: vCPU0 re-issues its SEAMCALL without restoring the entry while vCPU1 re-enters, and the deletion never moves; mainline holds with every witness (mutant: a blind retry that restores and retries the fault)', () => {
    expect(run(scn('tdx/install-busy-reentry/fixed')).verdict).toBe('holds');
    const b = run(scn('tdx/install-busy-reentry/buggy'));
    expect(b.verdict).toBe('violated I11');
    expect(b.loop).toBeDefined();
    const loop = b.labels.slice(b.loop);
    expect(loop.some((l) => /^V0: fault\(g1.*\)\.(install|link)-seamcall$/.test(l))).toBe(true);
    // no restore, no new walk: the retrier stays in its hook
    expect(loop.some((l) => l.startsWith('V0:') && !l.endsWith('-seamcall'))).toBe(false);
    expect(loop.some((l) => l.endsWith('.reenter'))).toBe(true);
    // the deletion waits for the retrier's SRCU read section (or its mmu_lock) throughout
    expect(loop.some((l) => l.startsWith('M:'))).toBe(false);
  });

  it('ends against finitely many zero-step entries: tdx/zero-step/aug and tdx/install-busy-two-faults hold, busy-retried reached (mutant: a retry that never re-issues the SEAMCALL)', () => {
    expect(run(scn('tdx/zero-step/aug'), { tdxInstallBusy: 'blind-retry' }).verdict).toBe('holds');
    expect(run(scn('tdx/install-busy-two-faults'), { tdxInstallBusy: 'blind-retry' }).verdict).toBe('holds');
  });

  it('fatal bugs the VM at vCPU0\'s install SEAMCALL in the same race (mutant: re-entries that take no tree lock)', () => {
    const r = run(scn('tdx/install-busy-reentry/fixed'), { tdxInstallBusy: 'fatal' });
    expect(r.verdict).toBe('violated I7');
    expect(r.labels[r.labels.length - 1]).toMatch(/^V0: fault\(g1.*\)\.(install|link)-finish$/);
  });
});

describe('kick, block entry and retry once on the install path (tdxInstallBusy no-vcpus-retry-once)', () => {
  it('two faults under the read lock: the first one\'s retry clears wait_for_sept_zap, vCPU0 enters again before the second one\'s retry, which is BUSY (mutant: the kick\'s return and the retry in one step)', () => {
    expect(run(scn('tdx/install-busy-two-faults')).verdict).toBe('holds');
    const r = run(scn('tdx/install-busy-two-faults/no-vcpus-retry-once'));
    expect(r.verdict).toBe('violated I7');
    const tail = r.labels.slice(-4);
    expect(tail[0]).toMatch(/^V2: fault\(g0.*\)\.install-seamcall$/);
    expect(tail[1]).toBe('V0: access(g1,W).enter');
    expect(tail[2]).toMatch(/^V2: fault\(g0.*\)\.install-seamcall$/);
    expect(tail[3]).toMatch(/^V2: fault\(g0.*\)\.install-finish$/);
  });

  it('one fault alone: the kick keeps the re-entering vCPU out until the retry, which succeeds; the faulting vCPU does not wait for its own entry (mutant: a kick that does not set wait_for_sept_zap)', () => {
    expect(run(scn('tdx/install-busy-reentry/fixed'), { tdxInstallBusy: 'no-vcpus-retry-once' }).verdict).toBe('holds');
  });
});
