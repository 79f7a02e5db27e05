/**
 * Issue 13 item 3, what session 7 left: the MMIO generation wrap and the per-vCPU MMIO cache.
 * MMIO SPTEs keep only the low bits of the memslots generation (scenario field `mmioGenBits`);
 * when an update's new number is 0 every root is zapped before the generation is stored
 * (kvm_mmu_invalidate_mmio_sptes, 152482580a1b, option `mmioGenWrapZap`). The per-vCPU MMIO
 * cache (scenario field `mmioCache`) holds a gfn with the generation word; a hit needs the current
 * generation (56f17dd3fbc4, option `mmioCacheGenCheck`) and nothing is cached during an update
 * (ddfd1730fd82). Each test names the mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import { buildMachine, instantiate, toScenario } from '../../model/mmu/build.js';
import { mainlineOptions, OPTIONS } from '../../model/mmu/options.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { checkScenario } from '../../src/mmu/scenario.js';
import { G, MC, RF, R } from '../../src/mmu/layout.js';
import { WITNESS } from '../../src/mmu/names.js';
import { stateView } from '../../src/mmu/view.js';
import { diagOf, explore } from './util.js';

/** Slot 0 at g0..g1; slots 1 (g2) and 2 (g3) absent at the start. */
const SLOTS = [
  { id: 0, base: 0, pages: 2 },
  { id: 1, base: 2, pages: 1, present: false },
  { id: 2, base: 3, pages: 1, present: false },
] as const;
const GEO = SLOTS.map((s) => ({ id: s.id, base: s.base, pages: s.pages }));

const machine = (x: Record<string, unknown>) =>
  buildMachine(toScenario(checkScenario({ name: 'user/mmio', vm: 'default', vcpus: 1, memslots: SLOTS, expect: 'holds', ...x }, { options: OPTIONS })));
const op = (c: Parameters<typeof instantiate>[0], wrap = false) => instantiate(c, mainlineOptions(), false, 4, GEO, false, wrap ? { wrap } : {});
const create = (slot: number) => ({ op: 'memslot-create' as const, slot });
const stepNames = (mm: ReturnType<typeof machine>, thread: number): string[] => mm.programs[thread]!.ops.flatMap((o) => o.steps.map((s) => `${o.op}.${s.name}`));

describe('scenario fields mmioGenBits and mmioCache', () => {
  it('are checked: one line naming the field and what is allowed', () => {
    const d = diagOf(() => machine({ mmioGenBits: 0, threads: [{ name: 'V0', script: [] }] }));
    expect(d.code).toBe('MMC301');
    expect(d.message).toContain('mmioGenBits');
    expect(d.message).toContain('1..6');
    expect(diagOf(() => machine({ mmioGenBits: 7, threads: [{ name: 'V0', script: [] }] })).message).toContain('mmioGenBits');
    expect(diagOf(() => machine({ mmioCache: 'yes', threads: [{ name: 'V0', script: [] }] })).message).toContain('mmioCache: must be true or false');
  });

  it('the cache adds two words per vCPU only when asked for; the generation bits add none', () => {
    const off = machine({ threads: [{ name: 'V0', script: [] }] });
    const on = machine({ mmioCache: true, vcpus: 2, threads: [{ name: 'V0', script: [] }, { name: 'V1', script: [] }] });
    const off2 = machine({ vcpus: 2, threads: [{ name: 'V0', script: [] }, { name: 'V1', script: [] }] });
    expect(off.layout.mmioCacheBase).toBe(-1);
    expect(on.layout.size - off2.layout.size).toBe(2 * MC.size);
    expect(machine({ mmioGenBits: 1, threads: [{ name: 'V0', script: [] }] }).layout.size).toBe(off.layout.size);
  });

  it('gfn symmetry is refused with the cache (it holds a gfn a swap would not rename)', () => {
    const d = diagOf(() =>
      machine({ mmioCache: true, memslots: undefined, vcpus: 2, symmetricGfns: [[2, 3]], host: { huge: false }, threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 2 }] }, { name: 'V1', script: [{ op: 'fault', gfn: 3 }] }] }),
    );
    expect(d.message).toContain('mmioCache');
  });
});

