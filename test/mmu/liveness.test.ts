/**
 * I11 of the executable MMU as liveness (issue 12 item 5): no thread is blocked or kept from
 * progress forever under weak fairness. The progress steps are the steps that complete an operation
 * (src/mmu/machine.ts `isProgress`); RET_PF_RETRY is unbounded (the state repeats) and
 * synchronize_srcu is a grace period. Each buggy/fixed pair of a real progress bug gives a weakly
 * fair lasso / holds, and each piece is shown to matter by a mutant that changes a verdict.
 */
import { describe, expect, it } from 'vitest';
import { check, type CheckOptions, type CheckResult } from '../../src/check/index.js';
import type { Model } from '../../src/check/model.js';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import type { MmuMachine } from '../../src/mmu/machine.js';
import { G } from '../../src/mmu/layout.js';

/** The buggy/fixed pairs of the kernel's progress bugs (commit ids in model/mmu/scenarios.ts). */
const PAIRS = ['mmu/yield-progress', 'tdx/local-retry-vs-memslot-delete', 'mmu/prefault-vs-memslot-delete', 'tdx/removal-busy-reentry'] as const;
/** The pairs whose loop is a RET_PF_RETRY loop (the others loop in a walk). */
const RETRY_PAIRS = ['tdx/local-retry-vs-memslot-delete', 'mmu/prefault-vs-memslot-delete'] as const;

const machine = (name: string, options: Readonly<Record<string, unknown>> = {}): MmuMachine => {
  const s = findScenario(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return buildMachine(s, { options });
};
const run = (m: Model, o: CheckOptions = {}): CheckResult => check(m, { strategy: 'bfs', store: 'exact', por: false, ...o });
const liveKind = (r: CheckResult): string => (r.verdict.kind === 'violated' ? r.verdict.witness.kind : r.verdict.kind);

/** The machine seen through a wrapper that replaces some of its liveness hooks (a mutant). */
function mutant(mm: MmuMachine, hooks: { isProgress?: ((s: Int32Array, a: number) => boolean) | undefined }): Model {
  const w = Object.create(mm) as Model & { isProgress?: unknown };
  Object.defineProperty(w, 'isProgress', { value: hooks.isProgress, enumerable: true });
  return w;
}

describe('I11 as liveness on the MMU: the buggy/fixed pairs of progress bugs', () => {
  for (const p of PAIRS) {
    it(`${p}: buggy is a weakly fair lasso that closes, fixed holds with cycles judged`, () => {
      const b = run(machine(`${p}/buggy`));
      expect(['non-progress', 'starvation']).toContain(liveKind(b));
      if (b.verdict.kind !== 'violated') return;
      const tr = b.verdict.witness.trace!;
      expect(tr.lasso?.fairness).toBe('weak');
      expect([...tr.states[tr.states.length - 1]!]).toEqual([...tr.states[tr.lasso!.loop]!]);
      const f = run(machine(`${p}/fixed`));
      expect(f.verdict.kind).toBe('holds');
      expect(f.complete).toBe(true);
      expect(f.liveness?.judged).toEqual(['no non-progress cycle', 'no thread kept from progress']);
    });
    it(`${p}/buggy: safety mode (--liveness off) does not see the livelock`, () => {
      expect(run(machine(`${p}/buggy`), { liveness: false }).verdict.kind).toBe('holds');
    });
  }
  for (const p of RETRY_PAIRS) {
    it(`${p}/buggy: a retry bound (maxRetries 1, the old mainline) cuts the endless retry into a finite run: holds`, () => {
      expect(run(machine(`${p}/buggy`, { maxRetries: 1 })).verdict.kind).toBe('holds');
    });
  }
});

describe('what I11 liveness rests on (mutants)', () => {
  it('without progress steps the machine declares no liveness: the livelock is missed', () => {
    const mm = machine('mmu/yield-progress/buggy');
    const r = run(mutant(mm, { isProgress: undefined }));
    expect(r.liveness).toBeUndefined();
    expect(r.verdict.kind).toBe('holds');
  });
  it('if every step counted as progress, the retrying vCPU would pass for progressing: only the starved memslot deletion is left', () => {
    const mm = machine('tdx/local-retry-vs-memslot-delete/buggy');
    expect(liveKind(run(mm))).toBe('non-progress');
    const r = run(mutant(mm, { isProgress: () => true }));
    expect(liveKind(r)).toBe('starvation');
    if (r.verdict.kind === 'violated') expect(r.verdict.witness.message).toMatch(/^thread 1 is kept from progress forever/);
  });
  it('without fairness, a fixed pair has a lasso (the vCPU re-faults forever while memslot deletion is never scheduled)', () => {
    expect(run(machine('tdx/local-retry-vs-memslot-delete/fixed'), { fairness: 'none' }).verdict.kind).toBe('violated');
  });
  it('a progress step is exactly a step that completes an operation: one per operation along any run', () => {
    const mm = machine('mmu/grid/fault-fault');
    let s = mm.initStates()[0]!;
    let progress = 0;
    const ops = mm.programs.reduce((n, p) => n + new Set(p.steps.map((x) => x.opIndex)).size, 0);
    for (;;) {
      const acts: number[] = [];
      mm.actions(s, acts);
      if (acts.length === 0) break;
      const a = acts[acts.length - 1]!;
      if (mm.isProgress(s, a)) progress++;
      const nx = new Int32Array(mm.stateSize);
      expect(mm.next(s, a, nx)).toBe(true);
      s = nx;
    }
    expect(mm.isFinal(s)).toBe(true);
    expect(progress).toBe(ops);
    expect(mm.unfinished(s)).toBe(0);
  });
  it('synchronize_srcu waits for the read sections that began before it, not for a vCPU that left and re-entered', () => {
    // fixed: V0 re-enters the guest on RET_PF_RETRY (drops SRCU) and faults again (takes it again)
    const mm = machine('tdx/local-retry-vs-memslot-delete/fixed');
    let s = mm.initStates()[0]!;
    const take = (label: string): void => {
      const acts: number[] = [];
      mm.actions(s, acts);
      const a = acts.find((x) => mm.formatAction(s, x) === label);
      expect(a, `${label} enabled; enabled: ${acts.map((x) => mm.formatAction(s, x)).join('; ')}`).toBeDefined();
      const nx = new Int32Array(mm.stateSize);
      mm.next(s, a!, nx);
      s = nx;
    };
    const sync = 'M: memslot-delete.sync-srcu-wait';
    const enabled = (label: string): boolean => {
      const acts: number[] = [];
      mm.actions(s, acts);
      return acts.some((x) => mm.formatAction(s, x) === label);
    };
    take('V0: fault(g0,W,priv).reload-roots'); // srcu_read_lock
    take('M: memslot-delete.invalidate-slot');
    take('M: memslot-delete.sync-srcu'); // the grace period waits for V0
    expect(s[G.srcuGp]).toBe(1);
    expect(enabled(sync)).toBe(false);
    // V0 sees the invalid memslot, RET_PF_RETRY, to the guest: its read section ends
    for (const st of ['snapshot-seq', 'slot-lookup', 'exit-rcu', 'exit']) take(`V0: fault(g0,W,priv).${st}`);
    expect(s[G.srcuGp]).toBe(0);
    expect(s[G.srcu]).toBe(0);
    take('V0: fault(g0,W,priv).reload-roots'); // a new read section
    expect(s[G.srcu]).toBe(1);
    expect(enabled(sync)).toBe(true);
  });
});
