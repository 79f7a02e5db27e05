/**
 * The toys by name, as a model registry, so that worker threads can build them: compiled into
 * dist/test/toy/ by `npm run build` (see tsconfig.build.json), loaded through a `ModelRef`.
 */
import type { Model, ModelEntry } from '../../src/internal.js';
import { counters } from '../../model/toys/counters.js';
import { counter, peterson, philosophers, twoPhaseCommit } from './toys.js';

const entry = (doc: string, create: () => Model): ModelEntry => ({ doc, params: [], create });

/** `counters(2, 2)` with one eventually property: `reach` 3 fails (no counter passes 2), 2 holds. */
function countersEventually(reach: number): Model {
  const m = counters(2, 2);
  return { ...m, properties: () => [{ name: 'first-done', expectation: 'eventually', check: (s) => s[0] === reach }] };
}

/** This module's URL, for a `ModelRef` (from dist/). */
export const toyModelsUrl: string = import.meta.url;

/** Every toy with pinned answers, by the name the tests use. */
export const toyModels: Record<string, ModelEntry> = {
  peterson: entry("Peterson's mutual exclusion", () => peterson(false)),
  'peterson-broken': entry('Peterson with the flag check before the flag is raised', () => peterson(true)),
  'counter-lost-update': entry('two processes incrementing by read then write', () => counter(2, false)),
  'counter-cas': entry('three processes incrementing by compare-and-swap', () => counter(3, true)),
  philosophers: entry('three dining philosophers taking the left fork first (deadlock)', () => philosophers(3)),
  '2pc-3': entry('two-phase commit with three resource managers', () => twoPhaseCommit(3)),
  'counters-4-3': entry('four counters to 3', () => counters(4, 3)),
  'eventually-fails': entry('counters(2, 2): the first counter eventually reaches 3 (it never does)', () => countersEventually(3)),
  'eventually-holds': entry('counters(2, 2): the first counter eventually reaches 2', () => countersEventually(2)),
};
