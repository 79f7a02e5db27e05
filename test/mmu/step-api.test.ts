/**
 * The public step API is enough for a step body: a body written only with it (named locals, SPTE
 * locations, `spte` predicates, witnesses by name, `c.params`) reproduces built-in steps state for
 * state; SEAMCALL wrappers return named status codes; the state view reads a known state; and the
 * public barrel exports exactly the pinned list of names (an accidental export fails).
 */
import { describe, expect, it } from 'vitest';
import * as publicApi from '../../src/index.js';
import { type Ctx, spte, type StepBody, type StepContext, stateView } from '../../src/index.js';
import * as internalApi from '../../src/internal.js';
import { DiagnosticError } from '../../src/core/diagnostic.js';
import { Ctx as CtxClass } from '../../src/mmu/ctx.js';
import type { MmuMachine } from '../../src/mmu/machine.js';
import { buildMachine, type Variation } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { PINNED } from '../../proofs/mmu/pinned.js';
import { cli } from '../cli/helpers.js';
import { explore } from './util.js';
import stepBodyExample from '../../examples/step-body.js';

/** Builds scenario `name` with variation `v`. */
function build(name: string, v: Variation = {}): MmuMachine {
  const s = findScenario(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return buildMachine(s, v);
}

/** The fault's `stale-check` (is_page_fault_stale) written with the public API only. */
const staleCheck: StepBody = {
  doc: 'is_page_fault_stale, public API',
  run(c: StepContext) {
    const root = c.rootInfo(c.myRoot(c.params.private === true));
    const k = c.kvm;
    const gfn = c.params.gfn!;
    const obsolete = c.opts['faultChecksObsoleteRoot'] === true && !root.valid;
    if (obsolete || (k.inProgress > 0 && (k.range & (1 << gfn)) !== 0) || k.seq !== c.local('seq')) {
      c.seen('stale-fault-retried');
      c.setLocal('out', 1);
      c.goto('exit-rcu');
    }
  },
};

describe('a step body written with the public API only', () => {
  it('stale-check: same state count as the built-in step (c6 fixed)', () => {
    const name = 'mmu/c6-fault-vs-fast-zap/fixed';
    const e = explore(build(name, { edits: [{ op: 'fault', replace: 'stale-check', with: staleCheck }] }));
    expect(e.distinct).toBe(PINNED[name]);
    expect(e.result.verdict.kind).toBe('holds');
  });
  it.each(['tdx/2m-vs-4k/freeze', 'tdx/2m-vs-4k/cas-then-seamcall'])('read-entry of examples/step-body.ts: same state count as the built-in step (%s)', (name) => {
    const e = explore(build(name, { edits: stepBodyExample.edits ?? [] }));
    expect(e.distinct).toBe(PINNED[name]);
  });
  it('the example runs through the CLI with the pinned count of its scenario', async () => {
    const r = await cli(['check', '--model', 'examples/step-body.ts']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('read-entry-public-api');
    expect(r.stdout).toContain(String(PINNED['tdx/2m-vs-4k/freeze']));
  });
});

/** Returns a context on the initial state of `mm`, running thread `t` at its first step. */
function ctxOn(mm: MmuMachine, t = 0): { c: Ctx; s: Int32Array } {
  const s = mm.initStates()[0]!.slice();
  const c = new CtxClass(mm.layout, mm.spec.options);
  c.s = s;
  c.t = t;
  c.prog = mm.programs[t];
  c.pc = 0;
  return { c, s };
}

describe('SEAMCALL wrappers return named status codes', () => {
  it('SEPT.ADD, PAGE.AUG, RANGE.BLOCK, TRACK, PAGE.REMOVE through a page lifetime', () => {
    const mm = build('tdx/2m-vs-4k/freeze');
    const { c } = ctxOn(mm);
    c.rec = { touched: [], sptes: [], seamcalls: [], notes: [] };
    expect(c.tdx.pageAug(1, 0, 0)).toBe('TDX_EPT_WALK_FAILED');
    expect(c.tdx.septAdd(2, 0)).toBe('TDX_SUCCESS');
    expect(c.tdx.pageAug(1, 0, 0)).toBe('TDX_SUCCESS');
    expect(c.tdx.pageAug(1, 0, 0)).toBe('TDX_EPT_ENTRY_STATE_INCORRECT');
    expect(c.tdx.pageRemove(1, 0)).toBe('TDX_GPA_RANGE_NOT_BLOCKED');
    expect(c.tdx.rangeBlock(1, 0)).toBe('TDX_SUCCESS');
    expect(c.tdx.rangeBlock(1, 0)).toBe('TDX_GPA_RANGE_ALREADY_BLOCKED');
    expect(c.tdx.pageRemove(1, 0)).toBe('TDX_TLB_TRACKING_NOT_DONE');
    expect(c.tdx.track()).toBe('TDX_SUCCESS');
    expect(c.tdx.pageRemove(1, 0)).toBe('TDX_SUCCESS');
    expect(c.tdx.septRemove(2, 0)).toBe('TDX_GPA_RANGE_NOT_BLOCKED');
    expect(c.rec.seamcalls.map((x) => x.name)).toContain('TDH.MEM.PAGE.REMOVE');
    expect(publicApi.TDX_STATUS[c.local('sc')]?.name).toBe('TDX_GPA_RANGE_NOT_BLOCKED');
  });
  it('PAGE.ADD at TD build time', () => {
    const mm = build('tdx/build/page-add');
    const { c } = ctxOn(mm);
    expect(c.tdx.septAdd(2, 0)).toBe('TDX_SUCCESS');
    expect(c.tdx.pageAdd(0, 0)).toBe('TDX_SUCCESS');
    expect(c.tdx.pageAdd(0, 0)).toBe('TDX_EPT_ENTRY_STATE_INCORRECT');
    expect(stateView(mm).of(c.s).sept(0, 1)).toBe('MAPPED');
  });
  it('a busy status records the seamcall-busy witness', () => {
    const mm = build('tdx/2m-vs-4k/freeze');
    const { c, s } = ctxOn(mm);
    expect(c.tdx.septAdd(2, 0)).toBe('TDX_SUCCESS');
    s[mm.layout.sept(1, 0)] = 7 << 12; // the entry lock held by another thread (a guest TDCALL)
    expect(c.tdx.pageAug(1, 0, 0)).toBe('TDX_OPERAND_BUSY');
    expect(stateView(mm).of(s).witnessReached('seamcall-busy')).toBe(true);
  });
});

describe('witnesses and invariants by name', () => {
  it("c.violate('I7') sets invariant 7 and c.seen('yielded') the witness; unknown names are MMC301", () => {
    const mm = build('mmu/c6-fault-vs-fast-zap/fixed');
    const { c, s } = ctxOn(mm);
    const v = stateView(mm).of(s);
    expect(v.broken('I7')).toBe(false);
    c.violate('I7', 'test');
    expect(v.broken('I7')).toBe(true);
    expect(v.broken('I6')).toBe(false);
    c.seen('yielded');
    expect(v.witnessReached('yielded')).toBe(true);
    expect(v.witnessReached('aged')).toBe(false);
    expect(() => c.seen('no-such' as 'aged')).toThrow(DiagnosticError);
    expect(() => c.violate('I14' as 'I1', 'x')).toThrow(/unknown invariant 'I14'.*|I1, I2/);
  });
});

describe('the state view reads a known state', () => {
  it('SPTEs by root, gfn and level with their real word and class; lock, RCU, TLB, threads, S-EPT', () => {
    const mm = build('tdx/2m-vs-4k/freeze');
    const { c, s } = ctxOn(mm);
    const v = stateView(mm).of(s);
    const names = mm.threadNames;
    expect(v.thread(names[0]!)).toMatchObject({ pc: 0, done: false, step: 'fault.reload-roots' });
    expect(() => v.thread('nobody')).toThrow(DiagnosticError);
    expect(v.spte('mirror', 1, 2)).toMatchObject({ kind: 'non-present' });
    expect(v.spte('mirror', 1, 1)).toBeUndefined();
    c.iterStart(c.myRoot(true), 1);
    const leaf = spte.leaf(0, 2, { w: true, a: true, d: true });
    c.storeSpte(c.here(), leaf);
    const got = v.spte('mirror', 1, 2)!;
    expect(got).toMatchObject({ value: leaf, kind: 'leaf' });
    expect(got.word).toBe(mm.spec.display.spte64(leaf, true));
    c.storeSpte(c.here(), spte.FROZEN);
    expect(v.spte(c.myRoot(true), 0, 2)?.kind).toBe('frozen');
    expect(v.spte('direct', 0, 2)?.kind).toBe('non-present');
    expect(v.lock).toEqual({ writer: undefined, readers: [] });
    c.lockRead();
    c.rcuLock();
    expect(v.lock).toEqual({ writer: undefined, readers: [names[0]] });
    expect(v.rcuReaders).toEqual([names[0]]);
    expect(c.tryLock('write')).toBe(false);
    expect(v.tlb(0, 1)).toBeUndefined();
    s[mm.layout.tlb(0, 1)] = 1 | (5 << 1) | (1 << 7);
    expect(v.tlb(0, 1)).toEqual({ pfn: 5, writable: true, dirty: false, private: false });
    expect(c.tlbEntry(0, 1)).toEqual(v.tlb(0, 1));
    expect(v.sept(0, 2)).toBe('FREE');
    c.tdx.septAdd(2, 0);
    expect(v.sept(0, 2)).toBe('NL_MAPPED');
    expect(v.local(names[0]!, 'gfn')).toBe(1);
  });
  it('c.params holds the operation call of the running step', () => {
    const mm = build('tdx/2m-vs-4k/freeze');
    const { c } = ctxOn(mm, 0);
    expect(c.params).toMatchObject({ op: 'fault', private: true });
    expect(typeof c.params.gfn).toBe('number');
  });
});

/** The names `import ... from 'mmucheck'` provides at run time (types are not listed). */
const PUBLIC_NAMES = [
  // the DSL (src/dsl: expressions, layouts, rules, enumeration spaces)
  'Bool', 'Bv', 'all', 'any', 'bit', 'boolNode', 'boolVar', 'bv', 'bvNode', 'bvVar', 'decodeView',
  'domainOf', 'evaluate', 'evaluateNode', 'exprKey', 'field', 'fieldMask', 'flag', 'formatDecoded',
  'freeVars', 'genmask', 'implies', 'inDomain', 'invariant', 'ite', 'iteB', 'layout', 'lit', 'rsvdBits',
  'subsets', 'toBool', 'uncoveredBits',
  // 64-bit helpers and diagnostics (src/core)
  'DIAGNOSTIC_CODES', 'DiagnosticError', 'U64_MAX', 'bit64', 'bitsOf', 'describeBits', 'fail',
  'formatDiagnostic', 'genmask64', 'hex64', 'parseBigint', 'popcount64', 'u64',
  // variants, the step API, names and the state view (src/mmu)
  'INVARIANT_DOC', 'SEPT_NAMES', 'StateView', 'TDX_STATUS', 'WITNESS_DOC', 'spte', 'stateView', 'variant',
  // scenarios (src/mmu/scenario.ts; its validation helpers are internal)
  'INVARIANT_NAMES', 'OPERATIONS', 'WITNESS_NAMES', 'scenario',
];

describe('the public barrel', () => {
  it('exports exactly the pinned public names', () => {
    expect(Object.keys(publicApi).sort()).toEqual([...PUBLIC_NAMES].sort());
  });
  it('the internal barrel exports every public name, bound to the same value', () => {
    for (const [k, v] of Object.entries(publicApi)) expect((internalApi as Record<string, unknown>)[k], k).toBe(v);
  });
});
