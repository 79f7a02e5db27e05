/**
 * Rule specs (a rule with its enumeration space, explanation and shrink order) are defined in the
 * DSL (src/dsl/spec.ts); re-exported here for the role and VM-type models.
 */
export { type EnumSpace, type RuleSpec, subsets } from '../../src/dsl/spec.js';
