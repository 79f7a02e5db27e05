/**
 * ITF traces (the Apalache / Quint "Informal Trace Format"): the one counterexample format. Every
 * text view is rendered from the ITF, so a trace file, the CLI output and golden tests agree.
 *
 * @example
 *   const itf = itfTrace({ source: 'tdp-cas', states: trace.states.map((s) => model.toItf(s)), actions: ['init', ...trace.labels] });
 *   console.log(renderItfText(itf));
 */
import type { ItfValue, Model } from '../check/model.js';
import type { Trace } from '../check/types.js';

/**
 * One state of an ITF trace: its variables plus `#meta.index`, `mbt::actionTaken` and, for models
 * that decorate their steps, `#meta.notes` (text lines describing the step into this state).
 */
export interface ItfState {
  readonly '#meta': { readonly index: number; readonly notes?: readonly string[] };
  readonly [name: string]: ItfValue | { readonly index: number; readonly notes?: readonly string[] };
}

/**
 * A model that describes each step of a trace in its own words (e.g. the executable MMU: SPTE
 * before/after decoded by field, SEAMCALL and status, the invariant that broke). The ITF writer
 * stores the lines in each state's `#meta.notes`; the text views print them.
 */
export interface ItfStepDecorator {
  /** Returns, for each state of the path (initial state first), the lines describing the step into it. */
  itfStepNotes(states: readonly Int32Array[], actions: readonly number[]): readonly (readonly string[])[];
}

/** Returns true when `x` decorates its trace steps ({@link ItfStepDecorator}). */
export function isItfStepDecorator(x: unknown): x is ItfStepDecorator {
  return typeof x === 'object' && x !== null && typeof (x as { itfStepNotes?: unknown }).itfStepNotes === 'function';
}

/**
 * A model that describes a whole trace for its viewers (e.g. the executable MMU: every SPTE word of
 * the trace decoded by field with the decoder of `mmucheck decode`, and each step's documentation
 * and the kernel function it models). The ITF writer stores the record in the trace's `#meta`, so
 * the HTML viewer is rendered from the ITF alone.
 */
export interface ItfTraceDescriber {
  /** Returns `#meta` fields describing the path (initial state first). */
  itfTraceMeta(states: readonly Int32Array[], actions: readonly number[]): Readonly<Record<string, unknown>>;
}

/** Returns true when `x` describes its traces ({@link ItfTraceDescriber}). */
export function isItfTraceDescriber(x: unknown): x is ItfTraceDescriber {
  return typeof x === 'object' && x !== null && typeof (x as { itfTraceMeta?: unknown }).itfTraceMeta === 'function';
}

/** An ITF trace document. */
export interface ItfTrace {
  readonly '#meta': { readonly format: 'ITF'; readonly 'format-description': string; readonly source: string; readonly description?: string; readonly [k: string]: unknown };
  readonly vars: readonly string[];
  readonly states: readonly ItfState[];
  /**
   * A lasso (the ITF format's field): the index of the loop-start state. The states are not
   * repeated: the run goes on from the last state, by the action `#meta.lasso.loopAction`, to
   * `states[loop]`, and repeats `states[loop..]` forever.
   */
  readonly loop?: number;
}

/** The fairness notes of a lasso, kept in the ITF's `#meta.lasso`. */
export interface ItfLassoMeta {
  /** Index of the loop-start state (the same as the top-level `loop`). */
  readonly loop: number;
  /** Label of the action that closes the loop: from the last state to `states[loop]`. */
  readonly loopAction: string;
  readonly fairness: string;
  /** Per thread: enabled in every state of the loop, and whether it moved in the loop. */
  readonly threads: readonly { readonly thread: number; readonly enabledThroughout: boolean; readonly moved: boolean }[];
}

/** Converts plain JS values to ITF values (bigint → `{"#bigint"}`, arrays and records recursively). */
export function toItfValue(v: unknown): ItfValue {
  if (typeof v === 'bigint') return { '#bigint': v.toString() };
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toItfValue);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, ItfValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toItfValue(x);
    return out;
  }
  return String(v);
}

