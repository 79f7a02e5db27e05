/** CLI golden tests for the SPTE commands (dist/ is built by the vitest global setup). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
// Broken specs live outside the repository's tsconfig (a type error there would break `npm run typecheck`).
const TMP = mkdtempSync(join(tmpdir(), 'mmucheck-spec-'));
const OVERLAP = join(TMP, 'overlap-spec.ts');
const TYPO = join(TMP, 'typo-spec.ts');
writeFileSync(OVERLAP, "import { field, flag, layout } from 'mmucheck';\nexport default layout('overlapping', 'two fields share bit 11', { present: [field('pfn', 51, 11, 'pfn'), flag('mmu_present', 11, 'present')] });\n");
writeFileSync(TYPO, "import { field, layout } from 'mmucheck';\nconst n: number = 'eleven';\nexport default layout('typo', 'does not type-check', { present: [field('x', n, 0, 'x')] });\n");
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'bin/mmucheck.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
function oneLineUsage(r: { code: number; out: string; err: string }, re: RegExp): void {
  expect(r.code).toBe(64);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(re);
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe('mmucheck mmio', () => {
  it('AMD with memory encryption: mask from x86_phys_bits, C-bit skipped when it is the first candidate', () => {
    const r = cli('mmio', '--vendor', 'amd', '--maxphyaddr', '48', '--mem-encrypt', 'on', '--cbit', '43', '--phys-reduction', '5', '--vm', 'sev-es', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.value).toBe('0x000ff00000000001'); // bits 44..51 and P: bit 43 is the C-bit
    expect(j.mask).toBe(j.value);
    expect(j.accessMask).toBe('0x0000000000000006');
    expect(j.mmioCaching).toBe(true);
    expect(j.sevEsAllowed).toBe(true);
    expect(j.warnings).toEqual([]);
    expect(j.rules.find((x: { name: string }) => x.name === 'sev-es-reserved-bit').verdict).toBe('holds');
  });
  it('EPT 6.10+: value 0x6, mask 0x8000000000000007; Intel MAXPHYADDR 52 shadow: caching off', () => {
    const e = JSON.parse(cli('mmio', '--vendor', 'intel', '--maxphyaddr', '46', '--kernel', '6.12', '--json').out);
    expect([e.value, e.mask, e.accessMask, e.mmioCaching, e.sevEsAllowed]).toEqual(['0x0000000000000006', '0x8000000000000007', '0x0000000000000000', true, null]);
    const s = JSON.parse(cli('mmio', '--vendor', 'intel', '--ept', 'off', '--maxphyaddr', '52', '--json').out);
    expect([s.value, s.mmioCaching]).toEqual(['0x0000000000000000', false]);
  });
  it('5.15 AMD with the C-bit at 51 = x86_phys_bits: SEV-ES still allowed and the rule is violated', () => {
    const j = JSON.parse(cli('mmio', '--vendor', 'amd', '--kernel', '5.15', '--maxphyaddr', '52', '--mem-encrypt', 'on', '--cbit', '51', '--phys-reduction', '1', '--vm', 'sev-es', '--json').out);
    expect(j.sevEsAllowed).toBe(true);
    expect(j.rules.find((x: { name: string }) => x.name === 'sev-es-reserved-bit').verdict).toBe('violated');
  });
  it('bad input: one line, exit 64', () => {
    oneLineUsage(cli('mmio', '--vendor', 'intel', '--maxphyaddr', '60'), /MMC003: --maxphyaddr 60: must be an integer from 32 to 52/);
    oneLineUsage(cli('mmio', '--vendor', 'amd', '--maxphyaddr', '48', '--mem-encrypt', 'on', '--cbit', '20'), /MMC004: --cbit 20 \(with --maxphyaddr 48, --mem-encrypt on\): .*\[x86_phys_bits, 51\]/);
    oneLineUsage(cli('mmio', '--vendor', 'intel', '--maxphyaddr', '46', '--kernel', '4.19'), /MMC005: --kernel 4.19: .*5\.13/);
    oneLineUsage(cli('mmio', '--vendor', 'amd', '--maxphyaddr', '46', '--l1tf', 'on'), /MMC004: --l1tf/);
  });
});

describe('mmucheck decode', () => {
  it('classifies a TD MMIO SPTE and a frozen SPTE', () => {
    const t = JSON.parse(cli('decode', '--flavour', 'tdx', '0x0000000123456000', '--json').out);
    expect(t.classification).toBe('MMIO');
    expect(t.mmio.gfn).toBe('0x0000000000123456');
    const f = JSON.parse(cli('decode', '--flavour', 'ept', '--kernel', '6.11', '0x80000000000005a0', '--json').out);
    expect(f.classification).toBe('frozen');
    expect(f.views.present.find((x: { field: string }) => x.field === 'suppress_ve').value).toBe('0x0000000000000001');
    const p = cli('decode', '--flavour', 'npt', '--kernel', '5.15', '0x0000000012345a07');
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/classification: present/);
    expect(p.out).toMatch(/mmu_present +\[ +11\] = 1/);
  });
});

describe('mmucheck prove', () => {
  it('--rule with an expected finding exits 0 and prints the decoded counterexample', () => {
    const r = cli('prove', '--kernel', '6.0', '--flavour', 'npt', '--rule', 'mmio-roundtrip');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/VIOLATED 6\.0\/npt\/mmio-roundtrip \(expected\)/);
    expect(r.out).toMatch(/configuration: .*maxphyaddr=/);
    expect(r.out).toMatch(/as mmio: .*gpa\[51\.\.12\]=/);
    const h = cli('prove', '--kernel', '5.15', '--rule', 'sa7-present-bit-outside-generation', '--json');
    expect(h.code).toBe(0);
    expect(JSON.parse(h.out).rules[0].verdict).toBe('holds');
  });
  it('a user spec: proved, overlapping fields and type errors are one-line usage errors', () => {
    const g = cli('prove', '--spec', 'examples/spec/my-layout.ts', '--json');
    expect(g.code).toBe(10); // its second rule is false on purpose
    expect(JSON.parse(g.out).rules.map((x: { verdict: string }) => x.verdict)).toEqual(['holds', 'violated']);
    oneLineUsage(cli('prove', '--spec', OVERLAP), /MMC101: .*fields pfn \(bits 51\.\.11\) and mmu_present/);
    oneLineUsage(cli('prove', '--spec', TYPO), /MMC007: --spec .*typo-spec\.ts.*TS2322/);
    oneLineUsage(cli('prove', '--rule', 'no-such-rule'), /MMC005: --rule no-such-rule/);
  });
});

describe('mmucheck synth and list', () => {
  it('synth finds a value for EPT and names the conflict for MAXPHYADDR 52 shadow paging', () => {
    const ok = JSON.parse(cli('synth', '--vendor', 'intel', '--maxphyaddr', '46', '--json').out);
    expect(ok.result).toBe('found');
    const no = JSON.parse(cli('synth', '--vendor', 'intel', '--ept', 'off', '--maxphyaddr', '52', '--json').out);
    expect(no.result).toBe('impossible');
    expect(no.conflicting).toEqual(['faults-as-reserved (P plus a hardware-reserved bit)']);
  });
  it('list names flavours, eras, rules and suites', () => {
    const j = JSON.parse(cli('list', '--json').out);
    expect(j.flavours).toEqual(['ept', 'tdx', 'npt', 'shadow']);
    expect(j.eras.map((e: { era: string }) => e.era)).toEqual(['5.13', '6.0', '6.10', '6.13']);
    expect(j.suites).toContain('spte');
    expect(j.rules.map((r: { name: string }) => r.name)).toContain('one-global-mask-vmx-and-tdx');
  });
});
