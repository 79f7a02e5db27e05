/** Benchmarks of the `mmu` area (filled in by its issue). */
import type { BenchArea } from './run.js';

export const area: BenchArea = {
  name: 'mmu',
  async run(log) {
    log('(no benchmark yet)');
  },
};
