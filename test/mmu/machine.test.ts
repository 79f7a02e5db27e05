/**
 * The interpreter and its views: determinism, ITF round trip and replay, step edits (variants)
 * and their diagnostics, the step table and Mermaid renderers.
 */
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../src/core/diagnostic.js';
import { renderMermaid, replayItf, traceSteps } from '../../src/mmu/trace.js';
import { modelTraceItf, renderItfSteps } from '../../src/report/itf.js';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { explore, mulberry } from './util.js';

const scn = (n: string) => findScenario(n)!;

describe('interpreter', () => {
  it('is deterministic: random walks replay to identical states', () => {
    const mm = buildMachine(scn('mmu/grid/3t-fault-notifier-fast-zap'));
    const rnd = mulberry(7);
    for (let run = 0; run < 50; run++) {
      let s = mm.initStates()[0]!;
      const path: number[] = [];
      const states = [s];
      for (let i = 0; i < 80; i++) {
        const acts: number[] = [];
        mm.actions(s, acts);
        if (!acts.length) break;
        const a = acts[Math.floor(rnd() * acts.length)]!;
        const nx = new Int32Array(mm.stateSize);
        expect(mm.next(s, a, nx)).toBe(true);
        path.push(a);
        states.push(nx);
        s = nx;
      }
      let t = mm.initStates()[0]!;
      path.forEach((a, i) => {
        const nx = new Int32Array(mm.stateSize);
        mm.next(t, a, nx);
        expect(Array.from(nx)).toEqual(Array.from(states[i + 1]!));
        t = nx;
      });
    }
  });

  it('writes an ITF counterexample that replays, and rejects a tampered one (MMC203)', () => {
    const mm = buildMachine(scn('tdx/2m-vs-4k/cas-then-seamcall'));
    const r = explore(mm);
    const itf = modelTraceItf(mm, r.trace!, { scenario: mm.name });
    const back = replayItf(mm, JSON.parse(JSON.stringify(itf)));
    expect(back.broken).toContain('I7');
    const bad = JSON.parse(JSON.stringify(itf)) as { states: Record<string, unknown>[] };
    bad.states[3]!['mbt::actionTaken'] = 'V1: nonsense';
    expect(() => replayItf(mm, bad)).toThrow(/MMC203/);
  });

  it('renders the step view (from the ITF step notes) with decoded SPTEs and the SEAMCALL status, and a Mermaid diagram', () => {
    const mm = buildMachine(scn('tdx/link-before-sept-add/cas-then-seamcall'));
    const r = explore(mm);
    const steps = traceSteps(mm, mm.initStates()[0]!, r.trace!.actions);
    const table = renderItfSteps(modelTraceItf(mm, r.trace!));
    expect(table).toMatch(/SEAMCALL TDH\.MEM\.PAGE\.AUG\(g\d L1 pfn\d\) = TDX_EPT_WALK_FAILED/);
    expect(table).toMatch(/-> 0x[0-9a-f]{16} \[non-leaf/);
    expect(table).toMatch(/broken after step \d+: I7/);
    const mer = renderMermaid(mm, steps);
    expect(mer.startsWith('sequenceDiagram')).toBe(true);
    expect(mer).toMatch(/TDX-->>V\d: TDX_EPT_WALK_FAILED/);
  });
});

describe('variants (step edits)', () => {
  it('removing the obsolete-root check re-introduces C6', () => {
    const v = buildMachine(scn('mmu/c6-fault-vs-fast-zap/fixed'), { edits: [{ op: 'fault', remove: 'stale-check' }] });
    expect(explore(v).allBroken).toContain('I2');
  });
  it('dropping the notifier flush breaks TLB coherence (I4)', () => {
    const v = buildMachine(scn('mmu/grid/fault-vs-notifier'), { edits: [{ op: 'zap-range', remove: 'flush' }] });
    expect(explore(v).allBroken).toContain('I4');
  });
  it('replacing a step keeps its name and runs the new body', () => {
    const v = buildMachine(scn('tdx/link-before-sept-add/freeze'), {
      edits: [{ op: 'fault', replace: 'link-seamcall', with: { doc: 'skip SEPT.ADD', run: (c) => c.setLoc(20, 0) } }],
    });
    // the link is stored without its S-EPT counterpart: the next PAGE.AUG walk fails
    expect(explore(v).trace).toBeDefined();
  });
  it('moving a step runs it elsewhere: the obsolete-root check before taking mmu_lock re-opens C6', () => {
    const v = buildMachine(scn('mmu/c6-fault-vs-fast-zap/fixed'), { edits: [{ op: 'fault', move: 'stale-check', before: 'lock-read' }] });
    expect(explore(v).allBroken).toContain('I2');
  });
  it('unknown operation step names are MMC005 naming the steps that exist', () => {
    try {
      buildMachine(scn('mmu/grid/fault-fault'), { edits: [{ op: 'fault', remove: 'no-such-step' }] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DiagnosticError);
      expect((e as DiagnosticError).diagnostic.code).toBe('MMC005');
      expect((e as DiagnosticError).diagnostic.hint).toMatch(/stale-check/);
    }
  });
  it('unknown options and values are MMC005', () => {
    expect(() => buildMachine(scn('mmu/grid/fault-fault'), { options: { nope: true } })).toThrow(/unknown option 'nope'/);
    expect(() => buildMachine(scn('mmu/grid/fault-fault'), { options: { mirrorInstall: 'yolo' } })).toThrow(/cannot be "yolo"/);
  });
});

describe('new operations are sensitive to their own steps (mutants are caught)', () => {
  const caught = (name: string, v: Parameters<typeof buildMachine>[1]): readonly string[] => explore(buildMachine(scn(name), v)).allBroken;
  it('dirty-log harvest without its flush returns with a write-protection flush due (I4)', () => {
    expect(caught('mmu/grid/fast-fault-vs-harvest', { edits: [{ op: 'dirty-log-harvest', remove: 'flush' }] })).toContain('I4');
  });
  it('fast page fault marking the bitmap before its CAS (or not at all) loses a dirty page (I5)', () => {
    expect(caught('mmu/grid/fast-fault-vs-harvest', { edits: [{ op: 'fault', move: 'fast-mark-dirty', before: 'fast-cas' }] })).toContain('I5');
    expect(caught('mmu/grid/fast-fault-vs-harvest', { edits: [{ op: 'fault', remove: 'fast-mark-dirty' }] })).toContain('I5');
  });
  it('NX recovery without its flush breaks TLB coherence (I4); without handle_removed_pt it leaks the table (I2, state predicate)', () => {
    expect(caught('mmu/grid/nx-recover-vs-fault', { edits: [{ op: 'nx-recover', remove: 'flush' }] })).toContain('I4');
    expect(caught('mmu/grid/nx-recover-vs-fault', { edits: [{ op: 'nx-recover', remove: 'remove-child' }] })).toContain('I2');
  });
  it('a mirror link left FROZEN breaks I12 as a state predicate; a walk outside RCU too', () => {
    const a = explore(buildMachine(scn('tdx/link-before-sept-add/freeze'), { edits: [{ op: 'fault', remove: 'link-finish' }] }));
    expect(a.allBroken).toContain('I12');
    expect(a.trace!.states[a.trace!.states.length - 1]![0]).toBe(0); // no step recorded it: the predicate did
    expect(caught('tdx/grid/fault-vs-punch-hole', { edits: [{ op: 'fault', remove: 'rcu-lock' }] })).toContain('I12');
  });
  it('TD build with the v10 mirror install order still breaks (I7) once the two ioctls are not serialized by their locks; premap without the later PAGE.ADD breaks I6', () => {
    const unserialized = { tdxBuildSlotsLock: false, tdxBuildGmemLock: false };
    expect(caught('tdx/build/page-add', { options: { mirrorInstall: 'cas-then-seamcall', ...unserialized } })).toContain('I7');
    // with kvm->slots_lock and the filemap_invalidate_lock the two calls never overlap
    expect(caught('tdx/build/page-add', { options: { mirrorInstall: 'cas-then-seamcall' } })).toEqual([]);
    expect(caught('tdx/build/page-add-premap', { edits: [{ op: 'page-add', remove: 'page-add' }] })).toContain('I6');
  });
  it('an edit naming an optional step some instance has is accepted; one no instance has is MMC005', () => {
    expect(() => buildMachine(scn('mmu/grid/fast-fault-vs-harvest'), { edits: [{ op: 'fault', remove: 'fast-cas' }] })).not.toThrow();
    expect(() => buildMachine(scn('mmu/grid/fault-fault'), { edits: [{ op: 'fault', remove: 'fast-cas' }] })).toThrow(/MMC005/);
  });
});