/**
 * Returns an ITF trace from per-state variable records and the action taken into each state
 * (`actions[0]` is usually `init`).
 */
export function itfTrace(args: {
  readonly source: string;
  readonly description?: string;
  readonly states: readonly Record<string, unknown>[];
  readonly actions: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
  /** Per state (same indices as `states`): lines describing the step into it, kept in `#meta.notes`. */
  readonly notes?: readonly (readonly string[])[];
  /** A lasso's loop-start index (the top-level `loop`). */
  readonly loop?: number;
}): ItfTrace {
  const vars = args.states.length ? Object.keys(args.states[0]!) : [];
  return {
    '#meta': {
      format: 'ITF',
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      source: args.source,
      ...(args.description !== undefined ? { description: args.description } : {}),
      ...(args.meta ?? {}),
    },
    vars,
    states: args.states.map((s, i) => {
      const n = args.notes?.[i];
      const st: Record<string, unknown> = { '#meta': n !== undefined && n.length > 0 ? { index: i, notes: [...n] } : { index: i } };
      for (const v of vars) st[v] = toItfValue(s[v]);
      st['mbt::actionTaken'] = args.actions[i] ?? '';
      return st as unknown as ItfState;
    }),
    ...(args.loop !== undefined ? { loop: args.loop } : {}),
  };
}

/**
 * Returns the ITF trace of a checker trace of `model`: every state through `model.toItf`, each
 * action's label as `mbt::actionTaken`, the model's step notes when it decorates its steps, and
 * its description of the trace in `#meta` when it describes traces ({@link ItfTraceDescriber}).
 * This is the one ITF writer (`check --itf`, proof goldens, `replay`).
 */
export function modelTraceItf(model: Model, trace: Pick<Trace, 'states' | 'actions' | 'labels'> & { readonly lasso?: Trace['lasso'] }, meta: Readonly<Record<string, unknown>> = {}): ItfTrace {
  const lasso = trace.lasso;
  if (lasso !== undefined && trace.actions.length > 0) {
    // The last state repeats states[loop]: it is dropped, and the closing action goes to #meta.lasso.
    const n = trace.actions.length;
    const notes = isItfStepDecorator(model) ? model.itfStepNotes(trace.states, trace.actions).slice(0, n) : undefined;
    const lm: ItfLassoMeta = { loop: lasso.loop, loopAction: trace.labels[n - 1]!, fairness: lasso.fairness, threads: lasso.threads };
    return itfTrace({
      source: model.name,
      states: trace.states.slice(0, n).map((s) => model.toItf(s)),
      actions: ['init', ...trace.labels.slice(0, n - 1)],
      meta: { ...meta, lasso: lm },
      ...(notes !== undefined ? { notes } : {}),
      loop: lasso.loop,
    });
  }
  return itfTrace({
    source: model.name,
    states: trace.states.map((s) => model.toItf(s)),
    actions: ['init', ...trace.labels],
    meta: isItfTraceDescriber(model) ? { ...model.itfTraceMeta(trace.states, trace.actions), ...meta } : meta,
    ...(isItfStepDecorator(model) ? { notes: model.itfStepNotes(trace.states, trace.actions) } : {}),
  });
}

/** Returns true when some state of the trace carries step notes. */
export function itfHasNotes(itf: ItfTrace): boolean {
  return itf.states.some((s) => (s['#meta'].notes?.length ?? 0) > 0);
}

/** Returns the lasso notes of an ITF trace (`#meta.lasso`), when it is a well-formed lasso. */
export function itfLasso(itf: Pick<ItfTrace, '#meta' | 'loop' | 'states'>): ItfLassoMeta | undefined {
  const m = itf['#meta']['lasso'] as ItfLassoMeta | undefined;
  if (itf.loop === undefined || m === undefined || typeof m !== 'object' || typeof m.loopAction !== 'string' || !Array.isArray(m.threads)) return undefined;
  return m;
}

