/**
 * Liveness toys with known answers (the tests pin them): a lone cycle, a cycle that weak fairness
 * excludes, and one it does not exclude because the starved thread is disabled part of the time.
 *
 * State: [x, flag, done0]. Thread 0 spins (x toggles) while flag is 0 and finishes once it is set;
 * thread 1 sets the flag (the progress step), enabled as the toy says.
 */
import type { Model } from '../../src/internal.js';

/** Which liveness toy. */
export type LivenessToy =
  /** One thread toggling x forever, no progress step at all: a non-progress cycle under any fairness. */
  | 'lone-cycle'
  /** The same, one state with a self-loop. */
  | 'self-loop'
  /** Thread 1 may set the flag in every state: the spin loop starves a thread that is always enabled, which weak fairness excludes. */
  | 'fair-excluded'
  /** Thread 1 may set the flag only when x = 0: it is disabled in half of the loop, so weak fairness does not exclude it. */
  | 'intermittent'
  /** No cycle at all: thread 0 steps x from 0 to 3 and stops. */
  | 'acyclic';

/** Returns a liveness toy (see {@link LivenessToy}). */
export function livenessToy(kind: LivenessToy): Model {
  const spinOnly = kind === 'lone-cycle' || kind === 'self-loop';
  return {
    name: `liveness-${kind}`,
    stateSize: 3,
    initStates: () => [new Int32Array(3)],
    actions(s, out) {
      if (s[2] === 0) out.push(0);
      if (!spinOnly && kind !== 'acyclic' && s[1] === 0 && (kind === 'fair-excluded' || s[0] === 0)) out.push(1);
    },
    next(s, a, o) {
      o.set(s);
      if (a === 0) {
        if (kind === 'acyclic') {
          if (s[0]! >= 3) return false;
          o[0] = s[0]! + 1;
          if (o[0] === 3) o[2] = 1;
        } else if (kind === 'self-loop') o[0] = 0;
        else if (s[1] === 0) o[0] = 1 - s[0]!;
        else o[2] = 1;
        return true;
      }
      o[1] = 1;
      return true;
    },
    properties: () => [],
    actionThread: (_s, a) => a,
    isProgress: (s, a) => a === 1 || (kind === 'acyclic' && s[0] === 2),
    formatAction: (s, a) => (a === 0 ? (s[1] === 0 && kind !== 'acyclic' ? 'spin: x = 1 - x' : 'finish') : 'set flag (progress)'),
    toItf: (s) => ({ x: s[0]!, flag: s[1]!, done0: s[2]! }),
  };
}
