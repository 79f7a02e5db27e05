/**
 * Proof cases of the `vmtype` family: every VM-type rule in every era, plus historical and mutant
 * variants that the prover must catch. Each case is decided by Z3 and cross-checked by enumerating
 * the type values and host switches.
 */
import type { CaseKind, ExpectedVerdict, ProofCase } from '../../src/internal.js';
import { VM_ERAS, VM_RULE_NAMES, type VmEra, type VmOptions, type VmRuleName, vmRuleSpecs } from '../../model/vm/index.js';
import { runSpec } from '../role/engine.js';

/** An expectation with the finding it records. */
export interface VmExpectation {
  readonly verdict: ExpectedVerdict;
  /** What an expected violation records (a historical policy is a `known-bug`). */
  readonly kind?: CaseKind;
  readonly note?: string;
}

/** A variant of the model checked against some rules. */
export interface VmVariant {
  /** Case id segment, e.g. `v6.19+quirk-only`. */
  readonly key: string;
  readonly era: VmEra;
  readonly opts: VmOptions;
  /** The rules the variant is checked against, with expectations. */
  readonly expect: Readonly<Partial<Record<VmRuleName, VmExpectation>>>;
}

const allHold = (): Partial<Record<VmRuleName, VmExpectation>> => Object.fromEntries(VM_RULE_NAMES.map((n) => [n, { verdict: 'holds' }]));

/** Every era with all rules, then the variants. */
export const VM_VARIANTS: readonly VmVariant[] = [
  ...VM_ERAS.map((era) => ({ key: era, era, opts: {}, expect: allHold() })),
  {
    key: 'v6.19+quirk-only',
    era: 'v6.19',
    opts: { policy: 'quirk-only' },
    expect: {
      'memslot-delete-never-fast-zaps-mirrored-tdp': { verdict: 'violated', kind: 'known-bug', note: 'historical: the quirk alone selects fast zap, so a TD with SLOT_ZAP_ALL enabled (the default; tdx_vm_init does not disable it) fast-zaps' },
      'default-vm-honours-slot-zap-quirk': { verdict: 'holds' },
    },
  },
  {
    key: 'v6.19+always-zap-all',
    era: 'v6.19',
    opts: { policy: 'always-zap-all' },
    expect: {
      'memslot-delete-never-fast-zaps-mirrored-tdp': { verdict: 'violated', kind: 'known-bug', note: 'pre-6.12 policy on a TDX kernel: the memslot-deletion race of tdp-protocol.md T2' },
      'default-vm-honours-slot-zap-quirk': { verdict: 'violated', kind: 'known-bug', note: 'pre-6.12 policy ignores a disabled SLOT_ZAP_ALL quirk' },
    },
  },
  {
    key: 'v6.19+type-32',
    era: 'v6.19',
    opts: { extraType: 32n },
    expect: {
      'capability-fits-u32': { verdict: 'violated', kind: 'mutant', note: 'mutant: a type numbered 32 does not fit the u32 capability' },
      'advertised-types-creatable': { verdict: 'violated', kind: 'mutant', note: 'mutant: type 32 is supported but kvm_is_vm_type_supported refuses it' },
    },
  },
];

/** Returns the cases of one variant. */
export function variantCases(variant: VmVariant): ProofCase[] {
  return vmRuleSpecs(variant.era, variant.opts).flatMap((spec) => {
    const exp = variant.expect[spec.rule.name as VmRuleName];
    if (!exp) return [];
    return [{
      suite: 'vmtype',
      id: `vmtype/${variant.key}/${spec.rule.name}`,
      title: spec.rule.reason,
      expect: { verdict: exp.verdict, ...(exp.kind ? { kind: exp.kind } : {}), ...(exp.note ? { note: exp.note } : {}) },
      run: (ctx) => runSpec(spec, ctx, { enumerate: ctx.crossCheck === true }),
    }];
  });
}

/** Returns the cases of this family. */
export function cases(): ProofCase[] {
  return VM_VARIANTS.flatMap(variantCases);
}
