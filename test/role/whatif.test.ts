/**
 * The role and VM-type what-ifs (`role --init`, `vmtypes --type`) against hand-computed answers.
 */
import { describe, expect, it } from 'vitest';
import { initWhatIf } from '../../model/role/index.js';
import { vmTypeWhatIf } from '../../model/vm/index.js';
import { cli, isOneLineDiagnostic } from '../cli/helpers.js';

describe('role --init', () => {
  it("review case 1: INIT from CR0 {PE, ET, WP} with PG=0: v1 patch 06 resets (WP changed), v5.19+ does not; no stale field", () => {
    const input = { cr0: 0x10011n, cr4: 0n, efer: 0n, vendor: 'intel' as const, tdp: true };
    const pre = initWhatIf('v1-patch06', input);
    expect(pre.reset).toBe(true);
    expect(pre.after.cr0).toBe('0x60000010 {ET, NW, CD}');
    expect(pre.stale).toEqual([]);
    const post = initWhatIf('v5.19+', input);
    expect(post.reset).toBe(false);
    expect(post.after.cr0).toBe('0x00000010 {ET}');
    expect(post.stale).toEqual([]);
  });
  it('review case 2: INIT clearing EFER.NX with PG=0: v1 patch 06 keeps base.nxe 1 while the fresh role has 0 (stale); v5.19+ gates NX on PG', () => {
    const input = { cr0: 0x11n, cr4: 0n, efer: 0x800n, vendor: 'intel' as const, tdp: true };
    const pre = initWhatIf('v1-patch06', input);
    expect(pre.reset).toBe(false);
    expect(pre.stale).toEqual(['base.nxe']);
    expect(pre.fields.find((f) => f.field === 'base.nxe')).toEqual({ field: 'base.nxe', before: 1n, held: 1n, fresh: 0n });
    expect(initWhatIf('v5.19+', input).stale).toEqual([]);
  });
  it('v5.14 SVM: init_vmcb resets even with PG=0; VMX with unrestricted guest does not', () => {
    const base = { cr0: 0x10011n, cr4: 0n, efer: 0n, tdp: true };
    expect(initWhatIf('v5.14', { ...base, vendor: 'amd' }).reset).toBe(true);
    expect(initWhatIf('v5.14', { ...base, vendor: 'intel' }).reset).toBe(false);
  });
  it('CLI: prints reset and stale fields; an impossible register state is MMC004 naming the flag', () => {
    const r = cli(['role', '--init', '--cr0', '0x11', '--cr4', '0', '--efer', '0x800', '--era', 'pre']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MMU context reset: no');
    expect(r.stdout).toContain('stale fields: base.nxe');
    const bad = cli(['role', '--init', '--cr0', '0x80000000', '--cr4', '0', '--efer', '0']);
    expect(bad.code).toBe(64);
    expect(isOneLineDiagnostic(bad.stderr)).toBe(true);
    expect(bad.stderr).toContain('MMC004: --cr0 0x80000000: not a state KVM can hold before INIT: CR0.PG needs CR0.PE');
    const missing = cli(['role', '--init', '--cr0', '0x11']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('--init needs --cr4');
  });
});

describe('vmtypes --type', () => {
  it('TDX on an Intel v6.19 host: created, capability DEFAULT|SW_PROTECTED|TDX = 0x23, private memory, protected state, no pre-fault, mirrored TDP, quirks CD_NW_CLEARED|IGNORE_GUEST_PAT, slot leaves only', () => {
    const r = vmTypeWhatIf('v6.19', 'TDX', 'intel');
    expect(r).toMatchObject({ created: true, capability: '0x23', capabilityBit: '0x20', advertised: true, disabledQuirks: '0x202', slotZapAllQuirk: true, zapPolicy: 'default-and-quirk', memslotDelete: "zap only the slot's leaves" });
    expect(r.flags).toEqual({ hasPrivateMem: true, hasProtectedState: true, preFaultAllowed: false, mirroredTdp: true });
    expect(vmTypeWhatIf('v6.12', 'TDX', 'intel')).toMatchObject({ created: false, advertised: false, capability: '0x3' });
  });
  it('SNP on AMD v6.12: capability 0x1f; DEFAULT in v6.11 always fast-zaps; in v6.12 with SLOT_ZAP_ALL disabled it zaps leaves', () => {
    const snp = vmTypeWhatIf('v6.12', 'SNP', 'amd');
    expect(snp).toMatchObject({ created: true, capability: '0x1f', disabledQuirks: '0x0', memslotDelete: "zap only the slot's leaves" });
    expect(snp.flags).toEqual({ hasPrivateMem: true, hasProtectedState: true, preFaultAllowed: false, mirroredTdp: false });
    expect(vmTypeWhatIf('v6.11', 'DEFAULT', 'intel').memslotDelete).toBe('kvm_mmu_zap_all_fast');
    expect(vmTypeWhatIf('v6.12', 'DEFAULT', 'intel', 0x80n)).toMatchObject({ slotZapAllQuirk: false, memslotDelete: "zap only the slot's leaves" });
    expect(vmTypeWhatIf('v6.12', 'DEFAULT', 'intel')).toMatchObject({ slotZapAllQuirk: true, memslotDelete: 'kvm_mmu_zap_all_fast' });
  });
  it('CLI: text and JSON; an unknown type or era is MMC003 listing what exists', () => {
    const t = cli(['vmtypes', '--type', 'sev-es', '--era', 'v6.19']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('era v6.19: KVM_X86_SEV_ES_VM (3) on an AMD host');
    expect(t.stdout).toContain('KVM_CAP_VM_TYPES   0x1f; bit 0x8 set');
    const j = JSON.parse(cli(['vmtypes', '--type', '5', '--era', 'v6.19', '--disable-quirks', '0x80', '--json']).stdout) as { eras: { disabledQuirks: string }[] };
    expect(j.eras[0]!.disabledQuirks).toBe('0x282');
    for (const args of [['--type', 'FOO'], ['--type', 'TDX', '--era', 'v7']]) {
      const r = cli(['vmtypes', ...args]);
      expect(r.code, args.join(' ')).toBe(64);
      expect(isOneLineDiagnostic(r.stderr)).toBe(true);
      expect(r.stderr).toContain('MMC003');
    }
  });
});
