/**
 * `tdp-livelock`: the liveness reference workload `../shared/bench/tdp_livelock.pml` ported step for
 * step (the bench README's rules, as for tdp-cas): each Promela statement outside `atomic` is one
 * step, each `atomic` block is one step, a guard is a step, a guard followed by `goto` is one step,
 * the exclusive guards of one `if` are one action whose outcome the state decides, and a `goto`
 * standing alone is not a statement of its own (the step before it jumps). A blocked guard
 * (`entry[first] == 0` while another vCPU holds it) leaves the vCPU without an enabled action.
 *
 * Progress: the step at the label `progress_install` (`installs[v]++`) is the progress step
 * (`isProgress`). SPIN marks the state at the label; a cycle through that state without the step
 * would leave the vCPU at the label, continuously enabled, so under weak fairness the two agree.
 * Threads: vCPU v is thread v, `init` (which starts the vCPUs in one atomic step) is thread NV.
 *
 * Local steps (`isLocal`): the steps that touch only the vCPU's own variables (r, a, b, first,
 * second, its pc): the round guard, `skip`, the assignments, the order guard, `r++`, `done: skip`.
 * The freezes, the unfreezes and the install (the progress step, visible) are not. Local steps
 * form no cycle (every loop of a vCPU runs through a freeze). Liveness mode merges a vCPU's own
 * local steps into the step before them (src/check/liveness.ts); the safety BFS may use them for
 * partial-order reduction.
 */
import type { ItfValue, Model } from '../../src/internal.js';

/** Parameters of tdp-livelock (the Promela `-D` macros). */
export interface TdpLivelockParams {
  readonly NV: number;
  readonly NE: number;
  readonly ROUNDS: number;
  /** 1: every vCPU freezes the lower-numbered entry first (the fix). */
  readonly ORDERED: number;
}

// vCPU program counters (NOTRUN until init runs it).
const NOTRUN = 0, AGAIN = 1, SKIP = 2, SET_A = 3, SET_B = 4, IF_ORDER = 5, FIRST_B = 6, SECOND_A = 7, FIRST_A = 8, SECOND_B = 9, FREEZE1 = 10, TRY2 = 11, PROGRESS = 12, R_INC = 13, UNFREEZE2 = 14, UNFREEZE1 = 15, DONE = 16, END = 17;
const LOCAL_PCS = new Set([AGAIN, SKIP, SET_A, SET_B, IF_ORDER, FIRST_B, SECOND_A, FIRST_A, SECOND_B, R_INC, DONE]);
const PC_NAMES = ['notrun', 'again', 'skip', 'a', 'b', 'if-order', 'first=b', 'second=a', 'first=a', 'second=b', 'freeze-first', 'try-second', 'progress_install', 'r++', 'unfreeze-second', 'unfreeze-first', 'done', 'end'];

/** Words per vCPU record: pc, r, a, b, first, second. */
const T = 6;

