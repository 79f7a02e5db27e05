/**
 * Footprint-based partial-order reduction (src/check/por.ts) on toy models where each of its
 * conditions is necessary: without the independence check, the visibility check or the cycle
 * proviso the reduced search misses a violation that the full search finds. And a model whose
 * recorded footprint under-reports a write is caught by comparing reduced and unreduced verdicts.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import type { Model, Property } from '../../src/check/model.js';
import { addLoc, FootprintPor, type FootprintModel, type LocSet, locSet } from '../../src/check/por.js';

/** Words: 0 x, 1 y, 2 pc0, 3 pc1, 4 r (thread 1's local), 5 l (thread 0's local). */
type Step = (s: Int32Array) => void;
interface ToySpec {
  /** Steps of thread 0 and 1: body (writes into the successor) and the next pc (-1 done). */
  readonly t0: readonly { run: Step; next: number; touches: number[] }[];
  readonly t1: readonly { run: Step; next: number; touches: number[] }[];
  readonly prop: (s: Int32Array) => boolean;
  readonly propReads: number[];
  /** Mutant: thread 0's recorded footprint leaves out word 0 (which it writes). */
  readonly underReport?: boolean;
}

function toy(spec: ToySpec, por: boolean): Model {
  const progs = [spec.t0, spec.t1];
  const pcw = [2, 3];
  const own = [[2, 5], [3, 4]];
  const visible = locSet(6);
  for (const w of spec.propReads) addLoc(visible, w);
  const fm: FootprintModel = {
    locations: 6,
    threadCount: 2,
    actionThread: (_s, a) => a,
    recordStep(s, a, out, reads: LocSet, writes: LocSet) {
      const pc = s[pcw[a]!]!;
      const st = progs[a]![pc];
      if (pc < 0 || st === undefined) return false;
      out.set(s);
      st.run(out);
      out[pcw[a]!] = st.next;
      for (const w of [...st.touches, ...own[a]!]) {
        if (spec.underReport && a === 0 && w === 0) continue;
        addLoc(reads, w);
        addLoc(writes, w);
      }
      return true;
    },
    future(s, t, r, w) {
      const pc = s[pcw[t]!]!;
      if (pc < 0) return false;
      // every step of the program (a loop may come back)
      for (const st of progs[t]!) for (const x of [...st.touches, ...own[t]!]) {
        addLoc(r, x);
        addLoc(w, x);
      }
      return true;
    },
    visible,
    monotone: locSet(6),
    progress: (s, t) => (s[pcw[t]!]! < 0 ? 1000 : s[pcw[t]!]!),
  };
  const fp = new FootprintPor(fm);
  const props: Property[] = [{ name: 'P', expectation: 'always', check: spec.prop }];
  return {
    name: 'toy',
    stateSize: 6,
    initStates: () => [new Int32Array([0, 0, 0, 0, 0, 0])],
    actions(s, out) {
      for (let t = 0; t < 2; t++) if (s[pcw[t]!]! >= 0) out.push(t);
    },
    next(s, a, out) {
      const pc = s[pcw[a]!]!;
      const st = progs[a]![pc];
      if (pc < 0 || st === undefined) return false;
      out.set(s);
      st.run(out);
      out[pcw[a]!] = st.next;
      return true;
    },
    properties: () => props,
    ...(por ? { isLocal: (s: Int32Array, a: number) => fp.isLocal(s, a) } : {}),
    formatAction: (_s, a) => `t${a}`,
    toItf: (s) => ({ s: [...s] }),
  };
}

const verdicts = (spec: ToySpec): [string, string] => [check(toy(spec, false), { por: false }).verdict.kind, check(toy(spec, true)).verdict.kind];

