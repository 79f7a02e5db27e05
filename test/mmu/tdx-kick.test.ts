/**
 * The kick (kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE)) is a wait: a vCPU inside a guest
 * TDCALL (TDG.MEM.PAGE.ACCEPT, holding a guest-side S-EPT entry lock across its steps) leaves guest
 * mode only once the TDCALL has ended, on every path that kicks (removal, split, tdh_do_no_vcpus,
 * the install ablation, the merge). Each test names the mutant it catches.
 */
import { describe, expect, it } from 'vitest';
import type { Property } from '../../src/check/model.js';
import { V } from '../../src/mmu/layout.js';
import type { MmuMachine } from '../../src/mmu/machine.js';
import { septLock } from '../../src/mmu/tdx.js';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { explore } from './util.js';

/** `mm` with one more `always` property: a vCPU that holds a guest-side S-EPT entry lock is in guest mode. */
function withTdcallProperty(mm: MmuMachine): MmuMachine {
  const m = mm.layout;
  const vcpus = m.geometry.vcpus;
  const p: Property = {
    name: 'tdcall-in-guest-mode',
    expectation: 'always',
    doc: 'a vCPU inside a guest TDCALL (holding an S-EPT entry lock) is in guest mode: no kick took it out mid-TDCALL',
    check: (s) => {
      for (let pos = 0; pos < m.septCount; pos++) {
        const o = septLock(s[m.septBase + pos]!);
        if (o >= 1 && o <= vcpus && s[m.vcpu(o - 1, V.mode)] !== 1) return false;
      }
      return true;
    },
  };
  const props = [...mm.properties(), p];
  return Object.assign(Object.create(mm) as MmuMachine, { properties: () => props });
}

function run(name: string, options: Record<string, unknown> = {}): ReturnType<typeof explore> {
  const s = findScenario(name);
  if (s === undefined) throw new Error(name);
  return explore(withTdcallProperty(buildMachine(s, { options })));
}

describe('the kick waits for a vCPU inside a guest TDCALL', () => {
  // mutant for each: the kick does not wait (vcpuInTdcall always false: every kicking step enabled,
  // Ctx.tdx.kickAll exits every vCPU at once), so a kick lands while a vCPU is between the two steps
  // of its ACCEPT: tdcall-in-guest-mode is violated (promote-vs-accept: also PROMOTE's BUSY|RCX, I7)
  it('removal path (PUNCH_HOLE: TRACK, kick, tdh_do_no_vcpus) and the install path (no BUSY handling: restore-retry) against a zero-step vCPU that accepts (mutant: the kick exits it mid-ACCEPT)', () => {
    const r = run('tdx/grid/zero-step-fault-punch-hole');
    expect(r.result.verdict.kind).toBe('holds');
    expect(r.sometimesMissing).toEqual([]);
  });
  it("tdh_do_no_vcpus on the install path (tdxInstallBusy no-vcpus-retry-once) (mutant: the kick exits the vCPU mid-ACCEPT)", () => {
    const r = run('tdx/grid/zero-step-fault-punch-hole', { tdxInstallBusy: 'no-vcpus-retry-once' });
    expect(r.allBroken).not.toContain('tdcall-in-guest-mode');
  });
  it("the merge's kick (tdxPromote merge) waits for the vCPU inside its 4K ACCEPT (mutant: the kick exits it mid-ACCEPT)", () => {
    const r = run('tdx/huge/promote-vs-accept/fixed');
    expect(r.result.verdict.kind).toBe('holds');
    expect(r.sometimesMissing).toEqual([]);
  });
});
