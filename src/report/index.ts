export * from './suite-report.js';
export * from './itf.js';
export * from './html.js';
export * from './html-summary.js';
