/**
 * `mmucheck merge` trusts no shard record: every field is validated (MMC204 naming the file, the
 * field and what is allowed, exit 64), and the records must come from one search (same model,
 * parameters, shard count, search options and prefix digest, each shard once). Probes MG10-MG14.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkShard, mergeShards } from '../../src/check/index.js';
import { DiagnosticError } from '../../src/core/diagnostic.js';
import { counters } from '../../model/toys/counters.js';
import { cli, isOneLineDiagnostic } from './helpers.js';

type Doc = { shard: Record<string, unknown> & { shard: { index: number; count: number }; options: Record<string, unknown> } };

const dir = mkdtempSync(join(tmpdir(), 'merge-validate-'));
let one: Doc;
let two: Doc;

/** Returns a deep copy of `d` changed by `edit`. */
function edited(d: Doc, edit: (x: Doc) => void): Doc {
  const c = JSON.parse(JSON.stringify(d)) as Doc;
  edit(c);
  return c;
}

/** Writes each document to its own file and runs `merge` on them; returns the files and the result. */
function merge(...docs: unknown[]): { files: string[]; code: number; stdout: string; stderr: string } {
  const files = docs.map((d, i) => {
    const f = join(dir, `${Math.random().toString(36).slice(2)}-${i}.json`);
    writeFileSync(f, typeof d === 'string' ? d : JSON.stringify(d));
    return f;
  });
  return { files, ...cli(['merge', ...files]) };
}

/** Asserts a one-line MMC204 naming `file` and containing each of `parts`, exit 64. */
function expectRejected(r: { code: number; stderr: string }, file: string, ...parts: string[]): void {
  expect(r.code).toBe(64);
  expect(isOneLineDiagnostic(r.stderr)).toBe(true);
  expect(r.stderr).toMatch(/error MMC204: /);
  expect(r.stderr).toContain(file);
  for (const p of parts) expect(r.stderr).toContain(p);
}

beforeAll(() => {
  const run = (i: number, ...extra: string[]): Doc => JSON.parse(cli(['check', 'mmu/grid/fault-fault', '--liveness', 'off', '--shard', `${i}/2`, '--json', ...extra]).stdout) as Doc;
  one = run(1);
  two = run(2);
});

describe('merge: well-formed shards', () => {
  it('two shards of one search hold; a missing shard is unknown and named', () => {
    const all = merge(one, two);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/holds: all 2 shards complete/);
    const half = merge(one);
    expect(half.code).toBe(20);
    expect(half.stdout).toMatch(/unknown: shards 2\/2 missing/);
  });
});

describe('merge: each field of a record is validated (MMC204 naming file and field)', () => {
  it('MG11: a verdict that is not a verdict', () => {
    const r = merge(one, edited(two, (d) => (d.shard['verdict'] = 'maybe')));
    expectRejected(r, r.files[1]!, "field 'verdict'", '"maybe"', 'holds, violated, unknown, error');
  });
  it('MG14: shard count 0', () => {
    const r = merge(edited(two, (d) => (d.shard.shard = { index: 0, count: 0 })));
    expectRejected(r, r.files[0]!, "field 'shard.count'", 'an integer >= 1');
  });
  it('MG12: a shard index out of range', () => {
    const r = merge(one, two, edited(two, (d) => (d.shard.shard.index = 7)));
    expectRejected(r, r.files[2]!, "field 'shard.index'", 'from 0 to 1');
  });
  it('MG13: witnessed is not a list', () => {
    const r = merge(one, edited(two, (d) => (d.shard['witnessed'] = null)));
    expectRejected(r, r.files[1]!, "field 'witnessed'", 'a list of property names');
  });
  it('MG10: missing fields are listed (not an internal error)', () => {
    const r = merge({ shard: { format: 'mmucheck-shard-1', model: 'mmu/grid/fault-fault' } });
    expectRejected(r, r.files[0]!, 'fields missing: shard, options, plan, verdict, sometimes, witnessed, distinctStates, generatedStates, seconds');
  });
  it('counts and times are non-negative numbers, counts integers', () => {
    let r = merge(one, edited(two, (d) => (d.shard['distinctStates'] = -1)));
    expectRejected(r, r.files[1]!, "field 'distinctStates'", 'an integer >= 0');
    r = merge(one, edited(two, (d) => (d.shard['generatedStates'] = 1.5)));
    expectRejected(r, r.files[1]!, "field 'generatedStates'", 'an integer >= 0');
    r = merge(one, edited(two, (d) => (d.shard['seconds'] = -2)));
    expectRejected(r, r.files[1]!, "field 'seconds'", 'a number >= 0');
  });
  it('the format tag must be the one this version writes', () => {
    const r = merge(one, edited(two, (d) => (d.shard['format'] = 'mmucheck-shard-9')));
    expectRejected(r, r.files[1]!, "field 'format'", '"mmucheck-shard-1"');
  });
  it('witnessed names only sometimes-properties; options are checked', () => {
    let r = merge(one, edited(two, (d) => (d.shard['witnessed'] = ['nope'])));
    expectRejected(r, r.files[1]!, "field 'witnessed'", "names listed in 'sometimes'");
    r = merge(one, edited(two, (d) => (d.shard.options['por'] = 'yes')));
    expectRejected(r, r.files[1]!, "field 'options.por'", 'true, false');
  });
  it('a document that is null or has no shard record', () => {
    let r = merge('null');
    expectRejected(r, r.files[0]!, "no field 'shard'");
    r = merge(one, { shard: null });
    expectRejected(r, r.files[1]!, 'not an object');
  });
});

