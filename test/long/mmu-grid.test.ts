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

const grid: Scenario[] = [];
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
      });
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
