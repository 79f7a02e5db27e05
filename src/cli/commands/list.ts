/**
 * `mmucheck list`: paging flavours, kernel eras, SPTE rules (with the flavours and eras they apply
 * to), proof suites, and the checkable models other families register in model/index.ts.
 */
import { EXIT } from '../../core/exit.js';
import { ERAS, ERA_RANGES, FLAVOURS, LAYOUT_NAMES, eraRules } from '../../../model/spte/index.js';
import { checkModels } from '../../../model/index.js';
import { suiteNames } from '../../../proofs/index.js';
import { type Command, toJson } from '../command.js';
import { mmuListLines } from '../mmu-check.js';
import { bool, parse } from '../args.js';

const usage = `usage: mmucheck list [--json]

Lists paging flavours, layouts, kernel eras, SPTE rules, proof suites and checkable models.`;

/** The `list` command. */
export const listCommand: Command = {
  name: 'list',
  summary: 'list flavours, eras, SPTE rules, suites and models',
  usage,
  async run(argv, io) {
    const p = parse('list', argv, { json: { type: 'boolean' } });
    const rules = new Map<string, { reason: string; ref: string; where: string[] }>();
    for (const era of ERAS) {
      for (const e of eraRules(era)) {
        const r = rules.get(e.rule.name) ?? { reason: e.rule.reason, ref: e.rule.ref, where: [] };
        r.where.push(`${era}/${e.flavour}`);
        rules.set(e.rule.name, r);
      }
    }
    const out = {
      flavours: [...FLAVOURS],
      layouts: [...LAYOUT_NAMES],
      eras: ERAS.map((e) => ({ era: e, kernels: ERA_RANGES[e] })),
      rules: [...rules].map(([name, r]) => ({ name, ...r })),
      suites: suiteNames(),
      models: Object.entries(checkModels).map(([name, m]) => ({ name, doc: m.doc })),
    };
    if (bool(p, 'json')) {
      io.out(toJson(out));
      return EXIT.ok;
    }
    io.out(`flavours: ${out.flavours.join(', ')}   (layouts: ${out.layouts.join(', ')})`);
    io.out('eras:');
    for (const e of out.eras) io.out(`  ${e.era.padEnd(5)} ${e.kernels}`);
    io.out('rules:');
    const w = Math.max(...out.rules.map((r) => r.name.length));
    for (const r of out.rules) io.out(`  ${r.name.padEnd(w)}  ${r.where.join(' ')}`);
    io.out(`suites: ${out.suites.join(', ')}`);
    io.out('models:');
    for (const m of out.models) io.out(`  ${m.name}: ${m.doc}`);
    for (const l of mmuListLines()) io.out(l);
    return EXIT.ok;
  },
};
