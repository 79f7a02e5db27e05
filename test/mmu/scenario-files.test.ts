/**
 * Scenario files: the public scenario format is checked field by field (MMC301 naming the field,
 * one line, exit 64 through the CLI), the registered scenarios are written in it and keep their
 * pinned counts, a variant that adds a thread really checks the added thread, user properties run
 * on the state view, and every file in examples/ runs through the CLI.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import { checkScenario, type ScenarioSpec } from '../../src/mmu/scenario.js';
import { checkVariant, variantScenario } from '../../src/mmu/variant.js';
import { buildMachine, toScenario } from '../../model/mmu/build.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { SCENARIO_SPECS, SCENARIOS } from '../../model/mmu/scenarios.js';
import { PINNED } from '../../proofs/mmu/pinned.js';
import { cli, isOneLineDiagnostic, ROOT } from '../cli/helpers.js';
import { explore } from './util.js';
import { diagOf } from './util.js';


/** A valid scenario: 2 vCPUs and a notifier on a default VM. */
const BASE = {
  name: 'user/base',
  vm: 'default',
  vcpus: 2,
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 0, write: true }] },
    { name: 'V1', script: [{ op: 'access', gfn: 1 }] },
    { name: 'N', script: [{ op: 'zap-range', start: 0, end: 2 }] },
  ],
  witnesses: ['guest-wrote'],
  expect: 'holds',
} as const;

/** A valid TD scenario. */
const TD = { name: 'user/td', vm: 'tdx', vcpus: 1, privateGfns: [0, 1], threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 0, private: true }] }], expect: 'holds' } as const;

/** Returns the diagnostic of checking `x` as a scenario. */
const scnDiag = (x: unknown): Diagnostic => diagOf(() => checkScenario(x, { options: OPTIONS }));
/** Returns BASE with thread `i`'s script replaced by `[call]`. */
const withCall = (i: number, call: unknown): unknown => ({ ...BASE, threads: BASE.threads.map((t, k) => (k === i ? { ...t, script: [call] } : t)) });

