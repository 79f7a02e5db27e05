/**
 * The TDX module's own locks (geometry `tdxLocks`, protocol sheet §1.8): the S-EPT tree lock, the TD
 * epoch lock, the host-priority bit of the entry lock and the zero-step mitigation, on the module's
 * state functions. Each test fails when the lock it names is not modelled (the mutant: the check
 * removed from src/mmu/tdx.ts).
 */
import { describe, expect, it } from 'vitest';
import { MmuLayout, mmuState } from '../../src/internal.js';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import {
  acceptBegin,
  HOST_PRIORITY,
  pageAug,
  pageRemove,
  rangeBlock,
  SEPT,
  septAdd,
  septWord,
  ST,
  track,
  vpEnterBegin,
  vpEnterEnd,
  zeroStepOn,
  zeroStepProgress,
  zeroStepViolation,
} from '../../model/tdx/module.js';

const { G, TX, V, ZERO_STEP_AFTER } = mmuState;

/** A 2-level TD with two vCPU threads and a host thread; S-EPT level 2 of gfns 0..1 linked. */
function td(tdxLocks = true): { s: Int32Array; m: MmuLayout } {
  const m = new MmuLayout({ levels: 2, threads: 3, vcpus: 2, tables: 4, roots: 2, pages: 4, tdxLocks });
  const s = new Int32Array(m.size);
  expect(septAdd(s, m, 2, 2, 0)).toBe(ST.success);
  return { s, m };
}

/** Arms vCPU `v`'s zero-step mitigation at `gfn`. */
function armZeroStep(s: Int32Array, m: MmuLayout, v: number, gfn: number): void {
  for (let k = 0; k < ZERO_STEP_AFTER; k++) zeroStepViolation(s, m, v, gfn);
}

