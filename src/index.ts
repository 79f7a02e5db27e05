/**
 * mmucheck's public API: the one barrel that proofs/, user spec files and variant files import.
 *
 * @example
 *   import { bvVar, bit, genmask, invariant } from 'mmucheck';
 *   const maxphy = bvVar('maxphyaddr', { min: 32n, max: 52n });
 *   const rule = invariant('mask-below-52', 'a reserved bit must exist', 'spte.c', maxphy.ult(52));
 */
export * from './core/index.js';
export * from './dsl/index.js';
export * from './report/index.js';
export * from './mmu/index.js';
export * from './smt/index.js';
export * from './check/index.js';
