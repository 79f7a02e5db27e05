/**
 * mmucheck's internal barrel: everything the public API (`./index.ts`) exports, plus the engines, renderers and the
 * executable MMU's internals. proofs/, the model layer, the CLI, the benchmarks and the tests import
 * this; users import `'mmucheck'` (the public barrel) only.
 */
export * from './core/index.js';
export * from './dsl/index.js';
export * from './report/index.js';
export * from './mmu/internal.js';
export * from './smt/index.js';
export * from './check/index.js';
