/**
 * `mmucheck check MODEL`: explicit-state model checking of a registered model (model/index.ts).
 */
import { availableParallelism } from 'node:os';
import { fail, formatDiagnostic } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { checkAsync, checkParallel, checkShardAsync, defaultMemoryBudget, livenessWanted, parseParamFlags, resolveParams, type CheckOptions, type CheckResult, type Model, type ModelRef, type Progress, type Trace } from '../../check/index.js';
import { modelTraceItf, renderItfText, type ItfTrace } from '../../report/itf.js';
import { renderTraceHtml } from '../../report/html.js';
import { checkModels, checkModelsUrl } from '../../../model/index.js';
import { type Command, type Io } from '../command.js';
import { MmuMachine } from '../../mmu/machine.js';
import { renderMermaid, traceSteps } from '../../mmu/trace.js';
import { loadVariant } from '../mmu-check.js';
import { findScenario } from '../../../model/mmu/scenarios.js';
import { requirePath, writeOutputFile } from '../output.js';
import { bool, choice, int, num, onOff, parse, str, strs } from '../args.js';
import { watchInterrupts } from '../signals.js';
import { startWatchdog } from '../watchdog.js';

/** Returns the thread count of `--workers N|auto` (auto: the machine's cores), 1 when absent. */
function workersFlag(text: string | undefined): number {
  if (text === undefined) return 1;
  if (text === 'auto') return Math.min(64, availableParallelism());
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 64) fail('MMC003', `--workers ${text}: must be an integer from 1 to 64, or auto (one per core)`, { subject: '--workers' });
  return Number(text);
}

const usage = `usage: mmucheck check MODEL [--param NAME=VALUE]... [--strategy bfs|dfs|random] [--workers N|auto]
                      [--por on|off] [--merge on|off] [--symmetry on|off] [--store fingerprint|exact]
                      [--max-states N] [--max-depth N] [--time S] [--max-memory MIB] [--seed N] [--walks N]
                      [--liveness on|off] [--fairness weak|none]
                      [--shard I/N] [--expect holds|violated] [--itf FILE] [--html FILE] [--mermaid FILE] [--json] [--quiet]
       mmucheck check --model FILE [same flags]

Explores every reachable state of MODEL (BFS by default: shortest counterexample) and judges its
properties: always (safety), sometimes (a witness must exist), eventually, and deadlocks.
  --param NAME=VALUE  model parameter (repeatable); see the list below
  --strategy S        bfs (default), dfs (low memory), random (seeded walks; never proves)
  --workers N|auto    BFS on N threads, auto: one per core (same verdict, counts and
                      counterexample length as 1)
  --por on|off        partial-order reduction: a step is explored alone when it commutes with
                      everything the other threads may still do and no property reads what it
                      writes (default on; MMU/TDX scenarios: off, as their footprint reduction saves
                      few states and costs time, see README; it applies in safety mode only, so on
                      them with --liveness off; --por on in liveness mode is an error). A reduced
                      BFS may report another or a longer counterexample than the unreduced
                      (shortest) one
  --merge on|off      statement merging: chains of thread-local steps taken as one transition
                      without storing the states in between (default on with --por in BFS;
                      counterexamples are expanded back into single steps)
  --symmetry on|off   symmetry reduction: identical threads, and the gfn pairs an MMU scenario
                      declares interchangeable (symmetricGfns) (default on; safety mode only:
                      --symmetry on in liveness mode is an error)
  --store fingerprint|exact   64-bit fingerprints (default) or whole states
  --max-states N      stop after N distinct states (verdict unknown)
  --max-depth N       do not expand states at depth N (verdict unknown if cut)
  --time S            wall-time budget in seconds (verdict unknown when hit)
  --max-memory MIB    resident-memory budget (verdict unknown when hit); default 3/4 of the least of
                      the machine's memory, the cgroup limit and the address-space limit (ulimit -v);
                      a failed allocation also ends the run unknown (memory exhausted)
  --seed N / --walks N   random strategy: seed (default 1) and number of walks (default 1000)
  --liveness on|off   liveness mode (BFS; default on when the model declares eventually-properties
                      or progress steps, as the MMU/TDX scenarios do: their I11 is broken by a
                      deadlock or a weakly fair lasso): judges eventually with cycles, non-progress cycles (SPIN's
                      -l) and per-thread progress on a logged edge graph (SCCs); a violation is a
                      lasso (stem + loop). It runs on one thread, without POR or symmetry (merging
                      only of a thread's own local steps). off: eventually is judged on acyclic
                      paths only, progress not at all. --liveness on or --fairness where liveness
                      mode cannot run (dfs, random, a model with nothing to judge) is a usage error
  --fairness weak|none   liveness: weak (default): a loop in which a thread is enabled in every
                      state and never moves is not a counterexample; none: every loop is. Strong
                      fairness is not offered
  --shard I/N         run piece I (1..N) of a safety search split N ways; combine with 'mmucheck merge' (an MMU scenario needs --liveness off)
  --expect V          the verdict you expect, holds or violated (default: the scenario's or variant's
                      own expectation, see 'mmucheck list'; holds for every other model)
  --itf FILE          write the counterexample as ITF JSON
  --html FILE         write the counterexample as a self-contained HTML page rendered from the ITF
                      (--itf, --html, --mermaid: without a counterexample nothing is written, and the
                      run prints that it was not)
                      (swimlanes per thread, state panel, keyboard stepping; see 'mmucheck view')
  --json              print one JSON document
  --quiet             no progress line, only the verdict
  --model FILE        MMU: check a variant file (export default variant({ from: SCENARIO, ... }));
                      every other flag applies as for a registered model
  --mermaid FILE      MMU: also write the counterexample as a Mermaid sequence diagram
exit: 0 the verdict is the expected one (a race found in a scenario that expects it is 0),
      10 violated but expected to hold, 11 holds but expected violated, 20 unknown (a bound,
      budget or the random strategy: never proved), 64 usage, malformed model or output error,
      70 internal error, 130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP or parent gone; verdict unknown)

models:
${Object.entries(checkModels)
  .map(([k, e]) => `  ${k}: ${e.doc}\n${e.params.map((p) => `      ${p.name}=${p.default} (${p.min}..${p.max}) ${p.doc}`).join('\n')}`)
  .join('\n')}`;

