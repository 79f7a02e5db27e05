/**
 * Replay of an ITF trace of a registered (non-MMU) model, `mmucheck replay FILE`: the model is
 * rebuilt from `#meta.model` and `#meta.params`, and every step re-executed by its label.
 *
 * A lasso (top-level `loop`, see src/report/itf.ts) is confirmed to close: from the last state,
 * the action labelled `#meta.lasso.loopAction` must be enabled and its successor must be the state
 * at index `loop`, both as recorded (ITF values) and as re-executed (the model's state words), so
 * the run `states[0..]`, then `states[loop..]` repeated, is a real infinite run of the model.
 */
import { fail } from '../core/diagnostic.js';
import { resolveParams, type Model, type ModelEntry } from '../check/index.js';
import { sameItfValue, type ItfDocument } from '../mmu/trace.js';

/** The outcome of a model replay. */
export interface ModelReplay {
  readonly steps: number;
  readonly model: Model;
  /** Always-properties broken in the last state. */
  readonly broken: readonly string[];
  /** The lasso's loop start and closing action, when the trace is a lasso that closes. */
  readonly loop: { readonly index: number; readonly action: string } | null;
  readonly trace: { readonly states: readonly Int32Array[]; readonly actions: readonly number[]; readonly labels: readonly string[] };
}

/** Returns true when the model's ITF of `s` equals the recorded state (as JSON values). */
function same(model: Model, recorded: Readonly<Record<string, unknown>>, vars: readonly string[], s: Int32Array): string | undefined {
  const actual = JSON.parse(JSON.stringify(model.toItf(s))) as Record<string, unknown>;
  return vars.find((v) => !sameItfValue(recorded[v], actual[v]));
}

/** Returns the model a trace names (`#meta.model`, `#meta.params`), MMC203 when it names none. */
export function modelOfTrace(file: string, t: ItfDocument, models: Readonly<Record<string, ModelEntry>>): Model {
  const name = t['#meta']['model'];
  if (typeof name !== 'string' || models[name] === undefined) fail('MMC203', `replay: ${file}: #meta.model ${JSON.stringify(name)} is not a registered model (see 'mmucheck check --help')`, { subject: file });
  const raw = t['#meta']['params'] ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Object.values(raw).every((x) => typeof x === 'number')) {
    fail('MMC203', `replay: ${file}: #meta.params is ${JSON.stringify(raw)}; allowed: an object of integer parameters`, { subject: file });
  }
  const entry = models[name]!;
  return entry.create(resolveParams(name, entry, raw as Record<string, number>));
}

/** Re-executes the trace on `model` (see the module comment); MMC203 naming the step that does not replay. */
export function replayModelItf(file: string, model: Model, t: ItfDocument, loopField: unknown): ModelReplay {
  const vars = t.vars;
  const S = model.stateSize;
  const init = model.initStates().find((s) => same(model, t.states[0]!, vars, s) === undefined);
  if (init === undefined) fail('MMC203', `replay: ${file}: the trace does not start in an initial state of ${model.name}`, { subject: file });
  let s: Int32Array = init.slice();
  const states: Int32Array[] = [s];
  const actions: number[] = [];
  const labels: string[] = [];
  /** Takes the action labelled `want` in `s`; returns the successor. */
  const step = (i: number, want: string): { a: number; nx: Int32Array } => {
    const acts: number[] = [];
    model.actions(s, acts);
    const nx = new Int32Array(S);
    const a = acts.find((x) => model.formatAction(s, x) === want && model.next(s, x, nx));
    if (a === undefined) fail('MMC203', `replay: ${file}: state ${i}: action '${want}' is not enabled here`, { subject: file, hint: `enabled: ${acts.map((x) => model.formatAction(s, x)).join('; ')}` });
    return { a, nx };
  };
  for (let i = 1; i < t.states.length; i++) {
    const want = t.states[i]!['mbt::actionTaken'] as string;
    const { a, nx } = step(i, want);
    const v = same(model, t.states[i]!, vars, nx);
    if (v !== undefined) fail('MMC203', `replay: ${file}: state ${i} after '${want}' differs from the recorded state in variable '${v}'`, { subject: file });
    s = nx;
    states.push(nx);
    actions.push(a);
    labels.push(want);
  }
  let loop: ModelReplay['loop'] = null;
  if (loopField !== undefined) {
    const n = t.states.length;
    if (typeof loopField !== 'number' || !Number.isInteger(loopField) || loopField < 0 || loopField >= n) {
      fail('MMC203', `replay: ${file}: loop is ${JSON.stringify(loopField)}; allowed: the index of a state, 0..${n - 1}`, { subject: file });
    }
    const lm = t['#meta']['lasso'] as { loopAction?: unknown } | undefined;
    const want = lm?.loopAction;
    if (typeof want !== 'string') fail('MMC203', `replay: ${file}: a lasso (loop ${loopField}) needs #meta.lasso.loopAction, the label of the action that closes the loop`, { subject: file });
    const { a, nx } = step(n, want);
    const v = same(model, t.states[loopField]!, vars, nx);
    const back = states[loopField]!;
    let words = true;
    for (let k = 0; k < S && words; k++) if (back[k] !== nx[k]) words = false;
    if (v !== undefined || !words) fail('MMC203', `replay: ${file}: the loop does not close: '${want}' from state ${n - 1} does not return to state ${loopField}${v !== undefined ? ` (variable '${v}' differs)` : ''}`, { subject: file });
    actions.push(a);
    labels.push(want);
    states.push(nx);
    loop = { index: loopField, action: want };
  }
  const broken = model.properties().filter((p) => p.expectation === 'always' && !p.check(states[states.length - 1]!)).map((p) => p.name);
  return { steps: actions.length, model, broken, loop, trace: { states, actions, labels } };
}
