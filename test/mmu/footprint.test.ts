/**
 * Footprints of the executable MMU (src/mmu/footprint.ts, model/mmu/footprints.ts): every step
 * of every scenario's reachable states stays inside its thread's declared future, every property
 * reads only what it declares; a declaration that under-reports is caught; the recording sees
 * what a step does.
 */
import { describe, expect, it } from 'vitest';
import { checkFootprints, MmuFootprints } from '../../src/mmu/footprint.js';
import { buildMachine, toScenario } from '../../model/mmu/build.js';
import type { ScenarioSpec } from '../../src/mmu/scenario.js';
import { OP_FOOTPRINTS, opFootprint } from '../../model/mmu/footprints.js';
import { SCENARIOS, findScenario } from '../../model/mmu/scenarios.js';
import { OPERATIONS } from '../../src/mmu/scenario.js';
import { hasLoc, locSet, type LocSet } from '../../src/check/por.js';
import { Ctx } from '../../src/mmu/ctx.js';
import { G } from '../../src/mmu/layout.js';
import type { MmuMachine } from '../../src/mmu/machine.js';
import type { FootprintClass } from '../../src/mmu/footprint.js';
import { check } from '../../src/check/index.js';
import { PINNED, PINNED_REDUCED } from '../../proofs/mmu/pinned.js';

describe('MMU footprints: declarations cover what every reachable step and property does', () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const mm = buildMachine(s);
      expect(mm.footprints, 'every property declares its reads').toBeDefined();
      const r = checkFootprints(mm, mm.footprints!, 20_000);
      expect(r.escapes).toEqual([]);
      expect(r.states).toBeGreaterThan(1);
    });
  }

  it('two memslots: the words of the second slot (appended to the state) are declared too', () => {
    const spec = {
      name: 'user/two-slots',
      vm: 'default',
      vcpus: 1,
      memslots: [{ id: 0, base: 0, pages: 2 }, { id: 1, base: 2, pages: 2 }],
      threads: [
        { name: 'V0', script: [{ op: 'fault', gfn: 2, write: true }, { op: 'access', gfn: 2, write: true }] },
        { name: 'M', script: [{ op: 'dirty-log-enable', slot: 1 }, { op: 'memslot-delete', slot: 1 }] },
      ],
      expect: 'holds',
    } as const;
    const mm = buildMachine(toScenario(spec as unknown as ScenarioSpec));
    expect(mm.layout.slots.length).toBe(2);
    const r = checkFootprints(mm, mm.footprints!, 20_000);
    expect(r.escapes).toEqual([]);
    expect(r.states).toBeGreaterThan(100);
  });

  it('every operation has a declaration', () => {
    for (const op of OPERATIONS) expect(OP_FOOTPRINTS[op], op).toBeDefined();
  });

  it('a declaration that leaves out what an operation writes is caught (mutant: zap-range without the tables)', () => {
    const mm = buildMachine(findScenario('mmu/grid/fault-vs-notifier')!);
    const mutant = new MmuFootprints(mm, (op) => (op === 'zap-range' ? opFootprint(op)!.filter((c) => c !== 'tables') : opFootprint(op)));
    const r = checkFootprints(mm, mutant, 20_000);
    expect(r.escapes.some((e) => e.who.includes('zap-range') && e.words.some((w) => w.startsWith('table')))).toBe(true);
  });

  it('a recorded execution reused for another state gives what running the step recorded gives', () => {
    const mm = buildMachine(findScenario('mmu/grid/fast-fault-vs-notifier')!);
    const warm = mm.footprints!;
    const cold = new MmuFootprints(mm, opFootprint, false);
    const seen = new Set<string>();
    const queue = mm.initStates();
    const acts: number[] = [];
    const o1 = new Int32Array(mm.stateSize);
    const o2 = new Int32Array(mm.stateSize);
    let n = 0;
    while (queue.length > 0) {
      const s = queue.pop()!;
      acts.length = 0;
      for (let t = 0; t < mm.programs.length; t++) acts.push(t); // blocked and finished threads too
      for (const t of acts) {
        const [r1, w1, r2, w2, a1, a2] = [0, 0, 0, 0, 0, 0].map(() => locSet(warm.locations));
        const a = warm.recordStep(s, t, o1, r1!, w1!, a1!);
        const b = cold.recordStep(s, t, o2, r2!, w2!, a2!);
        expect(a).toBe(b);
        expect([...r1!]).toEqual([...r2!]);
        expect([...w1!]).toEqual([...w2!]);
        expect([...a1!]).toEqual([...a2!]);
        if (!a) continue;
        n++;
        expect([...o1]).toEqual([...o2]);
        const k = o1.join(',');
        if (!seen.has(k)) {
          seen.add(k);
          queue.push(o1.slice());
        }
      }
    }
    expect(n).toBeGreaterThan(1000);
    expect(warm.hits).toBeGreaterThan(warm.misses);
  });

  it('the recording sees every word a step reads and writes', () => {
    const mm = buildMachine(findScenario('mmu/grid/fault-fault')!);
    const fp = mm.footprints!;
    const s = mm.initStates()[0]!;
    const out = new Int32Array(mm.stateSize);
    const r = locSet(fp.locations);
    const w = locSet(fp.locations);
    expect(fp.recordStep(s, 0, out, r, w)).toBe(true);
    // every word that changed was recorded as written
    for (let i = 0; i < out.length; i++) if (out[i] !== s[i]) expect((w[i >>> 5]! >>> (i & 31)) & 1, fp.wordName(i)).toBe(1);
    // and the successor is the one next() computes
    const ref = new Int32Array(mm.stateSize);
    expect(mm.next(s, 0, ref)).toBe(true);
    expect([...out]).toEqual([...ref]);
  });
});