describe('the MMIO generation wrap (kvm_mmu_invalidate_mmio_sptes, 152482580a1b)', () => {
  it('its steps join the memslot updates only when the scenario can reach a wrap (2^mmioGenBits updates)', () => {
    const two = [{ name: 'M', script: [create(1), create(2)] }];
    expect(stepNames(machine({ threads: two }), 0)).not.toContain('memslot-create.sync-srcu-synced');
    expect(stepNames(machine({ mmioGenBits: 2, threads: two }), 0)).not.toContain('memslot-create.sync-srcu-synced');
    const names = stepNames(machine({ mmioGenBits: 1, threads: two }), 0);
    expect(names).toContain('memslot-create.sync-srcu-synced');
    expect(names).toContain('memslot-create.sync-srcu-wrap-invalidate-roots');
    // a deletion is two updates: with 1 bit it wraps by itself
    expect(stepNames(machine({ mmioGenBits: 1, threads: [{ name: 'M', script: [{ op: 'memslot-delete', slot: 0 }] }] }), 0)).toContain('memslot-delete.sync-srcu-2-wrap-zap');
  });

  it("is modelled with the update-in-progress generation only: memslotGenUpdate 'once' with a reachable wrap is MMC301", () => {
    const d = diagOf(() => machine({ mmioGenBits: 1, options: { memslotGenUpdate: 'once' }, threads: [{ name: 'M', script: [create(1), create(2)] }] }));
    expect(d.code).toBe('MMC301');
    expect(d.message).toContain('mmioGenBits');
  });

  it('the update whose number wraps to 0 zaps every root while the flag is up, then stores the generation: the old MMIO SPTE is gone', () => {
    const mm = machine({ mmioGenBits: 1, threads: [{ name: 'V0', script: [] }, { name: 'M', script: [create(1), create(2)] }] });
    const s = mm.initStates()[0]!;
    mm.runOp(s, 0, op({ op: 'fault', gfn: 2 }, true));
    expect(stateView(mm).of(s).spte('direct', 2, 1)?.kind).toBe('mmio');
    mm.runOp(s, 1, op(create(1), true));
    // generation 1: the SPTE of generation 0 is stale, and still there (a creation zaps nothing)
    expect(stateView(mm).of(s).generation).toEqual({ number: 1, updateInProgress: false });
    expect(stateView(mm).of(s).spte('direct', 2, 1)?.kind).toBe('mmio');
    expect(s[mm.layout.root(0, R.flags)]! & RF.invalid).toBe(0);
    mm.runOp(s, 1, op(create(2), true));
    expect(stateView(mm).of(s).generation).toEqual({ number: 2, updateInProgress: false });
    expect(s[mm.layout.root(0, R.flags)]! & RF.invalid).not.toBe(0);
    expect(stateView(mm).of(s).spte('direct', 2, 1)?.kind ?? 'non-present').not.toBe('mmio');
    expect(s[G.seen]! & (1 << WITNESS['invalid-root-zapped'])).not.toBe(0);
    expect(s[G.viol]).toBe(0);
  });

  it('the pair: after-publish breaks I2 (only I2) at the wait step that stores the wrapped generation; before-publish holds with the zap reached', () => {
    const b = explore(buildMachine(findScenario('mmu/mmio-gen-wrap/buggy')!));
    expect(b.allBroken).toEqual(['I2']);
    expect(b.trace!.labels[b.trace!.labels.length - 1]).toBe('M: memslot-create(slot 2).sync-srcu-wait');
    const f = explore(buildMachine(findScenario('mmu/mmio-gen-wrap/fixed')!));
    expect(f.result.verdict.kind).toBe('holds');
    expect(f.sometimesMissing).toEqual([]);
  });

  it('mutant: a wrap that zaps nothing (the wait step goes straight to the store) is caught by I2 in the fixed scenario', () => {
    const s = findScenario('mmu/mmio-gen-wrap/fixed')!;
    const mm = buildMachine(s, { edits: [{ op: 'memslot-create', replace: 'sync-srcu-wait', with: { guard: (c) => c.g(G.srcuGp) === 0, run: (c) => c.goto('sync-srcu-synced') } }], name: 'no-wrap-zap' });
    const r = explore(mm);
    expect(r.result.verdict.kind).toBe('violated');
    expect(r.allBroken).toEqual(['I2']);
  });

  it('mutant: a generation number kept whole (no truncation to mmioGenBits) never wraps, and I2 catches the stale SPTE the same way', () => {
    // the zap is skipped whenever the untruncated number is not 0, i.e. always after the first update
    const s = findScenario('mmu/mmio-gen-wrap/fixed')!;
    const mm = buildMachine(s, {
      edits: [
        {
          op: 'memslot-create',
          replace: 'sync-srcu-wait',
          with: {
            guard: (c) => c.g(G.srcuGp) === 0,
            run: (c) => {
              if ((((c.g(G.gen) & ~1) + 2) >> 1) !== 0) c.goto('sync-srcu-synced');
            },
          },
        },
      ],
      name: 'whole-generation',
    });
    expect(explore(mm).allBroken).toEqual(['I2']);
  });
});