const spec = {
  param: { type: 'string', multiple: true },
  strategy: { type: 'string' },
  workers: { type: 'string' },
  por: { type: 'string' },
  merge: { type: 'string' },
  symmetry: { type: 'string' },
  store: { type: 'string' },
  'max-states': { type: 'string' },
  'max-depth': { type: 'string' },
  time: { type: 'string' },
  'max-memory': { type: 'string' },
  seed: { type: 'string' },
  walks: { type: 'string' },
  shard: { type: 'string' },
  itf: { type: 'string' },
  html: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  model: { type: 'string' },
  mermaid: { type: 'string' },
  expect: { type: 'string' },
  liveness: { type: 'string' },
  fairness: { type: 'string' },
} as const;

/** Returns the ITF of a trace of `model` (the one writer, src/report/itf.ts; step notes when the model decorates). */
export function traceItf(model: Model, trace: Trace, meta: Record<string, unknown>): ItfTrace {
  return modelTraceItf(model, trace, meta);
}

/** Seconds between progress lines when stderr is not a terminal (a CI log). */
const LOG_PROGRESS_S = 5;

/**
 * Progress on stderr: on a terminal one live line rewritten in place (every sample), otherwise a
 * plain line every {@link LOG_PROGRESS_S} seconds (no escape sequences, for CI logs).
 */
