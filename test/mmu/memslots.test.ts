/**
 * Memslots and the host mapping as scenario fields: each validation error is one MMC301 naming the
 * field (exit 64 through the CLI); a 2M fault maps a huge leaf only when the host maps the page
 * huge, the gfn and its pfn are congruent modulo 2M and the memslot covers the range with dirty
 * logging off; memslots are deleted, dirty-logged and harvested one by one; gfns outside every
 * slot never get mapped; the state view and the ITF show every slot and the pfn of each gfn.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import { checkScenario, type ScenarioSpec } from '../../src/mmu/scenario.js';
import { stateView } from '../../src/mmu/view.js';
import { initialNotes } from '../../src/mmu/trace.js';
import { buildMachine, instantiate, toScenario } from '../../model/mmu/build.js';
import { mainlineOptions } from '../../model/mmu/options.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { cli, isOneLineDiagnostic } from '../cli/helpers.js';
import { diagOf, explore } from './util.js';

/** Two slots: 0 holds gfns 0..1, 1 holds gfns 2..3. */
const TWO = [
  { id: 0, base: 0, pages: 2 },
  { id: 1, base: 2, pages: 2 },
] as const;

/** A valid default-VM scenario with two slots and a memslot ioctl thread. */
const BASE = {
  name: 'user/slots',
  vm: 'default',
  vcpus: 1,
  memslots: TWO,
  threads: [
    { name: 'V0', script: [{ op: 'fault', gfn: 2, write: true }] },
    { name: 'M', script: [{ op: 'memslot-delete', slot: 0 }] },
  ],
  expect: 'holds',
} as const;

const scnDiag = (x: unknown): Diagnostic => diagOf(() => checkScenario(x, { options: OPTIONS }));
const check = (x: unknown): ScenarioSpec => checkScenario(x, { options: OPTIONS });
const machine = (x: unknown) => buildMachine(toScenario(check(x)));