describe('footprint POR: each condition is needed', () => {
  it('independence: a write another thread will read is not postponed', () => {
    // t0: x := 1; t1: r := x. Violation: t1 read x before t0 wrote it.
    const spec: ToySpec = {
      t0: [{ run: (s) => (s[0] = 1), next: -1, touches: [0] }],
      t1: [{ run: (s) => (s[4] = s[0]!), next: -1, touches: [0, 4] }],
      prop: (s) => !(s[3] === -1 && s[4] === 0),
      propReads: [3, 4],
    };
    expect(verdicts(spec)).toEqual(['violated', 'violated']);
    // the mutant model whose footprint under-reports t0's write: the reduced search misses it,
    // and the reduced-versus-unreduced cross-check shows the disagreement
    expect(verdicts({ ...spec, underReport: true })).toEqual(['violated', 'holds']);
  });

  it('visibility: a step that changes what a property reads is not postponed', () => {
    // t0: x := 1; t1: y := 1 (independent). Violation: y set while x is still 0.
    const spec: ToySpec = {
      t0: [{ run: (s) => (s[0] = 1), next: -1, touches: [0] }],
      t1: [{ run: (s) => (s[1] = 1), next: -1, touches: [1] }],
      prop: (s) => !(s[0] === 0 && s[1] === 1),
      propReads: [0, 1],
    };
    expect(verdicts(spec)).toEqual(['violated', 'violated']);
  });

  it('cycle proviso: a thread that loops on local steps does not postpone the others forever', () => {
    // t0 loops l := 1, l := 0 forever (local, invisible); t1: y := 1 breaks the property.
    const spec: ToySpec = {
      t0: [
        { run: (s) => (s[5] = 1), next: 1, touches: [] },
        { run: (s) => (s[5] = 0), next: 0, touches: [] },
      ],
      t1: [{ run: (s) => (s[1] = 1), next: -1, touches: [1] }],
      prop: (s) => s[1] === 0,
      propReads: [1],
    };
    expect(verdicts(spec)).toEqual(['violated', 'violated']);
  });

  it('reduces when a step is independent and invisible (the reduction is real)', () => {
    // t0: l := 1 then l := 2 (local); t1: y := 1. Unreduced: 3 x 2 = 6 states; reduced fewer.
    const spec: ToySpec = {
      t0: [
        { run: (s) => (s[5] = 1), next: 1, touches: [] },
        { run: (s) => (s[5] = 2), next: -1, touches: [] },
      ],
      t1: [{ run: (s) => (s[1] = 1), next: -1, touches: [1] }],
      prop: () => true,
      propReads: [1],
    };
    const full = check(toy(spec, false), { por: false });
    const red = check(toy(spec, true), { merge: false });
    expect(full.stats.distinctStates).toBe(6);
    expect(red.stats.distinctStates).toBe(4);
    expect(red.verdict.kind).toBe('holds');
  });
});

/**
 * Blocked threads (condition 1 of src/check/por.ts): three threads whose steps may have guards.
 * Words: 0 x, 1 y, 2 r, 3..5 the pcs of threads 0..2, 6 z.
 */