/** Returns the tdp-livelock model for the given parameters. */
export function tdpLivelock(p: TdpLivelockParams): Model {
  const { NV, NE, ROUNDS } = p;
  const ordered = p.ORDERED === 1;
  const ENTRY = 0;
  const INSTALLS = NE;
  const INIT = INSTALLS + NV;
  const VB = INIT + 1;
  const S = VB + NV * T;
  const model: Model = {
    name: `tdp-livelock(NV=${NV},NE=${NE},ROUNDS=${ROUNDS},ORDERED=${ordered ? 1 : 0})`,
    stateSize: S,
    initStates: () => [new Int32Array(S)],
    actions(s, out) {
      for (let v = 0; v < NV; v++) {
        const b = VB + v * T;
        const pc = s[b]!;
        if (pc === NOTRUN || pc === END) continue;
        if (pc === FREEZE1 && s[ENTRY + s[b + 4]!] !== 0) continue; // blocked on entry[first] == 0
        out.push(v);
      }
      if (s[INIT] === 0) out.push(NV);
    },
    next(s, t, o) {
      o.set(s);
      if (t === NV) {
        if (s[INIT] !== 0) return false;
        o[INIT] = 1;
        for (let v = 0; v < NV; v++) o[VB + v * T] = AGAIN;
        return true;
      }
      const b = VB + t * T;
      const r = o[b + 1]!;
      switch (o[b]!) {
        case AGAIN:
          o[b] = r === ROUNDS ? DONE : SKIP;
          return true;
        case SKIP:
          o[b] = SET_A;
          return true;
        case SET_A:
          o[b + 2] = (t + r) % NE;
          o[b] = SET_B;
          return true;
        case SET_B:
          o[b + 3] = (t + r + 1) % NE;
          o[b] = IF_ORDER;
          return true;
        case IF_ORDER:
          o[b] = ordered && o[b + 2]! > o[b + 3]! ? FIRST_B : FIRST_A;
          return true;
        case FIRST_B:
          o[b + 4] = o[b + 3]!;
          o[b] = SECOND_A;
          return true;
        case SECOND_A:
          o[b + 5] = o[b + 2]!;
          o[b] = FREEZE1;
          return true;
        case FIRST_A:
          o[b + 4] = o[b + 2]!;
          o[b] = SECOND_B;
          return true;
        case SECOND_B:
          o[b + 5] = o[b + 3]!;
          o[b] = FREEZE1;
          return true;
        case FREEZE1: {
          const f = ENTRY + o[b + 4]!;
          if (o[f] !== 0) return false;
          o[f] = t + 1;
          o[b] = TRY2;
          return true;
        }
        case TRY2: {
          const sc = ENTRY + o[b + 5]!;
          if (o[sc] === 0) {
            o[sc] = t + 1;
            o[b] = PROGRESS;
          } else {
            o[ENTRY + o[b + 4]!] = 0;
            o[b] = AGAIN;
          }
          return true;
        }
        case PROGRESS:
          o[INSTALLS + t] = o[INSTALLS + t]! + 1;
          o[b] = R_INC;
          return true;
        case R_INC:
          o[b + 1] = r + 1;
          o[b] = UNFREEZE2;
          return true;
        case UNFREEZE2:
          o[ENTRY + o[b + 5]!] = 0;
          o[b] = UNFREEZE1;
          return true;
        case UNFREEZE1:
          o[ENTRY + o[b + 4]!] = 0;
          o[b] = AGAIN;
          return true;
        case DONE:
          o[b] = END;
          return true;
        default:
          return false;
      }
    },
    properties: () => [],
    isFinal(s) {
      for (let v = 0; v < NV; v++) if (s[VB + v * T] !== END) return false;
      return true;
    },
    actionThread: (_s, t) => t,
    isLocal: (s, t) => t < NV && LOCAL_PCS.has(s[VB + t * T]!),
    isProgress: (s, t) => t < NV && s[VB + t * T] === PROGRESS,
    formatAction(s, t) {
      if (t === NV) return 'init: run vcpu(0..NV-1)';
      const b = VB + t * T;
      const pc = s[b]!;
      const r = s[b + 1]!;
      const first = s[b + 4]!;
      const second = s[b + 5]!;
      const detail =
        pc === AGAIN ? (r === ROUNDS ? `r == ROUNDS: goto done` : 'else') :
        pc === SET_A ? `a = ${(t + r) % NE}` :
        pc === SET_B ? `b = ${(t + r + 1) % NE}` :
        pc === IF_ORDER ? (ordered && s[b + 2]! > s[b + 3]! ? 'ORDERED && a > b' : 'else') :
        pc === FIRST_B ? `first = ${s[b + 3]}` : pc === SECOND_A ? `second = ${s[b + 2]}` :
        pc === FIRST_A ? `first = ${s[b + 2]}` : pc === SECOND_B ? `second = ${s[b + 3]}` :
        pc === FREEZE1 ? `freeze entry[${first}] (0 -> ${t + 1})` :
        pc === TRY2 ? (s[ENTRY + second] === 0 ? `freeze entry[${second}] (0 -> ${t + 1})` : `entry[${second}] taken by vcpu${s[ENTRY + second]! - 1}: unfreeze entry[${first}], retry`) :
        pc === PROGRESS ? `progress_install: installs[${t}]++` :
        pc === R_INC ? 'r++' : pc === UNFREEZE2 ? `unfreeze entry[${second}]` : pc === UNFREEZE1 ? `unfreeze entry[${first}]` :
        (PC_NAMES[pc] ?? '?');
      return `vcpu${t}: ${detail}`;
    },
    toItf(s) {
      const vcpus: ItfValue[] = [];
      for (let v = 0; v < NV; v++) {
        const b = VB + v * T;
        vcpus.push({ pc: PC_NAMES[s[b]!] ?? String(s[b]), r: s[b + 1]!, a: s[b + 2]!, b: s[b + 3]!, first: s[b + 4]!, second: s[b + 5]! });
      }
      return { entry: Array.from(s.subarray(ENTRY, ENTRY + NE)), installs: Array.from(s.subarray(INSTALLS, INSTALLS + NV)), init: s[INIT] === 0 ? 'start' : 'done', vcpu: vcpus };
    },
  };
  return model;
}
