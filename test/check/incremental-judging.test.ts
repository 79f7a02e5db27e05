/**
 * Incremental judging of `always` properties in BFS (`Property.words`, src/check/bfs-core.ts): a
 * property that declares the words it reads is judged only on states that differ from the state
 * they were first reached from in one of those words; roots are judged on everything.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import type { Model, Property } from '../../src/check/model.js';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';

/** Two counters (words 0 and 1, each 0..3, one action each) and a word 2 that never changes. */
function counters(props: Property[]): Model {
  return {
    name: 'counters',
    stateSize: 3,
    initStates: () => [new Int32Array([0, 0, 7])],
    actions(s, out) {
      for (let a = 0; a < 2; a++) if (s[a]! < 3) out.push(a);
    },
    next(s, a, out) {
      if (s[a]! >= 3) return false;
      out.set(s);
      out[a] = s[a]! + 1;
      return true;
    },
    isFinal: () => true,
    properties: () => props,
    formatAction: (_s, a) => `inc${a}`,
    toItf: (s) => ({ s: [...s] }),
  };
}

describe('incremental judging of always properties (BFS)', () => {
  it('a property is judged again only where a word it declares changed; roots are judged', () => {
    let calls = 0;
    const still: Property = { name: 'still', expectation: 'always', words: [2], check: (s) => (calls++, s[2] === 7) };
    const r = check(counters([still]), { por: false });
    expect(r.verdict.kind).toBe('holds');
    expect(r.stats.distinctStates).toBe(16);
    // Word 2 never changes: judged on the root only (every one of the 16 states without words).
    expect(calls).toBe(1);
    calls = 0;
    const { words: _w, ...all } = still;
    check(counters([all]), { por: false });
    expect(calls).toBe(16);
  });

  it('the declaration decides: a word left out hides the violation (what the MMU footprint test mode guards against)', () => {
    const p = (words?: number[]): Property => ({ name: 'y<2', expectation: 'always', ...(words ? { words } : {}), check: (s) => s[1]! < 2 });
    expect(check(counters([p()]), { por: false }).verdict.kind).toBe('violated');
    expect(check(counters([p([0, 1])]), { por: false }).verdict.kind).toBe('violated');
    expect(check(counters([p([0])]), { por: false }).verdict.kind).toBe('holds');
  });

  it('the same verdict, counterexample, witnesses and counts with and without the words (MMU scenarios, POR off and on)', async () => {
    for (const name of ['mmu/c1-yield-restart/buggy', 'tdx/memslot-delete/fast-zap', 'tdx/2m-vs-4k/cas-then-seamcall', 'tdx/2m-vs-4k/freeze', 'mmu/c1-yield-restart/fixed']) {
      const mm = buildMachine(findScenario(name)!);
      expect(mm.properties().filter((q) => q.words !== undefined).length).toBeGreaterThan(5);
      const stripped: Model = Object.create(mm, { properties: { value: () => mm.properties().map(({ words: _w, ...q }) => q) } });
      for (const por of [false, true]) {
        const a = check(mm, { por });
        const b = check(stripped, { por });
        expect(a.verdict.kind).toBe(b.verdict.kind);
        expect(JSON.stringify(a.verdict)).toBe(JSON.stringify(b.verdict));
        expect(JSON.stringify(a.witnesses)).toBe(JSON.stringify(b.witnesses));
        expect(a.stats.distinctStates).toBe(b.stats.distinctStates);
      }
    }
  }, 300_000);
});