interface GStep {
  readonly guard?: { readonly reads: number[]; readonly ok: (s: Int32Array) => boolean };
  readonly run: Step;
  readonly touches: number[];
}
function guarded(threads: readonly (readonly GStep[])[], prop: (s: Int32Array) => boolean, propReads: number[], opts: { noFixpoint?: boolean } = {}): { model: Model; fp: FootprintPor } {
  const N = 7;
  const pcw = (t: number): number => 3 + t;
  const visible = locSet(N);
  for (const w of propReads) addLoc(visible, w);
  const fm: FootprintModel = {
    locations: N,
    threadCount: threads.length,
    actionThread: (_s, a) => a,
    recordStep(s, a, out, reads, writes) {
      const pc = s[pcw(a)]!;
      const st = threads[a]![pc];
      if (pc < 0 || st === undefined) return false;
      addLoc(reads, pcw(a));
      for (const w of st.guard?.reads ?? []) addLoc(reads, w);
      if (st.guard && !st.guard.ok(s)) return false;
      out.set(s);
      st.run(out);
      out[pcw(a)] = pc + 1 < threads[a]!.length ? pc + 1 : -1;
      for (const w of [...st.touches, pcw(a)]) {
        addLoc(reads, w);
        addLoc(writes, w);
      }
      return true;
    },
    future(s, t, r, w) {
      const pc = s[pcw(t)]!;
      if (pc < 0) return false;
      for (const st of threads[t]!.slice(pc)) for (const x of [...st.touches, ...(st.guard?.reads ?? []), pcw(t)]) {
        addLoc(r, x);
        addLoc(w, x);
      }
      return true;
    },
    // the futures as the model's own sets (`futureSets`; the toy above copies them through `future`)
    futureSets(s, t) {
      const pc = s[pcw(t)]!;
      if (pc < 0) return undefined;
      const f = locSet(N);
      for (const st of threads[t]!.slice(pc)) for (const x of [...st.touches, ...(st.guard?.reads ?? []), pcw(t)]) addLoc(f, x);
      return { reads: f, writes: f };
    },
    blockedGuard(s, t, reads) {
      const pc = s[pcw(t)]!;
      const st = threads[t]![pc];
      if (pc < 0 || st === undefined || !st.guard || st.guard.ok(s)) return false;
      addLoc(reads, pcw(t));
      for (const w of st.guard.reads) addLoc(reads, w);
      // the mutant: a blocked thread is never compared, whoever may enable it
      if (opts.noFixpoint) for (let i = 0; i < N; i++) reads[i >>> 5] = 0;
      return true;
    },
    visible,
    monotone: locSet(N),
    progress: (s, t) => (s[pcw(t)]! < 0 ? 1000 : s[pcw(t)]!),
  };
  const fp = new FootprintPor(fm);
  const props: Property[] = [{ name: 'P', expectation: 'always', check: prop }];
  const model: Model = {
    name: 'guarded-toy',
    stateSize: N,
    initStates: () => [new Int32Array(N)],
    actions(s, out) {
      for (let t = 0; t < threads.length; t++) {
        const pc = s[pcw(t)]!;
        const st = threads[t]![pc];
        if (pc >= 0 && st !== undefined && (!st.guard || st.guard.ok(s))) out.push(t);
      }
    },
    next(s, a, out) {
      const pc = s[pcw(a)]!;
      const st = threads[a]![pc];
      if (pc < 0 || st === undefined || (st.guard && !st.guard.ok(s))) return false;
      out.set(s);
      st.run(out);
      out[pcw(a)] = pc + 1 < threads[a]!.length ? pc + 1 : -1;
      return true;
    },
    properties: () => props,
    isLocal: (s: Int32Array, a: number) => fp.isLocal(s, a),
    formatAction: (_s, a) => `t${a}`,
    toItf: (s) => ({ s: [...s] }),
  };
  return { model, fp };
}

describe('footprint POR: blocked threads', () => {
  // thread 2 waits for y = 1, then reads x into r; the violation: it read x = 0
  const reader: GStep = { guard: { reads: [1], ok: (s) => s[1] === 1 }, run: (s) => (s[2] = s[0]!), touches: [0, 2] };
  const readTooEarly = (s: Int32Array): boolean => !(s[5] === -1 && s[2] === 0);

  it('a blocked thread that another thread may enable is still compared (the fixpoint)', () => {
    // thread 0: x := 1; thread 1: y := 1 (enables thread 2). Unreduced: 2 reads x before 0 writes it.
    const threads: GStep[][] = [[{ run: (s) => (s[0] = 1), touches: [0] }], [{ run: (s) => (s[1] = 1), touches: [1] }], [reader]];
    const full = check(guarded(threads, readTooEarly, [2, 5]).model, { por: false });
    expect(full.verdict.kind).toBe('violated');
    const { model, fp } = guarded(threads, readTooEarly, [2, 5]);
    // x := 1 is not postponable: thread 1 may enable thread 2, which reads x
    expect(fp.isLocal(model.initStates()[0]!, 0)).toBe(false);
    expect(check(model).verdict.kind).toBe('violated');
    // the mutant that never compares a blocked thread postpones nothing and misses the violation
    expect(check(guarded(threads, readTooEarly, [2, 5], { noFixpoint: true }).model).verdict.kind).toBe('holds');
  });

  it('a thread only the acting thread can enable is left out (the reduction is real)', () => {
    // thread 0: x := 1 then y := 1; thread 1: z := 1 (independent); thread 2 waits for y.
    const threads: GStep[][] = [
      [{ run: (s) => (s[0] = 1), touches: [0] }, { run: (s) => (s[1] = 1), touches: [1] }],
      [{ run: (s) => (s[6] = 1), touches: [6] }],
      [reader],
    ];
    const { model, fp } = guarded(threads, readTooEarly, [2, 5]);
    expect(fp.isLocal(model.initStates()[0]!, 0)).toBe(true);
    const full = check(guarded(threads, readTooEarly, [2, 5]).model, { por: false, merge: false });
    const red = check(model, { merge: false });
    expect(red.verdict.kind).toBe(full.verdict.kind);
    expect(red.verdict.kind).toBe('holds');
    expect(red.stats.distinctStates).toBeLessThan(full.stats.distinctStates);
  });
});