describe('the per-vCPU MMIO cache (vcpu_cache_mmio_info, vcpu_match_mmio_gen)', () => {
  const cacheOf = (mm: ReturnType<typeof machine>, s: Int32Array, v = 0) => [s[mm.layout.mmioCache(v, MC.gfn)]!, s[mm.layout.mmioCache(v, MC.gen)]!];

  it('a fault on a gfn without a memslot caches gfn + 1 with the generation word; without the field nothing is kept', () => {
    const mm = machine({ mmioCache: true, threads: [{ name: 'V0', script: [] }] });
    const s = mm.initStates()[0]!;
    mm.runOp(s, 0, op({ op: 'fault', gfn: 2 }));
    expect(cacheOf(mm, s)).toEqual([3, 0]);
  });

  it('mutant (ddfd1730fd82 removed): nothing is cached while a memslot update is in progress', () => {
    const mm = machine({ mmioCache: true, threads: [{ name: 'V0', script: [] }] });
    const s = mm.initStates()[0]!;
    s[G.gen] = 1; // new memslots published, synchronize_srcu not returned yet
    mm.runOp(s, 0, op({ op: 'fault', gfn: 2 }));
    expect(cacheOf(mm, s)).toEqual([0, 0]);
    expect(stateView(mm).of(s).spte('direct', 2, 1)?.kind).toBe('mmio');
  });

  it('an access that finds a current MMIO SPTE caches the gfn too (handle_mmio_page_fault)', () => {
    const mm = machine({ mmioCache: true, vcpus: 2, threads: [{ name: 'V0', script: [] }, { name: 'V1', script: [] }] });
    const s = mm.initStates()[0]!;
    mm.runOp(s, 0, op({ op: 'fault', gfn: 2 }));
    mm.runOp(s, 1, op({ op: 'access', gfn: 2 }));
    expect(cacheOf(mm, s, 1)).toEqual([3, 0]);
  });

  it('the pair: without the generation check the access after the create is emulated from the cache (I2 at the access); with it the access goes on to the stale SPTE', () => {
    const b = explore(buildMachine(findScenario('mmu/mmio-cache-vs-memslot-create/buggy')!));
    expect(b.allBroken).toEqual(['I2']);
    expect(b.trace!.labels[b.trace!.labels.length - 1]).toBe('V0: access(g2,R).access');
    const f = explore(buildMachine(findScenario('mmu/mmio-cache-vs-memslot-create/fixed')!));
    expect(f.result.verdict.kind).toBe('holds');
    expect(f.sometimesMissing).toEqual([]);
  });

  it('mutant: an access that never consults the cache makes the buggy side hold (the pair shows the cache)', () => {
    const s = findScenario('mmu/mmio-cache-vs-memslot-create/buggy')!;
    const r = explore(buildMachine({ ...s, mmioCache: false }));
    expect(r.result.verdict.kind).toBe('holds');
  });
});

