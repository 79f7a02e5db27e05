/** SPTE layouts, constants, eras and rules (the `spte` domain). */
export * from './bits.js';
export * from './consts.js';
export * from './era.js';
export * from './layouts.js';
export * from './rules.js';
export * from './explain.js';
