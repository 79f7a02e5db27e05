/**
 * `mmucheck replay` treats a trace as data: it reads it with a size limit (T35), validates the
 * whole ITF structure before building or loading any model (T05, T08), never runs a file named
 * inside the trace (T26, T27: only `--model` on the command line is loaded), and compares states
 * as values (T23: keys sorted as `jq -S .` writes them). Every golden trace still validates and
 * replays.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMachine } from '../../model/mmu/build.js';
import { findScenario } from '../../model/mmu/scenarios.js';
import { readInputFile } from '../../src/cli/input.js';
import { replayItf, sameItfValue, validateItfTrace } from '../../src/mmu/trace.js';
import { ROOT, cli, isOneLineDiagnostic } from './helpers.js';
import { modelOfTrace, replayModelItf } from '../../src/cli/replay-model.js';
import { checkModels } from '../../model/index.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-validate-'));
const GOLDEN = join(ROOT, 'proofs/expected/tdx--2m-vs-4k--cas-then-seamcall.itf.json');
type Trace = { '#meta': Record<string, unknown>; vars: string[]; states: (Record<string, unknown> | null)[] };

/** Returns a fresh copy of the golden trace. */
const golden = (): Trace => JSON.parse(readFileSync(GOLDEN, 'utf8')) as Trace;

/** Writes `doc` (JSON, or text as is) to a new file in the temp dir and returns its path. */
function file(doc: unknown): string {
  const f = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return f;
}

/** Asserts a one-line diagnostic with `code`, exit 64, containing each of `parts`. */
function expectRefused(r: { code: number; stderr: string }, code: string, ...parts: string[]): void {
  expect(r.code).toBe(64);
  expect(isOneLineDiagnostic(r.stderr)).toBe(true);
  expect(r.stderr).toContain(`error ${code}: `);
  for (const p of parts) expect(r.stderr).toContain(p);
}

/** Returns `x` with every object's keys sorted (what `jq -S .` writes). */
function sortDeep(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortDeep);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortDeep((x as Record<string, unknown>)[k])]));
  return x;
}