describe('memslots, host and bounds validation: MMC301 naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['overlapping slots', { ...BASE, memslots: [{ id: 0, base: 0, pages: 3 }, { id: 1, base: 2, pages: 2 }] }, 'memslots[1]: gfns 2..3 overlap memslots[0] (id 0, gfns 0..2); memslots are disjoint'],
    ['a slot beyond the last gfn', { ...BASE, memslots: [{ id: 0, base: 2, pages: 3 }] }, 'memslots[0].pages: 3 is out of range; from base 2 the slot can have 1..2'],
    ['a slot base out of range', { ...BASE, memslots: [{ id: 0, base: 4, pages: 1 }] }, 'memslots[0].base: 4 is out of range; gfns are 0..3'],
    ['two slots with one id', { ...BASE, memslots: [{ id: 0, base: 0, pages: 2 }, { id: 0, base: 2, pages: 2 }] }, 'memslots[1].id: 0 is already the id of memslots[0]; ids are unique'],
    ['an unknown key in a slot', { ...BASE, memslots: [{ id: 0, base: 0, pages: 4, flags: 1 }] }, 'memslots[0].flags: unknown key; a memslot has: id, base, pages, dirtyLog, gmem, present'],
    ['no slots', { ...BASE, memslots: [] }, 'memslots: must be a non-empty array of memslots'],
    ['a guest_memfd slot in a default VM', { ...BASE, memslots: [{ id: 0, base: 0, pages: 4, gmem: true }] }, "memslots[0].gmem: a guest_memfd-bound slot needs vm: 'tdx'"],
    ['a private gfn in a slot without guest_memfd', { name: 'user/td', vm: 'tdx', vcpus: 1, privateGfns: [2], memslots: [{ id: 0, base: 0, pages: 2, gmem: true }, { id: 1, base: 2, pages: 2 }], threads: [{ name: 'V0', script: [] }], expect: 'holds' }, 'privateGfns[0]: gfn 2 is in memslot 1, which is not bound to guest_memfd; give that slot gmem: true'],
    ['a private gfn in no slot', { name: 'user/td', vm: 'tdx', vcpus: 1, privateGfns: [3], memslots: [{ id: 0, base: 0, pages: 2, gmem: true }], threads: [{ name: 'V0', script: [] }], expect: 'holds' }, 'privateGfns[0]: gfn 3 is in no memslot'],
    ['an unknown slot id in a call', { ...BASE, threads: [BASE.threads[0], { name: 'M', script: [{ op: 'memslot-delete', slot: 7 }] }] }, 'threads[1].script[0].slot: number 7 is not a memslot of the scenario; memslot ids: 0, 1'],
    ['an ambiguous slot (two slots, none named)', { ...BASE, threads: [BASE.threads[0], { name: 'M', script: [{ op: 'dirty-log-enable' }] }] }, "threads[1].script[0].slot: missing; the scenario has 2 memslots (ids 0, 1): name the one 'dirty-log-enable' works on"],
    ['a pfn out of range', { ...BASE, host: { pfns: [0, 1, 2, 63] } }, 'host.pfns[3]: 63 is out of range; pfns are 0..62'],
    ['pfns of the wrong length', { ...BASE, host: { pfns: [0, 1, 2] } }, 'host.pfns: must be an array of 4 pfns (one per gfn 0..3), got an array of 3'],
    ['a pfn backing two gfns', { ...BASE, host: { pfns: [0, 1, 1, 3] } }, 'host.pfns[2]: pfn 1 already backs gfn 1; each gfn has its own host page'],
    ['an unknown key in host', { ...BASE, host: { pfn: [0, 1, 2, 3] } }, 'host.pfn: unknown key; the host mapping has: pfns, huge'],
    ['half a 2M host page', { ...BASE, host: { pfns: [1, 2, 3, 4], huge: [1] } }, 'host.huge[0]: gfn 1 (pfn 2) is in a 2M host page with pfn 3, which must back gfn 2 and be listed too'],
    ['a huge gfn out of range', { ...BASE, host: { huge: [4] } }, 'host.huge[0]: 4 is out of range; gfns are 0..3'],
    ['a pfn beyond the pages bound', { ...BASE, host: { pfns: [0, 1, 2, 9] }, bounds: { pages: 8 } }, 'host.pfns[3]: 9 is out of range; with bounds.pages: 8, pfns are 0..7'],
    ['a pages bound below the gfns', { ...BASE, bounds: { pages: 3 } }, 'bounds.pages: 3 is out of range; host page pool sizes (at least one page per gfn) are 4..63'],
    ['an unknown key in bounds', { ...BASE, bounds: { table: 8 } }, 'bounds.table: unknown key; bounds has: tables, roots, pages'],
    ['too few roots for a TD', { name: 'user/td', vm: 'tdx', vcpus: 1, bounds: { roots: 1 }, threads: [{ name: 'V0', script: [] }], expect: 'holds' }, 'bounds.roots: 1 is out of range; root slot counts (a TD has a direct and a mirror root) are 2..8'],
    ['too many tables', { ...BASE, bounds: { tables: 64 } }, 'bounds.tables: 64 is out of range; page-table pool sizes are 1..63'],
  ];
  for (const [what, x, message] of cases) {
    it(what, () => {
      const d = scnDiag(x);
      expect(d.code).toBe('MMC301');
      expect(d.message.startsWith(message), d.message).toBe(true);
    });
  }
  it('accepts slots, a host mapping and bounds; a single slot needs no slot parameter', () => {
    expect(check({ ...BASE, host: { pfns: [4, 5, 2, 3], huge: [0, 1] }, bounds: { tables: 10, roots: 2, pages: 9 } })).toBeDefined();
    expect(check({ ...BASE, memslots: [{ id: 5, base: 1, pages: 2, dirtyLog: true }], threads: [BASE.threads[0], { name: 'M', script: [{ op: 'dirty-log-harvest' }] }] })).toBeDefined();
  });

  const dir = mkdtempSync(join(tmpdir(), 'mmucheck-slots-'));
  const cliCases: [string, string, string][] = [
    ['overlapping slots', "memslots: [{ id: 0, base: 0, pages: 3 }, { id: 1, base: 2, pages: 2 }]", 'memslots[1]: gfns 2..3 overlap'],
    ['a slot gfn out of range', 'memslots: [{ id: 0, base: 5, pages: 1 }]', 'memslots[0].base: 5 is out of range'],
    ['a pfn out of range', 'host: { pfns: [0, 1, 2, 70] }', 'host.pfns[3]: 70 is out of range'],
    ['an unknown slot id', "memslots: [{ id: 0, base: 0, pages: 4 }], threads: [{ name: 'V0', script: [] }, { name: 'M', script: [{ op: 'memslot-delete', slot: 3 }] }]", 'threads[1].script[0].slot: number 3 is not a memslot'],
    ['an unknown key', 'host', 'host.thp: unknown key'],
  ];
  it.each(cliCases)('%s through the CLI: one MMC301 line, exit 64', (_what, fields, message) => {
    const f = join(dir, `${_what.replace(/\W+/g, '-')}.ts`);
    const threads = fields.includes('threads:') ? '' : "threads: [{ name: 'V0', script: [] }], ";
    // (an object literal with an unknown key would not type-check: the key comes through a variable)
    writeFileSync(f, `import { scenario } from 'mmucheck';\nconst host = { huge: true, thp: 1 };\nexport default scenario({ name: 'bad', vm: 'default', vcpus: 1, ${threads}${fields}, expect: 'holds' });\n`);
    const r = cli(['check', '--model', f]);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain(`MMC301: ${message}`);
  });
});

