export * from './expr.js';
export * from './layout.js';
export * from './rule.js';
export * from './enumerate.js';
export * from './spec.js';
