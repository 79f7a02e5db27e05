/**
 * Benchmarks of the `mmu` area: time to verdict and distinct states for every MMU scenario (the
 * generic checker, BFS, exact store, as `mmucheck ci` and the pinned counts use), and the time to
 * the first counterexample of the seed race (target < 1 s).
 *
 *   npm run bench -- --only mmu
 */
import { check } from '../src/internal.js';
import { buildMachine } from '../model/mmu/build.js';
import { findScenario, SCENARIOS } from '../model/mmu/scenarios.js';
import type { BenchArea } from './run.js';

/** The `mmu` bench area. */
export const area: BenchArea = {
  name: 'mmu',
  async run(log) {
    log('| scenario | levels | threads | expected | verdict | distinct states | depth | seconds | states/s |');
    log('| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |');
    for (const s of SCENARIOS) {
      const t0 = performance.now();
      const mm = buildMachine(s);
      const r = check(mm, { strategy: 'bfs', store: 'exact' });
      const sec = (performance.now() - t0) / 1000;
      const v = r.verdict;
      let verdict: string = v.kind;
      if (v.kind === 'violated') {
        const tr = v.witness.trace;
        const last = tr?.states[tr.states.length - 1];
        const broken = last ? mm.properties().filter((p) => p.expectation === 'always' && !p.check(last)).map((p) => p.name) : [v.witness.property];
        verdict = `violated ${broken.join('+')}${tr ? ` (${tr.actions.length} steps)` : ''}`;
      }
      const n = r.stats.distinctStates;
      log(`| ${s.name} | ${s.levels ?? 2} | ${s.threads.length} | ${s.expect.verdict} | ${verdict} | ${n} | ${r.stats.maxDepth} | ${sec.toFixed(3)} | ${Math.round(n / Math.max(sec, 1e-6))} |`);
    }
    const seed = findScenario('tdx/2m-vs-4k/cas-then-seamcall')!;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = check(buildMachine(seed));
      times.push((performance.now() - t0) / 1000);
      if (r.verdict.kind !== 'violated') log('seed race: NO counterexample (unexpected)');
    }
    times.sort((a, b) => a - b);
    log(`\nseed race (tdx/2m-vs-4k/cas-then-seamcall): first counterexample in ${times[2]!.toFixed(3)} s median of 5 (target < 1 s)`);
  },
};