/**
 * Commuting updates (condition 1b) and sets of several threads (condition 5, `persistent`):
 * threads of steps over shared words `0..7`, pcs at `8 + t`. A step reports its plain reads `r`
 * (guard included), plain writes `w`, and commuting updates `a` (in `adds`, or, with `plainAdds`,
 * as plain reads and writes).
 */
interface MStep {
  readonly guard?: (s: Int32Array) => boolean;
  readonly run: Step;
  readonly r?: number[];
  readonly w?: number[];
  readonly a?: number[];
}
interface MOpts {
  /** Report commuting updates as plain accesses (no condition 1b). */
  readonly plainAdds?: boolean;
  /** Give the model `persistent` (else only `isLocal`). */
  readonly persistent?: boolean;
  /** Mutant: a blocked thread's guard is reported as reading nothing. */
  readonly noGuard?: boolean;
}
function multi(threads: readonly (readonly MStep[])[], prop: (s: Int32Array) => boolean, propReads: number[], o: MOpts = {}): { model: Model; por: FootprintPor } {
  const N = 8 + threads.length;
  const pcw = (t: number): number => 8 + t;
  const visible = locSet(N);
  for (const x of propReads) addLoc(visible, x);
  const stepAt = (s: Int32Array, t: number): MStep | undefined => {
    const pc = s[pcw(t)]!;
    return pc < 0 ? undefined : threads[t]![pc];
  };
  const enabled = (s: Int32Array, t: number): boolean => {
    const st = stepAt(s, t);
    return st !== undefined && (st.guard === undefined || st.guard(s));
  };
  const run = (s: Int32Array, t: number, out: Int32Array): void => {
    const pc = s[pcw(t)]!;
    out.set(s);
    threads[t]![pc]!.run(out);
    out[pcw(t)] = pc + 1 < threads[t]!.length ? pc + 1 : -1;
  };
  const add = (set: LocSet, xs: readonly number[] | undefined): void => {
    for (const x of xs ?? []) addLoc(set, x);
  };
  const fm: FootprintModel = {
    locations: N,
    threadCount: threads.length,
    actionThread: (_s, a) => a,
    recordStep(s, t, out, reads, writes, adds) {
      const st = stepAt(s, t);
      if (st === undefined) return false;
      addLoc(reads, pcw(t));
      add(reads, st.r);
      if (!enabled(s, t)) return false;
      run(s, t, out);
      addLoc(writes, pcw(t));
      add(writes, st.w);
      if (adds !== undefined && !o.plainAdds) add(adds, st.a);
      else {
        add(reads, st.a);
        add(writes, st.a);
      }
      return true;
    },
    future(s, t, r, w, a) {
      const pc = s[pcw(t)]!;
      if (pc < 0) return false;
      addLoc(r, pcw(t));
      addLoc(w, pcw(t));
      for (const st of threads[t]!.slice(pc)) {
        add(r, st.r);
        add(w, st.w);
        if (a !== undefined && !o.plainAdds) add(a, st.a);
        else {
          add(r, st.a);
          add(w, st.a);
        }
      }
      return true;
    },
    blockedGuard(s, t, reads) {
      const st = stepAt(s, t);
      if (st === undefined || enabled(s, t)) return false;
      addLoc(reads, pcw(t));
      if (!o.noGuard) add(reads, st.r);
      return true;
    },
    visible,
    monotone: locSet(N),
    progress: (s, t) => (s[pcw(t)]! < 0 ? 1000 : s[pcw(t)]!),
  };
  const por = new FootprintPor(fm);
  const props: Property[] = [{ name: 'P', expectation: 'always', check: prop }];
  const model: Model = {
    name: 'multi-toy',
    stateSize: N,
    initStates: () => [new Int32Array(N)],
    actions(s, out) {
      for (let t = 0; t < threads.length; t++) if (enabled(s, t)) out.push(t);
    },
    next(s, t, out) {
      if (!enabled(s, t)) return false;
      run(s, t, out);
      return true;
    },
    properties: () => props,
    isLocal: (s: Int32Array, a: number) => por.isLocal(s, a),
    actionThread: (_s, a) => a,
    ...(o.persistent ? { persistent: (s: Int32Array, acts: readonly number[], sel: Int32Array) => por.persistent(s, acts, sel) } : {}),
    formatAction: (_s, a) => `t${a}`,
    toItf: (s) => ({ s: [...s] }),
  };
  return { model, por };
}

