/**
 * `mmucheck list`: paging flavours, kernel eras, SPTE rules (with the flavours and eras they apply
 * to), proof suites, and the checkable models other families register in model/index.ts.
 */
import { EXIT } from '../../core/exit.js';
import { fail } from '../../core/diagnostic.js';
import { ERAS, ERA_RANGES, FLAVOURS, LAYOUT_NAMES, eraRules } from '../../../model/spte/index.js';
import { checkModels } from '../../../model/index.js';
import { suiteNames } from '../../../proofs/index.js';
import { type Command, toJson } from '../command.js';
import { mmuListLines } from '../mmu-check.js';
import { bool, parse, str } from '../args.js';
import { invariantLines, operationLines, operationParams, operationSteps, optionData, optionLines, stepLines } from '../mmu-list.js';
import { INVARIANT_DOC, WITNESS_DOC } from '../../internal.js';
import { SCENARIOS } from '../../../model/mmu/scenarios.js';
import { OPERATIONS } from '../../../model/mmu/build.js';

const usage = `usage: mmucheck list [--operations | --steps OP | --options | --invariants] [--json]

Lists paging flavours, layouts, kernel eras, SPTE rules, proof suites and checkable models.
  --operations   the MMU operations a scenario runs, each with its step names
  --steps OP     the steps of operation OP (names a variant's edits use) with what each does
  --options      the MMU model options: values, mainline value, source, meaning
  --invariants   the MMU invariants I1-I13 (and the witness names scenarios may ask for)
  --json         the same as one JSON document`;

/** The `list` command. */
export const listCommand: Command = {
  name: 'list',
  summary: 'list flavours, eras, SPTE rules, suites and models',
  usage,
  async run(argv, io) {
    const p = parse('list', argv, { json: { type: 'boolean' }, operations: { type: 'boolean' }, steps: { type: 'string' }, options: { type: 'boolean' }, invariants: { type: 'boolean' } });
    const json = bool(p, 'json');
    const stepsOf = str(p, 'steps');
    const picked = [bool(p, 'operations'), stepsOf !== undefined, bool(p, 'options'), bool(p, 'invariants')].filter(Boolean).length;
    if (picked > 1) fail('MMC001', 'list: give at most one of --operations, --steps OP, --options, --invariants', { subject: '--steps' });
    if (bool(p, 'invariants')) {
      io.out(json ? toJson({ invariants: INVARIANT_DOC, witnesses: WITNESS_DOC }) : [...invariantLines(), 'witnesses:', ...Object.entries(WITNESS_DOC).map(([k, d]) => `  ${k}: ${d}`)].join('\n'));
      return EXIT.ok;
    }
    if (bool(p, 'operations')) {
      io.out(json ? toJson(OPERATIONS.map((op) => ({ op, params: operationParams(op), steps: operationSteps(op) }))) : operationLines().join('\n'));
      return EXIT.ok;
    }
    if (stepsOf !== undefined) {
      io.out(json ? toJson({ op: stepsOf, steps: operationSteps(stepsOf) }) : stepLines(stepsOf).join('\n'));
      return EXIT.ok;
    }
    if (bool(p, 'options')) {
      io.out(json ? toJson(optionData()) : optionLines().join('\n'));
      return EXIT.ok;
    }
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
    if (json) {
      io.out(
        toJson({
          ...out,
          scenarios: SCENARIOS.map((x) => ({ name: x.name, title: x.title, vm: x.vm, levels: x.levels ?? 2, threads: x.threads.map((t) => t.name), witnesses: x.witnesses, expect: x.expect })),
          operations: OPERATIONS.map((op) => ({ op, params: operationParams(op), steps: operationSteps(op) })),
          options: optionData(),
          invariants: INVARIANT_DOC,
          witnesses: WITNESS_DOC,
        }),
      );
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
