/**
 * mmucheck's public API (`import ... from 'mmucheck'`): what a spec, variant, scenario or step-body
 * author needs, each name documented where it is defined.
 *
 * - the bit-layout and expression DSL: `field`, `layout`, `invariant`, `bvVar`, `bit`, `genmask`, ...
 * - 64-bit helpers: `bit64`, `genmask64`, `u64`, `hex64`, `popcount64`, `bitsOf`, `describeBits`, `parseBigint`
 * - diagnostics: `fail`, `DiagnosticError`, `DIAGNOSTIC_CODES`, `formatDiagnostic`, and the verdict types
 * - the executable MMU: `variant`, the step API (`Ctx`, `spte`, `OpParams`, ...), witness and
 *   invariant names, SEAMCALL status names, the state view (`stateView`)
 *
 * Everything else (engines, renderers, the interpreter's internals) is in `src/internal.ts`, which
 * proofs/, the model layer, the CLI and the tests import.
 *
 * @example
 *   import { bvVar, bit, genmask, invariant } from 'mmucheck';
 *   const maxphy = bvVar('maxphyaddr', { min: 32n, max: 52n });
 *   const rule = invariant('mask-below-52', 'a reserved bit must exist', 'spte.c', maxphy.ult(52));
 */
export { bit64, bitsOf, describeBits, genmask64, hex64, parseBigint, popcount64, u64, U64_MAX } from './core/bits.js';
export { type Diagnostic, type DiagnosticCode, DIAGNOSTIC_CODES, DiagnosticError, fail, formatDiagnostic } from './core/diagnostic.js';
export type { ExpectedVerdict, Verdict, VerdictKind } from './core/verdict.js';
export * from './dsl/expr.js';
export * from './dsl/layout.js';
export * from './dsl/rule.js';
export * from './dsl/spec.js';
export * from './mmu/index.js';
