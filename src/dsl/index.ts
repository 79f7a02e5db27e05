export * from './expr.js';
export * from './layout.js';
export * from './rule.js';
