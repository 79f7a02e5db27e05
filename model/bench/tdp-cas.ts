/**
 * `tdp-cas`: the reference workload `../shared/bench/tdp_cas.pml` ported step for step.
 *
 * Porting rules (the bench README's): each Promela statement outside `atomic`/`d_step` is one step,
 * each `atomic`/`d_step` block is one step, the `assert`s are `always` properties. Guards are steps;
 * a guard followed by `goto`/`break` is one step (the jump is not a statement of its own); the
 * exclusive guards of one `if`/`do` are one action whose outcome the state decides; the inline
 * `pick_frame(g)` is one step with NG alternatives (one per enabled option). A failing `assert`
 * sets a bit in the `err` word, which the properties read.
 *
 * Symmetry: the zappers are identical and never use `_pid`, so they are sorted. The vCPUs are not
 * interchangeable in this model even though their code is the same: the zapper flushes TLBs in
 * vCPU-index order, so a permutation of vCPUs is not an automorphism of the transition system.
 *
 * Partial-order reduction: steps that touch only the thread's locals (loop guards, `pick_frame`,
 * branches on `old`/`seen`, `skip`, `old = 0`, `i++`, the flush-loop counter) are local. Every cycle
 * of the state graph runs through a shared read (`old = spte[g]`), so local steps form no cycle (the
 * cycle proviso `Model.isLocal` asks for).
 */
import type { ItfValue, Model, Property } from '../../src/internal.js';

/** Parameters of tdp-cas (the Promela `-D` macros). */
export interface TdpCasParams {
  readonly NV: number;
  readonly NG: number;
  readonly ITER: number;
  readonly NZ: number;
  readonly ZITER: number;
  /** 1: the TLB fill is split into a read and a later fill (the stale-TLB bug). */
  readonly BUG_WALK: number;
}

const FROZEN = 255;

// vCPU program counters.
const V_LOOP = 0, V_PICK = 1, V_READ = 2, V_BRANCH = 3, V_CAS = 4, V_SKIP = 5, V_WALK = 6, V_SEEN0 = 7, V_OLD0 = 8, V_INC = 9, V_END = 10, V_FILLIF = 11, V_FILL = 12, V_FILLSKIP = 13;
const V_NAMES = ['loop', 'pick', 'read', 'branch', 'cas', 'skip', 'walk', 'seen0', 'old0', 'inc', 'end', 'fillif', 'fill', 'fillskip'];
const V_LOCAL = [true, true, false, true, false, true, false, true, true, true, true, true, false, true];
// Zapper program counters.
const Z_LOOP = 0, Z_PICK = 1, Z_READ = 2, Z_BRANCH = 3, Z_SKIP1 = 4, Z_FREEZE = 5, Z_IF2 = 6, Z_SKIP2 = 7, Z_V0 = 8, Z_FLOOP = 9, Z_FLUSH = 10, Z_VINC = 11, Z_V0B = 12, Z_CLEAR = 13, Z_OLD0 = 14, Z_GHOST = 15, Z_JINC = 16, Z_END = 17;
const Z_NAMES = ['loop', 'pick', 'read', 'branch', 'skip1', 'freeze', 'if2', 'skip2', 'v0', 'floop', 'flush', 'vinc', 'v0b', 'clear', 'old0', 'ghost', 'jinc', 'end'];
const Z_LOCAL = [true, true, false, true, true, false, true, true, true, true, false, true, true, false, true, false, true, true];

/** Words per thread record: vCPU [pc, i, g, old, seen], zapper [pc, j, g, old, v]. */
const T = 5;

