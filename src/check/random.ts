/**
 * Seeded random simulation: many random walks from the initial states, for state spaces too big to
 * exhaust. Never proves anything (the verdict is `violated` or `unknown`); the seed makes a run
 * reproducible.
 */
import type { Model } from './model.js';
import { FP, fingerprint } from './hash.js';
import { makeStore, singleThreadStats } from './store.js';
import { Budget, type Found, type Search, clear, propTable, runAsync, runSync } from './common.js';
import { buildResult } from './result.js';
import { type Chain, initialRoots } from './trace.js';
import type { CheckOptions, CheckResult } from './types.js';

/** Returns a mulberry32 generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs seeded random walks over `model` (default 1000 walks of at most 1000 steps). */
export function checkRandom(model: Model, opts: CheckOptions = {}): CheckResult {
  return runSync(randomSearch(model, opts));
}

/** Runs seeded random walks over `model`, giving the event loop a turn now and then (see `runAsync`). */
export function checkRandomAsync(model: Model, opts: CheckOptions = {}): Promise<CheckResult> {
  return runAsync(randomSearch(model, opts));
}

/** The random walks as a {@link Search}: it yields at every budget check (once per walk). */
function* randomSearch(model: Model, opts: CheckOptions): Search<CheckResult> {
  const budget = new Budget(opts);
  const S = model.stateSize;
  const props = propTable(model);
  const seed = opts.seed ?? 1;
  const rng = mulberry32(seed);
  const walks = opts.walks ?? 1000;
  const maxDepth = opts.maxDepth ?? 1000;
  const maxStates = opts.maxStates ?? Infinity;
  const roots = opts.roots ?? initialRoots(model, false);
  const store = makeStore(opts.store ?? 'fingerprint', S, opts.expectedStates);
  const within = model.within ? model.within.bind(model) : null;
  const chains = new Map<Found, Chain>();
  const witnesses: (Found | null)[] = props.sometimes.map(() => null);
  let violation: Found | null = null;
  let generated = 0;
  let deepest = 0;
  let hit: string | null = null;
  let done = 0;
  const acts: number[] = [];
  let cur = new Int32Array(S);
  let nxt = new Int32Array(S);
  const path: number[] = [];
  try {
    walk: for (; done < walks; done++) {
      const b = budget.check();
      if (b.stop) {
        hit = budget.hit;
        break;
      }
      yield;
      if (b.due) opts.onProgress?.({ generatedStates: generated, distinctStates: store.size, depth: deepest, queue: walks - done, seconds: budget.seconds(), statesPerSecond: generated / budget.seconds(), memoryBytes: budget.peakRss });
      const rootIndex = Math.floor(rng() * roots.length);
      cur.set(roots[rootIndex]!.state);
      path.length = 0;
      let ebits = props.eventuallyMask;
      for (let depth = 0; ; depth++) {
        if (depth > deepest) deepest = depth;
        // A long walk (a large --max-depth) checks its budgets as it goes, too.
        if ((depth & 4095) === 4095) {
          if (budget.check().stop) {
            hit = budget.hit;
            break walk;
          }
          yield;
        }
        fingerprint(cur, 0, S);
        const h1 = FP[0]!;
        const h2 = FP[1]!;
        store.insert(h1, h2, cur, 0);
        const rec = (kind: Found['kind'], prop: number): Found => {
          const f: Found = { kind, prop, gid: -1, h1, h2, depth };
          chains.set(f, { rootIndex, indices: path.slice() });
          return f;
        };
        for (let p = 0; p < props.always.length; p++) {
          if (!props.always[p]!.check(cur)) {
            violation = rec('always', props.alwaysIdx[p]!);
            break walk;
          }
        }
        for (let p = 0; p < props.sometimes.length; p++) if (witnesses[p] === null && props.sometimes[p]!.check(cur)) witnesses[p] = rec('sometimes', props.sometimesIdx[p]!);
        for (let p = 0; p < props.eventually.length; p++) if ((ebits & (1 << p)) !== 0 && props.eventually[p]!.check(cur)) ebits &= ~(1 << p);
        if (depth >= maxDepth) break;
        if (generated >= maxStates) {
          hit = `state budget of ${maxStates} generated states reached`;
          break walk;
        }
        clear(acts);
        model.actions(cur, acts);
        // Try the enabled actions in random order until one has a successor inside the boundary.
        let left = acts.length;
        const idx = Array.from({ length: left }, (_, i) => i);
        let moved = false;
        let anyEnabled = false;
        while (left > 0) {
          const r = Math.floor(rng() * left);
          const i = idx[r]!;
          idx[r] = idx[left - 1]!;
          left--;
          if (!model.next(cur, acts[i]!, nxt)) continue;
          anyEnabled = true;
          generated++;
          if (within !== null && !within(nxt)) continue;
          path.push(i);
          const t = cur;
          cur = nxt;
          nxt = t;
          moved = true;
          break;
        }
        if (!moved) {
          if (!anyEnabled) {
            if (model.isFinal && !model.isFinal(cur)) {
              violation = rec('deadlock', -1);
              break walk;
            }
            if (ebits !== 0) {
              let p = 0;
              while ((ebits & (1 << p)) === 0) p++;
              violation = rec('eventually', props.eventuallyIdx[p]!);
              break walk;
            }
          }
          break;
        }
      }
    }
  } catch (e) {
    hit = budget.exhausted(e);
  }
  budget.sampleMemory();
  const n = store.size;
  const storeBytes = store.bytes();
  return buildResult({
    model,
    strategy: 'random',
    props,
    reductions: { por: false, symmetry: false },
    roots,
    violation,
    witnesses,
    complete: false,
    incompleteReason: hit ?? `random simulation (seed ${seed}, ${done} walks of at most ${maxDepth} steps) is not exhaustive`,
    stats: singleThreadStats({
      distinct: n, generated, deepest, seconds: budget.seconds(), peakRss: budget.peakRss,
      storeBytes, exact: store.mode === 'exact', queueLeft: 0,
    }),
    chainOf: (f) => chains.get(f)!,
  });
}
