/**
 * Toy models with known answers for the checker's tests (see toys.test.ts for the pinned counts).
 */
import type { Model, Property } from '../../src/internal.js';

const itf = (names: string[]) => (s: Int32Array) => Object.fromEntries(names.map((n, i) => [n, s[i]!]));

/** Peterson's mutual exclusion for two processes; `broken` checks the other's flag before raising its own. */
export function peterson(broken: boolean): Model {
  // [pc0, pc1, flag0, flag1, turn]; correct pcs: 0 flag=1, 1 turn=j, 2 wait, 3 critical, 4 flag=0.
  // broken pcs: 0 wait flag[j]==0, 1 flag=1, 2 (unused), 3 critical, 4 flag=0.
  const props: Property[] = [
    { name: 'mutex', expectation: 'always', check: (s) => !(s[0] === 3 && s[1] === 3) },
    { name: 'p0-enters', expectation: 'sometimes', check: (s) => s[0] === 3 },
  ];
  return {
    name: broken ? 'peterson-broken' : 'peterson',
    stateSize: 5,
    initStates: () => [new Int32Array(5)],
    actions(_s, out) {
      for (let i = 0; i < 2; i++) out.push(i);
    },
    next(s, i, o) {
      const j = 1 - i;
      o.set(s);
      const pc = s[i]!;
      if (!broken) {
        if (pc === 0) (o[2 + i] = 1), (o[i] = 1);
        else if (pc === 1) (o[4] = j), (o[i] = 2);
        else if (pc === 2) {
          if (!(s[2 + j] === 0 || s[4] === i)) return false;
          o[i] = 3;
        } else if (pc === 3) o[i] = 4;
        else (o[2 + i] = 0), (o[i] = 0);
      } else {
        if (pc === 0) {
          if (s[2 + j] !== 0) return false;
          o[i] = 1;
        } else if (pc === 1) (o[2 + i] = 1), (o[i] = 3);
        else if (pc === 3) o[i] = 4;
        else (o[2 + i] = 0), (o[i] = 0);
      }
      return true;
    },
    properties: () => props,
    formatAction: (s, i) => `p${i} at pc ${s[i]}`,
    toItf: itf(['pc0', 'pc1', 'flag0', 'flag1', 'turn']),
  };
}

/** N threads increment a shared counter: `cas` false reads then writes (lost update), true retries a compare-and-swap. */
export function counter(n: number, cas: boolean): Model {
  // [x, pc_0..pc_{n-1}, r_0..r_{n-1}]; pc 0 read, 1 write/cas, 2 done.
  const S = 1 + 2 * n;
  const props: Property[] = [
    {
      name: 'no-lost-update',
      expectation: 'always',
      check: (s) => {
        for (let i = 0; i < n; i++) if (s[1 + i] !== 2) return true;
        return s[0] === n;
      },
    },
  ];
  return {
    name: `counter(${n}${cas ? ',cas' : ''})`,
    stateSize: S,
    initStates: () => [new Int32Array(S)],
    actions(s, out) {
      for (let i = 0; i < n; i++) if (s[1 + i]! < 2) out.push(i);
    },
    next(s, i, o) {
      o.set(s);
      if (s[1 + i] === 0) (o[1 + n + i] = s[0]!), (o[1 + i] = 1);
      else if (s[1 + i] === 1) {
        if (!cas || s[0] === s[1 + n + i]) (o[0] = s[1 + n + i]! + 1), (o[1 + i] = 2);
        else o[1 + i] = 0;
      } else return false;
      return true;
    },
    properties: () => props,
    isFinal: () => true,
    formatAction: (s, i) => `t${i}: ${s[1 + i] === 0 ? 'r = x' : cas ? 'cas(x, r, r+1)' : 'x = r + 1'}`,
    toItf: (s) => ({ x: s[0]!, pc: Array.from(s.subarray(1, 1 + n)), r: Array.from(s.subarray(1 + n)) }),
  };
}

/** Dining philosophers (N), each takes the left fork, then the right, then puts both down: deadlocks. */
export function philosophers(n: number): Model {
  // [fork owner+1 per fork ..., pc per philosopher ...]; pc 0 thinking, 1 has left, 2 eating.
  const S = 2 * n;
  return {
    name: `philosophers(${n})`,
    stateSize: S,
    initStates: () => [new Int32Array(S)],
    actions(_s, out) {
      for (let i = 0; i < n; i++) out.push(i);
    },
    next(s, i, o) {
      o.set(s);
      const l = i;
      const r = (i + 1) % n;
      const pc = s[n + i]!;
      if (pc === 0) {
        if (s[l] !== 0) return false;
        (o[l] = i + 1), (o[n + i] = 1);
      } else if (pc === 1) {
        if (s[r] !== 0) return false;
        (o[r] = i + 1), (o[n + i] = 2);
      } else (o[l] = 0), (o[r] = 0), (o[n + i] = 0);
      return true;
    },
    properties: () => [],
    isFinal: () => false,
    formatAction: (s, i) => `phil${i}: ${['take left', 'take right', 'put down'][s[n + i]!]}`,
    toItf: (s) => ({ forks: Array.from(s.subarray(0, n)), pc: Array.from(s.subarray(n)) }),
  };
}

