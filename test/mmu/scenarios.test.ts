/**
 * Every MMU scenario gives its expected verdict from the generic checker (the one explorer),
 * breaks the expected invariant, reaches its race witnesses, and explores the pinned number of
 * distinct states; every buggy variant is caught; every `holds` scenario has witnesses.
 */
import { describe, expect, it } from 'vitest';
import { buildMachine } from '../../model/mmu/build.js';
import { SCENARIOS } from '../../model/mmu/scenarios.js';
import { PINNED } from '../../proofs/mmu/pinned.js';
import { explore } from './util.js';

describe('MMU scenarios', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.expect.verdict}${s.expect.property ? ' ' + s.expect.property : ''}`, () => {
      const r = explore(buildMachine(s));
      if (s.expect.verdict === 'violated') {
        // a mutant (buggy knob) must be caught, with the catalogued invariant among the broken ones
        expect(r.trace, 'buggy variant not caught').toBeDefined();
        if (s.expect.property) expect(r.allBroken).toContain(s.expect.property);
      } else {
        expect(r.allBroken).toEqual([]);
        expect(r.result.verdict.kind).toBe('holds');
        expect(r.complete).toBe(true);
        expect(r.sometimesMissing).toEqual([]);
      }
      expect(r.distinct).toBe(PINNED[s.name]);
    });
  }

  it('no holds scenario passes vacuously: each names at least one sometimes witness', () => {
    for (const s of SCENARIOS.filter((x) => x.expect.verdict === 'holds')) expect(s.witnesses.length, s.name).toBeGreaterThan(0);
  });

  it('pins every scenario and only existing ones', () => {
    expect(Object.keys(PINNED).sort()).toEqual(SCENARIOS.map((s) => s.name).sort());
  });

  it('each buggy scenario has a fixed twin that holds', () => {
    for (const s of SCENARIOS.filter((x) => x.name.endsWith('/buggy'))) {
      const twin = SCENARIOS.find((x) => x.name === s.name.replace(/\/buggy$/, '/fixed'));
      expect(twin?.expect.verdict).toBe('holds');
    }
  });
});