/** Returns the tdp-cas model for the given parameters. */
export function tdpCas(p: TdpCasParams): Model {
  const { NV, NG, ITER, NZ, ZITER } = p;
  const bug = p.BUG_WALK !== 0;
  const SP = 0;
  const TLB = NG;
  const PRESENT = TLB + NV * NG;
  const ERR = PRESENT + 1;
  const VB = ERR + 1;
  const ZB = VB + NV * T;
  const S = ZB + NZ * T;
  const nThreads = NV + NZ;

  const props: Property[] = [
    {
      name: 'no-stale-tlb',
      expectation: 'always',
      doc: 'after the clear, no vCPU TLB still caches the zapped PFN (the first assert)',
      check: (s) => (s[ERR]! & 1) === 0,
    },
    {
      name: 'present-count',
      expectation: 'always',
      doc: 'the ghost counter equals the number of present SPTEs (the second assert)',
      check: (s) => (s[ERR]! & 2) === 0,
    },
  ];

  const pcOf = (s: Int32Array, t: number): number => (t < NV ? s[VB + t * T]! : s[ZB + (t - NV) * T]!);

  const model: Model = {
    name: `tdp-cas(NV=${NV},NG=${NG},ITER=${ITER},NZ=${NZ},ZITER=${ZITER}${bug ? ',BUG_WALK' : ''})`,
    stateSize: S,
    initStates() {
      return [new Int32Array(S)];
    },
    actions(s, out) {
      for (let t = 0; t < nThreads; t++) {
        const pc = pcOf(s, t);
        if (t < NV ? pc === V_END : pc === Z_END) continue;
        if (pc === (t < NV ? V_PICK : Z_PICK)) for (let c = 0; c < NG; c++) out.push(t * 8 + c);
        else out.push(t * 8);
      }
    },
    next(s, action, o) {
      o.set(s);
      const t = action >> 3;
      const c = action & 7;
      if (t < NV) {
        const b = VB + t * T;
        const g = o[b + 2]!;
        switch (o[b]!) {
          case V_LOOP:
            o[b] = o[b + 1]! < ITER ? V_PICK : V_END;
            return true;
          case V_PICK:
            o[b + 2] = c;
            o[b] = V_READ;
            return true;
          case V_READ:
            o[b + 3] = o[SP + g]!;
            o[b] = V_BRANCH;
            return true;
          case V_BRANCH: {
            const old = o[b + 3]!;
            o[b] = old === FROZEN ? V_READ : old === 0 ? V_CAS : V_SKIP;
            return true;
          }
          case V_CAS:
            if (o[SP + g] === o[b + 3]) {
              o[SP + g] = t + 1;
              o[PRESENT] = (o[PRESENT]! + 1) & 255;
              o[b] = V_WALK;
            } else o[b] = V_READ;
            return true;
          case V_SKIP:
            o[b] = V_WALK;
            return true;
          case V_WALK: {
            const seen = o[SP + g]!;
            o[b + 4] = seen;
            if (bug) o[b] = V_FILLIF;
            else {
              if (seen !== 0 && seen !== FROZEN) o[TLB + t * NG + g] = seen;
              o[b] = V_SEEN0;
            }
            return true;
          }
          case V_FILLIF: {
            const seen = o[b + 4]!;
            o[b] = seen !== 0 && seen !== FROZEN ? V_FILL : V_FILLSKIP;
            return true;
          }
          case V_FILL:
            o[TLB + t * NG + g] = o[b + 4]!;
            o[b] = V_SEEN0;
            return true;
          case V_FILLSKIP:
            o[b] = V_SEEN0;
            return true;
          case V_SEEN0:
            o[b + 4] = 0;
            o[b] = V_OLD0;
            return true;
          case V_OLD0:
            o[b + 3] = 0;
            o[b] = V_INC;
            return true;
          case V_INC:
            o[b + 1] = o[b + 1]! + 1;
            o[b] = V_LOOP;
            return true;
          default:
            return false;
        }
      }
      const b = ZB + (t - NV) * T;
      const g = o[b + 2]!;
      switch (o[b]!) {
        case Z_LOOP:
          o[b] = o[b + 1]! < ZITER ? Z_PICK : Z_END;
          return true;
        case Z_PICK:
          o[b + 2] = c;
          o[b] = Z_READ;
          return true;
        case Z_READ:
          o[b + 3] = o[SP + g]!;
          o[b] = Z_BRANCH;
          return true;
        case Z_BRANCH: {
          const old = o[b + 3]!;
          o[b] = old !== 0 && old !== FROZEN ? Z_FREEZE : Z_SKIP1;
          return true;
        }
        case Z_SKIP1:
        case Z_SKIP2:
          o[b] = Z_OLD0;
          return true;
        case Z_FREEZE:
          if (o[SP + g] === o[b + 3]) {
            o[SP + g] = FROZEN;
            o[PRESENT] = (o[PRESENT]! - 1) & 255;
          } else o[b + 3] = 0;
          o[b] = Z_IF2;
          return true;
        case Z_IF2:
          o[b] = o[b + 3] !== 0 ? Z_V0 : Z_SKIP2;
          return true;
        case Z_V0:
          o[b + 4] = 0;
          o[b] = Z_FLOOP;
          return true;
        case Z_FLOOP:
          o[b] = o[b + 4]! < NV ? Z_FLUSH : Z_V0B;
          return true;
        case Z_FLUSH:
          o[TLB + o[b + 4]! * NG + g] = 0;
          o[b] = Z_VINC;
          return true;
        case Z_VINC:
          o[b + 4] = o[b + 4]! + 1;
          o[b] = Z_FLOOP;
          return true;
        case Z_V0B:
          o[b + 4] = 0;
          o[b] = Z_CLEAR;
          return true;
        case Z_CLEAR: {
          o[SP + g] = 0;
          const old = o[b + 3]!;
          for (let v = 0; v < NV; v++) if (o[TLB + v * NG + g] === old) o[ERR] = o[ERR]! | 1;
          o[b + 4] = 0;
          o[b] = Z_OLD0;
          return true;
        }
        case Z_OLD0:
          o[b + 3] = 0;
          o[b] = Z_GHOST;
          return true;
        case Z_GHOST: {
          let cnt = 0;
          for (let v = 0; v < NG; v++) if (o[SP + v] !== 0 && o[SP + v] !== FROZEN) cnt++;
          if (o[PRESENT] !== cnt) o[ERR] = o[ERR]! | 2;
          o[b] = Z_JINC;
          return true;
        }
        case Z_JINC:
          o[b + 1] = o[b + 1]! + 1;
          o[b] = Z_LOOP;
          return true;
        default:
          return false;
      }
    },
    properties: () => props,
    isFinal(s) {
      for (let t = 0; t < nThreads; t++) if (pcOf(s, t) !== (t < NV ? V_END : Z_END)) return false;
      return true;
    },
    isLocal(s, action) {
      const t = action >> 3;
      return t < NV ? V_LOCAL[s[VB + t * T]!]! : Z_LOCAL[s[ZB + (t - NV) * T]!]!;
    },
    actionThread: (_s, action) => action >> 3,
    formatAction(s, action) {
      const t = action >> 3;
      const c = action & 7;
      if (t < NV) {
        const b = VB + t * T;
        const name = V_NAMES[s[b]!] ?? '?';
        const g = s[b + 2]!;
        const detail =
          s[b] === V_PICK ? `g = ${c}` : s[b] === V_READ ? `old = spte[${g}]` : s[b] === V_CAS ? `cmpxchg(spte[${g}], ${s[b + 3]}, ${t + 1})` : s[b] === V_WALK ? `walk spte[${g}]${bug ? '' : ' + fill TLB'}` : s[b] === V_FILL ? `tlb[${t}][${g}] = ${s[b + 4]}` : name;
        return `vcpu${t}: ${detail}`;
      }
      const z = t - NV;
      const b = ZB + z * T;
      const g = s[b + 2]!;
      const pc = s[b]!;
      const detail =
        pc === Z_PICK ? `g = ${c}` : pc === Z_READ ? `old = spte[${g}]` : pc === Z_FREEZE ? `cmpxchg(spte[${g}], ${s[b + 3]}, FROZEN)` : pc === Z_FLUSH ? `flush tlb[${s[b + 4]}][${g}]` : pc === Z_CLEAR ? `spte[${g}] = 0; assert no stale TLB` : pc === Z_GHOST ? 'assert present == count' : (Z_NAMES[pc] ?? '?');
      return `zapper${z}: ${detail}`;
    },
    toItf(s) {
      const vcpus: ItfValue[] = [];
      for (let t = 0; t < NV; t++) {
        const b = VB + t * T;
        vcpus.push({ pc: V_NAMES[s[b]!] ?? String(s[b]), i: s[b + 1]!, g: s[b + 2]!, old: s[b + 3]!, seen: s[b + 4]! });
      }
      const zappers: ItfValue[] = [];
      for (let z = 0; z < NZ; z++) {
        const b = ZB + z * T;
        zappers.push({ pc: Z_NAMES[s[b]!] ?? String(s[b]), j: s[b + 1]!, g: s[b + 2]!, old: s[b + 3]!, v: s[b + 4]! });
      }
      const tlb: ItfValue[] = [];
      for (let v = 0; v < NV; v++) tlb.push(Array.from(s.subarray(TLB + v * NG, TLB + (v + 1) * NG)));
      return { spte: Array.from(s.subarray(SP, SP + NG)), tlb, present: s[PRESENT]!, err: s[ERR]!, vcpu: vcpus, zapper: zappers };
    },
  };
  if (NZ > 1) {
    model.canonicalize = (s, out) => {
      out.set(s);
      // Insertion sort of the zapper records (NZ is tiny).
      for (let i = 1; i < NZ; i++) {
        for (let j = i; j > 0; j--) {
          const a = ZB + (j - 1) * T;
          const b2 = ZB + j * T;
          let cmp = 0;
          for (let k = 0; k < T && cmp === 0; k++) cmp = out[a + k]! - out[b2 + k]!;
          if (cmp <= 0) break;
          for (let k = 0; k < T; k++) {
            const x = out[a + k]!;
            out[a + k] = out[b2 + k]!;
            out[b2 + k] = x;
          }
        }
      }
    };
  }
  return model;
}