describe('scenario validation: MMC301 naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['an unknown key', { ...BASE, thread: [] }, 'thread: unknown key; a scenario has: name, title, doc, vm, levels, vcpus, privateGfns, tdBuilding, tdxLocks, mmioGenBits, mmioCache, mmioCaching, pageCounters, pscache, memslots, host, bounds, threads, setup, options, witnesses, properties, symmetricGfns, expect'],
    ['an unknown key in a thread', { ...BASE, threads: [{ name: 'V0', scrip: [] }] }, 'threads[0].scrip: unknown key; a thread has: name, script'],
    ['an unknown parameter of an operation', withCall(0, { op: 'fault', gfn: 0, writ: true }), "threads[0].script[0].writ: unknown key; operation 'fault' has: op, gfn, write, private, level, fast"],
    ['a missing parameter', withCall(2, { op: 'zap-range', start: 0 }), "threads[2].script[0].end: missing; operation 'zap-range' needs start, end"],
    ['an unknown operation', withCall(2, { op: 'zap' }), "threads[2].script[0].op: unknown operation 'zap'; operations: fault, access, zap-range, gmem-punch-hole, fast-zap, memslot-delete, memslot-create, memslot-move, munmap, dirty-log-enable, dirty-log-harvest, eager-split, nx-recover, age, unload, page-add, finalize"],
    ['a wrong type (vcpus)', { ...BASE, vcpus: '2' }, 'vcpus: must be an integer, got a string ("2")'],
    ['a wrong type (write)', withCall(0, { op: 'fault', gfn: 0, write: 'yes' }), 'threads[0].script[0].write: must be true or false, got a string ("yes")'],
    ['a wrong vm', { ...BASE, vm: 'sev' }, 'vm: must be \'default\' or \'tdx\', got a string ("sev")'],
    ['a gfn out of range', withCall(2, { op: 'nx-recover', gfn: 9 }), 'threads[2].script[0].gfn: 9 is out of range; gfns are 0..3'],
    ['vCPUs out of range', { ...BASE, vcpus: 9 }, 'vcpus: 9 is out of range; vCPUs are 1..8'],
    ['fewer threads than vCPUs', { ...BASE, vcpus: 4 }, 'threads: 3 thread(s) for 4 vCPUs; the first 4 threads are the vCPUs'],
    ['a level the tree does not have', withCall(0, { op: 'fault', gfn: 0, level: 3 }), 'threads[0].script[0].level: 3 is out of range; levels are 1..2'],
    ['an empty range', withCall(2, { op: 'age', start: 2, end: 2 }), 'threads[2].script[0].end: the range 2..1 is empty; end is exclusive and must be above start'],
    ['a private fault on a default VM', withCall(0, { op: 'fault', gfn: 0, private: true }), "threads[0].script[0].private: a private fault needs vm: 'tdx' (this is a default VM)"],
    ['a vCPU operation on a host thread', withCall(2, { op: 'access', gfn: 0 }), "threads[2].script[0]: access runs on a vCPU, but threads[2] ('N') is a host thread; the first 2 thread(s) are the vCPUs (vcpus: 2)"],
    ['gmem-punch-hole on a default VM', withCall(2, { op: 'gmem-punch-hole', start: 0, end: 1 }), "threads[2].script[0]: gmem-punch-hole needs vm: 'tdx' (guest_memfd backs the private gfns of a TD)"],
    ['private gfns on a default VM', { ...BASE, privateGfns: [0] }, "privateGfns: private gfns need vm: 'tdx' (a default VM has only shared memory)"],
    ['tdxLocks on a default VM', { ...BASE, tdxLocks: true }, "tdxLocks: the TDX module's locks need vm: 'tdx'"],
    ['tdxLocks not a boolean', { ...TD, tdxLocks: 'yes' }, 'tdxLocks: must be true or false, got'],
    ['a private fault of a shared gfn', { ...TD, threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 2, private: true }] }] }, 'threads[0].script[0].gfn: a private fault of gfn 2, which is not private (privateGfns: [0, 1])'],
    ['page-add outside a building TD', { ...TD, threads: [{ name: 'V0', script: [{ op: 'page-add', gfn: 0 }] }] }, "threads[0].script[0]: page-add needs a TD being built (vm: 'tdx', tdBuilding: true)"],
    ['a private huge-page fault without tdxHugePages', { ...TD, threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 0, private: true, level: 2 }] }] }, 'threads[0].script[0].level: a private huge-page fault needs options: { tdxHugePages: true } (without it private memory is mapped at 4K only)'],
    ['a private gfn out of range', { ...TD, privateGfns: [0, 4] }, 'privateGfns[1]: 4 is out of range; gfns are 0..3'],
    ['two threads with one name', { ...BASE, threads: [...BASE.threads, { name: 'N', script: [] }] }, "threads[3].name: 'N' is already the name of another thread; thread names are unique"],
    ['more than 8 threads', { ...BASE, threads: Array.from({ length: 9 }, (_, i) => ({ name: `T${i}`, script: [] })) }, 'threads: 9 threads; a scenario has at most 8'],
    ['a setup naming no thread', { ...BASE, setup: [['V9', { op: 'fault', gfn: 0 }]] }, "setup[0][0]: a string (\"V9\") is not a thread of the scenario; threads: 0 'V0', 1 'V1', 2 'N'"],
    ['an unknown witness', { ...BASE, witnesses: ['guest-wrote', 'guest-read'] }, 'witnesses[1]: a string ("guest-read") is not a witness; witnesses: '],
    ['a property without holds', { ...BASE, properties: [{ kind: 'always', name: 'p' }] }, 'properties[0].holds: must be a function holds(view) returning a boolean, got undefined'],
    ['a property named like an invariant', { ...BASE, properties: [{ kind: 'always', name: 'I3', holds: () => true }] }, "properties[0].name: 'I3' is already the name of an invariant, witness or property"],
    ['a wrong expectation', { ...BASE, expect: 'pass' }, 'expect: must be \'holds\' or \'violated\', got a string ("pass")'],
    ['an expected property that does not exist', { ...BASE, expect: { verdict: 'violated', property: 'I14' } }, 'expect.property: a string ("I14") is not an always property; always properties: I1, '],
  ];
  for (const [what, x, message] of cases) {
    it(what, () => {
      const d = scnDiag(x);
      expect(d.code).toBe('MMC301');
      expect(d.message.startsWith(message), d.message).toBe(true);
    });
  }
  it('an unknown option is MMC005 listing the options', () => {
    const d = scnDiag({ ...BASE, options: { mirorInstall: 'freeze' } });
    expect(d).toMatchObject({ code: 'MMC005', message: "unknown option 'mirorInstall' in options" });
    expect(d.hint).toContain('mirrorInstall');
  });
  it('accepts a well-formed scenario and a TD being built', () => {
    expect(checkScenario(BASE, { options: OPTIONS })).toBe(BASE);
    const build = { ...TD, tdBuilding: true, threads: [{ name: 'V0', script: [{ op: 'page-add', gfn: 1 }, { op: 'finalize' }] }] };
    expect(checkScenario(build, { options: OPTIONS })).toBe(build);
  });
});

