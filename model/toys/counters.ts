/**
 * `counters`: the scalable toy. N processes each count from 0 to K in steps of one, in any
 * interleaving; exactly (K+1)^N states (10^7 for N=7, K=9), every one reachable, a known answer
 * for the bench and for pinned counts.
 */
import type { Model, Property } from '../../src/internal.js';

/** Returns the counters model with N processes counting to K. */
export function counters(N: number, K: number): Model {
  const props: Property[] = [
    { name: 'bounded', expectation: 'always', doc: 'no counter exceeds K', check: (s) => {
        for (let i = 0; i < N; i++) if (s[i]! > K) return false;
        return true;
      } },
    { name: 'all-done', expectation: 'sometimes', doc: 'every counter reaches K', check: (s) => {
        for (let i = 0; i < N; i++) if (s[i] !== K) return false;
        return true;
      } },
  ];
  return {
    name: `counters(N=${N},K=${K})`,
    stateSize: N,
    initStates: () => [new Int32Array(N)],
    actions(s, out) {
      for (let i = 0; i < N; i++) if (s[i]! < K) out.push(i);
    },
    next(s, a, out) {
      if (s[a]! >= K) return false;
      out.set(s);
      out[a] = s[a]! + 1;
      return true;
    },
    properties: () => props,
    isFinal: (s) => s.every((x) => x === K),
    formatAction: (_s, a) => `p${a}: c${a}++`,
    toItf: (s) => ({ c: Array.from(s) }),
  };
}