describe('merge: the records form one search', () => {
  it('a record of another model names the field', () => {
    const r = merge(one, edited(two, (d) => (d.shard['model'] = 'mmu/grid/other')));
    expectRejected(r, r.files[1]!, "field 'model'", 'mmu/grid/other', r.files[0]!);
  });
  it('a shard given twice is rejected', () => {
    const r = merge(one, two, one);
    expectRejected(r, r.files[2]!, 'shard 1/2 is also given as', r.files[0]!);
  });
  it('shard counts must agree', () => {
    const r = merge(one, edited(two, (d) => (d.shard.shard = { index: 2, count: 3 })));
    expectRejected(r, r.files[1]!, "field 'shard.count'", '3');
  });
  it('a shard run with other search options (check --store exact, --max-depth) is foreign', () => {
    const exact = JSON.parse(cli(['check', 'mmu/grid/fault-fault', '--liveness', 'off', '--shard', '2/2', '--json', '--store', 'exact']).stdout) as Doc;
    let r = merge(one, exact);
    expectRejected(r, r.files[1]!, "field 'options.store'", '"exact"', '"fingerprint"');
    const deep = JSON.parse(cli(['check', 'mmu/grid/fault-fault', '--liveness', 'off', '--shard', '2/2', '--json', '--max-depth', '100']).stdout) as Doc;
    r = merge(one, deep);
    expectRejected(r, r.files[1]!, "field 'options.maxDepth'", '100', 'null');
  });
  it('records of different models under one name differ in the prefix digest (plan)', () => {
    const a = checkShard(counters(2, 3), {}, 0, 2).shard;
    const b = { ...checkShard(counters(3, 3), {}, 1, 2).shard, model: a.model };
    expect(a.plan).toMatch(/^[0-9a-f]{16}$/);
    expect(b.plan).not.toBe(a.plan);
    expect(() => mergeShards([a, b], ['a.json', 'b.json'])).toThrow(DiagnosticError);
    expect(() => mergeShards([a, b], ['a.json', 'b.json'])).toThrow(/b\.json: shard record field 'plan'/);
    expect(mergeShards([a, { ...checkShard(counters(2, 3), {}, 1, 2).shard }]).verdict).not.toBe('error');
  });
});

describe('merge: input files', () => {
  it('a directory or device is a one-line MMC006, not a read of unbounded size', () => {
    let r = cli(['merge', dir]);
    expect(r.code).toBe(64);
    expect(isOneLineDiagnostic(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/MMC006: .*a directory, not a regular file/);
    r = cli(['merge', '/dev/zero'], { timeoutMs: 20_000 });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/MMC006: .*\/dev\/zero: a character device, not a regular file/);
  });
});
