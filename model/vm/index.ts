/**
 * The VM-type family: x86 VM types, KVM_CAP_VM_TYPES, the CoCo flags each type sets, the
 * memslot-deletion zap policy, and the obligations (`vmRuleSpecs(era)`; `vmRules(era)` as plain
 * rules). Expected verdicts live in proofs/vmtype.
 */
import type { Rule } from '../../src/dsl/rule.js';
import { vmRuleSpecs } from './rules.js';
import type { VmEra, VmOptions } from './types.js';

export * from './rules.js';
export * from './types.js';
export * from './whatif.js';

/** Returns the rules of an era (the shape `mmucheck prove` lists). */
export function vmRules(era: VmEra, opts: VmOptions = {}): Rule[] {
  return vmRuleSpecs(era, opts).map((s) => s.rule);
}