describe('variants that change threads, setup, witnesses and properties', () => {
  const cat = { scenarios: SCENARIOS.map((s) => s.name), options: OPTIONS };
  const from = 'mmu/grid/fault-vs-notifier';
  const base = SCENARIO_SPECS.find((s) => s.name === from)!;
  const merged = (v: unknown): ScenarioSpec => variantScenario(base, checkVariant(v, cat), cat);
  const varDiag = (v: unknown): Diagnostic => diagOf(() => merged(v));
  it('an added thread is checked against the scenario (MMC301 naming the variant field)', () => {
    expect(varDiag({ from, addThreads: [{ name: 'A', script: [{ op: 'age', start: 0, end: 9 }] }] }).message).toBe('addThreads[0].script[0].end: 9 is out of range; range ends (exclusive) are 1..4');
    expect(varDiag({ from, addThreads: [{ name: 'N', script: [] }] }).message).toBe("addThreads[0].name: 'N' is already the name of another thread; thread names are unique");
    expect(varDiag({ from, addThreads: [{ name: 'A', script: [{ op: 'fault', gfn: 1 }] }] }).message).toMatch(/^addThreads\[0\]\.script\[0\]: fault runs on a vCPU, but addThreads\[0\] \('A'\) is a host thread/);
  });
  it('replaced threads are checked, and a kept setup must still name a thread', () => {
    const c8 = SCENARIO_SPECS.find((s) => s.name === 'mmu/c8-volatile-bits/fixed')!;
    expect(diagOf(() => variantScenario(c8, checkVariant({ from: c8.name, threads: [] }, cat), cat)).message).toBe('threads: 0 thread(s) for 1 vCPUs of scenario mmu/c8-volatile-bits/fixed; the first 1 threads are the vCPUs');
    expect(diagOf(() => variantScenario(base, checkVariant({ from, threads: [{ name: 'V0', script: [{ op: 'access', gfn: 7 }] }] }, cat), cat)).message).toBe('threads[0].script[0].gfn: 7 is out of range; gfns are 0..3');
  });
  it('a private huge-page fault is checked against the variant\'s own options', () => {
    const t1 = SCENARIO_SPECS.find((s) => s.name === 'tdx/2m-vs-4k/freeze')!;
    expect(diagOf(() => variantScenario(t1, checkVariant({ from: t1.name, options: { tdxHugePages: false } }, cat), cat)).message).toMatch(/^tdx\/2m-vs-4k\/freeze: threads\[0\]\.script\[0\]\.level: a private huge-page fault needs options: \{ tdxHugePages: true \}/);
  });
  it('dropWitnesses names witnesses of the scenario; addWitnesses known ones it lacks', () => {
    expect(varDiag({ from, dropWitnesses: ['aged'] }).message).toBe("dropWitnesses[0]: a string (\"aged\") is not a witness; witnesses: stale-fault-retried, guest-wrote");
    expect(varDiag({ from, addWitnesses: ['guest-wrote'] }).message).toMatch(/^addWitnesses\[0\]: a string \("guest-wrote"\) is not a witness; witnesses: /);
    expect(merged({ from, dropWitnesses: ['guest-wrote'], addWitnesses: ['aged'] }).witnesses).toEqual(['stale-fault-retried', 'aged']);
  });
  it('a variant that adds a thread checks the added thread: more states than the scenario', () => {
    const spec = merged({ from, name: 'plus-aging', addThreads: [{ name: 'A', script: [{ op: 'age', start: 0, end: 1 }] }], addWitnesses: ['aged'] });
    const plain = explore(buildMachine(toScenario(base)));
    const plus = explore(buildMachine(toScenario({ ...spec, name: from }), { name: spec.name }));
    expect(plain.distinct).toBe(PINNED[from]);
    expect(plus.result.verdict.kind).toBe('holds');
    expect(plus.distinct).toBeGreaterThan(plain.distinct);
    expect(plus.sometimesMissing).toEqual([]);
  });
});

