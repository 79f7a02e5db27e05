/**
 * The big mainline grid: every mix of three threads drawn from the operation palette (including
 * the fast page fault, dirty-log harvest, eager split and NX recovery), each with every option at
 * its mainline value, must hold over the complete bounded space and reach its witnesses, with the
 * default safety-mode reductions (footprint POR and statement merging) and without them, in
 * liveness mode (the MMU's default: I11 judged on cycles under weak fairness) (same verdict, same
 * witnesses, never more states reduced).
 * Run with `npm run test:long`.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../mmu/util.js';
import { check } from '../../src/check/index.js';
import { buildMachine, type OpCall, type Scenario } from '../../model/mmu/build.js';
import type { WitnessName } from '../../model/mmu/common.js';

const vcpuScripts: Record<string, OpCall[]> = {
  'fault-access': [{ op: 'fault', gfn: 0, write: true }, { op: 'access', gfn: 0, write: true }],
  'fault-2m': [{ op: 'fault', gfn: 1, write: true, level: 2 }],
  'read-fault-write': [{ op: 'fault', gfn: 0 }, { op: 'access', gfn: 0, write: true }],
  'fast-fault-write': [{ op: 'access', gfn: 2, write: true }, { op: 'fault', gfn: 2, write: true, fast: true }, { op: 'access', gfn: 2, write: true }],
};
const hostScripts: Record<string, OpCall[]> = {
  notifier: [{ op: 'zap-range', start: 0, end: 2 }],
  'fast-zap': [{ op: 'fast-zap' }],
  'memslot-delete': [{ op: 'memslot-delete' }],
  'dirty-log': [{ op: 'dirty-log-enable' }],
  age: [{ op: 'age', start: 0, end: 4 }],
  harvest: [{ op: 'dirty-log-harvest' }],
  'eager-split': [{ op: 'eager-split' }],
  'nx-recover': [{ op: 'nx-recover', gfn: 2 }],
};

/** Witnesses each script is sure to reach in some interleaving (no 3-thread mix passes vacuously). */
const vcpuWitness: Record<string, WitnessName> = { 'fault-access': 'guest-wrote', 'fault-2m': 'huge-mapped', 'read-fault-write': 'guest-wrote', 'fast-fault-write': 'guest-wrote' };
const hostWitness: Record<string, WitnessName | undefined> = {
  'fast-zap': 'invalid-root-zapped',
  'memslot-delete': 'invalid-root-zapped',
  'dirty-log': 'write-protected',
  age: 'aged',
  'nx-recover': 'nx-recovered',
};

/**
 * Mixes where lockless aging meets a thread that removes tables (and so freezes their entries for
 * good): at mainline they break I12, the model's finding `mmu/age-vs-tombstone/frozen-0x5a0`
 * (aging's atomic AND clears EPT bit 8 of FROZEN_SPTE = NP | 0x5a0; confirmed against the kernel's
 * code, see the README). The grid runs them with the FROZEN_SPTE of the RFC without A/D bits
 * (`frozenHasAccessedBit: false`), where they must hold, and checks their mainline verdict apart.
 */
const REMOVERS = new Set(['fast-zap', 'memslot-delete', 'nx-recover']);
const frozenFinding = (a: string, b: string): boolean => (a === 'age' && REMOVERS.has(b)) || (b === 'age' && REMOVERS.has(a));

const grid: Scenario[] = [];
const findingMixes: Scenario[] = [];
const hosts = Object.keys(hostScripts);
for (const [vn, vs] of Object.entries(vcpuScripts)) {
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      grid.push({
        name: `grid3/${vn}+${hosts[i]}+${hosts[j]}`,
        title: 'mainline 3-thread grid',
        family: 'mmu',
        vm: 'default',
        vcpus: 1,
        setup: [[0, { op: 'fault', gfn: 2, write: true }]],
        threads: [
          { name: 'V0', script: vs },
          { name: 'N', script: hostScripts[hosts[i]!]! },
          { name: 'M', script: hostScripts[hosts[j]!]! },
        ],
        witnesses: [vcpuWitness[vn]!, ...[hostWitness[hosts[i]!], hostWitness[hosts[j]!]].filter((w): w is WitnessName => w !== undefined)],
        expect: { verdict: 'holds' },
        bounds: { tables: 10, roots: 3, pages: 10 },
        ...(frozenFinding(hosts[i]!, hosts[j]!) ? { options: { frozenHasAccessedBit: false } } : {}),
      });
      if (frozenFinding(hosts[i]!, hosts[j]!)) findingMixes.push(grid[grid.length - 1]!);
    }
  }
}

describe('mainline 3-thread grid', () => {
  for (const s of grid) {
    it(s.name, () => {
      const r = explore(buildMachine(s), { maxStates: 3_000_000, reduced: true });
      expect(r.allBroken).toEqual([]);
      expect(r.complete).toBe(true);
      expect(r.result.verdict.kind).toBe('holds');
      const full = check(buildMachine(s), { strategy: 'bfs', store: 'exact', por: false, maxStates: 3_000_000 });
      expect(full.verdict.kind).toBe('holds');
      expect(r.distinct).toBeLessThanOrEqual(full.stats.distinctStates);
      const found = (w: typeof full.witnesses): [string, boolean][] => Object.entries(w).map(([k, t]) => [k, t !== null]);
      expect(found(r.result.witnesses)).toEqual(found(full.witnesses));
    });
  }
});

describe('mainline 3-thread grid: aging against a remover (the FROZEN_SPTE finding)', () => {
  it('there are such mixes', () => expect(findingMixes.length).toBe(12));
  for (const s of findingMixes) {
    it(`${s.name} at mainline breaks I12 first (aging's AND on FROZEN_SPTE), nothing else`, () => {
      const { options: _o, ...mainline } = s;
      const r = explore(buildMachine(mainline), { maxStates: 3_000_000 });
      expect(r.result.verdict.kind).toBe('violated');
      expect(r.allBroken).toEqual(['I12']);
    });
  }
});
