/**
 * ITF traces (the Apalache / Quint "Informal Trace Format"): the one counterexample format. Every
 * text view is rendered from the ITF, so a trace file, the CLI output and golden tests agree.
 *
 * @example
 *   const itf = itfTrace({ source: 'tdp-cas', states: trace.states.map((s) => model.toItf(s)), actions: ['init', ...trace.labels] });
 *   console.log(renderItfText(itf));
 */
import type { ItfValue } from '../check/model.js';

/** One state of an ITF trace: its variables plus `#meta.index` and `mbt::actionTaken`. */
export interface ItfState {
  readonly '#meta': { readonly index: number };
  readonly [name: string]: ItfValue | { readonly index: number };
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
      const st: Record<string, unknown> = { '#meta': { index: i } };
      for (const v of vars) st[v] = toItfValue(s[v]);
      st['mbt::actionTaken'] = args.actions[i] ?? '';
      return st as unknown as ItfState;
    }),
  };
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

/** Returns the trace as text: the first state in full, then each step's action and changed variables. */
export function renderItfText(itf: ItfTrace): string {
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
