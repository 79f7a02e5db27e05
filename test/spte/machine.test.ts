/**
 * One machine: CPU support versus what KVM enables, AMD shadow paging, host SME, violation labels,
 * the MMIO setter what-if (`mmio --set`) and `prove` with the machine fixed, against hand-computed
 * answers.
 */
import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../src/cli/commands/mmio-eval.js';
import type { Machine } from '../../src/cli/commands/cpu-flags.js';
import { cli, isOneLineDiagnostic } from '../cli/helpers.js';

const json = <T>(args: string[]): T => {
  const r = cli(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

interface MmioJson {
  flavour: string;
  configuration: Record<string, number | boolean>;
  notes: string[];
  value: string;
  mask: string;
  mmioCaching: boolean;
  meValue: string;
  rules: { name: string; verdict: string; label?: string }[];
}

describe('mmio: CPU support versus what KVM enables', () => {
  it('a CPU with EPT A/D support and ept=0 is valid: A/D and execute-only are off, shadow paging, a note says why', () => {
    const r = json<MmioJson>(['mmio', '--vendor', 'intel', '--maxphyaddr', '46', '--ept', 'off', '--ad', 'on', '--json']);
    expect(r.flavour).toBe('shadow');
    expect(r.configuration['ept_ad']).toBe(false);
    expect(r.configuration['exec_only']).toBe(false);
    expect(r.notes.join('\n')).toContain('clear enable_ept_ad_bits');
  });
  it('with EPT on, --ad off still turns A/D off', () => {
    const r = json<MmioJson>(['mmio', '--vendor', 'intel', '--maxphyaddr', '46', '--ad', 'off', '--json']);
    expect(r.configuration['ept_ad']).toBe(false);
    expect(r.configuration['ept']).toBe(true);
  });
  it('--npt off selects AMD shadow paging (legacy MMIO mask bit 51 | P); --npt on on Intel and SEV-ES without NPT are MMC004', () => {
    const r = json<MmioJson>(['mmio', '--vendor', 'amd', '--maxphyaddr', '48', '--npt', 'off', '--json']);
    expect(r.flavour).toBe('shadow');
    expect(r.mask).toBe('0x0008000000000001');
    const intel = cli(['mmio', '--vendor', 'intel', '--maxphyaddr', '46', '--npt', 'on']);
    expect(intel.code).toBe(64);
    expect(isOneLineDiagnostic(intel.stderr)).toBe(true);
    expect(intel.stderr).toContain('MMC004: --npt on');
    const sev = cli(['mmio', '--vendor', 'amd', '--maxphyaddr', '48', '--mem-encrypt', 'on', '--cbit', '47', '--npt', 'off', '--vm', 'sev-es']);
    expect(sev.code).toBe(64);
    expect(sev.stderr).toContain('--vm sev-es (with --npt off)');
    const dec = cli(['decode', '--flavour', 'npt', '--npt', 'off', '0x6']);
    expect(dec.code).toBe(64);
    expect(isOneLineDiagnostic(dec.stderr)).toBe(true);
    expect(dec.stderr).toContain('MMC004: --flavour npt with --npt off');
  });
  it('host SME: shadow_me_value is the C-bit', () => {
    const r = json<MmioJson>(['mmio', '--vendor', 'amd', '--maxphyaddr', '48', '--mem-encrypt', 'on', '--cbit', '47', '--sme', 'on', '--json']);
    expect(r.meValue).toBe('0x0000800000000000');
  });
  it('host SME matters: without the C-bit skip, a present SPTE carrying the SME C-bit 51 is taken for MMIO (x86_phys_bits 51)', () => {
    const cfg = { maxphyaddr: 52n, amd: true, mem_encrypt: true, cbit: 51n, phys_reduction: 1n, sme: true, keyid_bits: 0n, l1tf: false, cache_bits: 51n, ept: false, ept_ad: false, exec_only: false, tdx_gpaw: 52n, sev_es: false, mmio_caching: true };
    const m: Machine = { kernel: '6.18', era: '6.13', flavour: 'npt', vm: 'default', cfg, notes: [] };
    const verdict = (sme: boolean): string => evaluateRules({ ...m, cfg: { ...cfg, sme } }, { noCbitSkip: true }).find((r) => r.name === 'present-never-mmio')!.verdict;
    expect(verdict(true)).toBe('violated');
    expect(verdict(false)).toBe('no-violation-in-samples');
  });
});

describe('mmio: every violation is labelled', () => {
  const label = (args: string[], rule: string): string | undefined => json<MmioJson>(['mmio', ...args, '--json']).rules.find((r) => r.name === rule)?.label;
  it('known finding, known bug with its fix, by design', () => {
    expect(label(['--vendor', 'intel', '--maxphyaddr', '33', '--keyid-bits', '1'], 'mmio-roundtrip')).toMatch(/^known finding/);
    expect(label(['--vendor', 'amd', '--maxphyaddr', '52', '--kernel', '5.15'], 'reserved-bits-or-caching-off')).toBe('known bug, fixed in 5.19 by 8b9e74bfbf8c');
    expect(label(['--vendor', 'intel', '--maxphyaddr', '46', '--vm', 'tdx'], 'setter-effective-invariant')).toMatch(/^by design/);
  });
  it("the README's SEV-ES example: C-bit 51 with x86_phys_bits 51 leaves no reserved bit in 5.15; MAXPHYADDR 47 with C-bit 47 does not", () => {
    const sev = (args: string[]): string => json<MmioJson>(['mmio', '--vendor', 'amd', '--mem-encrypt', 'on', '--kernel', '5.15', '--vm', 'sev-es', ...args, '--json']).rules.find((r) => r.name === 'sev-es-reserved-bit')!.verdict;
    expect(sev(['--maxphyaddr', '52', '--phys-reduction', '1', '--cbit', '51'])).toBe('violated');
    expect(sev(['--maxphyaddr', '47', '--cbit', '47'])).toBe('holds');
    expect(sev(['--maxphyaddr', '47', '--phys-reduction', '0', '--cbit', '47'])).toBe('holds');
  });
});

interface SetJson {
  eras: { era: string; global: { value: string; mask: string; mmioCaching: boolean; warnings: string[] }; rules: { name: string; verdict: string; label?: string }[]; perVm?: { value: string; rules: unknown[] } }[];
}

describe('mmio --set: the MMIO setter what-if, per era', () => {
  const set = (spec: string, ...more: string[]): SetJson => json<SetJson>(['mmio', '--vendor', 'intel', '--maxphyaddr', '46', '--set', spec, ...more, '--json']);
  it('value=mask=bit 11 (the MMU-present bit): 5.13 keeps it and present SPTEs look MMIO; 6.0+ R5 drops it and turns caching off', () => {
    const r = set('value=0x800,mask=0x800');
    expect(r.eras.map((e) => e.era)).toEqual(['5.13', '6.0', '6.10', '6.13']);
    const e513 = r.eras[0]!;
    expect(e513.global).toMatchObject({ value: '0x0000000000000800', mask: '0x0000000000000800', mmioCaching: true, warnings: [] });
    expect(e513.rules.find((x) => x.name === 'present-never-mmio')).toMatchObject({ verdict: 'violated', label: 'caused by the --set call' });
    expect(e513.perVm).toBeUndefined();
    for (const e of r.eras.slice(1)) {
      expect(e.global).toMatchObject({ value: '0x0000000000000000', mmioCaching: false });
      expect(e.global.warnings).toEqual(['R5 kvm_mmu_set_mmio_spte_mask (--set): WARN: MMIO mask has bits outside SPTE_MMIO_ALLOWED_MASK']);
    }
    // the per-VM setter kvm_mmu_set_mmio_spte_value exists from 6.16 (era 6.13), not in 6.10
    expect(r.eras[2]!.perVm).toBeUndefined();
    expect(r.eras[3]!.perVm?.value).toBe('0x0000000000000800');
  });
  it('value=mask=0x5a0 in 5.13: R8 (a frozen SPTE would match) zeroes the value, caching stays on', () => {
    const e = set('value=0x5a0,mask=0x5a0', '--kernel', '5.15').eras;
    expect(e).toHaveLength(1);
    expect(e[0]!.global).toMatchObject({ value: '0x0000000000000000', mask: '0x00000000000005a0', mmioCaching: true });
    expect(e[0]!.global.warnings).toEqual(['R8 kvm_mmu_set_mmio_spte_mask (--set): WARN: a frozen SPTE would match the MMIO value']);
  });
  it("EPT's own call (W|X in RWX|SUPPRESS_VE) reproduces the kernel's state with no WARN", () => {
    const e = set('value=0x6,mask=0x8000000000000007', '--kernel', '6.18').eras[0]!;
    expect(e.global).toMatchObject({ value: '0x0000000000000006', mask: '0x8000000000000007', mmioCaching: true, warnings: [] });
    expect(e.rules.filter((x) => x.verdict === 'violated')).toEqual([]);
  });
  it('bad syntax: MMC001 naming --set and the keys', () => {
    for (const spec of ['value=0x6', 'value=1,mask=x', 'value=1,mask=1,colour=2', 'value=1,value=2,mask=3', 'value=0x10000000000000000,mask=1']) {
      const r = cli(['mmio', '--vendor', 'intel', '--maxphyaddr', '46', '--set', spec]);
      expect(r.code, spec).toBe(64);
      expect(isOneLineDiagnostic(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toContain(`MMC001: --set ${spec}`);
      expect(r.stderr).toContain('keys value, mask, access');
    }
  });
});

interface ProveJson {
  machine: { flavour: string; configuration: Record<string, number | boolean> };
  exitCode: number;
  rules: { rule: string; verdict: string; status: string; applicable: boolean }[];
}

describe('prove for one machine (Z3, CPU fixed)', () => {
  const prove = (...args: string[]): ProveJson => json<ProveJson>(['prove', '--kernel', '6.18', ...args, '--json']);
  it('mmio-roundtrip: violated with one KeyID bit (the finding), proved on MAXPHYADDR 46 without KeyIDs', () => {
    const bad = prove('--vendor', 'intel', '--maxphyaddr', '33', '--keyid-bits', '1', '--rule', 'mmio-roundtrip');
    expect(bad.machine.configuration['keyid_bits']).toBe(1);
    expect((bad.machine as { kernel?: string }).kernel).toBe('6.18'); // named only when --kernel chose the era
    expect(bad.rules).toMatchObject([{ rule: 'mmio-roundtrip', verdict: 'violated', status: 'pass', applicable: true }]);
    const good = prove('--vendor', 'intel', '--maxphyaddr', '46', '--rule', 'mmio-roundtrip');
    expect(good.rules).toMatchObject([{ rule: 'mmio-roundtrip', verdict: 'holds', status: 'pass', applicable: true }]);
    expect(good.exitCode).toBe(0);
  }, 120_000);
  it('a rule whose hypotheses the machine cannot meet is not applicable (SEV-ES rule without SEV-ES)', () => {
    const r = prove('--vendor', 'amd', '--maxphyaddr', '48', '--rule', 'sev-es-reserved-bit');
    expect(r.machine.flavour).toBe('npt');
    expect(r.rules).toMatchObject([{ verdict: 'holds', applicable: false }]);
  }, 120_000);
  it('--flavour does not apply with machine flags: MMC001', () => {
    const r = cli(['prove', '--vendor', 'intel', '--maxphyaddr', '46', '--flavour', 'npt']);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toContain('--flavour does not apply with the machine flags');
    const fam = cli(['prove', '--family', 'role', '--vendor', 'intel']);
    expect(fam.code).toBe(64);
    expect(fam.stderr).toContain('MMC001: prove --family role: --vendor applies to the spte family only');
  });
});
