/** Benchmarks of the `check` area (filled in by its issue). */
import type { BenchArea } from './run.js';

export const area: BenchArea = {
  name: 'check',
  async run(log) {
    log('(no benchmark yet)');
  },
};
