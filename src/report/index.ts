export * from './suite-report.js';
export * from './itf.js';
export * from './html.js';
