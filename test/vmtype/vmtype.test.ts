import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prove } from '../../src/internal.js';
import { VT, vmRuleSpecs } from '../../model/vm/index.js';
import { VM_VARIANTS } from '../../proofs/vmtype/index.js';
import { type SpecWitness, enumerate, runSpec } from '../../proofs/role/engine.js';

describe('vmtype family: Z3 equals exhaustive enumeration, and the expected verdicts', () => {
  for (const v of VM_VARIANTS) {
    it(v.key, async () => {
      for (const spec of vmRuleSpecs(v.era, v.opts)) {
        const z = await prove(spec.rule);
        const e = enumerate(spec);
        expect(e.relevant, spec.rule.name).toBeGreaterThan(0);
        expect(z.verdict.kind, `${v.key}/${spec.rule.name}`).toBe(e.violations === 0 ? 'holds' : 'violated');
        const exp = v.expect[spec.rule.name as keyof typeof v.expect];
        if (exp) expect(z.verdict.kind, `${v.key}/${spec.rule.name}`).toBe(exp.verdict);
      }
    });
  }
});

describe('zap policy', () => {
  it('the quirk-only policy fast-zaps a created TD (the witness is TDX with the quirk enabled)', async () => {
    const s = vmRuleSpecs('v6.19', { policy: 'quirk-only' }).find((x) => x.rule.name === 'memslot-delete-never-fast-zaps-mirrored-tdp')!;
    const o = await runSpec(s, { timeoutSeconds: 30 });
    expect(o.verdict.kind).toBe('violated');
    const w = (o.verdict as { witness: SpecWitness }).witness;
    expect(w.assignment['vm_type']).toBe(VT.TDX);
    expect(w.observed['zap_all']).toBe(true);
    expect(o.witnessText).toContain('type 5 (TDX)');
  });
  it('every fast-zap counterexample of the pre-6.12 policy on a TDX kernel is a TD', () => {
    const s = vmRuleSpecs('v6.19', { policy: 'always-zap-all' }).find((x) => x.rule.name === 'memslot-delete-never-fast-zaps-mirrored-tdp')!;
    const e = enumerate(s, { collect: true });
    expect(e.violations).toBeGreaterThan(0);
    for (const a of e.all!) expect(a['vm_type']).toBe(VT.TDX);
  });
});

describe('mmucheck vmtypes', () => {
  const ROOT = resolve(import.meta.dirname, '../..');
  const run = (...args: string[]) => spawnSync(process.execPath, [resolve(ROOT, 'bin/mmucheck.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  it('runs every variant as expected (exit 0) and --json gives one document', () => {
    const r = run('vmtypes', '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { cases: { status: string }[] };
    expect(doc.cases.every((c) => c.status === 'pass')).toBe(true);
  });
  it('bad flag: exit 64, one line', () => {
    const r = run('vmtypes', '--era', 'v7');
    expect(r.status).toBe(64);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--era v7');
  });
});
