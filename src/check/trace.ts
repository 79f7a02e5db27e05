/**
 * ModelCounterexample paths: stored as action indices, rebuilt by replaying the model. A replay that does
 * not reproduce the recorded fingerprints means the model is non-deterministic (MMC201).
 */
import { DiagnosticError, diagnostic } from '../core/diagnostic.js';
import type { Model } from './model.js';
import { FP, fingerprint } from './hash.js';
import { MAX_MERGE, mergeStep } from './bfs-core.js';
import type { Root, Trace } from './types.js';

/** A path by indices: which root it starts from and the action indices after it. */
export interface Chain {
  readonly rootIndex: number;
  readonly indices: readonly number[];
}

/** Returns the chain of a state by following parent pointers (`lookup(gid) = [parentGid, actionIndex]`). */
export function chainOf(gid: number, lookup: (gid: number) => readonly [number, number]): Chain {
  const rev: number[] = [];
  let g = gid;
  for (let guard = 0; g >= 0; guard++) {
    if (guard > 1e8) throw new Error('parent chain does not end (internal error)');
    const [p, a] = lookup(g);
    if (p < 0) return { rootIndex: -1 - p, indices: rev.reverse() };
    rev.push(a);
    g = p;
  }
  return { rootIndex: -1 - g, indices: [] };
}

/** Returns the roots of a search from the model's initial states (canonicalised when `symmetry`). */
export function initialRoots(model: Model, symmetry: boolean): Root[] {
  const inits = model.initStates();
  return inits.map((s, i) => {
    checkSize(model, s, `initial state ${i}`);
    let st = s;
    if (symmetry && model.canonicalize) {
      st = new Int32Array(model.stateSize);
      model.canonicalize(s, st);
    }
    return { state: st, initIndex: i, path: [] };
  });
}

/** Throws MMC202 when a state has the wrong size. */
export function checkSize(model: Model, s: Int32Array, what: string): void {
  if (!(s instanceof Int32Array) || s.length !== model.stateSize) {
    throw new DiagnosticError(
      diagnostic('MMC202', `model ${model.name}: ${what} has ${s?.length ?? '?'} words, stateSize is ${model.stateSize}`),
    );
  }
}

function nondeterministic(model: Model, step: number, detail: string): never {
  throw new DiagnosticError(
    diagnostic('MMC201', `model ${model.name} is non-deterministic: replay of the recorded path failed at step ${step}: ${detail}`, {
      hint: 'likely causes: actions() listed in an order that depends on Map/Set/object iteration, state kept outside the Int32Array, randomness or time, next() mutating its input, or a canonicalize() that is not a function of the orbit',
    }),
  );
}

/**
 * Picks the merged local step the checker applied after an action (an index into `acts`, which it
 * fills with the actions of `u`), or -1: `mergeStep` for safety search, the acting thread's own
 * local step for liveness search.
 */
export type MergePicker = (u: Int32Array, acts: number[], thread: number) => number;

/**
 * Expands a path recorded with statement merging (each index followed by the merged local steps
 * the checker applied at once, chosen by `pick`) into one index per action, from state `from`;
 * returns the end state too.
 */
export function unmergePath(model: Model, from: Int32Array, indices: readonly number[], pick: MergePicker): { indices: number[]; end: Int32Array } {
  const S = model.stateSize;
  const acts: number[] = [];
  const out: number[] = [];
  let s = from.slice();
  for (let k = 0; k < indices.length; k++) {
    acts.length = 0;
    model.actions(s, acts);
    const idx = indices[k]!;
    let u = new Int32Array(S);
    if (idx >= acts.length || !model.next(s, acts[idx]!, u)) nondeterministic(model, out.length + 1, `action index ${idx} recorded, but it is not enabled now`);
    out.push(idx);
    const th = model.actionThread ? model.actionThread(s, acts[idx]!) : -1;
    for (let c = 0; c < MAX_MERGE; c++) {
      if (model.within && !model.within(u)) break;
      const b = pick(u, acts, th);
      if (b < 0) break;
      const w = new Int32Array(S);
      if (!model.next(u, acts[b]!, w)) break;
      out.push(b);
      u = w;
    }
    s = u;
  }
  return { indices: out, end: s };
}

