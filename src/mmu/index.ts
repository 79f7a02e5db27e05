/**
 * The executable MMU: state layout, SPTE words, the step-program interpreter, the reference
 * trace views (exploration is the generic checker, src/check). Private modules are re-exported here selectively.
 */
export * from './spte.js';
/** State-layout offsets (G globals, L thread locals, F flags, V vCPU, T tables, R roots, P pages, TLB). */
export * as mmuState from './layout.js';
export { MmuLayout, type Geometry } from './layout.js';
export * from './program.js';
export * from './ctx.js';
export * from './machine.js';
export * from './trace.js';
export * from './variant.js';