describe('memslot updates wait for mmu_notifier invalidations (52ac8b358b0c)', () => {
  const SLOTS2 = [
    { id: 0, base: 0, pages: 2 },
    { id: 1, base: 2, pages: 2, present: false },
  ];
  const m2 = (threads: unknown[], x: Record<string, unknown> = {}) => machine({ memslots: SLOTS2, vcpus: 1, threads, ...x });

  it("a munmap counts itself and looks the memslots up again at range_end only when another thread updates memslots (else its steps are the session-7 ones)", () => {
    const apart = m2([{ name: 'V0', script: [] }, { name: 'U', script: [{ op: 'munmap', slot: 1 }] }, { name: 'M', script: [create(1)] }]);
    expect(stepNames(apart, 1)).toContain('munmap.range-end');
    const together = m2([{ name: 'V0', script: [] }, { name: 'M', script: [create(1), { op: 'munmap', slot: 1 }] }]);
    expect(stepNames(together, 1)).not.toContain('munmap.range-end');
  });

  it('the flag of mn_active_invalidate_count is up exactly while the munmap is between range_start and range_end, in every interleaving', () => {
    const mm = buildMachine(findScenario('mmu/munmap-vs-memslot-create/fixed')!);
    const inside = (step: string | undefined): boolean => step !== undefined && step.startsWith('munmap.') && step !== 'munmap.find-memslots';
    const r = explore(
      buildMachine({
        ...findScenario('mmu/munmap-vs-memslot-create/fixed')!,
        properties: [{ kind: 'always', name: 'mn-flag', holds: (v: ReturnType<ReturnType<typeof stateView>['of']>) => ((v.local('U', 'flags') & 2048) !== 0) === inside(v.thread('U').step) }],
      }),
    );
    expect(r.result.verdict.kind).toBe('holds');
    expect(r.distinct).toBe(explore(mm).distinct);
  });

  it('the pair: without the wait, range_end pairs an end with no begin (I7 at the end step); with it the scenario holds', () => {
    const b = explore(buildMachine(findScenario('mmu/munmap-vs-memslot-create/buggy')!));
    expect(b.allBroken).toEqual(['I7']);
    expect(b.trace!.labels[b.trace!.labels.length - 1]).toBe('U: munmap(slot 1).end');
    expect(b.trace!.labels).toContain('M: memslot-create(slot 1).create-slot');
    const f = explore(buildMachine(findScenario('mmu/munmap-vs-memslot-create/fixed')!));
    expect(f.result.verdict.kind).toBe('holds');
    expect(f.sometimesMissing).toEqual([]);
  });

  it('mutant: a memslot install that does not wait (the guard of create-slot dropped) is caught in the fixed scenario', () => {
    const s = findScenario('mmu/munmap-vs-memslot-create/fixed')!;
    const mm = buildMachine(s, {
      edits: [
        {
          op: 'memslot-create',
          replace: 'create-slot',
          with: {
            run: (c) => {
              c.put(c.m.slot(1, 0), 0);
              c.setG(G.gen, c.g(G.gen) | 1);
            },
          },
        },
      ],
      name: 'no-wait',
    });
    expect(explore(mm).allBroken).toEqual(['I7']);
  });

});

describe('gfn symmetry and the wrap zap', () => {
  it('a memslot update that can wrap the MMIO generation is refused with symmetricGfns (its zap walks every gfn in order)', () => {
    const d = diagOf(() =>
      machine({
        mmioGenBits: 1,
        memslots: [
          { id: 0, base: 0, pages: 1 },
          { id: 1, base: 1, pages: 1, present: false },
          { id: 2, base: 2, pages: 2 },
        ],
        vcpus: 2,
        symmetricGfns: [[2, 3]],
        host: { huge: false },
        threads: [{ name: 'V0', script: [{ op: 'fault', gfn: 2 }] }, { name: 'V1', script: [{ op: 'fault', gfn: 3 }] }, { name: 'M', script: [create(1), { op: 'memslot-delete', slot: 1 }] }],
      }),
    );
    expect(d.code).toBe('MMC301');
    expect(d.message).toContain('wrap the MMIO generation');
  });
});
