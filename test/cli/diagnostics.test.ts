/**
 * Diagnostics name the flag the user gave and what is allowed; contradictory or inapplicable
 * values are refused, not silently accepted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, isOneLineDiagnostic } from './helpers.js';

const refused = (args: string[], code: string, text: RegExp): void => {
  const r = cli(args);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(64);
  expect(isOneLineDiagnostic(r.stderr)).toBe(true);
  expect(r.stderr).toContain(`error ${code}:`);
  expect(r.stderr).toMatch(text);
};

describe('contradictions and inapplicable values', () => {
  it('decode: a flavour the machine cannot have', () => {
    refused(['decode', '--flavour', 'npt', '--vendor', 'intel', '0x1'], 'MMC004', /--flavour npt with --vendor intel: .*NPT exists only on AMD/);
    refused(['decode', '--flavour', 'ept', '--ept', 'off', '0x6'], 'MMC004', /--flavour ept with --ept off/);
    refused(['decode', '--flavour', 'shadow', '--ept', 'on', '0x6'], 'MMC004', /--flavour shadow with --ept on/);
    expect(cli(['decode', '--flavour', 'shadow', '0x6']).code).toBe(0);
    expect(cli(['decode', '--flavour', 'npt', '0x6']).code).toBe(0);
  });

  it('a kernel newer than the newest verified one is refused, not mapped to the newest era', () => {
    refused(['mmio', '--vendor', 'intel', '--maxphyaddr', '48', '--kernel', '9.9'], 'MMC005', /--kernel 9\.9: newer than the newest kernel whose SPTE layout was verified \(6\.18\)/);
    refused(['mmio', '--vendor', 'intel', '--maxphyaddr', '48', '--kernel', '6.100'], 'MMC005', /--kernel 6\.100/);
    expect(cli(['mmio', '--vendor', 'intel', '--maxphyaddr', '48', '--kernel', '6.18']).code).toBe(0);
  });

  it('a contradiction names the flags the user gave', () => {
    refused(['mmio', '--vendor', 'intel', '--maxphyaddr', '32', '--keyid-bits', '15'], 'MMC004', /^mmucheck: error MMC004: --keyid-bits 15 \(with --maxphyaddr 32\): .*phys-bits-at-least-32.*x86_phys_bits=17/);
  });

  it('--smt2 that is a file or cannot be created is MMC006 naming --smt2', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'mmc-smt2-')), 'file');
    writeFileSync(f, 'x');
    refused(['prove', '--kernel', '6.13', '--flavour', 'ept', '--smt2', f], 'MMC006', /--smt2 .*: is a file, not a directory/);
    refused(['prove', '--kernel', '6.13', '--flavour', 'ept', '--smt2', join(f, 'sub')], 'MMC006', /--smt2 .*cannot create the directory/);
  });
});

describe('list: what a variant can name', () => {
  it('--steps OP, --operations, --options exist; an unknown operation lists the operations', () => {
    const steps = cli(['list', '--steps', 'fault']);
    expect(steps.code).toBe(0);
    expect(steps.stdout).toMatch(/^\s+stale-check\s.*is_page_fault_stale/m);
    expect(cli(['list', '--operations']).stdout).toMatch(/^\{ op: 'fault', gfn: number, write\?: boolean, private\?: boolean, level\?: number, fast\?: boolean, nx\?: boolean, accept\?: number \}$/m);
    expect(cli(['list', '--invariants']).stdout).toMatch(/^I7 +no unexpected SEAMCALL failure/m);
    expect(cli(['list', '--options']).stdout).toMatch(/^mirrorInstall = "freeze"/m);
    refused(['list', '--steps', 'faults'], 'MMC005', /--steps faults: no such operation; operations: fault, access/);
    const json = JSON.parse(cli(['list', '--json']).stdout) as { options: { name: string }[]; scenarios: { name: string; title: string }[]; operations: { op: string }[]; invariants: Record<string, string> };
    expect(json.options.map((o) => o.name)).toContain('mirrorInstall');
    expect(json.scenarios.find((x) => x.name === 'mmu/c6-fault-vs-fast-zap/buggy')?.title).toMatch(/^BUGGY: /);
    expect(json.operations.map((o) => o.op)).toContain('memslot-delete');
    expect(Object.keys(json.invariants)).toContain('I12');
  });
});
