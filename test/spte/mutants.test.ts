/** Every mutant is caught: each of its rules is refuted by Z3 (and the unmutated rule is not). */
import { describe, expect, it } from 'vitest';
import { prove } from '../../src/internal.js';
import { commonRules, flavourRules } from '../../model/spte/index.js';
import { MUTANTS, mutantEntries } from '../../proofs/spte/mutants.js';
import { expectationFor } from '../../proofs/spte/expect.js';

describe('mutants', () => {
  it('every mutant rule is violated, and the same rule on the real kernel matches its expectation', async () => {
    for (const m of MUTANTS) {
      const es = mutantEntries(m);
      expect(es.map((e) => e.rule.name).sort(), m.name).toEqual([...m.rules].sort());
      for (const e of es) {
        const r = await prove(e.rule, { timeoutMs: 20_000 });
        expect(r.verdict.kind, `${m.name}: ${e.rule.name}`).toBe('violated');
        const real = (m.flavour === 'all' ? commonRules(m.era) : flavourRules(m.era, m.flavour)).find((x) => x.rule.name === e.rule.name)!;
        const rr = await prove(real.rule, { timeoutMs: 20_000 });
        expect(rr.verdict.kind, `real ${e.rule.name}`).toBe(expectationFor(m.era, m.flavour, e.rule.name).verdict);
      }
    }
  });
});