/** Two-phase commit (Gray and Lamport's TwoPhase.tla) with N resource managers; symmetric in the RMs. */
export function twoPhaseCommit(n: number): Model {
  // [tm (0 init, 1 committed, 2 aborted), msgCommit, msgAbort, then per RM: rm (0 working, 1 prepared, 2 committed, 3 aborted), tmPrepared, msgPrepared]
  const S = 3 + 3 * n;
  const rm = (i: number): number => 3 + 3 * i;
  const props: Property[] = [
    {
      name: 'consistent',
      expectation: 'always',
      check: (s) => {
        let c = false;
        let a = false;
        for (let i = 0; i < n; i++) (c ||= s[rm(i)] === 2), (a ||= s[rm(i)] === 3);
        return !(c && a);
      },
    },
    {
      name: 'all-committed',
      expectation: 'sometimes',
      check: (s) => {
        for (let i = 0; i < n; i++) if (s[rm(i)] !== 2) return false;
        return true;
      },
    },
  ];
  // Actions: 0 TMCommit, 1 TMAbort, then per RM i: 2+5i TMRcvPrepared, +1 RMPrepare, +2 RMChooseToAbort, +3 RMRcvCommitMsg, +4 RMRcvAbortMsg.
  return {
    name: `2pc(${n})`,
    stateSize: S,
    initStates: () => [new Int32Array(S)],
    actions(_s, out) {
      for (let a = 0; a < 2 + 5 * n; a++) out.push(a);
    },
    next(s, a, o) {
      o.set(s);
      if (a === 0) {
        if (s[0] !== 0) return false;
        for (let i = 0; i < n; i++) if (s[rm(i) + 1] !== 1) return false;
        (o[0] = 1), (o[1] = 1);
        return true;
      }
      if (a === 1) {
        if (s[0] !== 0) return false;
        (o[0] = 2), (o[2] = 1);
        return true;
      }
      const i = Math.floor((a - 2) / 5);
      const k = (a - 2) % 5;
      const b = rm(i);
      switch (k) {
        case 0:
          if (s[0] !== 0 || s[b + 2] !== 1) return false;
          o[b + 1] = 1;
          return true;
        case 1:
          if (s[b] !== 0) return false;
          (o[b] = 1), (o[b + 2] = 1);
          return true;
        case 2:
          if (s[b] !== 0) return false;
          o[b] = 3;
          return true;
        case 3:
          if (s[1] !== 1) return false;
          o[b] = 2;
          return true;
        default:
          if (s[2] !== 1) return false;
          o[b] = 3;
          return true;
      }
    },
    properties: () => props,
    canonicalize(s, out) {
      out.set(s);
      const recs: number[][] = [];
      for (let i = 0; i < n; i++) recs.push([s[rm(i)]!, s[rm(i) + 1]!, s[rm(i) + 2]!]);
      recs.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!);
      recs.forEach((r, i) => out.set(r, rm(i)));
    },
    formatAction: (_s, a) => (a === 0 ? 'TMCommit' : a === 1 ? 'TMAbort' : `${['TMRcvPrepared', 'RMPrepare', 'RMChooseToAbort', 'RMRcvCommitMsg', 'RMRcvAbortMsg'][(a - 2) % 5]}(${Math.floor((a - 2) / 5)})`),
    toItf: (s) => ({ tm: s[0]!, msgCommit: s[1]!, msgAbort: s[2]!, rm: Array.from({ length: n }, (_, i) => Array.from(s.subarray(rm(i), rm(i) + 3))) }),
  };
}

/** A deliberately non-deterministic model: its action order depends on a hidden counter. */
export function nondeterministic(): Model {
  let calls = 0;
  return {
    name: 'nondeterministic',
    stateSize: 1,
    initStates: () => [new Int32Array(1)],
    actions(s, out) {
      if (s[0]! >= 3) return;
      calls++;
      if (calls % 2 === 0) out.push(1, 0);
      else out.push(0, 1);
    },
    next(s, a, o) {
      o[0] = s[0]! + 1 + a * 10;
      return true;
    },
    properties: () => [{ name: 'small', expectation: 'always', check: (s) => s[0]! < 12 }],
    formatAction: (_s, a) => `+${1 + a * 10}`,
    toItf: (s) => ({ x: s[0]! }),
  };
}