function progressLine(io: Io): { tick: (p: Progress) => void; clear: () => void } {
  let shown = false;
  let logged = 0;
  const text = (p: Progress): string =>
    `${p.distinctStates.toLocaleString('en')} distinct, ${p.generatedStates.toLocaleString('en')} generated, depth ${p.depth}, queue ${p.queue.toLocaleString('en')}, ${(p.statesPerSecond / 1e6).toFixed(2)} M states/s, ${(p.memoryBytes / 2 ** 20).toFixed(0)} MiB, ${p.seconds.toFixed(0)} s`;
  return {
    tick: (p) => {
      if (io.tty) {
        shown = true;
        process.stderr.write(`\r\x1b[K${text(p)}`);
      } else if (p.seconds - logged >= LOG_PROGRESS_S) {
        logged = p.seconds;
        io.err(`progress: ${text(p)}`);
      }
    },
    clear: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * The exit code of a check: the verdict against the expectation (README, "Exit codes"): 0 as
 * expected, 10 violated but expected to hold, 11 holds but expected violated, 20 unknown.
 */
export function exitFor(kind: string, expected: 'holds' | 'violated'): number {
  if (kind === 'unknown') return EXIT.unknown;
  if (kind === expected) return EXIT.ok;
  if (kind === 'violated') return EXIT.violation;
  if (kind === 'holds') return EXIT.mismatch;
  return EXIT.usage;
}

/**
 * Returns why a violation is not the expected one (another property broke first), or undefined.
 * BFS reports the shortest counterexample, so the property that breaks first is well defined.
 * `livenessAs` names the property a liveness counterexample (a non-progress cycle or a starved
 * thread) breaks, for models that give it one (the MMU's I11).
 */
export function propertyDiffers(v: CheckResult['verdict'], expected: 'holds' | 'violated', property: string | undefined, livenessAs?: string): string | undefined {
  if (v.kind !== 'violated' || expected !== 'violated' || property === undefined) return undefined;
  const live = v.witness.kind === 'non-progress' || v.witness.kind === 'starvation';
  const got = live && livenessAs !== undefined ? livenessAs : v.witness.property.replace(/^always:/, '');
  return got === property ? undefined : `${got} broke first, not ${property}`;
}

/** Returns `; witnesses reached: NAME (N steps), ...` for a holds line, or `` when the model declares none. */
function witnessText(result: CheckResult): string {
  const all = Object.entries(result.witnesses);
  if (all.length === 0) return '';
  const reached = all.filter(([, t]) => t).map(([k, t]) => `${k.replace(/^sometimes:/, '')} (${t!.actions.length} steps)`);
  return reached.length ? `; witnesses reached: ${reached.join(', ')}` : '; no witness reached';
}

/** The `check` command. */
export const checkCommand: Command = {
  name: 'check',
  summary: 'model-check a registered model (BFS/DFS/random, POR, symmetry, workers, shards)',
  usage,
  async run(argv, io) {
    const p = parse('check', argv, spec, 1);
    const name = p.positionals[0];
    const modelFile = str(p, 'model');
    let model: Model;
    let ref: ModelRef;
    let params: Record<string, number>;
    let label: string;
    let variantMeta: Record<string, unknown> = {};
    let modelKind = 'variant';
    let fileProperty: string | undefined;
    if (modelFile !== undefined) {
      // an MMU variant file: the same generic checker, strategies, budgets and workers as a registered model
      startWatchdog(str(p, 'time') !== undefined ? { limitSeconds: num(p, 'time', 0, 1e7)! } : {}); // its user code is bounded by --time
      const v = await loadVariant(modelFile);
      if (name !== undefined && name !== v.variant.from) fail('MMC001', `check: the variant file starts from '${v.variant.from}', not '${name}'`);
      params = resolveParams(v.machine.name, { doc: '', params: [], create: () => v.machine }, parseParamFlags(strs(p, 'param')));
      model = v.machine;
      ref = v.ref;
      label = v.machine.name;
      variantMeta = { scenario: v.variant.from, modelFile: v.file, ...(v.variant.expect ? { expect: v.variant.expect } : {}) };
      modelKind = v.variant.kind;
      if (v.variant.kind === 'scenario') fileProperty = v.scenario.expect.property;
    } else {
      if (name === undefined) fail('MMC001', `check: missing MODEL; models: ${Object.keys(checkModels).join(', ')}`);
      const entry = checkModels[name];
      if (!entry) fail('MMC005', `check: unknown model '${name}'; models: ${Object.keys(checkModels).join(', ')}`, { subject: name });
      params = resolveParams(name, entry, parseParamFlags(strs(p, 'param')));
      model = entry.create(params);
      ref = { moduleUrl: checkModelsUrl, exportName: 'checkModels', key: name, params };
      label = name;
    }
    const expectFlag = choice(p, 'expect', ['holds', 'violated'] as const);
    const ownExpect = modelFile !== undefined ? (variantMeta['expect'] as 'holds' | 'violated' | undefined) : findScenario(label)?.expect.verdict;
    const expected: 'holds' | 'violated' = expectFlag ?? ownExpect ?? 'holds';
    const expectedProperty = expectFlag !== undefined ? undefined : modelFile !== undefined ? fileProperty : findScenario(label)?.expect.property;
    // The MMU's I11 is judged in liveness mode too: a lasso (livelock, starved thread) breaks it.
    const livenessAs = model instanceof MmuMachine ? 'I11' : undefined;
    const expectSource = expectFlag !== undefined ? '--expect' : ownExpect !== undefined ? (modelFile !== undefined ? `the ${modelKind} file` : 'the scenario') : 'default';
    const mermaidPath = str(p, 'mermaid');
    if (mermaidPath !== undefined) requirePath('--mermaid', mermaidPath);
    if (mermaidPath !== undefined && !(model instanceof MmuMachine)) fail('MMC003', `--mermaid: only MMU scenarios and variant files have a sequence-diagram view (${label} is not one)`, { subject: '--mermaid' });
    const strategy = choice(p, 'strategy', ['bfs', 'dfs', 'random'] as const, 'bfs')!;
    const workers = workersFlag(str(p, 'workers'));
    if (workers > 1 && strategy !== 'bfs') fail('MMC003', `--workers ${workers}: worker threads run only --strategy bfs (got ${strategy})`, { subject: '--workers' });
    const json = bool(p, 'json');
    const quiet = bool(p, 'quiet');
    const itfPath = str(p, 'itf');
    if (itfPath !== undefined) requirePath('--itf', itfPath);
    const htmlPath = str(p, 'html');
    if (htmlPath !== undefined) requirePath('--html', htmlPath);
    const maxStates = int(p, 'max-states', 1, Number.MAX_SAFE_INTEGER);
    const maxDepth = int(p, 'max-depth', 0, 1e9);
    const time = num(p, 'time', 0, 1e7);
    const maxMem = int(p, 'max-memory', 1, 1 << 24);
    const seed = int(p, 'seed', 0, 2 ** 31 - 1);
    const walks = int(p, 'walks', 1, 1e9);
    const shardText = str(p, 'shard');
    let shard: { index: number; count: number } | undefined;
    if (shardText !== undefined) {
      const m = /^([0-9]+)\/([0-9]+)$/.exec(shardText);
      const i = m ? Number(m[1]) : NaN;
      const n = m ? Number(m[2]) : NaN;
      if (!m || !(n >= 1 && n <= 4096 && i >= 1 && i <= n)) fail('MMC003', `--shard ${shardText}: must be I/N with 1 <= I <= N <= 4096, e.g. --shard 2/8`, { subject: '--shard' });
      if (workers > 1) fail('MMC003', '--shard runs on one thread: drop --workers or run one shard per job', { subject: '--shard' });
      if (strategy === 'random') fail('MMC003', '--shard splits an exhaustive search: use --strategy bfs or dfs', { subject: '--shard' });
      shard = { index: i - 1, count: n };
    }
    const livenessFlag = onOff(p, 'liveness', true)!;
    const fairness = choice(p, 'fairness', ['weak', 'none'] as const, 'weak')!;
    const liveMode = livenessWanted(model, { strategy, liveness: livenessFlag });
    if (!liveMode) {
      // A flag that only liveness mode reads must not be accepted and then ignored.
      const why = strategy !== 'bfs' ? `liveness mode needs --strategy bfs (not ${strategy})` : !livenessFlag ? 'liveness mode is off (--liveness off)' : `${model.name} declares no eventually-property, progress step or per-thread progress`;
      if (onOff(p, 'liveness') === true) fail('MMC003', `--liveness on: ${why}`, { subject: '--liveness' });
      if (str(p, 'fairness') !== undefined) fail('MMC003', `--fairness: applies only in liveness mode, and ${why}`, { subject: '--fairness' });
    }
    if (liveMode && shard) fail('MMC003', '--shard: liveness mode needs the whole state graph; drop --shard or pass --liveness off', { subject: '--shard' });
    // Liveness mode keeps only own-thread merging (the ample sets and symmetry are not shown sound for
    // fair cycles): an explicit request for them must not be accepted and then switched off.
    for (const flag of ['por', 'symmetry'] as const) {
      if (liveMode && onOff(p, flag) === true) fail('MMC003', `--${flag} on: ${flag === 'por' ? 'partial-order reduction' : 'symmetry reduction'} applies in safety mode only, and liveness mode is on for ${model.name}; pass --liveness off`, { subject: `--${flag}` });
    }
    const live = quiet ? null : progressLine(io);
    const memory = maxMem !== undefined ? maxMem * 2 ** 20 : defaultMemoryBudget().bytes;
    const opts: CheckOptions = {
      strategy,
      por: onOff(p, 'por', model.porByDefault ?? true)!,
      merge: onOff(p, 'merge', true)!,
      symmetry: onOff(p, 'symmetry', true)!,
      liveness: livenessFlag,
      fairness,
      store: choice(p, 'store', ['fingerprint', 'exact'] as const, 'fingerprint')!,
      ...(maxStates !== undefined ? { maxStates } : {}),
      ...(maxDepth !== undefined ? { maxDepth } : {}),
      ...(time !== undefined ? { timeSeconds: time } : {}),
      maxMemoryBytes: memory,
      shouldStop: watchInterrupts(),
      ...(seed !== undefined ? { seed } : {}),
      ...(walks !== undefined ? { walks } : {}),
      ...(live ? { onProgress: live.tick } : {}),
    };
    let result: CheckResult;
    let shardRecord: Awaited<ReturnType<typeof checkShardAsync>>['shard'] | undefined;
    if (shard) {
      const r = await checkShardAsync(model, opts, shard.index, shard.count);
      result = r.result;
      shardRecord = r.shard;
    } else if (workers > 1) {
      result = await checkParallel(ref, { ...opts, workers });
    } else {
      result = await checkAsync(model, opts);
    }
    live?.clear();
    const v = result.verdict;
    const trace = v.kind === 'violated' ? v.witness.trace : undefined;
    let itf: ItfTrace | undefined;
    if (trace) {
      itf = traceItf(model, trace, { model: label, ...variantMeta, params, property: v.kind === 'violated' ? v.witness.property : '', kind: v.kind === 'violated' ? v.witness.kind : '', strategy, ...(strategy === 'random' ? { seed: seed ?? 1 } : {}) });
      if (itfPath !== undefined) writeOutputFile('--itf', itfPath, JSON.stringify(itf, null, 2) + '\n');
      if (htmlPath !== undefined) writeOutputFile('--html', htmlPath, renderTraceHtml(itf));
      if (mermaidPath !== undefined && model instanceof MmuMachine) writeOutputFile('--mermaid', mermaidPath, renderMermaid(model, traceSteps(model, trace.states[0]!, trace.actions)));
    }
    const s = result.stats;
    if (json) {
      const doc = {
        model: label,
        modelName: result.model,
        ...variantMeta,
        params,
        strategy,
        verdict: shardRecord ? shardRecord.verdict : v.kind,
        expected,
        expectedFrom: expectSource,
        asExpected: (shardRecord ? shardRecord.verdict : v.kind) === expected,
        ...(v.kind === 'holds' ? { domain: v.domain } : {}),
        ...(v.kind === 'unknown' ? { reason: v.reason } : {}),
        ...(v.kind === 'violated' ? { property: v.witness.property, kind: v.witness.kind, message: v.witness.message } : {}),
        ...(v.kind === 'error' ? { diagnostic: v.diagnostic } : {}),
        ...(trace ? { traceLength: trace.actions.length, trace: trace.labels } : {}),
        ...(itf && itfPath ? { itf: itfPath } : {}),
        ...(itf && htmlPath ? { html: htmlPath } : {}),
        complete: result.complete,
        reductions: result.reductions,
        ...(result.liveness ? { liveness: { ...result.liveness, ...(workers > 1 ? { workersAsked: workers } : {}) } } : {}),
        ...(trace?.lasso ? { loop: trace.lasso.loop } : {}),
        witnesses: Object.fromEntries(Object.entries(result.witnesses).map(([k, t]) => [k, t ? t.actions.length : null])),
        stats: s,
        ...(shardRecord ? { shard: shardRecord } : {}),
      };
      io.out(JSON.stringify(doc, null, 2));
      if (v.kind === 'error') io.err(`mmucheck: ${formatDiagnostic(v.diagnostic)}`);
    } else if (v.kind === 'error') {
      // a malformed or non-deterministic model: one diagnostic line on stderr, no statistics
      io.err(`mmucheck: ${formatDiagnostic(v.diagnostic)}`);
    } else {
      const head =
        v.kind === 'holds'
          ? `holds: ${v.domain}${witnessText(result)}`
          : v.kind === 'violated'
            ? `VIOLATED: ${v.witness.message}`
            : `unknown: ${v.reason}`;
      io.out(`${result.model}: ${head}`);
      if (itf && !quiet) io.out(renderItfText(itf));
      if (itf && itfPath) io.out(`trace written to ${itfPath}${model instanceof MmuMachine || modelFile === undefined ? ` (replay: mmucheck replay ${itfPath}${modelFile !== undefined ? ` --model ${modelFile}` : ''})` : ''}`);
      if (itf && mermaidPath) io.out(`Mermaid diagram written to ${mermaidPath}`);
      if (itf && htmlPath) io.out(`trace viewer written to ${htmlPath} (open it in a browser; arrows or j/k step)`);
      if (!itf) {
        const asked = [itfPath && '--itf', mermaidPath && '--mermaid', htmlPath && '--html'].filter((x): x is string => typeof x === 'string');
        if (asked.length > 0) io.out(`no counterexample to write: ${asked.join(', ')} not written`);
      }
      const got = shardRecord ? shardRecord.verdict : v.kind;
      if (got === 'holds' || got === 'violated') {
        const wrongProperty = propertyDiffers(v, expected, expectedProperty, livenessAs);
        io.out(`expected ${expected}${expectedProperty && expected === 'violated' ? ` ${expectedProperty}` : ''} (${expectSource}): ${got === expected && !wrongProperty ? 'as expected' : `NOT as expected${wrongProperty ? `: ${wrongProperty}` : ''}`}`);
      }
      io.out(
        `${s.distinctStates} distinct states, ${s.generatedStates} generated, depth ${s.maxDepth}, ${s.seconds.toFixed(2)} s, ${(s.distinctStates / Math.max(s.seconds, 1e-9) / 1e6).toFixed(2)} M states/s, ${(s.peakMemoryBytes / 2 ** 20).toFixed(0)} MiB peak, ${s.bytesPerState.toFixed(1)} bytes/state${s.workers > 1 ? `, ${s.workers} workers` : ''}${s.missedStateProbability > 0 ? `, P(missed state) ~ ${s.missedStateProbability.toExponential(1)}` : ''}`,
      );
      if (result.liveness) {
        const lv = result.liveness;
        io.out(
          `liveness: ${lv.fairness === 'weak' ? 'weak fairness per thread' : 'no fairness'}; judged: ${lv.judged.join(', ') || 'nothing'}; ${lv.edges} edges, ${lv.bytesPerEdge.toFixed(1)} bytes/edge, cycle analysis ${lv.sccSeconds.toFixed(2)} s; ${lv.notes.join('; ')}${workers > 1 ? ` (--workers ${workers} not used)` : ''}`,
        );
      }
      const declaresLiveness = livenessWanted(model, { strategy: 'bfs', liveness: true });
      if (!result.liveness && declaresLiveness) io.out(`liveness not judged (${livenessFlag ? `--strategy ${strategy}` : '--liveness off'}): eventually-properties on acyclic paths only, progress steps ignored`);
      if (shardRecord) io.out(`shard ${shard!.index + 1}/${shard!.count}: ${shardRecord.verdict} (sometimes judged by 'mmucheck merge')`);
    }
    if (v.kind === 'error') return EXIT.usage;
    if (!shardRecord && propertyDiffers(v, expected, expectedProperty, livenessAs)) return EXIT.mismatch;
    return exitFor(shardRecord ? shardRecord.verdict : v.kind, expected);
  },
};