/** A scenario whose expected violation is a lasso of I11 (liveness mode only). */
const livenessOnly = (s: { readonly expect: { readonly verdict: string; readonly property?: string } }): boolean => s.expect.verdict === 'violated' && s.expect.property === 'I11';

describe('reduced state counts are pinned, with the unreduced verdict', () => {
  it('footprint POR is opt-in on the MMU: off unless asked', () => {
    const s = SCENARIOS.find((x) => x.name === 'mmu/grid/fault-fault')!;
    expect(check(buildMachine(s)).reductions.por).toBe(false);
    expect(check(buildMachine(s), { por: true, liveness: false }).reductions.por).toBe(true);
  });
  it('every pinned scenario has a reduced pin', () => {
    expect(Object.keys(PINNED_REDUCED).sort()).toEqual(Object.keys(PINNED).sort());
  });
  for (const s of SCENARIOS) {
    const pin = PINNED_REDUCED[s.name];
    if (pin === undefined || PINNED[s.name]! > 5000) continue; // the big ones: test/long/mmu-grid.test.ts
    it(s.name, () => {
      const mm = buildMachine(s);
      const r = check(mm, { strategy: 'bfs', store: 'exact', por: true, liveness: false });
      // identical threads (mmu/yield-progress): symmetry on, and then no statement merging
      const sym = mm.canonicalize !== undefined;
      expect(r.reductions).toEqual({ por: true, symmetry: sym, merge: !sym });
      // safety mode (POR is a safety-mode reduction) sees no lasso: an I11 liveness pair holds there
      expect(r.verdict.kind).toBe(livenessOnly(s) ? 'holds' : s.expect.verdict);
      expect(r.stats.distinctStates).toBe(pin);
    });
  }
});

/**
 * Explores `mm` unreduced (at most `max` states) and, in every state, runs each pair of enabled
 * steps whose recorded footprints are independent (no plain access of one meets an access of the
 * other; commuting updates of one word by both are allowed, condition 1b of src/check/por.ts) in
 * both orders: returns the pairs that did not commute (a step disabled by the other, or two
 * different final states), and how many commuting-update pairs were tried.
 */