/** The marker line printed after the loop-start state of a lasso (state `i`, of `n` states). */
export function loopStartLine(i: number, n: number): string {
  return `--- loop starts at state ${i} (above): steps ${i + 1}..${n} repeat forever ---`;
}

/** Returns the closing lines of a lasso: the action back to the loop start, and per thread whether it was enabled throughout the loop and moved. */
function lassoLines(itf: ItfTrace): string[] {
  const l = itfLasso(itf);
  if (l === undefined) return [];
  const n = itf.states.length;
  const out = [`${String(n).padStart(3)}  ${l.loopAction}`, `--- loop closes: this step returns to state ${itf.loop} (${l.fairness === 'weak' ? 'weak fairness' : 'no fairness assumed'}) ---`];
  for (const t of l.threads) out.push(`     thread ${t.thread}: ${t.enabledThroughout ? 'enabled throughout the loop' : 'not enabled throughout the loop'}, ${t.moved ? 'moved in it' : 'never moved in it'}`);
  return out;
}

/** Returns the step view of a decorated trace: each step's action and its notes (no variable dumps). */
export function renderItfSteps(itf: ItfTrace): string {
  const lines: string[] = [];
  itf.states.forEach((s, i) => {
    if (i > 0) lines.push(`${String(i).padStart(3)}  ${String((s as Record<string, unknown>)['mbt::actionTaken'] ?? '')}`);
    for (const n of s['#meta'].notes ?? []) lines.push(i === 0 ? n : `       ${n}`);
    if (itf.loop === i && itfLasso(itf)) lines.push(loopStartLine(i, itf.states.length));
  });
  lines.push(...lassoLines(itf));
  return lines.join('\n');
}

/** Returns an ITF value as compact text (`{"#bigint"}` as hex). */
export function renderItfValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v !== 'object') return typeof v === 'string' ? v : String(v);
  if (Array.isArray(v)) return `[${v.map(renderItfValue).join(', ')}]`;
  const o = v as Record<string, unknown>;
  if (typeof o['#bigint'] === 'string') {
    const b = BigInt(o['#bigint']);
    return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
  }
  if (Array.isArray(o['#tup'])) return `(${(o['#tup'] as unknown[]).map(renderItfValue).join(', ')})`;
  if (Array.isArray(o['#set'])) return `{${(o['#set'] as unknown[]).map(renderItfValue).join(', ')}}`;
  if (Array.isArray(o['#map'])) return `map{${(o['#map'] as [unknown, unknown][]).map(([k, x]) => `${renderItfValue(k)} -> ${renderItfValue(x)}`).join(', ')}}`;
  return `{ ${Object.entries(o)
    .map(([k, x]) => `${k}: ${renderItfValue(x)}`)
    .join(', ')} }`;
}

/**
 * Returns the trace as text: the first state in full, then each step's action and changed
 * variables. A decorated trace (step notes) is shown as its step view instead ({@link renderItfSteps}).
 */
export function renderItfText(itf: ItfTrace): string {
  if (itfHasNotes(itf)) return renderItfSteps(itf);
  const lines: string[] = [];
  let prev: Record<string, string> = {};
  const lasso = itfLasso(itf);
  itf.states.forEach((s, i) => {
    const action = String((s as Record<string, unknown>)['mbt::actionTaken'] ?? '');
    lines.push(i === 0 ? `state 0 (${action || 'init'}):` : `step ${i}: ${action}`);
    const cur: Record<string, string> = {};
    for (const v of itf.vars) {
      cur[v] = renderItfValue((s as Record<string, unknown>)[v]);
      if (i === 0 || cur[v] !== prev[v]) lines.push(`    ${v} = ${cur[v]}`);
    }
    prev = cur;
    if (lasso !== undefined && itf.loop === i) lines.push(loopStartLine(i, itf.states.length));
  });
  if (lasso !== undefined) {
    lines.push(`step ${itf.states.length}: ${lasso.loopAction}`, ...lassoLines(itf).slice(1));
  }
  return lines.join('\n');
}
