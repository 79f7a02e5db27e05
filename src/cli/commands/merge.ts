/**
 * `mmucheck merge FILE...`: one verdict from the JSON results of `mmucheck check ... --shard I/N --json`.
 * Every file is read with a size limit, and every shard record is validated before it counts.
 */
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { mergeShards } from '../../check/index.js';
import type { Command } from '../command.js';
import { bool, parse } from '../args.js';
import { readInputFile } from '../input.js';

const usage = `usage: mmucheck merge FILE... [--json]

Combines the results of 'mmucheck check MODEL --shard I/N --json > FILE' (one per shard) into one
verdict: a violation in any shard is a violation; a missing or bounded shard makes it unknown (the
message names the missing shards); a sometimes-property must be witnessed by some shard.
Each FILE must hold the shard record this mmucheck writes (field 'shard') with every field valid,
and all records must come from one search: the same model and parameters, shard count, search
options and reductions, and prefix digest (field 'plan'), each shard at most once. Anything else
is error MMC204 naming the file and the field (exit 64). A file that is not a regular file or is
larger than 64 MiB is refused (MMC006).
Exit codes as for 'check'.`;

/** Returns the shard record in file `f` (the `shard` field of what `check --shard I/N --json` wrote). */
function shardRecordOf(f: string): unknown {
  const text = readInputFile('merge: shard result', f);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    fail('MMC204', `merge: ${f} is not JSON; give the output of 'mmucheck check MODEL --shard I/N --json'`, { subject: f });
  }
  if (typeof doc !== 'object' || doc === null || !('shard' in doc)) {
    fail('MMC204', `merge: ${f} has no field 'shard': not a shard result (run check with --shard I/N --json)`, { subject: f });
  }
  return (doc as { shard: unknown }).shard;
}

/** The `merge` command. */
export const mergeCommand: Command = {
  name: 'merge',
  summary: "combine 'check --shard I/N --json' results into one verdict",
  usage,
  async run(argv, io) {
    const p = parse('merge', argv, { json: { type: 'boolean' } }, 100000);
    if (p.positionals.length === 0) fail('MMC001', 'merge: give the shard result files (from check --shard I/N --json)');
    const m = mergeShards(p.positionals.map(shardRecordOf), p.positionals);
    if (bool(p, 'json')) io.out(JSON.stringify(m, null, 2));
    else io.out(`${m.model}: ${m.verdict}: ${m.message} (${m.shards} shards, at most ${m.distinctStatesUpperBound} distinct states, ${m.generatedStates} generated, longest shard ${m.seconds.toFixed(2)} s)`);
    return m.verdict === 'holds' ? EXIT.ok : m.verdict === 'violated' ? EXIT.violation : m.verdict === 'unknown' ? EXIT.unknown : EXIT.usage;
  },
};
