/**
 * Cross-check: long random single-threaded operation sequences on the executable MMU refine a
 * simple abstract model (gfn -> mapped with the current host pfn, writable or not). After every
 * operation the translation of every gfn through the vCPU's root agrees with the abstract map and
 * every `always` invariant holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLeaf, isLink, leafLevel, leafPfn, leafW, linkTable } from '../../src/mmu/spte.js';
import { MS, R, V, TLB } from '../../src/mmu/layout.js';
import type { MmuMachine } from '../../src/mmu/machine.js';
import { buildMachine, instantiate, type OpCall, scenarioOptions, type Scenario } from '../../model/mmu/build.js';

const LEVELS = 3 as const;
const GFNS = 1 << LEVELS;

interface Sys {
  mm: MmuMachine;
  s: Int32Array;
}
interface Abs {
  mapped: Set<number>;
  writable: Set<number>;
  logging: boolean;
}

const scenario: Scenario = {
  name: 'refinement',
  title: 'single-threaded refinement harness',
  family: 'mmu',
  vm: 'default',
  levels: LEVELS,
  vcpus: 1,
  threads: [
    { name: 'V0', script: [] },
    { name: 'H', script: [] },
  ],
  witnesses: [],
  expect: { verdict: 'holds' },
  bounds: { tables: 60, roots: 3, pages: 60 },
};

/** Returns the leaf mapping `gfn` through the vCPU's direct root, or 0. */
function translate(sys: Sys, gfn: number): number {
  const m = sys.mm.layout;
  const r = sys.s[m.vcpu(0, V.droot)]!;
  let tb = sys.s[m.root(r, R.table)]!;
  for (let lv = LEVELS; lv >= 1; lv--) {
    const v = sys.s[m.entry(tb, m.index(lv, gfn))]!;
    if (isLink(v)) tb = linkTable(v);
    else return isLeaf(v) ? v : 0;
  }
  return 0;
}

function run(sys: Sys, thread: number, call: OpCall): void {
  const o = scenarioOptions(scenario);
  sys.mm.runOp(sys.s, thread, instantiate(call, o, false, GFNS));
}

function checkRefines(sys: Sys, a: Abs): void {
  const m = sys.mm.layout;
  for (let g = 0; g < GFNS; g++) {
    const leaf = translate(sys, g);
    expect(isLeaf(leaf), `g${g} mapped`).toBe(a.mapped.has(g));
    if (isLeaf(leaf)) {
      const pfn = leafPfn(leaf) + (g & ((1 << (leafLevel(leaf) - 1)) - 1));
      expect(pfn, `g${g} maps the current host page`).toBe(sys.s[m.pfnOf(g)]);
      if (a.writable.has(g)) expect(leafW(leaf), `g${g} writable`).toBe(true);
      if (a.logging && !a.writable.has(g)) expect(leafW(leaf), `g${g} write-protected while logging`).toBe(false);
    }
  }
  for (const p of sys.mm.properties()) if (p.expectation === 'always') expect(p.check(sys.s), p.name).toBe(true);
}

