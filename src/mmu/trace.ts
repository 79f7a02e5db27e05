/**
 * Counterexample views of the executable MMU, all rebuilt from a path of actions: the step notes
 * (thread, step, shared state touched, SPTE before/after decoded by field, SEAMCALL and status,
 * broken invariant) that the one ITF writer (src/report/itf.ts) stores per state, a Mermaid
 * sequence diagram, and `replayItf`, which re-executes an ITF trace against the machine and
 * confirms every state.
 */
import { fail } from '../core/diagnostic.js';
import type { ItfValue } from '../check/model.js';
import type { StepRecord } from './ctx.js';
import { G } from './layout.js';
import type { MmuMachine } from './machine.js';

/** One executed step of a trace. */
export interface TraceStep {
  readonly index: number;
  readonly thread: string;
  /** `op.step` */
  readonly step: string;
  readonly action: string;
  readonly record: StepRecord;
  /** Invariants broken after this step (I-numbers). */
  readonly broken: readonly string[];
  readonly state: Int32Array;
}

/** Returns the executed steps of a path (re-run with recording). */
export function traceSteps(mm: MmuMachine, init: Int32Array, actions: readonly number[]): TraceStep[] {
  const out: TraceStep[] = [];
  let s = init;
  const always = mm.properties().filter((p) => p.expectation === 'always');
  actions.forEach((a, i) => {
    const action = mm.formatAction(s, a);
    const step = mm.threadAt(s, a);
    const r = mm.traceStep(s, a);
    if (r === undefined) fail('MMC201', `step ${i + 1} (${action}) is not enabled on replay: the model is not deterministic`);
    s = r.next;
    out.push({ index: i + 1, thread: mm.threadNames[a] ?? `T${a}`, step, action, record: r.record, broken: always.filter((p) => !p.check(s)).map((p) => p.name), state: s });
  });
  return out;
}

/** The outcome of a replay. */
export interface ReplayOutcome {
  readonly steps: number;
  /** Invariants broken in the last state. */
  readonly broken: readonly string[];
  readonly actions: readonly number[];
  /** The re-executed path: states (initial first), actions and their labels. */
  readonly trace: { readonly states: readonly Int32Array[]; readonly actions: readonly number[]; readonly labels: readonly string[] };
}

/**
 * Re-executes an ITF trace (as written by the one ITF writer, `modelTraceItf` of src/report)
 * against the machine: each `mbt::actionTaken` must name an enabled
 * action and the resulting state must equal the recorded one (MMC203 otherwise).
 */
export function replayItf(mm: MmuMachine, trace: unknown): ReplayOutcome {
  const t = trace as Partial<{ states: Record<string, ItfValue>[] }>;
  if (!t || !Array.isArray(t.states) || t.states.length === 0) fail('MMC203', 'not an ITF trace: no states');
  const canon = (st: Record<string, ItfValue>): string => {
    const { ['#meta']: _m, ['mbt::actionTaken']: _a, ...rest } = st as Record<string, ItfValue>;
    return JSON.stringify(rest);
  };
  let s = mm.initStates()[0]!;
  if (canon(t.states[0]!) !== JSON.stringify(mm.toItf(s))) fail('MMC203', 'the trace does not start in the initial state of this model (different scenario or variant?)');
  const actions: number[] = [];
  const states: Int32Array[] = [s];
  const labels: string[] = [];
  for (let i = 1; i < t.states.length; i++) {
    const want = t.states[i]!['mbt::actionTaken'];
    const acts: number[] = [];
    mm.actions(s, acts);
    const a = acts.find((x) => mm.formatAction(s, x) === want);
    if (a === undefined) {
      fail('MMC203', `state ${i}: action '${String(want)}' is not enabled here`, { hint: `enabled: ${acts.map((x) => mm.formatAction(s, x)).join('; ')}` });
    }
    const nx = new Int32Array(mm.stateSize);
    mm.next(s, a, nx);
    if (JSON.stringify(mm.toItf(nx)) !== canon(t.states[i]!)) fail('MMC203', `state ${i} after '${String(want)}' differs from the recorded state`);
    s = nx;
    actions.push(a);
    states.push(nx);
    labels.push(String(want));
  }
  const broken = mm.properties().filter((p) => p.expectation === 'always' && !p.check(s)).map((p) => p.name);
  return { steps: actions.length, broken, actions, trace: { states, actions, labels } };
}

