/**
 * `mmucheck kernel PATH` on the fixture trees of test/fixtures/kernel (hand-written headers with
 * each era's values; gen.py writes them): the right era, constants with file:line, the era's
 * verdicts, the mutant reported at the #define it moved, and each input error as one line, exit 64.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTree } from '../../src/kernel/tree.js';
import { CONST_SOURCES, type ConstName } from '../../src/kernel/layout.js';
import { type Era, eraRules, spteConsts } from '../../model/spte/index.js';
import { expectationFor } from '../../proofs/spte/expect.js';
import { cli, isOneLineDiagnostic } from '../cli/helpers.js';

const FIX = 'test/fixtures/kernel';
const ERA_TREES: readonly [string, Era, string][] = [['v5.15', '5.13', '5.15.0'], ['v6.1', '6.0', '6.1.0'], ['v6.10', '6.10', '6.10.0'], ['v6.18', '6.13', '6.18.0-rc1']];
const NAMES = Object.keys(CONST_SOURCES) as ConstName[];

interface Report {
  era: string;
  version: string;
  exitCode: number;
  constants: Record<string, { value: string | null; file: string; line: number; macro: string; modelled: string | null; differs: boolean }>;
  rules: { id: string; verdict: string; expected: string; status: string; errors?: string[] }[];
}


describe('kernel: constants read from each era fixture', () => {
  for (const [dir, era] of ERA_TREES) {
    it(`${dir} has every modelled constant of era ${era}`, () => {
      const tree = readTree(join(FIX, dir));
      const model = spteConsts(era);
      for (const n of NAMES) expect([n, tree.constants[n].value]).toEqual([n, model[n]]);
      expect(tree.constants.mmuPresent).toMatchObject({ file: 'arch/x86/kvm/mmu/spte.h', line: 5, source: 'SPTE_MMU_PRESENT_MASK' });
      expect(tree.constants.eptMmioMask).toMatchObject({ file: 'arch/x86/kvm/mmu/spte.c', line: 9 });
      expect(tree.constants.frozen.source).toBe(era === '6.13' ? 'FROZEN_SPTE' : 'REMOVED_SPTE');
      // the vendor setter calls: svm.c (a table over mask_bit) and, from 6.16, tdx.c
      expect(tree.constants.svmMmioAccess).toMatchObject({ value: 6n, file: 'arch/x86/kvm/svm/svm.c', line: 11 });
      expect(tree.constants.svmMmioMask).toMatchObject({ file: 'arch/x86/kvm/svm/svm.c', line: 11, source: 'kvm_mmu_set_mmio_spte_mask(...) argument 2 in svm_adjust_mmio_mask()' });
      expect((tree.constants.svmMmioValue.value as readonly bigint[])[45]).toBe(0x000fe00000000001n);
      expect((tree.constants.svmMmioValue.value as readonly bigint[])[52]).toBe(0n);
      if (dir === 'v6.18') expect(tree.constants.tdxMmioValue).toMatchObject({ value: 0n, file: 'arch/x86/kvm/vmx/tdx.c', line: 7, source: 'kvm_mmu_set_mmio_spte_value(...) argument 2 in tdx_vm_init()' });
      else expect(tree.constants.tdxMmioValue.source).toMatch(/^\(not in this tree: .*tdx\.c/);
    });
  }
});

describe('kernel: verdicts on each era fixture', () => {
  for (const [dir, era, version] of ERA_TREES) {
    it(`${dir}: era ${era}, every rule and static_assert as expected, exit 0`, () => {
      const r = cli(['kernel', join(FIX, dir), '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as Report;
      expect([j.era, j.version, j.exitCode]).toEqual([era, version, 0]);
      expect(Object.values(j.constants).filter((c) => c.differs)).toEqual([]);
      const rules = eraRules(era);
      const ruleRows = j.rules.filter((x) => !x.id.startsWith('assert/'));
      expect(ruleRows.map((x) => x.id)).toEqual(rules.map((e) => `${e.era}/${e.flavour}/${e.rule.name}`));
      for (const [i, e] of rules.entries()) expect([ruleRows[i]!.id, ruleRows[i]!.verdict]).toEqual([ruleRows[i]!.id, expectationFor(era, e.flavour, e.rule.name).verdict]);
      const asserts = j.rules.filter((x) => x.id.startsWith('assert/'));
      expect(asserts.length).toBeGreaterThanOrEqual(8);
      expect(asserts.every((a) => a.verdict === 'holds')).toBe(true);
    });
  }
});

describe('kernel: the mutant (MMU-present bit moved into the MMIO generation range)', () => {
  const dir = join(FIX, 'mutant-present-in-gen');
  it('is reported at the #define it moved, with the static_asserts it breaks, exit 10', () => {
    const r = cli(['kernel', dir]);
    expect(r.code, r.stderr).toBe(10);
    expect(r.stdout).toContain('arch/x86/kvm/mmu/spte.h:5: SPTE_MMU_PRESENT_MASK = 0x0000000000000400 (modelled 6.13 mmuPresent: 0x0000000000000800)');
    expect(r.stdout).toMatch(/^arch\/x86\/kvm\/mmu\/spte\.h:5: error: rule sa7-present-bit-outside-generation: .*SPTE_MMU_PRESENT_MASK = 0x0000000000000400/m);
    expect(r.stdout).toMatch(/^arch\/x86\/kvm\/mmu\/spte\.h:47: note: rule sa7-present-bit-outside-generation depends on MMIO_SPTE_GEN_LOW_MASK = 0x00000000000007f8$/m);
    expect(r.stdout).toMatch(/^arch\/x86\/kvm\/mmu\/spte\.h:51: error: static_assert\(!\(SPTE_MMU_PRESENT_MASK & \(MMIO_SPTE_GEN_LOW_MASK \| MMIO_SPTE_GEN_HIGH_MASK\)\)\) is false/m);
    // bit 10 is also in FROZEN_SPTE (0x5a0): a second, real consequence of the move
    expect(r.stdout).toMatch(/^arch\/x86\/kvm\/mmu\/spte\.h:80: error: static_assert\(!\(FROZEN_SPTE & SPTE_MMU_PRESENT_MASK\)\) is false/m);
    // a generation with bit 7 set makes the MMIO SPTE look present: the counterexample shows it
    expect(r.stdout).toMatch(/error: rule mmio-spte-recognised \(ept\)/);
    expect(r.stdout).toMatch(/configuration: .*gen=0x80/);
    // decoded with the tree's own views: the present bit is shown at bit 10, inside gen_low
    expect(r.stdout).toContain('as mmio: gen_low[10..3]=0x80 mmu_present[10]=1 mmio_rwx[2..0]=6');
  });
  it('--json carries the constant with file:line and the violated rules with their error lines; --junit fails them', () => {
    const out = mkdtempSync(join(tmpdir(), 'mmucheck-kernel-'));
    const r = cli(['kernel', dir, '--json', '--junit', join(out, 'k.xml')]);
    expect(r.code).toBe(10);
    const j = JSON.parse(r.stdout) as Report;
    expect(j.constants['mmuPresent']).toEqual({ value: '0x0000000000000400', file: 'arch/x86/kvm/mmu/spte.h', line: 5, macro: 'SPTE_MMU_PRESENT_MASK', modelled: '0x0000000000000800', differs: true });
    const sa7 = j.rules.find((x) => x.id === '6.13/all/sa7-present-bit-outside-generation')!;
    expect(sa7).toMatchObject({ verdict: 'violated', status: 'unexpected-violation' });
    expect(sa7.errors![0]).toMatch(/^arch\/x86\/kvm\/mmu\/spte\.h:5: error: rule sa7/);
    const xml = readFileSync(join(out, 'k.xml'), 'utf8');
    expect(xml).toMatch(/name="6\.13\/all\/sa7-present-bit-outside-generation"[^>]*>\s*<failure type="unexpected-violation"/);
    rmSync(out, { recursive: true, force: true });
  });
});

describe('kernel: the vendor MMIO setter calls (svm.c, tdx.c) are read and proved', () => {
  it('svm.c passing a value without P breaks reserved-bits-or-caching-off on NPT and AMD shadow paging, at svm.c:11, exit 10', () => {
    const r = cli(['kernel', join(FIX, 'mutant-svm-no-present')]);
    expect(r.code, r.stderr).toBe(10);
    expect(r.stdout).toContain('arch/x86/kvm/svm/svm.c:11: kvm_mmu_set_mmio_spte_mask(...) argument 1 in svm_adjust_mmio_mask() = 0x000fffff00000000 at mask_bit=32 (modelled 6.13 svmMmioValue: 0x000fffff00000001 at mask_bit=32; 51 of 64 mask_bit values differ)');
    expect(r.stdout).toMatch(/^arch\/x86\/kvm\/svm\/svm\.c:11: error: rule reserved-bits-or-caching-off \(npt\): /m);
    expect(r.stdout).toMatch(/^arch\/x86\/kvm\/svm\/svm\.c:11: error: rule reserved-bits-or-caching-off \(shadow\): /m);
    expect(r.stdout).toMatch(/^kernel 6\.18\.0 \(era 6\.13\): 60 obligations, 58 as expected, 2 violations, 0 differ, 0 unknown; 2 constants differ/m);
  });
  it('--json carries the svm.c table by mask_bit', () => {
    const j = JSON.parse(cli(['kernel', join(FIX, 'mutant-svm-no-present'), '--json']).stdout) as { constants: Record<string, { value: string[]; modelled: string[]; differs: boolean; file: string; line: number }> };
    const c = j.constants['svmMmioValue']!;
    expect([c.file, c.line, c.differs, c.value.length, c.value[45], c.modelled[45], c.value[52]]).toEqual(['arch/x86/kvm/svm/svm.c', 11, true, 64, '0x000fe00000000000', '0x000fe00000000001', '0x0000000000000000']);
  });
  it('tdx.c giving TDs the per-VM value bit 63 makes non-present SPTEs MMIO, at tdx.c:7, exit 10', () => {
    const r = cli(['kernel', join(FIX, 'mutant-tdx-value')]);
    expect(r.code, r.stderr).toBe(10);
    expect(r.stdout).toContain('arch/x86/kvm/vmx/tdx.c:7: kvm_mmu_set_mmio_spte_value(...) argument 2 in tdx_vm_init() = 0x8000000000000000 (modelled 6.13 tdxMmioValue: 0x0000000000000000)');
    expect(r.stdout).toMatch(/^arch\/x86\/kvm\/vmx\/tdx\.c:7: error: rule nonpresent-never-mmio \(tdx\): /m);
    // the EPT rules do not read the TD's value: no tdx.c line for them
    expect(r.stdout).not.toMatch(/tdx\.c:7: error: rule \S+ \((ept|npt|shadow)\)/);
  });
});

describe('kernel: input errors are one line, exit 64', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mmucheck-kernel-err-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  /** A copy of the 6.18 fixture with one file edited. */
  const variant = (name: string, file: string, edit: (s: string) => string): string => {
    const d = join(tmp, name);
    cpSync(join(FIX, 'v6.18'), d, { recursive: true });
    writeFileSync(join(d, file), edit(readFileSync(join(d, file), 'utf8')));
    return d;
  };
  const refused = (args: string[], code: string, text: RegExp): void => {
    const r = cli(['kernel', ...args]);
    expect(r.code, r.stderr).toBe(64);
    expect(isOneLineDiagnostic(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain(`error ${code}:`);
    expect(r.stderr).toMatch(text);
  };
  it('not a kernel tree', () => refused([FIX], 'MMC008', /test\/fixtures\/kernel: not a Linux source tree .*missing Makefile/));
  it('a missing file', () => {
    const d = variant('nospte-c', 'arch/x86/kvm/mmu/spte.c', (s) => s);
    rmSync(join(d, 'arch/x86/kvm/mmu/spte.c'));
    refused([d], 'MMC006', /arch\/x86\/kvm\/mmu\/spte\.c: cannot read \(no such file\)/);
  });
  it('a missing svm.c', () => {
    const d = variant('nosvm', 'arch/x86/kvm/svm/svm.c', (s) => s);
    rmSync(join(d, 'arch/x86/kvm/svm/svm.c'));
    refused([d], 'MMC006', /arch\/x86\/kvm\/svm\/svm\.c: cannot read \(no such file\)/);
  });
  it('an svm.c mask that depends on something other than mask_bit', () => {
    const d = variant('svm-encbit', 'arch/x86/kvm/svm/svm.c', (s) => s.replace('rsvd_bits(mask_bit, 51)', 'rsvd_bits(enc_bit, 51)'));
    refused([d], 'MMC008', /arch\/x86\/kvm\/svm\/svm\.c:10: mask in kvm_mmu_set_mmio_spte_mask\(\.\.\.\) argument 1 in svm_adjust_mmio_mask\(\) at mask_bit=0: cannot evaluate: 'enc_bit' is not a macro/);
  });
  it('an svm.c without the setter call', () => {
    const d = variant('svm-nocall', 'arch/x86/kvm/svm/svm.c', (s) => s.replace(/^\tkvm_mmu_set_mmio_spte_mask.*$/m, ''));
    refused([d], 'MMC008', /arch\/x86\/kvm\/svm\/svm\.c:4: svm_adjust_mmio_mask\(\) has no call kvm_mmu_set_mmio_spte_mask\(\.\.\.\) with argument 1 \(needed for the modelled constant svmMmioValue\)/);
  });
  it('a macro that cannot be evaluated', () => {
    const d = variant('uneval', 'arch/x86/kvm/mmu/spte.h', (s) => s.replace(/^#define SPTE_MMU_PRESENT_MASK.*$/m, '#define SPTE_MMU_PRESENT_MASK\tBIT_ULL(present_bit)'));
    refused([d], 'MMC008', /arch\/x86\/kvm\/mmu\/spte\.h:5: SPTE_MMU_PRESENT_MASK: cannot evaluate: 'present_bit' is not a macro/);
  });
  it('a definition cycle', () => {
    const d = variant('cycle', 'arch/x86/kvm/mmu/spte.h', (s) =>
      s.replace(/^#define MMIO_SPTE_GEN_LOW_START.*$/m, '#define MMIO_SPTE_GEN_LOW_START\t(MMIO_SPTE_GEN_LOW_END - 7)').replace(/^#define MMIO_SPTE_GEN_LOW_END.*$/m, '#define MMIO_SPTE_GEN_LOW_END\t(MMIO_SPTE_GEN_LOW_START + 7)'));
    refused([d], 'MMC008', /arch\/x86\/kvm\/mmu\/spte\.h:44: .*definition cycle: MMIO_SPTE_GEN_LOW_END -> MMIO_SPTE_GEN_LOW_START -> MMIO_SPTE_GEN_LOW_END/);
  });
  it('a tree older than 5.13 (by its Makefile)', () => {
    const d = variant('old', 'Makefile', (s) => s.replace(/^VERSION = .*$/m, 'VERSION = 5').replace(/^PATCHLEVEL = .*$/m, 'PATCHLEVEL = 12'));
    refused([d], 'MMC008', /Makefile: kernel 5\.12\.0-rc1: the 5\.10-5\.12 SPTE layout \(SPTE_SPECIAL_MASK\) and older are not modelled/);
  });
  it('the 5.10-5.12 layout (SPTE_SPECIAL_MASK) whatever the Makefile says', () => {
    const d = variant('special', 'arch/x86/kvm/mmu/spte.h', (s) => s.replace(/#endif\n$/, '#define SPTE_SPECIAL_MASK (3ULL << 52)\n#endif\n'));
    refused([d], 'MMC008', /arch\/x86\/kvm\/mmu\/spte\.h:\d+: SPTE_SPECIAL_MASK: the 5\.10-5\.12 SPTE layout/);
  });
  it('a version newer than the newest verified kernel: era.ts eraOf decides, at the Makefile', () => {
    const d = variant('new', 'Makefile', (s) => s.replace(/^VERSION = .*$/m, 'VERSION = 9').replace(/^PATCHLEVEL = .*$/m, 'PATCHLEVEL = 9'));
    refused([d], 'MMC005', /Makefile: kernel 9\.9\.0-rc1: .*newer than the newest kernel/);
  });
  it('no PATH', () => refused([], 'MMC001', /give the path of a Linux source tree/));
});

describe('kernel: a constant that differs without breaking a rule', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mmucheck-kernel-diff-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  it("an svm.c table that differs only at a mask_bit no CPU reaches (60) is printed and proved through the table: every rule holds, exit 0", () => {
    const d = join(tmp, 'svm60');
    cpSync(join(FIX, 'v6.18'), d, { recursive: true });
    const f = join(d, 'arch/x86/kvm/svm/svm.c');
    writeFileSync(f, readFileSync(f, 'utf8').replace('| PT_PRESENT_MASK : 0;', '| PT_PRESENT_MASK : (mask_bit == 60 ? 2 : 0);'));
    const r = cli(['kernel', d]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('arch/x86/kvm/svm/svm.c:11: kvm_mmu_set_mmio_spte_mask(...) argument 1 in svm_adjust_mmio_mask() = 0x0000000000000002 at mask_bit=60 (modelled 6.13 svmMmioValue: 0x0000000000000000 at mask_bit=60; 1 of 64 mask_bit values differ)');
    expect(r.stdout).toMatch(/60 obligations, 60 as expected, 0 violations.*2 constants differ from the model/);
  });
  it('EPT host-writable moved to bit 59 is printed at its #define, every rule still holds, exit 0', () => {
    const d = join(tmp, 'hw59');
    cpSync(join(FIX, 'v6.18'), d, { recursive: true });
    const f = join(d, 'arch/x86/kvm/mmu/spte.h');
    const text = readFileSync(f, 'utf8');
    writeFileSync(f, text.replace(/^#define EPT_SPTE_HOST_WRITABLE\t\tBIT_ULL\(57\)$/m, '#define EPT_SPTE_HOST_WRITABLE\t\tBIT_ULL(59)'));
    const line = text.split('\n').findIndex((l) => l.startsWith('#define EPT_SPTE_HOST_WRITABLE')) + 1;
    const r = cli(['kernel', d]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`arch/x86/kvm/mmu/spte.h:${line}: EPT_SPTE_HOST_WRITABLE = 0x0800000000000000 (modelled 6.13 eptHostWritable: 0x0200000000000000)`);
    expect(r.stdout).toMatch(/1 constants differ from the model/);
  });
});
