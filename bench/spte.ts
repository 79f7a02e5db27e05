/** Benchmarks of the `spte` area (filled in by its issue). */
import type { BenchArea } from './run.js';

export const area: BenchArea = {
  name: 'spte',
  async run(log) {
    log('(no benchmark yet)');
  },
};
