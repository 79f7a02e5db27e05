export { z3Context } from './context.js';
export { Encoder } from './encode.js';
export * from './prove.js';
export * from './run-spec.js';
