/**
 * Proof cases of the `role` family: every role rule in every era, with its expected verdict.
 * Each case is decided by Z3 and cross-checked by enumerating the relevant register bits.
 *
 * Eras (model/role/regs.ts): v5.12 mainline (vendor resets), v1-patch06 (the code the May 2021
 * review examined; `--era pre`), v5.14 (the fix, vendor resets still present), v5.15, v5.19+
 * (`--era post`, unchanged up to v6.19).
 */
import type { CaseKind, ExpectedVerdict, ProofCase } from '../../src/internal.js';
import { ROLE_ERAS, type RoleEra, type RoleRuleName, roleRuleSpecs } from '../../model/role/index.js';
import { runSpec } from './engine.js';

/** An expectation with the finding it records. */
export interface RoleExpectation {
  readonly verdict: ExpectedVerdict;
  /** What an expected violation records; every violation here is fixed by v5.15 (`known-bug`). */
  readonly kind?: CaseKind;
  readonly note?: string;
}

const H: RoleExpectation = { verdict: 'holds' };
const V = (note: string): RoleExpectation => ({ verdict: 'violated', kind: 'known-bug', note });

/** Expected verdicts by era and rule. */
export const ROLE_EXPECTED: Readonly<Record<RoleEra, Readonly<Record<RoleRuleName, RoleExpectation>>>> = {
  'v5.12': {
    'role-ignores-paging-bits-when-pg0': V('v5.12 takes CR0.WP, the CR4 paging bits and EFER.NX raw (not gated on CR0.PG)'),
    'init-no-stale-role': V('v5.12 VMX: with unrestricted guest INIT never resets; without it, enter_rmode resets with the old CR4/EFER'),
    'init-no-needless-reset': V('v5.12 SVM: init_vmcb resets the MMU context on every INIT'),
    'init-resets-only-on-role-change': V('v5.12 SVM: init_vmcb resets even when the role is unchanged'),
    'init-pg0-wp1-no-reset': V('review case 1 on the v5.12 vendor paths'),
    'init-clearing-nx-no-stale-role': V('review case 2 on the v5.12 vendor paths (stale base.nxe)'),
  },
  'v1-patch06': {
    'role-ignores-paging-bits-when-pg0': V('the v5.12 role under review: WP, CR4 bits and NX feed the role with CR0.PG=0'),
    'init-no-stale-role': V('review case 2: INIT clears EFER.NX, no CR0/CR4 role bit changes, no reset, base.nxe stays 1'),
    'init-no-needless-reset': V('review case 1 class: a CR0.WP or CR4 role bit set with CR0.PG=0 triggers a reset'),
    'init-resets-only-on-role-change': V('finding: CR4.PGE is in the v1 reset mask but not in the role, so INIT with PG=0 and PGE=1 resets an unchanged role'),
    'init-pg0-wp1-no-reset': V('review case 1 (Sean Christopherson, 2021-05-19)'),
    'init-clearing-nx-no-stale-role': V('review case 2 (Reiji Watanabe / Sean Christopherson, 2021-05-17/18)'),
  },
  'v5.14': {
    'role-ignores-paging-bits-when-pg0': H,
    'init-no-stale-role': H,
    'init-no-needless-reset': V('finding: v5.14 still has the vendor resets (SVM init_vmcb always; VMX without UG from enter_rmode), harmless for correctness but needless; gone in v5.15'),
    'init-resets-only-on-role-change': V('finding: same vendor resets; the role is unchanged'),
    'init-pg0-wp1-no-reset': V('finding: on SVM, INIT with CR0.PG=0 and CR0.WP=1 still resets in v5.14 (vendor reset)'),
    'init-clearing-nx-no-stale-role': H,
  },
  'v5.15': {
    'role-ignores-paging-bits-when-pg0': H,
    'init-no-stale-role': H,
    'init-no-needless-reset': H,
    'init-resets-only-on-role-change': H,
    'init-pg0-wp1-no-reset': H,
    'init-clearing-nx-no-stale-role': H,
  },
  'v5.19+': {
    'role-ignores-paging-bits-when-pg0': H,
    'init-no-stale-role': H,
    'init-no-needless-reset': H,
    'init-resets-only-on-role-change': H,
    'init-pg0-wp1-no-reset': H,
    'init-clearing-nx-no-stale-role': H,
  },
};

/** Returns the cases of one era. */
export function eraCases(era: RoleEra): ProofCase[] {
  return roleRuleSpecs(era).map((spec) => {
    const exp = ROLE_EXPECTED[era][spec.rule.name as RoleRuleName];
    return {
      suite: 'role',
      id: `role/${era}/${spec.rule.name}`,
      title: spec.rule.reason,
      expect: { verdict: exp.verdict, ...(exp.kind ? { kind: exp.kind } : {}), ...(exp.note ? { note: exp.note } : {}) },
      run: (ctx) => runSpec(spec, ctx, { enumerate: ctx.crossCheck === true }),
    };
  });
}

/** Returns the cases of this family. */
export function cases(): ProofCase[] {
  return ROLE_ERAS.flatMap(eraCases);
}