describe('the registered scenarios are written in the public format', () => {
  it('every registered scenario passes the public validation', () => {
    for (const s of SCENARIO_SPECS) expect(checkScenario(s, { options: OPTIONS }), s.name).toBe(s);
  });
  it('a registered scenario built from its public-format object (a JSON round trip) gives its pinned count', () => {
    const name = 'mmu/c1-yield-restart/fixed';
    const copy = JSON.parse(JSON.stringify(SCENARIO_SPECS.find((s) => s.name === name))) as ScenarioSpec;
    const r = explore(buildMachine(toScenario(checkScenario(copy, { options: OPTIONS }))));
    expect(r.result.verdict.kind).toBe('holds');
    expect(r.distinct).toBe(PINNED[name]);
  });
  it('buggy and fixed scenarios have titles that tell them apart', () => {
    // a violated scenario is the buggy side of a pair, or a finding of the model on mainline code
    for (const s of SCENARIOS.filter((x) => x.expect.verdict === 'violated')) expect(s.title, s.name).toMatch(/^(BUGGY|FINDING): /);
    for (const s of SCENARIOS.filter((x) => x.name.endsWith('/fixed') || x.name.endsWith('/freeze') || x.name.endsWith('/targeted'))) expect(s.title, s.name).toMatch(/^FIXED: /);
    expect(new Set(SCENARIOS.map((s) => s.title)).size).toBe(SCENARIOS.length);
  });
});

describe('user properties run on the state view', () => {
  const scn = (holds: (v: never) => unknown): ScenarioSpec => ({ ...(BASE as unknown as ScenarioSpec), properties: [{ kind: 'always', name: 'p', holds: holds as () => boolean }] });
  it('an always property that breaks is the violated property', () => {
    const r = explore(buildMachine(toScenario(scn((v: { thread(n: string): { done: boolean } }) => !v.thread('N').done))));
    expect(r.result.verdict.kind).toBe('violated');
    expect(r.allBroken).toContain('p');
  });
  it('a property that throws or returns no boolean is MMC301 naming it', () => {
    expect(diagOf(() => explore(buildMachine(toScenario(scn(() => { throw new TypeError('boom'); }))))).message).toBe('property p threw TypeError: boom');
    expect(diagOf(() => explore(buildMachine(toScenario(scn(() => 1))))).message).toBe('property p returned number 1: holds(view) returns true or false');
  });
});