/** Expands a safety search's merged path (see `mergeStep`). */
function unmerge(model: Model, init: Int32Array, indices: readonly number[]): number[] {
  const thread = model.actionThread ? model.actionThread.bind(model) : null;
  const sel = new Int32Array(256);
  return unmergePath(model, init, indices, (u, acts) => mergeStep(model, u, acts, thread, sel)).indices;
}

/**
 * Rebuilds a concrete trace by replay: follows the indices on canonical states (checking that every
 * index exists and that the end state has fingerprint `target`), then, with symmetry, finds at
 * each step the concrete action whose successor has the recorded canonical form.
 */
export function replayChain(model: Model, symmetry: boolean, roots: readonly Root[], chain: Chain, target: readonly [number, number] | null, merge = false): Trace {
  const root = roots[chain.rootIndex];
  if (!root) throw new Error(`root ${chain.rootIndex} out of range (internal error)`);
  const inits = model.initStates();
  const init = inits[root.initIndex];
  if (!init) nondeterministic(model, 0, `initial state ${root.initIndex} missing (initStates() returned ${inits.length})`);
  const S = model.stateSize;
  const indices = merge ? unmerge(model, init, [...root.path, ...chain.indices]) : [...root.path, ...chain.indices];
  const sym = symmetry && !!model.canonicalize;
  const canonOf = (s: Int32Array): Int32Array => {
    if (!sym) return s;
    const c = new Int32Array(S);
    model.canonicalize!(s, c);
    return c;
  };
  // Canonical replay.
  const canon: Int32Array[] = [canonOf(init)];
  const acts: number[] = [];
  for (let k = 0; k < indices.length; k++) {
    const s = canon[k]!;
    acts.length = 0;
    model.actions(s, acts);
    const idx = indices[k]!;
    if (idx >= acts.length) nondeterministic(model, k + 1, `action index ${idx} recorded, but only ${acts.length} actions are enabled now`);
    const out = new Int32Array(S);
    if (!model.next(s, acts[idx]!, out)) nondeterministic(model, k + 1, `action ${acts[idx]} (index ${idx}) is now disabled`);
    canon.push(canonOf(out));
  }
  if (target) {
    const last = canon[canon.length - 1]!;
    fingerprint(last, 0, S);
    if (FP[0] !== target[0] || FP[1] !== target[1]) nondeterministic(model, indices.length, 'the replayed end state differs from the recorded one');
  }
  // Concretise.
  const states: Int32Array[] = [init.slice()];
  const taken: number[] = [];
  const takenIdx: number[] = [];
  const labels: string[] = [];
  for (let k = 0; k < indices.length; k++) {
    const s = states[k]!;
    acts.length = 0;
    model.actions(s, acts);
    let chosen = -1;
    let out = new Int32Array(S);
    if (!sym) {
      chosen = indices[k]!;
      if (chosen >= acts.length || !model.next(s, acts[chosen]!, out)) nondeterministic(model, k + 1, 'concrete replay diverged');
    } else {
      const want = canon[k + 1]!;
      for (let i = 0; i < acts.length && chosen < 0; i++) {
        if (!model.next(s, acts[i]!, out)) continue;
        const c = canonOf(out);
        let eq = true;
        for (let w = 0; w < S && eq; w++) if (c[w] !== want[w]) eq = false;
        if (eq) chosen = i;
        else out = new Int32Array(S);
      }
      if (chosen < 0) nondeterministic(model, k + 1, 'no concrete action reaches the recorded canonical state (is canonicalize() a symmetry of next()?)');
    }
    taken.push(acts[chosen]!);
    takenIdx.push(chosen);
    labels.push(model.formatAction(s, acts[chosen]!));
    states.push(out);
  }
  return { initIndex: root.initIndex, actionIndices: takenIdx, actions: taken, states, labels };
}
