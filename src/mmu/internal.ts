/**
 * The executable MMU's internals, for the model layer, proofs, the CLI and tests (not for users):
 * the state layout and its offsets, the step-program interpreter and edit machinery, the fast
 * raw-word context of the built-in steps, the machine, the TDX module's state functions, the
 * compact SPTE word helpers and the reference trace views (a superset of `./index.ts`).
 * `src/internal.ts` re-exports it.
 */
export * from './spte.js';
/** State-layout offsets (G globals, L thread locals, F flags, V vCPU, T tables, R roots, P pages, TLB). */
export * as mmuState from './layout.js';
export { MmuLayout, type Geometry } from './layout.js';
export * from './program.js';
export * from './scenario.js';
export * from './ctx.js';
export * from './machine.js';
export * from './names.js';
export * from './step-api.js';
export * from './tdx.js';
export * from './trace.js';
export * from './variant.js';
export * from './view.js';
export * from './footprint.js';
