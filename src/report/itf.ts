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

/** An ITF trace document. */
export interface ItfTrace {
  readonly '#meta': { readonly format: 'ITF'; readonly 'format-description': string; readonly source: string; readonly description?: string; readonly [k: string]: unknown };
  readonly vars: readonly string[];
  readonly states: readonly ItfState[];
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
  };
}

/**
 * Returns the ITF trace of a checker trace of `model`: every state through `model.toItf`, each
 * action's label as `mbt::actionTaken`, and the model's step notes when it decorates its steps.
 * This is the one ITF writer (`check --itf`, proof goldens, `replay`).
 */
export function modelTraceItf(model: Model, trace: Pick<Trace, 'states' | 'actions' | 'labels'>, meta: Readonly<Record<string, unknown>> = {}): ItfTrace {
  return itfTrace({
    source: model.name,
    states: trace.states.map((s) => model.toItf(s)),
    actions: ['init', ...trace.labels],
    meta,
    ...(isItfStepDecorator(model) ? { notes: model.itfStepNotes(trace.states, trace.actions) } : {}),
  });
}

/** Returns true when some state of the trace carries step notes. */
export function itfHasNotes(itf: ItfTrace): boolean {
  return itf.states.some((s) => (s['#meta'].notes?.length ?? 0) > 0);
}

/** Returns the step view of a decorated trace: each step's action and its notes (no variable dumps). */
export function renderItfSteps(itf: ItfTrace): string {
  const lines: string[] = [];
  itf.states.forEach((s, i) => {
    if (i > 0) lines.push(`${String(i).padStart(3)}  ${String((s as Record<string, unknown>)['mbt::actionTaken'] ?? '')}`);
    for (const n of s['#meta'].notes ?? []) lines.push(i === 0 ? n : `       ${n}`);
  });
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
  itf.states.forEach((s, i) => {
    const action = String((s as Record<string, unknown>)['mbt::actionTaken'] ?? '');
    lines.push(i === 0 ? `state 0 (${action || 'init'}):` : `step ${i}: ${action}`);
    const cur: Record<string, string> = {};
    for (const v of itf.vars) {
      cur[v] = renderItfValue((s as Record<string, unknown>)[v]);
      if (i === 0 || cur[v] !== prev[v]) lines.push(`    ${v} = ${cur[v]}`);
    }
    prev = cur;
  });
  return lines.join('\n');
}