/** A vCPU faulting gfn 2 with a 2M leaf asked for, on a given host mapping and slots. */
const hugeFault = (extra: object) => ({
  name: 'user/huge',
  vm: 'default',
  vcpus: 1,
  threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 2, level: 2, write: true }] }],
  properties: [
    { kind: 'always', name: 'no-2m-leaf', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.spte('direct', 2, 2)?.kind !== 'leaf' },
    { kind: 'sometimes', name: 'g2-mapped-4k', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.spte('direct', 2, 1)?.kind === 'leaf' },
  ],
  expect: 'holds',
  ...extra,
});

describe('huge pages follow the host mapping and the memslot', () => {
  it('aligned host huge page: the 2M fault maps a 2M leaf (the property breaks)', () => {
    const e = explore(machine(hugeFault({ host: { pfns: [0, 1, 2, 3], huge: [2, 3] } })));
    expect(e.result.verdict.kind).toBe('violated');
    expect(e.allBroken).toContain('no-2m-leaf');
  });
  it('pfns shifted so gfn 2 and pfn 3 are not congruent modulo 2M: 4K leaves, and the trace says why', () => {
    const e = explore(machine(hugeFault({ host: { pfns: [1, 2, 3, 4], huge: [1, 2] } })));
    expect(e.result.verdict.kind, JSON.stringify(e.allBroken)).toBe('holds');
    const f = join(mkdtempSync(join(tmpdir(), 'mmucheck-huge-')), 'misaligned.ts');
    const g2 = "{ kind: 'always', name: 'g2-unmapped', holds: (v) => v.spte('direct', 2, 1)?.kind !== 'leaf' }";
    writeFileSync(f, `import { scenario } from 'mmucheck';\nexport default scenario({ name: 'm', vm: 'default', vcpus: 1, host: { pfns: [1, 2, 3, 4], huge: [1, 2] }, threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 2, level: 2 }] }], properties: [${g2}], expect: 'holds' });\n`);
    const r = cli(['check', '--model', f]);
    expect(r.stdout).toContain('hugepage adjust: g2 and its pfn 3 are not congruent modulo 2M (misaligned host mapping): mapped at 4K');
    expect(r.stdout).toContain("always-property 'g2-unmapped' fails");
    expect(r.stdout).toContain('  host: g0->pfn 1, g1->pfn 2 (huge), g2->pfn 3 (huge), g3->pfn 4\n');
  });
  it('the host maps 4K pages (huge: false): 4K leaves', () => {
    expect(explore(machine(hugeFault({ host: { huge: false } }))).result.verdict.kind).toBe('holds');
  });
  it('a memslot that covers only part of the 2M range: 4K leaves', () => {
    expect(explore(machine(hugeFault({ memslots: [{ id: 0, base: 0, pages: 3 }, { id: 1, base: 3, pages: 1 }] }))).result.verdict.kind).toBe('holds');
  });
  it('dirty logging on the slot holding gfn 2 (not on the other): 4K leaves there, 2M in the other slot', () => {
    const slots = [{ id: 0, base: 0, pages: 2 }, { id: 1, base: 2, pages: 2, dirtyLog: true }];
    expect(explore(machine(hugeFault({ memslots: slots }))).result.verdict.kind).toBe('holds');
    const other = hugeFault({ memslots: slots, threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 0, level: 2, write: true }] }] });
    const props = [{ kind: 'always', name: 'no-2m-leaf-g0', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.spte('direct', 0, 2)?.kind !== 'leaf' }];
    expect(explore(machine({ ...other, properties: props })).allBroken).toContain('no-2m-leaf-g0');
  });
});

