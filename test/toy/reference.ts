/**
 * A naive reference explorer for the tests: BFS over JSON-string states in a Set, no reductions.
 */
import type { Model } from '../../src/internal.js';

/** Returns the reachable states count, whether an always-property fails, and whether a deadlock exists. */
export function naiveExplore(model: Model): { states: number; alwaysFails: boolean; deadlock: boolean; shortest: number | null } {
  const seen = new Set<string>();
  let frontier: Int32Array[] = [];
  for (const s of model.initStates()) {
    const k = JSON.stringify(Array.from(s));
    if (!seen.has(k)) (seen.add(k), frontier.push(s));
  }
  let alwaysFails = false;
  let deadlock = false;
  let shortest: number | null = null;
  const always = model.properties().filter((p) => p.expectation === 'always');
  for (let depth = 0; frontier.length; depth++) {
    const next: Int32Array[] = [];
    for (const s of frontier) {
      if (always.some((p) => !p.check(s))) {
        alwaysFails = true;
        shortest ??= depth;
      }
      const acts: number[] = [];
      model.actions(s, acts);
      let any = false;
      for (const a of acts) {
        const o = new Int32Array(model.stateSize);
        if (!model.next(s, a, o)) continue;
        any = true;
        const k = JSON.stringify(Array.from(o));
        if (!seen.has(k)) (seen.add(k), next.push(o));
      }
      if (!any && model.isFinal && !model.isFinal(s)) deadlock = true;
    }
    frontier = next;
  }
  return { states: seen.size, alwaysFails, deadlock, shortest };
}

/** Returns every reachable state (naively, JSON-keyed). */
export function naiveStates(model: Model): Int32Array[] {
  const seen = new Map<string, Int32Array>();
  const work = [...model.initStates()];
  for (const s of work) seen.set(s.join(','), s);
  while (work.length) {
    const s = work.pop()!;
    const acts: number[] = [];
    model.actions(s, acts);
    for (const a of acts) {
      const o = new Int32Array(model.stateSize);
      if (model.next(s, a, o) && !seen.has(o.join(','))) (seen.set(o.join(','), o), work.push(o));
    }
  }
  return [...seen.values()];
}
