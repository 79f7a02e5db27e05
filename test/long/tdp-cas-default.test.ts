/** tdp-cas with its default parameters (16.6 M states with POR): `npm run test:long`. */
import { expect, it } from 'vitest';
import { check } from '../../src/internal.js';
import { tdpCas } from '../../model/bench/tdp-cas.js';

it('tdp-cas default parameters hold over 16,602,810 states (POR without merging)', () => {
  const r = check(tdpCas({ NV: 3, NG: 2, ITER: 2, NZ: 1, ZITER: 2, BUG_WALK: 0 }), { por: true, merge: false, expectedStates: 2e7 });
  expect(r.verdict.kind).toBe('holds');
  expect(r.stats.distinctStates).toBe(16602810);
});

it('tdp-cas default parameters hold over 2,842,310 states (POR with statement merging, the default)', () => {
  const r = check(tdpCas({ NV: 3, NG: 2, ITER: 2, NZ: 1, ZITER: 2, BUG_WALK: 0 }), { por: true, expectedStates: 3e6 });
  expect(r.verdict.kind).toBe('holds');
  expect(r.stats.distinctStates).toBe(2842310);
});

it('tdp-cas default parameters with BUG_WALK are violated', () => {
  const r = check(tdpCas({ NV: 3, NG: 2, ITER: 2, NZ: 1, ZITER: 2, BUG_WALK: 1 }), { por: true });
  expect(r.verdict.kind).toBe('violated');
});