/** A variant file that leaves a marker file when it is loaded (it must never be). */
function evilVariant(): { path: string; marker: string } {
  const marker = join(dir, `EXECUTED-${Math.random().toString(36).slice(2)}`);
  const path = join(dir, `evil-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    path,
    `import { variant } from 'mmucheck';\nconst m: any = await import('node:' + 'fs');\nm.writeFileSync(${JSON.stringify(marker)}, 'x');\nexport default variant({ from: 'mmu/c6-fault-vs-fast-zap/fixed' });\n`,
  );
  return { path, marker };
}

describe('replay: malformed traces are MMC203 before anything runs', () => {
  it('T05: a trace that is JSON null', () => {
    expectRefused(cli(['replay', file('null')]), 'MMC203', 'the document is null');
  });
  it('T08: a state that is null', () => {
    const t = golden();
    t.states[1] = null;
    expectRefused(cli(['replay', file(t)]), 'MMC203', 'state 1 is null, not an object');
  });
  it('missing #meta, vars that are not names, a state without a variable, an action label that is not a string', () => {
    const noMeta = golden() as Partial<Trace>;
    delete noMeta['#meta'];
    expectRefused(cli(['replay', file(noMeta)]), 'MMC203', "field '#meta'");
    const vars = golden() as unknown as { vars: unknown };
    vars.vars = 'threads';
    expectRefused(cli(['replay', file(vars)]), 'MMC203', "field 'vars'");
    const lacks = golden();
    delete lacks.states[2]!['tables'];
    expectRefused(cli(['replay', file(lacks)]), 'MMC203', "state 2 has no variable 'tables'");
    const label = golden();
    label.states[3]!['mbt::actionTaken'] = 7;
    expectRefused(cli(['replay', file(label)]), 'MMC203', "state 3: 'mbt::actionTaken' is 7");
  });
  it('a recorded scenario that does not exist is named', () => {
    const t = golden();
    t['#meta']['scenario'] = 'tdx/no-such-scenario';
    expectRefused(cli(['replay', file(t)]), 'MMC203', "#meta.scenario 'tdx/no-such-scenario' is not an MMU scenario");
  });
  it('a changed value names the state and the variable', () => {
    const t = golden();
    t.states[4]!['mmuLock'] = 'nonsense';
    expectRefused(cli(['replay', file(t), '--quiet']), 'MMC203', "state 4 after '", "in variable 'mmuLock'");
  });
});

describe('replay: states are compared as values', () => {
  it('T23: the same trace with keys sorted (jq -S .) replays', () => {
    const r = cli(['replay', file(sortDeep(golden())), '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/every state matches; broken: I7/);
  });
  it('sameItfValue ignores key order, not array order or values', () => {
    expect(sameItfValue({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(sameItfValue([1, 2], [2, 1])).toBe(false);
    expect(sameItfValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameItfValue({ a: null }, { a: {} })).toBe(false);
  });
});

describe('replay never runs a file named inside the trace', () => {
  it('T27: #meta.modelFile is refused (MMC203 telling to pass --model), and the file does not run', () => {
    const evil = evilVariant();
    const t = golden();
    t['#meta']['modelFile'] = evil.path;
    const r = cli(['replay', file(t), '--quiet']);
    expectRefused(r, 'MMC203', '#meta.modelFile', `--model ${evil.path}`);
    expect(existsSync(evil.marker)).toBe(false);
  });
  it('T26: a #meta.modelFile that does not exist is named as the trace field, not as a --model flag', () => {
    const t = golden();
    t['#meta']['modelFile'] = '/nonexistent/dir/x.ts';
    expectRefused(cli(['replay', file(t)]), 'MMC203', '/nonexistent/dir/x.ts (#meta.modelFile)', '--model /nonexistent/dir/x.ts');
  });
  it('a malformed trace is refused before the --model file is loaded', () => {
    const evil = evilVariant();
    const t = golden();
    t.states[2] = null;
    expectRefused(cli(['replay', file(t), '--model', evil.path]), 'MMC203', 'state 2 is null');
    expect(existsSync(evil.marker)).toBe(false);
  });
  it('a --model variant of another scenario than the recorded one is named', () => {
    const r = cli(['replay', GOLDEN, '--model', join(ROOT, 'examples/early-stale-check.ts'), '--quiet']);
    expectRefused(r, 'MMC203', "starts from scenario 'mmu/c6-fault-vs-fast-zap/fixed'", "recorded on 'tdx/2m-vs-4k/cas-then-seamcall' (#meta.scenario)");
  });
});

describe('replay: bounded input', () => {
  it('T35: /dev/zero is one line (not a regular file), at once', () => {
    const r = cli(['replay', '/dev/zero'], { timeoutMs: 20_000 });
    expectRefused(r, 'MMC006', '/dev/zero: a character device, not a regular file');
  });
  it('a FIFO is refused without waiting for a writer; a file past the limit is refused before reading', () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expectRefused(cli(['replay', fifo], { timeoutMs: 20_000 }), 'MMC006', 'a FIFO, not a regular file');
    const big = join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 64 * 2 ** 20 + 1); // sparse: no disk used
    expectRefused(cli(['replay', big]), 'MMC006', 'larger than the 64 MiB input limit');
    rmSync(big);
  });
  it('readInputFile reads a file whole up to the limit and names what it reads', () => {
    const f = file('x'.repeat(100));
    expect(readInputFile('test input', f, 100)).toBe('x'.repeat(100));
    expect(() => readInputFile('test input', f, 99)).toThrow(/test input .*: larger than the 99 bytes input limit/);
    expect(() => readInputFile('test input', join(dir, 'absent'))).toThrow(/test input .*absent: cannot read: ENOENT/);
    expect(() => readInputFile('test input', '')).toThrow(/the path is empty/);
  });
});

describe('every golden trace validates and replays', () => {
  const goldens = readdirSync(join(ROOT, 'proofs/expected')).filter((f) => f.endsWith('.itf.json'));
  it.each(goldens)('%s', (g) => {
    const doc = JSON.parse(readFileSync(join(ROOT, 'proofs/expected', g), 'utf8')) as { loop?: number };
    const t = validateItfTrace(doc);
    if (t['#meta']['scenario'] === undefined) {
      // A trace of another registered model (a lasso of liveness mode): it replays and its loop closes.
      const r = replayModelItf(g, modelOfTrace(g, t, checkModels), t, doc.loop);
      expect(r.steps).toBe(t.states.length - (doc.loop !== undefined ? 0 : 1));
      expect(r.loop !== null || r.broken.length > 0).toBe(true);
      return;
    }
    const name = t['#meta']['scenario'] as string;
    const mm = buildMachine(findScenario(name)!);
    if (doc.loop !== undefined) {
      // an I11 lasso of an MMU scenario (liveness mode): it replays and its loop closes
      const l = replayModelItf(g, mm, t, doc.loop);
      expect(l.steps).toBe(t.states.length);
      expect(l.loop).not.toBeNull();
      return;
    }
    const r = replayItf(mm, t);
    expect(r.steps).toBe(t.states.length - 1);
    expect(r.broken.length).toBeGreaterThan(0);
  });
});