/**
 * Returns the step notes of a trace, one list per state (the initial state's list is empty): the
 * shared state each step touched, every SPTE change as 64-bit values decoded by field, every
 * SEAMCALL with its status, the step's decisions, and after the last step the invariants that
 * broke and why. The ITF writer keeps them in `#meta.notes`; the step table is rendered from them.
 */
export function stepNotes(mm: MmuMachine, steps: readonly TraceStep[]): string[][] {
  const d = mm.spec.display;
  const out: string[][] = [[]];
  for (const st of steps) {
    const lines: string[] = [];
    const touched = st.record.touched.filter((x) => !/^(CAS|XCHG|W) /.test(x));
    if (touched.length) lines.push(`touched: ${touched.join('; ')}`);
    for (const sp of st.record.sptes) {
      const mirror = sp.where.startsWith('mirror');
      const b = d.spte64(sp.before, mirror);
      const a = d.spte64(sp.after, mirror);
      lines.push(`${sp.where}: 0x${b.toString(16).padStart(16, '0')} [${d.decode64(b)}]`);
      lines.push(`${' '.repeat(sp.where.length)}  -> 0x${a.toString(16).padStart(16, '0')} [${d.decode64(a)}]`);
    }
    for (const sc of st.record.seamcalls) lines.push(`SEAMCALL ${sc.name}(${sc.args}) = ${sc.status}`);
    for (const n of st.record.notes) lines.push(n);
    out.push(lines);
  }
  const last = steps[steps.length - 1];
  if (last && last.broken.length) {
    const inv = mm.properties().filter((p) => last.broken.includes(p.name));
    const tail = out[out.length - 1]!;
    tail.push(`broken after step ${last.index}: ${inv.map((p) => `${p.name} (${p.doc ?? ''})`).join('; ')}`);
    const vi = last.state[G.vinfo]!;
    if (vi !== 0) tail.push(`first recorded by ${mm.threadNames[(vi & 255) - 1] ?? '?'} at pc ${vi >> 8}`);
  }
  return out;
}

/** Returns a Mermaid sequence diagram of a trace (threads, the SPTE tree, the TDX module). */
export function renderMermaid(mm: MmuMachine, steps: readonly TraceStep[]): string {
  const lines = ['sequenceDiagram'];
  for (const n of mm.threadNames) lines.push(`  participant ${n}`);
  lines.push('  participant SPTE as SPTE tree', '  participant TDX as TDX module');
  const esc = (x: string): string => x.replace(/[;#]/g, ',').replace(/[<>]/g, '');
  for (const st of steps) {
    const who = st.thread;
    const spt = st.record.sptes;
    if (spt.length) {
      for (const sp of spt) lines.push(`  ${who}->>SPTE: ${esc(st.step)}: ${esc(sp.where)} ${esc(mmFormat(mm, sp.before))} to ${esc(mmFormat(mm, sp.after))}`);
    }
    for (const sc of st.record.seamcalls) {
      lines.push(`  ${who}->>TDX: ${esc(sc.name)}(${esc(sc.args)})`);
      lines.push(`  TDX-->>${who}: ${esc(sc.status)}`);
    }
    if (!spt.length && !st.record.seamcalls.length) lines.push(`  Note over ${who}: ${esc(st.step)}${st.record.touched.length ? ' ' + esc(st.record.touched.join(', ')) : ''}`);
    for (const n of st.record.notes) if (n.startsWith('BROKEN')) lines.push(`  Note over ${who}: ${esc(n)}`);
  }
  const last = steps[steps.length - 1];
  if (last && last.broken.length) lines.push(`  Note over ${mm.threadNames[0] ?? 'SPTE'}: broken ${last.broken.join(', ')}`);
  return lines.join('\n') + '\n';
}

function mmFormat(mm: MmuMachine, v: number): string {
  return mm.spec.display.decode64(mm.spec.display.spte64(v, false));
}