describe('TDX module locks (tdxLocks)', () => {
  it('the lock words are appended only with tdxLocks', () => {
    const without = new MmuLayout({ levels: 2, threads: 3, vcpus: 2, tables: 4, roots: 2, pages: 4 });
    const withLocks = new MmuLayout({ levels: 2, threads: 3, vcpus: 2, tables: 4, roots: 2, pages: 4, tdxLocks: true });
    expect(without.tdxBase).toBe(-1);
    expect(withLocks.tdxBase).toBe(without.size);
    expect(withLocks.size).toBe(without.size + TX.zeroStep + 2);
  });

  it('zero-step mitigation: EPT violations at one gfn arm it, another gfn restarts the count, progress clears it', () => {
    const { s, m } = td();
    zeroStepViolation(s, m, 0, 1);
    expect(zeroStepOn(s, m, 0)).toBe(ZERO_STEP_AFTER <= 1);
    zeroStepViolation(s, m, 0, 0);
    zeroStepViolation(s, m, 0, 1);
    expect(zeroStepOn(s, m, 0)).toBe(ZERO_STEP_AFTER <= 1);
    armZeroStep(s, m, 0, 1);
    expect(zeroStepOn(s, m, 0)).toBe(true);
    expect(zeroStepOn(s, m, 1)).toBe(false);
    zeroStepProgress(s, m, 0);
    expect(zeroStepOn(s, m, 0)).toBe(false);
  });

  it('a zero-step TDH.VP.ENTER holds the S-EPT tree lock: host SEAMCALLs and another zero-step entry get TDX_OPERAND_BUSY', () => {
    const { s, m } = td();
    armZeroStep(s, m, 0, 1);
    expect(vpEnterBegin(s, m, 0)).toBe(ST.success);
    expect(s[m.tdx(TX.tree)]).toBe(1);
    // shared users (AUG, SEPT.ADD, REMOVE) and exclusive ones (BLOCK) alike
    expect(pageAug(s, m, 2, 1, 1, 1)).toBe(ST.busy);
    expect(septAdd(s, m, 2, 2, 2)).toBe(ST.busy);
    expect(rangeBlock(s, m, 2, 1, 0)).toBe(ST.busy);
    expect(pageRemove(s, m, 2, 1, 0)).toBe(ST.busy);
    armZeroStep(s, m, 1, 1);
    expect(vpEnterBegin(s, m, 1)).toBe(ST.busy);
    // gfn 1 still has no S-EPT leaf: the entry ends in the same EPT violation, the lock is released
    expect(vpEnterEnd(s, m, 0)).toBe(false);
    expect(s[m.tdx(TX.tree)]).toBe(0);
    expect(s[m.vcpu(0, V.mode)]).toBe(0);
    expect(pageAug(s, m, 2, 1, 1, 1)).toBe(ST.success);
    // now mapped (PENDING): the zero-step entry runs the guest
    expect(vpEnterBegin(s, m, 0)).toBe(ST.success);
    expect(vpEnterEnd(s, m, 0)).toBe(true);
    expect(s[m.vcpu(0, V.mode)]).toBe(1);
  });

  it('without zero-step mitigation TDH.VP.ENTER takes no tree lock, but holds the epoch lock: TDH.MEM.TRACK is busy until the entry ends', () => {
    const { s, m } = td();
    expect(vpEnterBegin(s, m, 0)).toBe(ST.success);
    expect(s[m.tdx(TX.tree)]).toBe(0);
    expect(pageAug(s, m, 2, 1, 1, 1)).toBe(ST.success);
    expect(track(s, m)).toBe(ST.busy);
    expect(s[G.tdEpoch]).toBe(0);
    expect(vpEnterEnd(s, m, 0)).toBe(true);
    expect(track(s, m)).toBe(ST.success);
    expect(s[G.tdEpoch]).toBe(1);
  });

  it('a pending kick (wait_for_sept_zap) makes TDH.VP.ENTER exit at once', () => {
    const { s, m } = td();
    expect(vpEnterBegin(s, m, 0)).toBe(ST.success);
    s[G.waitSeptZap] = 1;
    expect(vpEnterEnd(s, m, 0)).toBe(false);
    expect(s[m.vcpu(0, V.mode)]).toBe(0);
    expect(s[m.tdx(TX.epoch)]).toBe(0);
  });

  it('host priority: a host SEAMCALL blocked by a guest ACCEPT sets the bit, the guest\'s next TDCALL gives up, the host\'s success clears it', () => {
    const { s, m } = td();
    expect(pageAug(s, m, 2, 1, 0, 0)).toBe(ST.success);
    expect(pageAug(s, m, 2, 1, 1, 1)).toBe(ST.success);
    expect(acceptBegin(s, m, 0, 1, 0)).toBe(ST.success);
    expect(rangeBlock(s, m, 2, 1, 0)).toBe(ST.busy);
    expect(s[m.sept(1, 0)]! & HOST_PRIORITY).toBe(HOST_PRIORITY);
    // the guest's ACCEPT ends (lock released, the bit stays); another guest TDCALL on the entry gives up
    s[m.sept(1, 0)] = septWord(SEPT.mapped, 0) | HOST_PRIORITY;
    expect(acceptBegin(s, m, 1, 1, 0)).toBe(ST.busy);
    expect(rangeBlock(s, m, 2, 1, 0)).toBe(ST.success);
    expect(s[m.sept(1, 0)]! & HOST_PRIORITY).toBe(0);
    // an entry without the bit is accepted normally
    expect(acceptBegin(s, m, 1, 1, 1)).toBe(ST.success);
  });

  it('without tdxLocks nothing of this is modelled: no bit, TRACK never busy for the epoch lock', () => {
    const { s, m } = td(false);
    expect(pageAug(s, m, 2, 1, 0, 0)).toBe(ST.success);
    expect(acceptBegin(s, m, 0, 1, 0)).toBe(ST.success);
    expect(rangeBlock(s, m, 2, 1, 0)).toBe(ST.busy);
    expect(s[m.sept(1, 0)]! & HOST_PRIORITY).toBe(0);
    expect(track(s, m)).toBe(ST.success);
  });
});

describe('a private guest access finishes', () => {
  // the mutant: the access step of a mapped private page falls through into accept-finish, which
  // jumps back to the access: the vCPU thread never ends (it did before issue 13's TDX work)
  for (const name of ['tdx/grid/fault-vs-punch-hole', 'tdx/zero-step/aug']) {
    it(`${name}: vCPU0 alone runs its script to the end`, () => {
      const mm = buildMachine(findScenario(name)!);
      const s = mm.initStates()[0]!;
      const pcAt = mm.layout.pc(0);
      let steps = 0;
      while (s[pcAt]! >= 0 && steps < 500) {
        const np = mm.stepOn(s, 0);
        if (np === undefined) break;
        s[pcAt] = np;
        steps++;
      }
      expect(s[pcAt], `vCPU0 still at pc ${s[pcAt]} after ${steps} steps`).toBe(-1);
    });
  }
});
