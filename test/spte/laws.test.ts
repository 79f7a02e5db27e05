/**
 * Laws for every layout and rule: fields disjoint per view (checked by layout()), decode of encode
 * is the identity per view, every rule's hypotheses are satisfiable (no rule is vacuous).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { all, decodeView, domainOf, fieldMask, freeVars, satisfiable } from '../../src/internal.js';
import { ERAS, LAYOUT_NAMES, eraRules, spteLayout } from '../../model/spte/index.js';

describe('layouts', () => {
  it('every layout of every era builds (fields pairwise disjoint in each view) and has views', () => {
    for (const era of ERAS) for (const n of LAYOUT_NAMES) {
      const lay = spteLayout(n, era);
      if (n === 'tdx' && era !== '6.13') { expect(Object.keys(lay.views)).toEqual([]); continue; }
      expect(Object.keys(lay.views)).toEqual(expect.arrayContaining(['present', 'link', 'mmio', 'nonpresent']));
      for (const fields of Object.values(lay.views)) {
        for (let i = 0; i < fields.length; i++) for (let j = 0; j < i; j++) expect(fieldMask(fields[i]!) & fieldMask(fields[j]!)).toBe(0n);
      }
    }
  });
  it('decode(encode(fields)) returns the field values in every view', () => {
    for (const era of ERAS) for (const n of LAYOUT_NAMES) {
      for (const fields of Object.values(spteLayout(n, era).views)) {
        fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: fields.length, maxLength: fields.length }), (vals) => {
          let word = 0n;
          const want = fields.map((f, i) => vals[i]! & ((1n << BigInt(f.hi - f.lo + 1)) - 1n));
          fields.forEach((f, i) => { word |= want[i]! << BigInt(f.lo); });
          const got = decodeView(fields, word);
          for (const [i, f] of fields.entries()) expect(got.find((g) => g.name === f.name)!.value).toBe(want[i]);
        }), { numRuns: 20 });
      }
    }
  });
});

describe('rules are not vacuous', () => {
  it('every rule of every era has satisfiable hypotheses', async () => {
    for (const era of ERAS) for (const e of eraRules(era)) {
      const vars = freeVars(e.rule.assume, e.rule.holds);
      const r = await satisfiable(all(e.rule.assume, ...vars.map(domainOf)), { timeoutMs: 10_000 });
      expect(r.kind, `${era}/${e.flavour}/${e.rule.name}`).toBe('sat');
    }
  });
});
