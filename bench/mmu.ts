/**
 * Benchmarks of the `mmu` area: time to verdict and distinct states for every MMU scenario, and
 * the time to the first counterexample of the seed race (target < 1 s).
 *
 *   npm run bench -- --only mmu
 */
import { explore } from '../src/index.js';
import { buildMachine } from '../model/mmu/build.js';
import { findScenario, SCENARIOS } from '../model/mmu/scenarios.js';
import type { BenchArea } from './run.js';

export const area: BenchArea = {
  name: 'mmu',
  async run(log) {
    log('| scenario | expected | verdict | distinct states | depth | seconds | states/s |');
    log('| --- | --- | --- | ---: | ---: | ---: | ---: |');
    for (const s of SCENARIOS) {
      const t0 = performance.now();
      const mm = buildMachine(s);
      const r = explore(mm);
      const sec = (performance.now() - t0) / 1000;
      const verdict = r.violation ? `violated ${r.violation.allBroken.join('+')}` : r.complete ? 'holds' : 'unknown';
      log(`| ${s.name} | ${s.expect.verdict} | ${verdict} | ${r.distinct} | ${r.maxDepth} | ${sec.toFixed(3)} | ${Math.round(r.distinct / Math.max(sec, 1e-6))} |`);
    }
    const seed = findScenario('tdx/2m-vs-4k/cas-then-seamcall')!;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = explore(buildMachine(seed));
      times.push((performance.now() - t0) / 1000);
      if (!r.violation) log('seed race: NO counterexample (unexpected)');
    }
    times.sort((a, b) => a - b);
    log(`\nseed race (tdx/2m-vs-4k/cas-then-seamcall): first counterexample in ${times[2]!.toFixed(3)} s median of 5 (target < 1 s)`);
  },
};