function diamonds(mm: MmuMachine, max: number): { bad: string[]; addPairs: number; pairs: number } {
  const fp = mm.footprints!;
  const L = fp.locations;
  const seen = new Set<string>();
  const queue = mm.initStates();
  for (const s of queue) seen.add(s.join(','));
  const bad: string[] = [];
  let addPairs = 0;
  let pairs = 0;
  const meet = (x: LocSet, y: LocSet): boolean => x.some((v, k) => (v & y[k]!) !== 0);
  const S = mm.stateSize;
  const [ab, ba] = [new Int32Array(S), new Int32Array(S)];
  for (let head = 0; head < queue.length && head < max; head++) {
    const s = queue[head]!;
    const acts: number[] = [];
    mm.actions(s, acts);
    const rec = acts.map((t) => {
      const [r, w, a] = [locSet(L), locSet(L), locSet(L)];
      const out = new Int32Array(S);
      fp.recordStep(s, t, out, r, w, a);
      return { t, r, w, a, out };
    });
    for (const x of rec) {
      const k = x.out.join(',');
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(x.out);
      }
    }
    for (let i = 0; i < rec.length; i++) {
      for (let j = i + 1; j < rec.length; j++) {
        const x = rec[i]!;
        const y = rec[j]!;
        const conflict = meet(x.w, y.r) || meet(x.w, y.w) || meet(x.w, y.a) || meet(x.r, y.w) || meet(x.r, y.a) || meet(x.a, y.r) || meet(x.a, y.w);
        if (conflict) continue;
        pairs++;
        if (meet(x.a, y.a)) addPairs++;
        const okA = mm.next(x.out, y.t, ab);
        const okB = mm.next(y.out, x.t, ba);
        if (!okA || !okB || ab.join(',') !== ba.join(',')) bad.push(`${mm.threadAt(s, x.t)} / ${mm.threadAt(s, y.t)}`);
      }
    }
  }
  return { bad, addPairs, pairs };
}

describe('commuting updates (condition 1b of src/check/por.ts) on the MMU', () => {
  it('reader-mask updates are recorded as commuting, write_lock reads the mask plainly', () => {
    const mm = buildMachine(findScenario('mmu/grid/3t-fault-notifier-fast-zap')!);
    const fp = mm.footprints!;
    let added = 0;
    let readPlain = 0;
    const seen = new Set<string>();
    const queue = mm.initStates();
    for (let head = 0; head < queue.length && head < 3000; head++) {
      const s = queue[head]!;
      const acts: number[] = [];
      mm.actions(s, acts);
      for (let t = 0; t < mm.programs.length; t++) {
        const [r, w, a] = [locSet(fp.locations), locSet(fp.locations), locSet(fp.locations)];
        const out = new Int32Array(mm.stateSize);
        const ok = fp.recordStep(s, t, out, r, w, a);
        if (hasLoc(a, G.readers) && !hasLoc(r, G.readers) && !hasLoc(w, G.readers)) added++;
        if (hasLoc(r, G.readers) && mm.threadAt(s, t).includes('lock')) readPlain++;
        if (ok && acts.includes(t) && !seen.has(out.join(','))) {
          seen.add(out.join(','));
          queue.push(out);
        }
      }
    }
    expect(added).toBeGreaterThan(0);
    expect(readPlain).toBeGreaterThan(0);
  });

  it('steps the footprints call independent commute (both orders, same state)', () => {
    let addPairs = 0;
    for (const name of ['mmu/grid/3t-fault-notifier-fast-zap', 'mmu/grid/fault-fault', 'mmu/grid/fault-vs-notifier']) {
      const r = diamonds(buildMachine(findScenario(name)!), 4000);
      expect(r.bad, name).toEqual([]);
      expect(r.pairs, name).toBeGreaterThan(0);
      addPairs += r.addPairs;
    }
    expect(addPairs).toBeGreaterThan(0);
  });

  it('mutant: an update declared commuting that is not (a thread clears and sets a bit not its own) is caught', () => {
    const orig = Ctx.prototype.ownBit;
    try {
      Ctx.prototype.ownBit = function (this: Ctx, i: number, on: boolean): void {
        this.commute?.(i);
        const v = this.st[i]!;
        this.put(i, on ? v | 1 : v & ~1);
      };
      const r = diamonds(buildMachine(findScenario('mmu/grid/fault-fault')!), 4000);
      expect(r.bad.length).toBeGreaterThan(0);
    } finally {
      Ctx.prototype.ownBit = orig;
    }
  });

  it('mutant: a commuting declaration of a word the operation reads is caught (zap-range with +G.readers: write_lock waits for readers)', () => {
    const mm = buildMachine(findScenario('mmu/grid/fault-vs-notifier')!);
    const mutant = new MmuFootprints(mm, (op) => (op === 'zap-range' ? opFootprint(op)!.map((c): FootprintClass => (c === 'G.readers' ? '+G.readers' : c)) : opFootprint(op)));
    const r = checkFootprints(mm, mutant, 20_000);
    expect(r.escapes.some((e) => e.who.includes('zap-range') && e.words.includes('G.readers'))).toBe(true);
  });
});
