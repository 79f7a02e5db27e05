export * from './suite-report.js';
