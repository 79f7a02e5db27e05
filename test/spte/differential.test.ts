/**
 * The concrete evaluator and Z3 agree on the SPTE rules: for random valid CPU configurations and
 * random gfns/generations/SPTEs, a rule evaluated concretely at that point holds exactly when Z3
 * proves the same rule with every variable pinned to that point.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, prove } from '../../src/internal.js';
import { ERAS, eraRules } from '../../model/spte/index.js';
import { pinned, validConfig } from './helpers.js';

const entries = ERAS.flatMap((era) => eraRules(era));
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('evaluator vs Z3 on SPTE rules', () => {
  it('agree at random configurations and SPTEs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: entries.length - 1 }),
        validConfig,
        fc.record({ gfn: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }), fc.constantFrom(0n, 1n << 31n, (1n << 34n) - 1n)), gen: fc.bigInt({ min: 0n, max: 0x7ffffn }), access: fc.bigInt({ min: 0n, max: 7n }), spte: fc.oneof(u64, fc.constantFrom(0x801n, 0x8000000000000807n, 0x8000000000000006n, 0x6n, 0x5a0n)) }),
        async (i, cfg, pt) => {
          const e = entries[i]!;
          const env = { ...cfg, ...pt };
          const concrete = !evaluate(e.rule.assume, env) || evaluate(e.rule.holds, env);
          const r = await prove(pinned(e.rule, env), { timeoutMs: 20_000 });
          expect(['holds', 'violated']).toContain(r.verdict.kind);
          expect(r.verdict.kind === 'holds', `${e.era}/${e.flavour}/${e.rule.name}`).toBe(concrete);
        },
      ),
      { numRuns: 40, seed: 20240601 },
    );
  });
});
