/** Benchmarks of the `role` area (filled in by its issue). */
import type { BenchArea } from './run.js';

export const area: BenchArea = {
  name: 'role',
  async run(log) {
    log('(no benchmark yet)');
  },
};
