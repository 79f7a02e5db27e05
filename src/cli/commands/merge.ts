/**
 * `mmucheck merge FILE...`: one verdict from the JSON results of `mmucheck check ... --shard I/N --json`.
 */
import { readFileSync } from 'node:fs';
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { mergeShards, type ShardResult } from '../../check/index.js';
import type { Command } from '../command.js';
import { bool, parse } from '../args.js';

const usage = `usage: mmucheck merge FILE... [--json]

Combines the results of 'mmucheck check MODEL --shard I/N --json > FILE' (one per shard) into one
verdict: a violation in any shard is a violation; a missing or bounded shard makes it unknown; a
sometimes-property must be witnessed by some shard. Exit codes as for 'check'.`;

/** The `merge` command. */
export const mergeCommand: Command = {
  name: 'merge',
  summary: "combine 'check --shard I/N --json' results into one verdict",
  usage,
  async run(argv, io) {
    const p = parse('merge', argv, { json: { type: 'boolean' } }, 100000);
    if (p.positionals.length === 0) fail('MMC001', 'merge: give the shard result files (from check --shard I/N --json)');
    const parts: ShardResult[] = p.positionals.map((f) => {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (e) {
        fail('MMC006', `merge: cannot read ${f}: ${e instanceof Error ? e.message : String(e)}`, { subject: f });
      }
      let doc: { shard?: ShardResult };
      try {
        doc = JSON.parse(text) as { shard?: ShardResult };
      } catch {
        fail('MMC204', `merge: ${f} is not JSON`, { subject: f });
      }
      if (!doc.shard) fail('MMC204', `merge: ${f} is not a shard result (run check with --shard I/N --json)`, { subject: f });
      return doc.shard;
    });
    const m = mergeShards(parts);
    if (bool(p, 'json')) io.out(JSON.stringify(m, null, 2));
    else io.out(`${m.model}: ${m.verdict}: ${m.message} (${m.shards} shards, at most ${m.distinctStatesUpperBound} distinct states, ${m.generatedStates} generated, longest shard ${m.seconds.toFixed(2)} s)`);
    return m.verdict === 'holds' ? EXIT.ok : m.verdict === 'violated' ? EXIT.violation : m.verdict === 'unknown' ? EXIT.unknown : EXIT.usage;
  },
};
