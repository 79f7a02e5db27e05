import { it } from 'vitest';
import { check } from '../../src/internal.js';
import { livenessToy } from '../../model/toys/liveness.js';
it('scratch', () => {
for (const k of ['lone-cycle','self-loop','fair-excluded','intermittent','acyclic'] as const) for (const f of ['weak','none'] as const) {
  const r = check(livenessToy(k), { fairness: f });
  const v = r.verdict;
  console.log(k, f, v.kind, v.kind==='violated' ? v.witness.message + ' ' + JSON.stringify(v.witness.trace?.labels) + JSON.stringify(v.witness.trace?.lasso) : v.kind==='holds'? v.domain : v.kind==='unknown'? v.reason: JSON.stringify(v));
}
});
