import { describe, expect, it } from 'vitest';
import { evaluate, prove } from '../../src/internal.js';
import { CR0, CR4, EFER, ROLE_ERAS, ROLE_MUTATIONS, type RoleRuleName, afterEvent, regVars, roleRuleSpecs } from '../../model/role/index.js';
import { ROLE_EXPECTED } from '../../proofs/role/index.js';
import { type SpecWitness, enumerate, runSpec } from '../../proofs/role/engine.js';

const ctx = { timeoutSeconds: 30 };

describe('role family: Z3 equals exhaustive enumeration, and the expected verdicts', () => {
  for (const era of ROLE_ERAS) {
    it(`era ${era}`, async () => {
      for (const spec of roleRuleSpecs(era)) {
        const z = await prove(spec.rule);
        const e = enumerate(spec);
        expect(e.relevant, spec.rule.name).toBeGreaterThan(0);
        expect(z.verdict.kind, `${era}/${spec.rule.name}`).toBe(e.violations === 0 ? 'holds' : 'violated');
        expect(z.verdict.kind, `${era}/${spec.rule.name}`).toBe(ROLE_EXPECTED[era][spec.rule.name as RoleRuleName].verdict);
      }
    });
  }
});

function spec(era: (typeof ROLE_ERAS)[number], name: RoleRuleName) {
  const s = roleRuleSpecs(era).find((x) => x.rule.name === name);
  if (!s) throw new Error(name);
  return s;
}

describe('the review\'s two counterexamples (v1 patch 06)', () => {
  it('case 1: INIT with CR0.PG=0 and CR0.WP=1 resets needlessly', async () => {
    const o = await runSpec(spec('v1-patch06', 'init-pg0-wp1-no-reset'), ctx);
    expect(o.verdict.kind).toBe('violated');
    const w = (o.verdict as { witness: SpecWitness }).witness;
    expect(w.assignment['cr0']).toBe(CR0.WP);
    expect(w.assignment['cr4']).toBe(0n);
    expect(w.assignment['efer']).toBe(0n);
    expect(w.observed['reset']).toBe(true);
    expect(o.witnessText).toContain('CR0=0x00010000 {WP}');
    expect(o.witnessText).toContain('stale role fields [held, fresh]: none');
  });
  it('case 2: INIT clearing EFER.NX leaves a stale role.nxe', async () => {
    const o = await runSpec(spec('v1-patch06', 'init-clearing-nx-no-stale-role'), ctx);
    expect(o.verdict.kind).toBe('violated');
    const w = (o.verdict as { witness: SpecWitness }).witness;
    expect(w.assignment['efer']).toBe(EFER.NX);
    expect(w.assignment['cr0']).toBe(0n);
    expect(w.assignment['cr4']).toBe(0n);
    expect(w.observed['reset']).toBe(false);
    expect(o.witnessText).toContain('EFER=0x00000800 {NX}');
    expect(o.witnessText).toContain('stale role fields [held, fresh]: base.nxe [1, 0]');
  });
  it('every stale-role counterexample is case 2 and every needless reset is case 1 or its CR4 siblings', () => {
    const stale = enumerate(spec('v1-patch06', 'init-no-stale-role'), { collect: true });
    expect(stale.violations).toBeGreaterThan(0);
    for (const a of stale.all!) {
      expect((a['efer'] as bigint) & EFER.NX).toBe(EFER.NX);
      expect((a['cr0'] as bigint) & (CR0.PG | CR0.WP)).toBe(0n);
      expect((a['cr4'] as bigint) & (CR4.PGE | CR4.PSE | CR4.PAE | CR4.SMEP | CR4.SMAP | CR4.PKE)).toBe(0n);
    }
    const needless = enumerate(spec('v1-patch06', 'init-no-needless-reset'), { collect: true });
    for (const a of needless.all!) {
      expect((a['cr0'] as bigint) & CR0.PG).toBe(0n);
      const paging = ((a['cr0'] as bigint) & CR0.WP) | ((a['cr4'] as bigint) & (CR4.PGE | CR4.PSE | CR4.PAE | CR4.SMEP | CR4.SMAP | CR4.PKE));
      expect(paging).not.toBe(0n);
    }
  });
  it('the current code holds for both cases', async () => {
    for (const name of ['init-pg0-wp1-no-reset', 'init-clearing-nx-no-stale-role'] as const) {
      expect((await runSpec(spec('v5.19+', name), ctx)).verdict.kind).toBe('holds');
    }
  });
});

describe('mutants of the current role are caught', () => {
  const caughtBy: Record<(typeof ROLE_MUTATIONS)[number], RoleRuleName> = {
    'nx-ungated': 'init-clearing-nx-no-stale-role',
    'wp-ungated': 'init-no-stale-role',
    'pse-ungated': 'role-ignores-paging-bits-when-pg0',
    'never-reset': 'init-no-stale-role',
    'always-reset': 'init-no-needless-reset',
  };
  for (const m of ROLE_MUTATIONS) {
    it(m, async () => {
      const s = roleRuleSpecs('v5.19+', m).find((x) => x.rule.name === caughtBy[m])!;
      const z = await prove(s.rule);
      expect(z.verdict.kind).toBe('violated');
      expect(enumerate(s).violations).toBeGreaterThan(0);
    });
  }
  it('wp-ungated is caught by the architectural-relevance rule too', async () => {
    const s = roleRuleSpecs('v5.19+', 'wp-ungated').find((x) => x.rule.name === 'role-ignores-paging-bits-when-pg0')!;
    const o = await runSpec(s, ctx);
    expect(o.verdict.kind).toBe('violated');
    expect(o.witnessText).toContain('{WP}');
  });
});

describe('RESET and INIT transitions', () => {
  it('write CR0=0x60000010 (INIT keeps CD/NW from v5.15), CR4=0, EFER=0', () => {
    const r = regVars();
    const env = { cr0: CR0.PG | CR0.PE | CR0.WP, cr4: CR4.PAE, efer: EFER.LME | EFER.LMA | EFER.NX };
    for (const era of ROLE_ERAS) {
      const reset = afterEvent(era, 'reset', r);
      expect(evaluate(reset.cr0, env)).toBe(0x60000010n);
      const init = afterEvent(era, 'init', r);
      expect(evaluate(init.cr0, env)).toBe(era === 'v5.15' || era === 'v5.19+' ? 0x10n : 0x60000010n);
      expect(evaluate(init.cr4, env)).toBe(0n);
      expect(evaluate(init.efer, env)).toBe(0n);
    }
  });
});
