export * from './bits.js';
export * from './diagnostic.js';
export * from './exit.js';
export * from './suite.js';
export * from './verdict.js';