describe('memslots one by one', () => {
  const twoSlots = {
    name: 'user/two',
    vm: 'default',
    vcpus: 2,
    memslots: TWO,
    threads: [
      { name: 'V0', script: [{ op: 'fault', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
      { name: 'V1', script: [{ op: 'fault', gfn: 0 }] },
      { name: 'M', script: [{ op: 'memslot-delete', slot: 0 }] },
    ],
    witnesses: ['slot-invalid-retried', 'guest-wrote'],
    properties: [
      { kind: 'always', name: 'slot-1-stays', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.memslot(2)?.state === 'valid' },
      { kind: 'always', name: 'deleted-slot-unmapped', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.memslots[0]!.state !== 'deleted' || v.spte('direct', 0, 1)?.kind !== 'leaf' },
      { kind: 'sometimes', name: 'slot-1-mapped-after-delete', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.memslots[0]!.state === 'deleted' && v.spte('direct', 2, 1)?.kind === 'leaf' },
    ],
    expect: 'holds',
  };
  it('deleting slot 0 while a vCPU faults in slot 1: slot 1 keeps working after the deletion', () => {
    const e = explore(machine(twoSlots));
    expect(e.result.verdict.kind, JSON.stringify(e.result.verdict)).toBe('holds');
    expect(e.complete).toBe(true);
  });
  it('I2 (nothing left in a deleted memslot) is per slot: deleting slot 1 with a targeted zap leaves slot 0 mapped, and I2 holds', () => {
    const x = {
      name: 'user/targeted',
      vm: 'default',
      vcpus: 1,
      memslots: TWO,
      options: { memslotDeleteZap: 'targeted' },
      setup: [['V0', { op: 'fault', gfn: 0, write: true }], ['V0', { op: 'fault', gfn: 2, write: true }]],
      threads: [
        { name: 'V0', script: [{ op: 'access', gfn: 0, write: true }] },
        { name: 'M', script: [{ op: 'memslot-delete', slot: 1 }] },
      ],
      properties: [
        { kind: 'always', name: 'g2-gone-after-delete', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.memslots[1]!.state !== 'deleted' || v.spte('direct', 2, 1)?.kind !== 'leaf' },
        { kind: 'sometimes', name: 'g0-kept', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.memslots[1]!.state === 'deleted' && v.spte('direct', 0, 1)?.kind === 'leaf' },
      ],
      expect: 'holds',
    };
    const e = explore(machine(x));
    expect(e.result.verdict.kind, JSON.stringify(e.result.verdict)).toBe('holds');
  });
  it('a gfn outside every memslot is never mapped (its fault exits to userspace)', () => {
    const x = {
      name: 'user/hole',
      vm: 'default',
      vcpus: 1,
      memslots: [{ id: 0, base: 0, pages: 2 }],
      threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 3, write: true }, { op: 'fault', gfn: 1, write: true }] }],
      properties: [
        { kind: 'always', name: 'g3-unmapped', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.spte('direct', 3, 1)?.kind !== 'leaf' && v.memslot(3) === undefined },
        { kind: 'sometimes', name: 'g1-mapped', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.spte('direct', 1, 1)?.kind === 'leaf' },
      ],
      expect: 'holds',
    };
    expect(explore(machine(x)).result.verdict.kind).toBe('holds');
  });
  it('dirty logging and harvest of one slot leave the other slot alone (I5 holds, the other slot never logs)', () => {
    const x = {
      name: 'user/log',
      vm: 'default',
      vcpus: 1,
      memslots: TWO,
      setup: [['V0', { op: 'fault', gfn: 0, write: true }], ['V0', { op: 'fault', gfn: 2, write: true }]],
      threads: [
        { name: 'V0', script: [{ op: 'access', gfn: 0, write: true }, { op: 'fault', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
        { name: 'L', script: [{ op: 'dirty-log-enable', slot: 1 }, { op: 'dirty-log-harvest', slot: 1 }] },
      ],
      properties: [
        { kind: 'always', name: 'slot-0-not-logged', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.memslots[0]!.dirtyLog === 'off' && v.memslots[0]!.dirty.length === 0 },
        { kind: 'sometimes', name: 'g2-dirty', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => v.memslots[1]!.dirty.includes(2) },
      ],
      expect: 'holds',
    };
    const e = explore(machine(x));
    expect(e.result.verdict.kind, JSON.stringify(e.result.verdict)).toBe('holds');
  });
});

describe('the state view and the ITF show the slots and the pfns', () => {
  it('view: memslots, the slot of a gfn, pfns and host levels', () => {
    const mm = machine({ ...BASE, host: { pfns: [4, 5, 2, 3], huge: [0, 1] } });
    const v = stateView(mm).of(mm.initStates()[0]!);
    expect(v.memslots).toEqual([
      { id: 0, base: 0, pages: 2, state: 'valid', dirtyLog: 'off', dirty: [] },
      { id: 1, base: 2, pages: 2, state: 'valid', dirtyLog: 'off', dirty: [] },
    ]);
    expect(v.memslot(3)?.id).toBe(1);
    expect([0, 1, 2, 3].map((g) => v.pfn(g))).toEqual([4, 5, 2, 3]);
    expect([0, 1, 2, 3].map((g) => v.hostLevel(g))).toEqual([2, 2, 1, 1]);
    expect(diagOf(() => v.pfn(4)).message).toBe('the state view has no gfn 4; gfns are 0..3');
  });
  it('the initial state of a trace lists the memslots and the gfns outside them', () => {
    const mm = machine({ ...BASE, memslots: [{ id: 4, base: 0, pages: 2 }, { id: 9, base: 3, pages: 1, dirtyLog: true }], threads: [BASE.threads[0]] });
    expect(initialNotes(mm, mm.initStates()[0]!).slice(1, 4)).toEqual([
      '  memslot 4: g0..g1, valid, dirty logging off',
      '  memslot 9: g3..g3, valid, dirty logging on',
      '  no memslot: g2',
    ]);
    const plain = machine({ ...BASE, memslots: undefined });
    expect(initialNotes(plain, plain.initStates()[0]!)[1]).toBe('  root0: direct root t0, valid, refcount 2');
  });
  it('ITF: one entry per memslot, and the deleted slot alone changes state', () => {
    const mm = machine(BASE);
    const s = mm.initStates()[0]!;
    mm.runOp(s, 1, instantiate({ op: 'memslot-delete', slot: 0 }, mainlineOptions(), false, 4, TWO));
    const itf = mm.toItf(s) as { memslots: { id: number; gfns: { '#set': number[] }; state: string }[] };
    expect(itf.memslots.map((x) => [x.id, x.gfns['#set'], x.state])).toEqual([
      [0, [0, 1], 'deleted'],
      [1, [2, 3], 'valid'],
    ]);
  });
});
