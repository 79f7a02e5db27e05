/**
 * Counterexample views of the executable MMU a reviewer can follow: the initial (setup) state, the
 * SPTE / S-EPT entries at the break with their real words decoded, labels in words, named ITF
 * locals, and a Mermaid diagram whose closing note sits over the thread that broke the invariant
 * (with a TDX participant only for a TD).
 */
import { describe, expect, it } from 'vitest';
import { type MmuMachine, type Trace, check, inWords, mmuState, modelTraceItf, renderItfSteps, renderMermaid, traceSteps } from '../../src/internal.js';
import { buildMachine } from '../../model/mmu/build.js';
import { SCENARIOS } from '../../model/mmu/scenarios.js';

/** Returns the machine of a registered scenario and its counterexample. */
function counterexample(name: string): { mm: MmuMachine; trace: Trace } {
  const mm = buildMachine(SCENARIOS.find((s) => s.name === name)!);
  const r = check(mm, { strategy: 'bfs' });
  if (r.verdict.kind !== 'violated' || !r.verdict.witness.trace) throw new Error(`${name}: expected a counterexample`);
  return { mm, trace: r.verdict.witness.trace };
}

describe('text trace', () => {
  const { mm, trace } = counterexample('tdx/removal-track/buggy');
  const itf = modelTraceItf(mm, trace);
  const text = renderItfSteps(itf);

  it('shows the initial state: the setup operations and the SPTE tree and S-EPT they built (text and ITF)', () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('initial state (after setup: V0: fault(g0,W,priv)):');
    expect(text).toMatch(/^ {2}mirror t2\[0\] L1 g0: 0x8600000100000b77 \[leaf, present -> page 0: suppress_ve=1 /m);
    expect(text).toMatch(/^ {2}S-EPT L1 g0: PENDING, pfn 0$/m);
    expect(itf.states[0]!['#meta'].notes?.[0]).toBe(lines[0]);
  });

  it('shows the entries at the break with their words decoded, and the step that broke it in words (no pc)', () => {
    expect(text).toMatch(/SPTE tree at the break:\n(.*\n)* {9}mirror t2\[0\] L1 g0: 0x8000000000000000 \[non-present \(SHADOW_NONPRESENT_VALUE\)\]\n(.*\n)* {9}S-EPT L1 g0: PENDING_BLOCKED, pfn 0/);
    expect(text).toContain('the step that broke it: N at step gmem-punch-hole(g0..g0).remove');
    expect(text).not.toMatch(/\bpc\b/);
  });

  it('marks the entry written by the breaking step', () => {
    const c6 = counterexample('mmu/c6-fault-vs-fast-zap/buggy');
    const t = renderItfSteps(modelTraceItf(c6.mm, c6.trace));
    expect(t).toMatch(/SPTE tree at the break:\n {9}root0: direct root t0, invalid, refcount 1\n {9}direct t0\[0\] L2 g0: 0x8000000001001907 \[non-leaf, present -> table t1: /);
    const c8 = counterexample('mmu/c8-volatile-bits/buggy');
    const t8 = renderItfSteps(modelTraceItf(c8.mm, c8.trace));
    expect(t8).toMatch(/SPTE tree at the break \(\* = written by step 8\):\n(.*\n)* {9}\* direct t1\[0\] L1 g0: 0x8000000000000000 \[non-present/);
  });

  it('says the lock, RCU and guest_memfd labels in words', () => {
    expect(text).toContain('touched: write_lock(mmu_lock)');
    expect(text).not.toMatch(/\b(WL|RL|RCU)[+-]/);
    expect(inWords('free page 3 (g1) [not bound: not zapped]')).toBe('free page 3 (g1, not bound to the memslot through guest_memfd: its SPTEs were not zapped)');
    expect(inWords('R direct t0[1] L2 g2 = np')).toBe('read direct t0[1] L2 g2 = non-present');
  });

  it('shows the SPTE words a step read as real 64-bit words, decoded', () => {
    expect(text).toContain('touched: read mirror t2[0] L1 g0 = 0x8600000100000b77 [leaf, present -> page 0: suppress_ve=1 ');
    expect(text).not.toMatch(/\b(leaf|link)\(/);
  });
});

describe('ITF', () => {
  it('names the thread locals after the state layout', () => {
    const { mm, trace } = counterexample('mmu/c6-fault-vs-fast-zap/buggy');
    const itf = modelTraceItf(mm, trace);
    const names = Object.keys(mmuState.L).filter((k) => k !== 'flags' && k !== 'count');
    for (const st of itf.states) {
      const threads = st['threads'] as Record<string, { locals: Record<string, number> }>;
      for (const th of Object.values(threads)) expect(Object.keys(th.locals)).toEqual(names);
    }
  });
});

describe('Mermaid', () => {
  it('puts the closing note over the thread that broke the invariant, and has no TDX participant outside a TD', () => {
    const { mm, trace } = counterexample('mmu/c6-fault-vs-fast-zap/buggy');
    const d = renderMermaid(mm, traceSteps(mm, trace.states[0]!, trace.actions));
    const lines = d.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('  Note over M: broken I2');
    expect(d).not.toContain('TDX');
  });

  it('has the TDX module for a TD', () => {
    const { mm, trace } = counterexample('tdx/removal-track/buggy');
    const d = renderMermaid(mm, traceSteps(mm, trace.states[0]!, trace.actions));
    expect(d).toContain('  participant TDX as TDX module');
    expect(d.trimEnd().split('\n').pop()).toBe('  Note over N: broken I6, I7');
  });
});
