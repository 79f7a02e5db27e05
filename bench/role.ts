/**
 * Benchmarks of the `role` area: wall time of the role and vmtype families as `mmucheck ci` runs
 * them (Z3 verdict + shrink + enumeration cross-check), with Z3 start-up reported separately and
 * the Z3-only and enumeration-only shares.
 *
 *   npm run bench -- --only role
 */
import type { BenchArea } from './run.js';
import { z3Context } from '../src/smt/context.js';
import { prove } from '../src/smt/prove.js';
import { ROLE_ERAS, roleRuleSpecs } from '../model/role/index.js';
import { vmRuleSpecs } from '../model/vm/index.js';
import type { RuleSpec } from '../src/internal.js';
import { cases as roleCases } from '../proofs/role/index.js';
import { VM_VARIANTS, cases as vmCases } from '../proofs/vmtype/index.js';
import { enumerate } from '../src/internal.js';
import type { ProofCase } from '../src/core/suite.js';

async function timeCases(cs: readonly ProofCase[]): Promise<number> {
  const t0 = performance.now();
  for (const c of cs) await c.run({ timeoutSeconds: 30 });
  return (performance.now() - t0) / 1000;
}

async function timeZ3(specs: readonly RuleSpec[]): Promise<number> {
  const t0 = performance.now();
  for (const s of specs) await prove(s.rule);
  return (performance.now() - t0) / 1000;
}

function timeEnum(specs: readonly RuleSpec[]): { seconds: number; assignments: number } {
  const t0 = performance.now();
  let n = 0;
  for (const s of specs) n += enumerate(s).checked;
  return { seconds: (performance.now() - t0) / 1000, assignments: n };
}

export const area: BenchArea = {
  name: 'role',
  async run(log) {
    const { startupMs } = await z3Context();
    log(`Z3 start-up: ${(startupMs / 1000).toFixed(2)}s (once per process, not included below)`);
    const roleSpecs = ROLE_ERAS.flatMap((e) => roleRuleSpecs(e));
    const vmSpecs = VM_VARIANTS.flatMap((v) => vmRuleSpecs(v.era, v.opts));
    const rows: string[][] = [['family', 'cases', 'ci wall (s)', 'Z3 only (s)', 'enumeration (s)', 'assignments covered']];
    for (const [name, cs, specs] of [['role', roleCases(), roleSpecs], ['vmtype', vmCases(), vmSpecs]] as const) {
      const wall = await timeCases(cs);
      const z = await timeZ3(specs);
      const en = timeEnum(specs);
      rows.push([name, String(cs.length), wall.toFixed(2), z.toFixed(2), en.seconds.toFixed(2), String(en.assignments)]);
    }
    for (const era of ['v1-patch06', 'v5.19+'] as const) {
      const cs = roleCases().filter((c) => c.id.startsWith(`role/${era}/`));
      rows.push([`role ${era}`, String(cs.length), (await timeCases(cs)).toFixed(2), '', '', '']);
    }
    const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) log(r.map((c, i) => c.padEnd(w[i]!)).join('  '));
  },
};