describe('footprint POR: commuting updates (condition 1b)', () => {
  // word 0: a reader count; word 1: w (the writer's data); word 2: r (what the reader saw)
  const inc: MStep = { run: (s) => void (s[0] = s[0]! + 1), a: [0] };
  const dec: MStep = { run: (s) => void (s[0] = s[0]! - 1), a: [0] };

  it('updates that commute are independent (the reduction is real; same verdict)', () => {
    // three threads each take and drop a read count, then write their own word; P reads word 7 only
    const th = (k: number): MStep[] => [inc, { run: (s) => void (s[3 + k] = 1), w: [3 + k] }, dec];
    const threads = [th(0), th(1), th(2)];
    const full = check(multi(threads, (s) => s[7] === 0, [7]).model, { por: false });
    const plain = check(multi(threads, (s) => s[7] === 0, [7], { plainAdds: true }).model, { merge: false });
    const red = check(multi(threads, (s) => s[7] === 0, [7]).model, { merge: false });
    expect(full.verdict.kind).toBe('holds');
    expect(red.verdict.kind).toBe('holds');
    expect(plain.stats.distinctStates).toBeLessThanOrEqual(full.stats.distinctStates);
    expect(red.stats.distinctStates).toBeLessThan(plain.stats.distinctStates);
  });

  // thread 0: reader (count++, r := w, count--); thread 1: writer waits for count == 0, then w := 1.
  // Reachable: the writer writes first, then the reader sees w = 1.
  const reader: MStep[] = [inc, { run: (s) => void (s[2] = s[1]!), r: [1], w: [2] }, dec];
  const sawWrite = (s: Int32Array): boolean => s[2] !== 1;

  it('a write-lock acquisition that waits for readers reads the count (it conflicts with a reader update)', () => {
    const writer: MStep[] = [{ guard: (s) => s[0] === 0, run: (s) => void (s[1] = 1), r: [0], w: [1] }];
    expect(check(multi([reader, writer], sawWrite, [2]).model, { por: false }).verdict.kind).toBe('violated');
    expect(check(multi([reader, writer], sawWrite, [2]).model).verdict.kind).toBe('violated');
    expect(check(multi([reader, writer], sawWrite, [2], { persistent: true }).model).verdict.kind).toBe('violated');
  });

  it('mutant: the acquisition declared as a commuting update of the count misses the violation', () => {
    // its guard reads the count, but the footprint says it only updates it commutingly
    const writer: MStep[] = [{ guard: (s) => s[0] === 0, run: (s) => void (s[1] = 1), a: [0], w: [1] }];
    expect(check(multi([reader, writer], sawWrite, [2]).model, { por: false }).verdict.kind).toBe('violated');
    expect(check(multi([reader, writer], sawWrite, [2]).model).verdict.kind).toBe('holds');
    expect(check(multi([reader, writer], sawWrite, [2], { persistent: true }).model).verdict.kind).toBe('holds');
  });
});

