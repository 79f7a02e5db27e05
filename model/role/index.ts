/**
 * The MMU role family: registers, RESET/INIT transitions, the role per era, the INIT reset
 * decision, and the obligations (`roleRuleSpecs(era)` with enumeration spaces and explanations;
 * `roleRules(era)` as plain rules). Expected verdicts live in proofs/role.
 */
export * from './bits.js';
export * from './regs.js';
export * from './reset.js';
export * from './role.js';
export * from './rules.js';
export * from './spec.js';
export * from './whatif.js';