describe('scenario files through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmucheck-scn-'));
  const file = (name: string, text: string): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  it('a scenario with a gfn out of range is one MMC301 line, exit 64', () => {
    const f = file('bad-gfn.ts', `import { scenario } from 'mmucheck';\nexport default scenario({ name: 'bad', vm: 'default', vcpus: 1, threads: [{ name: 'V0', script: [] }, { name: 'N', script: [] }, { name: 'M', script: [{ op: 'nx-recover', gfn: 9 }] }], expect: 'holds' });\n`);
    const r = cli(['check', '--model', f]);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain('MMC301: threads[2].script[0].gfn: 9 is out of range; gfns are 0..3');
  });
  it('a scenario named like a registered one is MMC301 (its traces would claim the registered scenario)', () => {
    const f = file('taken.ts', `import { scenario } from 'mmucheck';\nexport default scenario({ name: 'mmu/grid/fault-fault', vm: 'default', vcpus: 1, threads: [{ name: 'V0', script: [] }], witnesses: [], expect: 'holds' });\n`);
    const r = cli(['check', '--model', f]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("MMC301: name: 'mmu/grid/fault-fault' is a registered scenario");
  });
  it('a variant that adds a thread: the counterexample names the added thread', () => {
    const f = file(
      'plus.ts',
      `import { variant } from 'mmucheck';\nexport default variant({ from: 'mmu/grid/fault-vs-notifier', name: 'plus-ager', addThreads: [{ name: 'Ager', script: [{ op: 'age', start: 0, end: 1 }] }],\n  properties: [{ kind: 'always', name: 'ager-never-done', holds: (v) => !v.thread('Ager').done }], expect: 'violated' });\n`,
    );
    const r = cli(['check', '--model', f]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('plus-ager: VIOLATED');
    expect(r.stdout).toContain('ager-never-done');
    expect(r.stdout).toMatch(/Ager/);
  });
  it('the counterexample of a scenario file replays with --model (its #meta.scenario is the file\'s own name)', () => {
    const f = file(
      'c6-like.ts',
      `import { scenario } from 'mmucheck';\nexport default scenario({ name: 'user/c6-like', vm: 'default', vcpus: 1, options: { faultChecksObsoleteRoot: false },\n  threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 0, write: true }, { op: 'unload' }] }, { name: 'M', script: [{ op: 'fast-zap' }] }], expect: { verdict: 'violated', property: 'I2' } });\n`,
    );
    const itf = join(dir, 'c6-like.itf.json');
    const r = cli(['check', '--model', f, '--itf', itf, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("user/c6-like: VIOLATED: always-property 'I2'");
    const p = cli(['replay', itf, '--model', f, '--quiet']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/re-executed on user\/c6-like, every state matches; broken: I2/);
  });
  const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'));
  it('examples/ has the scenario and variant examples', () => expect(examples).toEqual(expect.arrayContaining(['three-vcpus.ts', 'three-vcpus-plus-thread.ts'])));
  it.each(examples)('examples/%s runs through the CLI and gives its expected verdict', (f) => {
    const r = cli(['check', '--model', join('examples', f), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: as expected/);
  });
});

describe('built-in property names are reserved', () => {
  it('a user property may not take the name of the built-in spte-classification property', () => {
    const base = { name: 'x', vm: 'default', vcpus: 1, threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 0 }] }], expect: 'holds' };
    const d = diagOf(() => checkScenario({ ...base, properties: [{ kind: 'always', name: 'spte-classification', holds: () => true }] }, { options: OPTIONS }));
    expect(d.code).toBe('MMC301');
    expect(d.message).toMatch(/spte-classification/);
    expect(() => checkScenario({ ...base, expect: { verdict: 'violated', property: 'spte-classification' } }, { options: OPTIONS })).not.toThrow();
  });
});