describe('footprint POR: conflict-closed sets of several threads (condition 5)', () => {
  // threads 0 and 1 both write word 0, threads 2 and 3 both write word 1: no singleton is
  // persistent, {0, 1} is
  const pair = (x: number): MStep[] => [{ run: (s) => void (s[x] = s[x]! * 2 + 1), r: [x], w: [x] }, { run: (s) => void (s[x] = s[x]! + 4), r: [x], w: [x] }];
  const threads = [pair(0), pair(0), pair(1), pair(1)];

  it('explores a proper set of several threads (the reduction is real; same verdict)', () => {
    const full = check(multi(threads, (s) => s[7] === 0, [7]).model, { por: false });
    const single = check(multi(threads, (s) => s[7] === 0, [7]).model, { merge: false });
    const { model, por } = multi(threads, (s) => s[7] === 0, [7], { persistent: true });
    const red = check(model, { merge: false });
    expect(red.stats.distinctStates).toBeLessThan(single.stats.distinctStates);
    expect(single.stats.distinctStates).toBeLessThanOrEqual(full.stats.distinctStates);
    expect(red.verdict.kind).toBe('holds');
    expect(por.stats.multi).toBeGreaterThan(0);
    const sel = new Int32Array(8);
    expect(por.persistent(model.initStates()[0]!, [0, 1, 2, 3], sel)).toBe(2);
    expect([...sel.slice(0, 2)]).toEqual([0, 1]);
  });

  it('the same verdict on a violation, whose trace replays (DFS too)', () => {
    // pairs of threads update a shared word (invisible), then copy it to a word P reads (visible):
    // words 0 -> 4 for threads 0 and 1, 1 -> 5 for threads 2 and 3. Violated when both copies are 3.
    const copy = (x: number, v: number): MStep[] => [{ run: (s) => void (s[x] = s[x]! * 2 + 1), r: [x], w: [x] }, { run: (s) => void (s[v] = s[x]!), r: [x], w: [v] }];
    const ts = [copy(0, 4), copy(0, 4), copy(1, 5), copy(1, 5)];
    const bad = (s: Int32Array): boolean => !(s[4] === 3 && s[5] === 3);
    const full = check(multi(ts, bad, [4, 5]).model, { por: false });
    expect(full.verdict.kind).toBe('violated');
    for (const strategy of ['bfs', 'dfs'] as const) {
      const { model, por } = multi(ts, bad, [4, 5], { persistent: true });
      const red = check(model, { strategy, merge: false });
      expect(por.stats.multi, strategy).toBeGreaterThan(0);
      expect(red.verdict.kind).toBe('violated');
      if (red.verdict.kind !== 'violated') continue;
      // the trace is a real run of the model ending in a violating state (replayed by the checker)
      const tr = red.verdict.witness.trace!;
      expect(bad(tr.states[tr.states.length - 1]!)).toBe(false);
      const out = new Int32Array(model.stateSize);
      for (let k = 0; k < tr.actions.length; k++) {
        const acts: number[] = [];
        model.actions(tr.states[k]!, acts);
        expect(acts[tr.actionIndices[k]!]).toBe(tr.actions[k]);
        expect(model.next(tr.states[k]!, tr.actions[k]!, out)).toBe(true);
        expect([...out]).toEqual([...tr.states[k + 1]!]);
      }
    }
  });

  it('a blocked thread pulls in the threads that may enable it; the mutant that ignores its guard misses the violation', () => {
    // thread 0: x := 1; thread 1: y := 1; thread 2 waits for y = 1, then r := x. Violation: r = 0.
    const ts: MStep[][] = [
      [{ run: (s) => void (s[0] = 1), w: [0] }],
      [{ run: (s) => void (s[1] = 1), w: [1] }],
      [{ guard: (s) => s[1] === 1, run: (s) => void (s[2] = s[0]!), r: [1, 0], w: [2] }],
    ];
    const readTooEarly = (s: Int32Array): boolean => !(s[10] === -1 && s[2] === 0);
    expect(check(multi(ts, readTooEarly, [2, 10]).model, { por: false }).verdict.kind).toBe('violated');
    const { model, por } = multi(ts, readTooEarly, [2, 10], { persistent: true });
    expect(por.persistent(model.initStates()[0]!, [0, 1], new Int32Array(8))).toBe(0);
    expect(check(model, { merge: false }).verdict.kind).toBe('violated');
    expect(check(multi(ts, readTooEarly, [2, 10], { persistent: true, noGuard: true }).model, { merge: false }).verdict.kind).toBe('holds');
  });

  it('mutant: a step that under-reports a write makes the reduced verdict differ', () => {
    // thread 0 writes x but reports only its pc; thread 1 reads x into r. Violation: r = 0 at the end.
    const ts: MStep[][] = [[{ run: (s) => void (s[0] = 1) }, { run: (s) => void (s[3] = 1), w: [3] }], [{ run: (s) => void (s[2] = s[0]!), r: [0], w: [2] }], [{ run: (s) => void (s[4] = 1), w: [4] }]];
    const bad = (s: Int32Array): boolean => !(s[9] === -1 && s[2] === 0);
    expect(check(multi(ts, bad, [2, 9]).model, { por: false }).verdict.kind).toBe('violated');
    expect(check(multi(ts, bad, [2, 9], { persistent: true }).model, { merge: false }).verdict.kind).toBe('holds');
  });
});