class FaultCmd implements fc.Command<Abs, Sys> {
  constructor(readonly gfn: number, readonly write: boolean, readonly huge: boolean) {}
  check = (): boolean => true;
  run(a: Abs, sys: Sys): void {
    run(sys, 0, { op: 'fault', gfn: this.gfn, write: this.write, level: this.huge ? 2 : 1 });
    const m = sys.mm.layout;
    const base = this.gfn & ~1;
    const contiguous = sys.s[m.pfnOf(base)]! % 2 === 0 && sys.s[m.pfnOf(base + 1)] === sys.s[m.pfnOf(base)]! + 1;
    const wasMapped = a.mapped.has(this.gfn);
    if (this.huge && contiguous && !a.logging) {
      for (const g of [base, base + 1]) {
        a.mapped.add(g);
        if (this.write || !a.logging) a.writable.add(g);
        else a.writable.delete(g);
      }
    } else {
      a.mapped.add(this.gfn);
      if (this.write || (!a.logging && !wasMapped)) a.writable.add(this.gfn);
    }
    checkRefines(sys, a);
  }
  toString = (): string => `fault(g${this.gfn}${this.write ? ',W' : ''}${this.huge ? ',2M' : ''})`;
}
class ZapCmd implements fc.Command<Abs, Sys> {
  constructor(readonly start: number, readonly len: number) {}
  check = (): boolean => true;
  run(a: Abs, sys: Sys): void {
    const end = Math.min(GFNS, this.start + this.len);
    // a zap of part of a huge leaf zaps the whole leaf
    for (let g = 0; g < GFNS; g++) {
      const leaf = translate(sys, g);
      if (!isLeaf(leaf)) continue;
      const span = 1 << (leafLevel(leaf) - 1);
      const b = g & ~(span - 1);
      if (b < end && b + span > this.start) {
        a.mapped.delete(g);
        a.writable.delete(g);
      }
    }
    run(sys, 1, { op: 'zap-range', start: this.start, end });
    checkRefines(sys, a);
  }
  toString = (): string => `zap(g${this.start}+${this.len})`;
}
class FastZapCmd implements fc.Command<Abs, Sys> {
  check = (): boolean => true;
  run(a: Abs, sys: Sys): void {
    run(sys, 1, { op: 'fast-zap' });
    a.mapped.clear();
    a.writable.clear();
    checkRefines(sys, a);
  }
  toString = (): string => 'fast-zap';
}
class AccessCmd implements fc.Command<Abs, Sys> {
  constructor(readonly gfn: number, readonly write: boolean) {}
  check = (): boolean => true;
  run(a: Abs, sys: Sys): void {
    run(sys, 0, { op: 'access', gfn: this.gfn, write: this.write });
    const m = sys.mm.layout;
    const e = sys.s[m.tlb(0, this.gfn)]!;
    const ok = a.mapped.has(this.gfn) && (!this.write || a.writable.has(this.gfn));
    if (ok) {
      expect(e & TLB.valid, 'TLB filled').toBe(1);
      expect((e >> 1) & 63).toBe(sys.s[m.pfnOf(this.gfn)]);
    }
    checkRefines(sys, a);
  }
  toString = (): string => `access(g${this.gfn}${this.write ? ',W' : ''})`;
}
class AgeCmd implements fc.Command<Abs, Sys> {
  check = (): boolean => true;
  run(a: Abs, sys: Sys): void {
    run(sys, 1, { op: 'age', start: 0, end: GFNS });
    checkRefines(sys, a);
  }
  toString = (): string => 'age';
}
class DirtyLogCmd implements fc.Command<Abs, Sys> {
  check = (a: Readonly<Abs>): boolean => !a.logging;
  run(a: Abs, sys: Sys): void {
    run(sys, 1, { op: 'dirty-log-enable' });
    a.logging = true;
    a.writable.clear();
    checkRefines(sys, a);
    expect(sys.s[sys.mm.layout.slot(0, MS.dirtyLog)]).toBe(2);
  }
  toString = (): string => 'dirty-log-enable';
}

describe('refinement of the executable MMU (single-threaded, fast-check commands)', () => {
  it('random operation sequences agree with gfn -> pfn + permissions', () => {
    const gfn = fc.integer({ min: 0, max: GFNS - 1 });
    const cmds = [
      fc.tuple(gfn, fc.boolean(), fc.boolean()).map(([g, w, h]) => new FaultCmd(g, w, h)),
      fc.tuple(gfn, fc.integer({ min: 1, max: 4 })).map(([g, n]) => new ZapCmd(g, n)),
      fc.constant(new FastZapCmd()),
      fc.tuple(gfn, fc.boolean()).map(([g, w]) => new AccessCmd(g, w)),
      fc.constant(new AgeCmd()),
      fc.constant(new DirtyLogCmd()),
    ];
    fc.assert(
      fc.property(fc.commands(cmds, { maxCommands: 60 }), (cs) => {
        const mm = buildMachine(scenario);
        const sys: Sys = { mm, s: mm.initStates()[0]! };
        fc.modelRun(() => ({ model: { mapped: new Set<number>(), writable: new Set<number>(), logging: false }, real: sys }), cs);
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});
