/**
 * Variant files are never silently ignored or wrongly shaped, and user step bodies fail cleanly:
 * every edit must fit the scenario (operation, thread, steps), the whole variant is shape-checked,
 * a user step that throws or touches words outside the state is MMC301 naming the step, and an
 * edit that leads an operation on shared memory into a TDX step is refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import { DiagnosticError, type Diagnostic } from '../../src/core/diagnostic.js';
import { attachUserCodeRegion, userCodeLabels } from '../../src/core/user-code.js';
import type { Ctx } from '../../src/mmu/ctx.js';
import type { MmuMachine } from '../../src/mmu/machine.js';
import { checkEdit, MAX_EDITS, type StepEdit } from '../../src/mmu/program.js';
import { checkVariant, type VariantCatalogue } from '../../src/mmu/variant.js';
import { buildMachine, type Variation } from '../../model/mmu/build.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { findScenario, SCENARIOS } from '../../model/mmu/scenarios.js';
import { cli, isOneLineDiagnostic } from '../cli/helpers.js';
import { explore } from './util.js';
import { diagOf } from './util.js';

const C6 = 'mmu/c6-fault-vs-fast-zap/fixed';


/** Builds scenario `name` with variation `v`. */
function build(name: string, v: Variation): MmuMachine {
  const s = findScenario(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return buildMachine(s, v);
}

/** Returns the diagnostic building `name` with `edits` raises. */
function buildDiag(name: string, edits: readonly unknown[]): Diagnostic {
  return diagOf(() => build(name, { edits: edits as StepEdit[] }));
}

/** Returns the diagnostic a BFS of `mm` stops with (raised, or as its error verdict). */
function checkDiag(mm: MmuMachine): Diagnostic {
  let kind = '';
  const d = diagOf(() => {
    const v = check(mm, { strategy: 'bfs' }).verdict;
    if (v.kind === 'error') throw new DiagnosticError(v.diagnostic);
    kind = v.kind;
  });
  expect(kind).toBe('');
  return d;
}

/** A replacement of the C6 fault's stale-check with body `run`. */
const replaceStaleCheck = (run: (c: Ctx) => void, guard?: (c: Ctx) => boolean): StepEdit => ({ op: 'fault', replace: 'stale-check', with: { run, ...(guard ? { guard } : {}) } });

describe('every edit must fit the scenario (V38, V09, V10)', () => {
  it('an unknown operation (a typo) is MMC005 listing the operations', () => {
    const d = buildDiag(C6, [{ op: 'faults', move: 'stale-check', before: 'lock-read' }]);
    expect(d.code).toBe('MMC005');
    expect(d.message).toBe("edits[0]: unknown operation 'faults'");
    expect(d.hint).toMatch(/^operations: fault, access, .*page-add/);
    expect(buildDiag(C6, [{ op: 'no-such-op', remove: 'stale-check' }]).code).toBe('MMC005');
  });
  it('an operation no thread of the scenario runs is MMC301 listing those it runs', () => {
    const d = buildDiag(C6, [{ op: 'fault', remove: 'stale-check' }, { op: 'page-add', remove: 'whatever' }]);
    expect(d.code).toBe('MMC301');
    expect(d.message).toBe(`edits[1]: no thread of scenario ${C6} runs operation 'page-add'; it runs: fault, unload, fast-zap`);
  });
  it('a step no instance of the operation has is MMC005 listing its steps; so is a step an earlier edit removed', () => {
    const d = buildDiag(C6, [{ op: 'fault', move: 'stale-chek', before: 'lock-read' }]);
    expect(d.code).toBe('MMC005');
    expect(d.message).toContain("has no step 'stale-chek'");
    expect(d.hint).toMatch(/^steps of fault: .*stale-check/);
    const r = buildDiag(C6, [{ op: 'fault', remove: 'stale-check' }, { op: 'fault', move: 'stale-check', before: 'lock-read' }]);
    expect(r.code).toBe('MMC005');
    expect(r.message).toContain('an earlier edit removed it');
  });
  it('an edit may name a step an earlier edit inserted', () => {
    const edits: StepEdit[] = [
      { op: 'fault', insert: { name: 'marker', run: () => {} }, before: 'lock-read' },
      { op: 'fault', move: 'stale-check', after: 'marker' },
    ];
    const mm = build(C6, { edits });
    const names = mm.programs[0]!.steps.map((s) => s.def.name);
    expect(names.slice(names.indexOf('marker') - 0, names.indexOf('marker') + 3)).toEqual(['marker', 'stale-check', 'lock-read']);
    expect(explore(mm).allBroken).toContain('I2');
  });
  it('too many edits are refused at once, before any model is built (V33)', () => {
    const edits = Array.from({ length: 200_000 }, (_, i) => ({ op: 'fault', insert: { name: `nop-${i}`, run: () => {} }, after: 'lock-read' }));
    const t0 = Date.now();
    const d = buildDiag(C6, edits);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(d.code).toBe('MMC301');
    expect(d.message).toContain(`at most ${MAX_EDITS}`);
    expect(() => build(C6, { edits: edits.slice(0, MAX_EDITS) })).not.toThrow();
  });
});

describe('the shape of an edit (V05)', () => {
  const bad: [unknown, RegExp][] = [
    ['x', /^edits\[0\] must be an edit like .*, got a string/],
    [{ remove: 'stale-check' }, /^edits\[0\]\.op must be an operation name/],
    [{ op: 'fault' }, /^edits\[0\] needs exactly one of remove, replace, move, insert \(got none\)/],
    [{ op: 'fault', remove: 'a', move: 'b', before: 'c' }, /\(got remove and move\)/],
    [{ op: 'fault', remove: 'stale-check', before: 'lock-read' }, /key 'before' does not belong to a 'remove' edit \(allowed: op, remove\)/],
    [{ op: 'fault', move: 'stale-check' }, /a 'move' edit needs exactly one of before, after \(got none\)/],
    [{ op: 'fault', move: 'stale-check', before: 'a', after: 'b' }, /\(got both\)/],
    [{ op: 'fault', remove: 42 }, /^edits\[0\]\.remove must be a step name/],
    [{ op: 'fault', replace: 'stale-check' }, /^edits\[0\]\.with must be a step/],
    [{ op: 'fault', replace: 'stale-check', with: { doc: 'no body' } }, /^edits\[0\]\.with\.run must be a function/],
    [{ op: 'fault', replace: 'stale-check', with: { run: () => {}, guard: true } }, /^edits\[0\]\.with\.guard must be a function/],
    [{ op: 'fault', replace: 'stale-check', with: { run: () => {}, wantsLock: 'exclusive' } }, /wantsLock must be 'read' or 'write'/],
    [{ op: 'fault', replace: 'stale-check', with: { run: () => {}, tdx: true } }, /key 'tdx' does not belong to a step/],
    [{ op: 'fault', insert: { run: () => {} }, after: 'lock-read' }, /^edits\[0\]\.insert\.name must be the step name/],
  ];
  for (const [edit, want] of bad) {
    it(`refuses ${JSON.stringify(edit)}`, () => {
      const d = buildDiag(C6, [edit]);
      expect(d.code).toBe('MMC301');
      expect(d.message).toMatch(want);
      expect(d.message).not.toContain('\n');
    });
  }
  it('a replacement or insertion may not take the name of another step', () => {
    expect(buildDiag(C6, [{ op: 'fault', insert: { name: 'lock-read', run: () => {} }, after: 'stale-check' }]).message).toContain("already has a step 'lock-read'");
    expect(buildDiag(C6, [{ op: 'fault', replace: 'stale-check', with: { name: 'lock-read', run: () => {} } }]).message).toContain("already has a step 'lock-read'");
  });
  it('accepts each well-shaped action', () => {
    for (const e of [{ op: 'f', remove: 's' }, { op: 'f', move: 's', after: 't' }, { op: 'f', insert: { name: 'n', run: () => {} }, before: 't' }, { op: 'f', replace: 's', with: { run: () => {}, doc: 'd', wantsLock: 'read' } }]) {
      expect(checkEdit(e, 'edits[0]')).toBe(e);
    }
  });
});

describe('the whole shape of a variant', () => {
  const cat: VariantCatalogue = { scenarios: SCENARIOS.map((s) => s.name), options: OPTIONS };
  const diag = (v: unknown): Diagnostic => diagOf(() => checkVariant(v, cat));
  it('a key variants do not have is MMC301 naming it and the allowed keys', () => {
    const d = diag({ from: C6, vm: 'tdx' });
    expect(d.code).toBe('MMC301');
    expect(d.message).toBe(
      "not supported in a variant: key 'vm' (a variant keeps the VM type of its scenario 'from'; write a scenario({...}) for another); allowed keys: from, name, doc, options, edits, threads, addThreads, setup, dropWitnesses, addWitnesses, properties, expect",
    );
    expect(diag({ from: C6, edit: [] }).message).toMatch(/^not supported in a variant: key 'edit'; allowed keys: from, /);
  });
  it('from must be a known scenario (MMC005 listing them)', () => {
    expect(diag({ edits: [] }).message).toMatch(/^variant key 'from' must name the scenario/);
    const d = diag({ from: 'mmu/c6-fault-vs-fast-zap/fixd' });
    expect(d.code).toBe('MMC005');
    expect(d.hint).toContain(C6);
  });
  it('options must be an object of known options with allowed values', () => {
    const d = diag({ from: C6, edits: 'not-an-array', options: 7 });
    expect(d.code).toBe('MMC301');
    expect(d.message).toMatch(/^variant key 'options' must be an object .*got number 7$/);
    expect(diag({ from: C6, options: { nope: 1 } })).toMatchObject({ code: 'MMC005', message: "unknown option 'nope' in variant key 'options'" });
    const v = diag({ from: C6, options: { maxRetries: 7 } });
    expect(v.message).toBe("option 'maxRetries' cannot be 7");
    expect(v.hint).toBe('values: "unbounded", 0, 1, 2, 3');
  });
  it('edits must be an array of edits; name, doc and expect have their types', () => {
    expect(diag({ from: C6, edits: 'not-an-array' })).toMatchObject({ code: 'MMC301', message: expect.stringMatching(/^edits must be an array of edits .*got a string/) });
    expect(diag({ from: C6, edits: [{ op: 'fault' }] }).message).toMatch(/^edits\[0\] needs exactly one of/);
    expect(diag({ from: C6, name: 5 }).message).toBe("variant key 'name' must be a non-empty string, got number 5");
    expect(diag({ from: C6, doc: null }).message).toBe("variant key 'doc' must be a string, got null");
    expect(diag({ from: C6, expect: 'maybe' }).message).toMatch(/^variant key 'expect' must be 'holds' or 'violated'/);
    expect(diag([]).message).toMatch(/^a variant must be an object/);
  });
  it('accepts a complete variant unchanged', () => {
    const v = { from: C6, name: 'n', doc: 'd', options: { maxRetries: 2 }, edits: [{ op: 'fault', remove: 'stale-check' }], expect: 'violated' };
    expect(checkVariant(v, cat)).toBe(v);
  });
});

describe('user step bodies fail cleanly (V28, V31)', () => {
  it('an exception in a user step is MMC301 naming the step and the exception', () => {
    const d = checkDiag(build(C6, { edits: [replaceStaleCheck(() => { throw new Error('user step body bug'); })] }));
    expect(d.code).toBe('MMC301');
    expect(d.message).toBe('step fault.stale-check threw Error: user step body bug');
    const g = checkDiag(build(C6, { edits: [replaceStaleCheck(() => {}, () => { throw new TypeError('bad guard'); })] }));
    expect(g.message).toBe('step fault.stale-check (its guard) threw TypeError: bad guard');
  });
  it("our own diagnostics from inside a user step pass through unchanged", () => {
    const d = checkDiag(build(C6, { edits: [replaceStaleCheck((c) => c.goto('nowhere'))] }));
    expect(d.message).toMatch(/^step 'fault.stale-check' jumps to 'nowhere'/);
  });
  const oob: [string, (c: Ctx) => void, string][] = [
    ['setG beyond the globals', (c) => c.setG(1e9, 1), 'step fault.stale-check writes global word 1000000000, outside the state (global words are 0..22)'],
    ["setLoc into another thread's words", (c) => c.setLoc(-5, 7), 'step fault.stale-check writes local -5, outside the state (locals are 0..26)'],
    ['a raw write past the state', (c) => { c.s[123456] = 9; }, 'writes c.s[123456], outside the state'],
    ['a raw write at a negative index', (c) => { c.s[-1] = 9; }, 'writes c.s[-1], outside the state'],
    ['a raw read past the state', (c) => { c.setLoc(0, c.s[99999]!); }, 'reads c.s[99999], outside the state'],
    ['an SPTE store to a table that does not exist', (c) => c.store(99, 0, 1), 'writes table 99, outside the state'],
    ['a vCPU word of a vCPU that does not exist', (c) => c.setVcpu(7, 0, 1), 'writes vCPU 7, outside the state'],
  ];
  for (const [what, run, msg] of oob) {
    it(`${what} is MMC301 naming the step`, () => {
      const d = checkDiag(build(C6, { edits: [replaceStaleCheck(run)] }));
      expect(d.code).toBe('MMC301');
      expect(d.message).toContain(msg);
      expect(d.message).toMatch(/^step fault\.stale-check /);
    });
  }
  it('an async body, or a guard that returns no boolean, is MMC301', () => {
    expect(checkDiag(build(C6, { edits: [replaceStaleCheck((async () => {}) as unknown as (c: Ctx) => void)] })).message).toMatch(/^step fault\.stale-check returned a promise/);
    expect(checkDiag(build(C6, { edits: [replaceStaleCheck(() => {}, (() => undefined) as unknown as (c: Ctx) => boolean)] })).message).toMatch(/^step fault\.stale-check \(its guard\) returned undefined/);
  });
  it('a guard that writes the state is MMC301', () => {
    const d = checkDiag(build(C6, { edits: [replaceStaleCheck(() => {}, (c) => { c.setLoc(0, 1); return true; })] }));
    expect(d.message).toMatch(/^step fault\.stale-check \(its guard\) writes the state/);
  });
  it('a user step with in-range accesses runs as before (the C6 check rebuilt by hand catches nothing)', () => {
    const r = explore(build(C6, { edits: [replaceStaleCheck((c) => { c.setLoc(20, c.loc(20)); c.s[0] = c.s[0]!; })] }));
    expect(r.result.verdict.kind).not.toBe('error');
  });
  it('user steps run marked as user code `step <op>.<name>`; built-in steps do not', () => {
    const region = new Int32Array(new SharedArrayBuffer(12));
    const seen: number[] = [];
    attachUserCodeRegion(region);
    try {
      explore(build(C6, {}));
      expect(region[2]).toBe(0);
      explore(build(C6, { edits: [replaceStaleCheck(() => { seen.push(region[0]!, region[1]!); })] }));
    } finally {
      attachUserCodeRegion(null);
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toBe(1);
    expect(userCodeLabels()[seen[1]!]).toBe('step fault.stale-check');
    expect(region[0]).toBe(0);
    expect(region[2]).toBe(seen.length / 2);
  });
});

describe('an edit whose result cannot be meant is refused: TDX steps stay dead where no private memory is touched', () => {
  it('removing a step of a default VM fault so that it falls into a SEAMCALL step is MMC301', () => {
    const d = buildDiag(C6, [{ op: 'fault', remove: 'install' }]);
    expect(d.code).toBe('MMC301');
    expect(d.message).toMatch(/^edits\[0\]: removing step 'fault\.install' makes fault\(g0,W\) fall through into 'install-seamcall', a TDX step/);
    expect(buildDiag(C6, [{ op: 'fault', remove: 'link' }]).message).toContain("into 'link-seamcall'");
    expect(buildDiag('mmu/grid/fault-vs-notifier', [{ op: 'zap-range', remove: 'zap' }]).message).toContain("into 'block'");
  });
  it('the same removal is accepted where the fault maps private memory of a TD', () => {
    expect(() => build('tdx/link-before-sept-add/freeze', { edits: [{ op: 'fault', remove: 'install' }] })).not.toThrow();
  });
  it('a TDX step reached at run time by a user step that falls through is MMC301 naming it', () => {
    const d = checkDiag(build(C6, { edits: [{ op: 'fault', replace: 'install', with: { run: () => {} } }] }));
    expect(d.code).toBe('MMC301');
    expect(d.message).toMatch(/^step 'fault\.install-seamcall' was reached in fault\(g0,W\), an operation on shared memory/);
  });
});

describe('through the CLI: one line, exit 64', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmu-variant-'));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  it('a typo in an operation name (V38)', () => {
    const f = file('typo.ts', `import { variant } from 'mmucheck';\nexport default variant({ from: '${C6}', edits: [{ op: 'faults', move: 'stale-check', before: 'lock-read' }], expect: 'violated' });\n`);
    const r = cli(['check', '--model', f]);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain("error MMC005: edits[0]: unknown operation 'faults'");
  });
  it('a wrongly shaped variant (V05)', () => {
    const f = file('shape.ts', `export default { from: '${C6}', edits: 'not-an-array' };\n`);
    const r = cli(['check', '--model', f]);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain('error MMC301: edits must be an array of edits');
  });
  it('a user step that throws (V28)', () => {
    const f = file('throws.ts', `import { variant } from 'mmucheck';\nexport default variant({ from: '${C6}', edits: [{ op: 'fault', replace: 'stale-check', with: { run(_c) { throw new Error('user step body bug'); } } }] });\n`);
    const r = cli(['check', '--model', f]);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain('error MMC301: step fault.stale-check threw Error: user step body bug');
  });
});
