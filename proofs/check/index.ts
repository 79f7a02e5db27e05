/** Proof cases of the `check` family: the tdp-cas workload and the scalable toy, with pinned counts. */
import { type CaseOutcome, check, type CheckResult, type Model, modelTraceItf, type ProofCase } from '../../src/internal.js';
import { tdpCas } from '../../model/bench/tdp-cas.js';
import { counters } from '../../model/toys/counters.js';
import { tdpLivelock } from '../../model/bench/tdp-livelock.js';

/** Returns a case outcome of a check run: a violation carries its step trace and its ITF. */
function outcome(model: Model, r: CheckResult, meta: Record<string, unknown> = {}): CaseOutcome {
  const base = { verdict: r.verdict, distinctStates: r.stats.distinctStates, seconds: r.stats.seconds };
  if (r.verdict.kind !== 'violated') return base;
  const w = r.verdict.witness;
  const tr = w.trace;
  if (!tr) return { ...base, witnessText: w.message };
  return {
    ...base,
    witnessText: `${w.message}; last step ${tr.labels[tr.labels.length - 1] ?? 'init'}`,
    trace: tr.labels,
    itf: modelTraceItf(model, tr, { model: model.name, property: w.property, kind: w.kind, ...meta }),
  };
}

/** Runs the checker on a model and returns the outcome. */
const run = (model: Model, opts: Parameters<typeof check>[1], meta: Record<string, unknown> = {}): CaseOutcome => outcome(model, check(model, opts), meta);

/** Returns the cases of this family. */
export function cases(): ProofCase[] {
  return [
    {
      suite: 'check',
      id: 'check/tdp-cas/NV2-ITER1/holds',
      title: 'tdp-cas (NV=2, ITER=1, POR) keeps TLBs coherent and the ghost count exact',
      expect: { verdict: 'holds', distinctStates: 12572 },
      run: async () => run(tdpCas({ NV: 2, NG: 2, ITER: 1, NZ: 1, ZITER: 2, BUG_WALK: 0 }), { por: true, merge: false }),
    },
    {
      suite: 'check',
      id: 'check/tdp-cas/NV2-ITER1/merged-holds',
      title: 'tdp-cas (NV=2, ITER=1, POR with statement merging, the default): same verdict, local steps not stored',
      expect: { verdict: 'holds', distinctStates: 2418 },
      run: async () => run(tdpCas({ NV: 2, NG: 2, ITER: 1, NZ: 1, ZITER: 2, BUG_WALK: 0 }), { por: true }),
    },
    {
      suite: 'check',
      id: 'check/tdp-cas/NV2-ITER1/unreduced-holds',
      title: 'tdp-cas (NV=2, ITER=1) without reductions: same verdict as with POR',
      expect: { verdict: 'holds', distinctStates: 73130 },
      run: async () => run(tdpCas({ NV: 2, NG: 2, ITER: 1, NZ: 1, ZITER: 2, BUG_WALK: 0 }), { por: false }),
    },
    {
      suite: 'check',
      id: 'check/tdp-cas/NV2-ITER1/bug-walk',
      title: 'tdp-cas with BUG_WALK (split TLB fill): a stale TLB survives the zap',
      expect: { verdict: 'violated', kind: 'mutant', distinctStates: 33500, note: 'shortest counterexample: 24 steps (BFS, no POR)' },
      run: async () => run(tdpCas({ NV: 2, NG: 2, ITER: 1, NZ: 1, ZITER: 2, BUG_WALK: 1 }), { por: false }),
    },
    {
      suite: 'check',
      id: 'check/tdp-livelock/NV3-NE3-R2/unordered-livelock',
      title: 'tdp-livelock (NV=3, NE=3, ROUNDS=2, ORDERED=0): vCPUs freezing their pair in their own order undo each other forever, a non-progress cycle under weak fairness (a lasso), as SPIN -l -f finds',
      expect: {
        verdict: 'violated',
        kind: 'mutant',
        distinctStates: 751,
        goldenTrace: 'proofs/expected/check--tdp-livelock--NV3-NE3-R2--unordered-livelock.itf.json',
        note: 'the deliberately unordered freeze of ../shared/bench/tdp_livelock.pml; liveness mode with merging of local steps',
      },
      // #meta names the registered model and its parameters, so that `mmucheck replay` rebuilds it.
      run: async () => run(tdpLivelock({ NV: 3, NE: 3, ROUNDS: 2, ORDERED: 0 }), { fairness: 'weak' }, { model: 'tdp-livelock', params: { NV: 3, NE: 3, ROUNDS: 2, ORDERED: 0 } }),
    },
    {
      suite: 'check',
      id: 'check/tdp-livelock/NV3-NE3-R2/ordered-progress',
      title: 'tdp-livelock (NV=3, NE=3, ROUNDS=2, ORDERED=1): freezing the lower entry first leaves no non-progress cycle under weak fairness, as SPIN -l -f finds',
      expect: { verdict: 'holds', distinctStates: 689 },
      run: async () => run(tdpLivelock({ NV: 3, NE: 3, ROUNDS: 2, ORDERED: 1 }), { fairness: 'weak' }),
    },
    {
      suite: 'check',
      id: 'check/tdp-livelock/NV3-NE3-R2/ordered-progress-unmerged',
      title: 'tdp-livelock ORDERED=1 without merging of local steps: the same verdict over every state',
      expect: { verdict: 'holds', distinctStates: 46094 },
      run: async () => run(tdpLivelock({ NV: 3, NE: 3, ROUNDS: 2, ORDERED: 1 }), { fairness: 'weak', merge: false }),
    },
    {
      suite: 'check',
      id: 'check/counters/N5-K9',
      title: 'the scalable toy explores exactly (K+1)^N = 100000 states',
      expect: { verdict: 'holds', distinctStates: 100000 },
      run: async () => run(counters(5, 9), {}),
    },
  ];
}
