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
import { G, MS, R, RF, T, TS } from './layout.js';
import type { MmuMachine } from './machine.js';
import { parseSpte } from './spte.js';
import { isObject } from '../core/shape.js';

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

/** An ITF document whose structure {@link validateItfTrace} confirmed. */
export interface ItfDocument {
  readonly '#meta': Readonly<Record<string, unknown>>;
  readonly vars: readonly string[];
  /** Each state: its variables (exactly `vars`), optional `#meta` and, after the first, `mbt::actionTaken`. */
  readonly states: readonly Readonly<Record<string, unknown>>[];
}

/** Keys of an ITF state that are not variables. */
const STATE_EXTRA = new Set(['#meta', 'mbt::actionTaken']);

/** Returns a value as short JSON text for a message. */
function shown(x: unknown): string {
  const t = JSON.stringify(x) ?? String(x);
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}


/**
 * Returns `doc` as an ITF document, or raises MMC203 naming what is wrong: the document must be an
 * object with a `#meta` object, `vars` (a list of names) and `states` (a non-empty list of objects,
 * each holding exactly the variables in `vars`, an optional `#meta` object, and from the second
 * state on the `mbt::actionTaken` label). Everything the one ITF writer (src/report/itf.ts) writes
 * passes. `source` (e.g. `replay: FILE`) starts the message.
 */
export function validateItfTrace(doc: unknown, source?: string): ItfDocument {
  const bad: (what: string) => never = (what) => fail('MMC203', `${source !== undefined ? `${source}: ` : ''}not an ITF trace: ${what}; give the file written by 'mmucheck check --itf FILE'`, source !== undefined ? { subject: source } : {});
  if (!isObject(doc)) bad(`the document is ${shown(doc)}, not an object with #meta, vars and states`);
  if (!isObject(doc['#meta'])) bad(`field '#meta' is ${shown(doc['#meta'])}, not an object`);
  const vars = doc['vars'];
  if (!Array.isArray(vars) || !vars.every((v) => typeof v === 'string')) bad(`field 'vars' is ${shown(vars)}, not a list of variable names`);
  const states = doc['states'];
  if (!Array.isArray(states) || states.length === 0) bad(`field 'states' is ${shown(states)}, not a non-empty list of states`);
  states.forEach((st: unknown, i: number) => {
    if (!isObject(st)) bad(`state ${i} is ${shown(st)}, not an object`);
    if (st['#meta'] !== undefined && !isObject(st['#meta'])) bad(`state ${i}: '#meta' is ${shown(st['#meta'])}, not an object`);
    const missing = vars.find((v: string) => !(v in st));
    if (missing !== undefined) bad(`state ${i} has no variable '${missing}' (listed in vars)`);
    const extra = Object.keys(st).find((k) => !STATE_EXTRA.has(k) && !vars.includes(k));
    if (extra !== undefined) bad(`state ${i} has variable '${extra}', which is not listed in vars`);
    if (i > 0 && typeof st['mbt::actionTaken'] !== 'string') bad(`state ${i}: 'mbt::actionTaken' is ${shown(st['mbt::actionTaken'])}, not the label of an action`);
  });
  return doc as unknown as ItfDocument;
}

/** Returns true when two JSON values are equal as values: object keys in any order, arrays in order. */
export function sameItfValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameItfValue(x, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && sameItfValue(a[k], b[k]));
}

/**
 * Returns the first variable of `vars` whose recorded value differs from the model's, or undefined.
 * The model's values are taken as a trace file holds them (through JSON).
 */
function differingVar(vars: readonly string[], recorded: Readonly<Record<string, unknown>>, actual: Readonly<Record<string, ItfValue>>): string | undefined {
  const written = JSON.parse(JSON.stringify(actual)) as Record<string, unknown>;
  return vars.find((v) => !sameItfValue(recorded[v], written[v]));
}

/**
 * Re-executes an ITF trace (as written by the one ITF writer, `modelTraceItf` of src/report)
 * against the machine. The trace is validated first ({@link validateItfTrace}); its variables must
 * be the machine's; each `mbt::actionTaken` must name an enabled action, and the resulting state
 * must equal the recorded one as a value (key order does not matter). MMC203 otherwise, naming the
 * state and the first differing variable.
 */
export function replayItf(mm: MmuMachine, trace: unknown): ReplayOutcome {
  const t = validateItfTrace(trace);
  let s = mm.initStates()[0]!;
  const first = mm.toItf(s);
  const own = Object.keys(first);
  if (own.length !== t.vars.length || !own.every((v) => t.vars.includes(v))) {
    fail('MMC203', `the trace's vars (${t.vars.join(', ')}) are not the variables of ${mm.name} (${own.join(', ')})`);
  }
  const v0 = differingVar(own, t.states[0]!, first);
  if (v0 !== undefined) fail('MMC203', `the trace does not start in the initial state of ${mm.name} (variable '${v0}' differs): a different scenario or variant?`);
  const actions: number[] = [];
  const states: Int32Array[] = [s];
  const labels: string[] = [];
  for (let i = 1; i < t.states.length; i++) {
    const want = t.states[i]!['mbt::actionTaken'] as string;
    const acts: number[] = [];
    mm.actions(s, acts);
    const a = acts.find((x) => mm.formatAction(s, x) === want);
    if (a === undefined) {
      fail('MMC203', `state ${i}: action '${want}' is not enabled here`, { hint: `enabled: ${acts.map((x) => mm.formatAction(s, x)).join('; ')}` });
    }
    const nx = new Int32Array(mm.stateSize);
    mm.next(s, a, nx);
    const v = differingVar(own, t.states[i]!, mm.toItf(nx));
    if (v !== undefined) fail('MMC203', `state ${i} after '${want}' differs from the recorded state in variable '${v}'`);
    s = nx;
    actions.push(a);
    states.push(nx);
    labels.push(want);
  }
  const broken = mm.properties().filter((p) => p.expectation === 'always' && !p.check(s)).map((p) => p.name);
  return { steps: actions.length, broken, actions, trace: { states, actions, labels } };
}

/** Shorthand labels of the step records, in words. */
const TOUCH_WORDS: Readonly<Record<string, string>> = {
  'RL+': 'read_lock(mmu_lock)',
  'RL-': 'read_unlock(mmu_lock)',
  'WL+': 'write_lock(mmu_lock)',
  'WL-': 'write_unlock(mmu_lock)',
  'RCU+': 'rcu_read_lock()',
  'RCU-': 'rcu_read_unlock()',
  FLUSH: 'TLB flush',
  KICK: 'kick the vCPUs (IPI)',
};

/** Returns a step record's label in words (lock shorthands, `R x = v` reads, guest_memfd binding). */
export function inWords(label: string): string {
  const w = TOUCH_WORDS[label];
  if (w !== undefined) return w;
  return label
    .replace(/^R (.*) = np$/, 'read $1 = non-present')
    .replace(/^R (.*) = /, 'read $1 = ')
    .replace(/\(g(\d+)\) \[not bound: not zapped\]/, '(g$1, not bound to the memslot through guest_memfd: its SPTEs were not zapped)');
}

/**
 * Returns a step record's label for display: a read of an SPTE (`R where = word`) with the real
 * 64-bit word decoded (`long`: the word and all its fields, else the short description), anything
 * else {@link inWords}.
 */
function touchedText(mm: MmuMachine, label: string, long: boolean): string {
  const r = /^R ((direct|mirror) .*) = (.*)$/.exec(label);
  const v = r ? parseSpte(r[3]!) : undefined;
  if (!r || v === undefined) return inWords(label);
  return `read ${r[1]} = ${long ? shownSpte(mm, v, r[2] === 'mirror') : mmFormat(mm, v)}`;
}

/** Returns `op.step (step k of thread's script)` for pc `pc` of thread `t`, as the machine numbers steps. */
function stepAt(mm: MmuMachine, t: number, pc: number): string {
  const cs = mm.programs[t]?.steps[pc];
  return cs ? `step ${cs.op.label}.${cs.def.name}` : `step ${pc + 1} of its script`;
}

/** Returns `direct t0[1] L2 g2` for entry `i` of table `tb` in state `s` (as the step records name entries). */
function entryName(mm: MmuMachine, s: Int32Array, tb: number, i: number): string {
  const m = mm.layout;
  const lv = s[m.table(tb, T.level)]!;
  return `${s[m.table(tb, T.mirror)] === 1 ? 'mirror' : 'direct'} t${tb}[${i}] L${lv} g${s[m.table(tb, T.gfn)]! + i * m.span(lv)}`;
}

/** Returns a 64-bit SPTE as `0x...  [decoded]`. */
function shownSpte(mm: MmuMachine, v: number, mirror: boolean): string {
  const d = mm.spec.display;
  const x = d.spte64(v, mirror);
  return `0x${x.toString(16).padStart(16, '0')} [${d.decode64(x)}]`;
}

/**
 * Returns the SPTE tree of a state as lines: each used root with its table, then every entry of a
 * table in use (not free, not freed) that is not non-present, or that `also` names (`t3[1]`), with
 * its real word decoded; the S-EPT entries that are not free. `mark` flags entries (e.g. written by
 * the breaking step) with `*`.
 */
export function treeLines(mm: MmuMachine, s: Int32Array, also: ReadonlySet<string> = new Set(), mark: ReadonlySet<string> = new Set()): string[] {
  const m = mm.layout;
  const out: string[] = [];
  for (let r = 0; r < m.geometry.roots; r++) {
    const fl = s[m.root(r, R.flags)]!;
    if ((fl & RF.used) === 0) continue;
    const state = (fl & RF.freed) !== 0 ? 'freed' : (fl & RF.invalid) !== 0 ? 'invalid' : 'valid';
    out.push(`root${r}: ${(fl & RF.mirror) !== 0 ? 'mirror' : 'direct'} root t${s[m.root(r, R.table)]}, ${state}, refcount ${s[m.root(r, R.ref)]}`);
  }
  for (let tb = 0; tb < m.geometry.tables; tb++) {
    const st = s[m.table(tb, T.status)]!;
    if (st === TS.free || st === TS.freed) continue;
    const mirror = s[m.table(tb, T.mirror)] === 1;
    for (let i = 0; i < 2; i++) {
      const v = s[m.entry(tb, i)]!;
      const key = `t${tb}[${i}]`;
      if (v === 0 && !also.has(key)) continue;
      const status = st === TS.live ? '' : ` (table ${(Object.keys(TS) as (keyof typeof TS)[]).find((k) => TS[k] === st)})`;
      out.push(`${mark.has(key) ? '* ' : ''}${entryName(mm, s, tb, i)}${status}: ${shownSpte(mm, v, mirror)}`);
    }
  }
  for (let pos = 0; pos < m.septCount; pos++) {
    const w = s[m.septBase + pos]!;
    if (w === 0) continue;
    const [lv, gfn] = m.septPosition(pos);
    out.push(`S-EPT L${lv} g${gfn}: ${mm.spec.display.septState(w)}, pfn ${(w >> 4) & 63}${(w >> 12) & 15 ? `, locked by ${mm.threadNames[((w >> 12) & 15) - 1] ?? '?'}` : ''}`);
  }
  return out;
}

/** Returns the lines describing the initial state: the setup operations that built it and its SPTE tree. */
export function initialNotes(mm: MmuMachine, init: Int32Array): string[] {
  const setup = mm.spec.setup.map(({ thread, op }) => `${mm.threadNames[thread] ?? `T${thread}`}: ${op.label}`);
  const tree = treeLines(mm, init);
  return [
    `initial state${setup.length ? ` (after setup: ${setup.join('; ')})` : ' (no setup operations)'}:`,
    ...[...hostLines(mm, init), ...(tree.length ? tree : ['(no roots)'])].map((l) => `  ${l}`),
  ];
}

/** Returns the memslot and host-mapping lines of a state, when the scenario set them (nothing for the default single slot on pfn = gfn). */
function hostLines(mm: MmuMachine, s: Int32Array): string[] {
  const m = mm.layout;
  const out: string[] = [];
  if (m.geometry.memslots !== undefined) {
    m.slots.forEach((sl, k) => {
      const st = ['valid', 'invalid', 'deleted'][s[m.slot(k, MS.state)]!] ?? '?';
      const log = ['off', 'enabling', 'on'][s[m.slot(k, MS.dirtyLog)]!] ?? '?';
      out.push(`memslot ${sl.id}: g${sl.base}..g${sl.base + sl.pages - 1}, ${st}, dirty logging ${log}`);
    });
    const none = Array.from({ length: m.gfns }, (_, g) => g).filter((g) => m.slotIndex[g] === -1);
    if (none.length) out.push(`no memslot: ${none.map((g) => `g${g}`).join(', ')}`);
  }
  const pfns = Array.from({ length: m.gfns }, (_, g) => s[m.pfnOf(g)]!);
  if (m.geometry.hostLevel !== undefined || pfns.some((p, g) => p !== g)) {
    out.push(`host: ${pfns.map((p, g) => `g${g}->pfn ${p}${m.hostLevels[g]! >= 2 ? ' (huge)' : ''}`).join(', ')}`);
  }
  return out;
}

/** Returns the thread index (or undefined) that first recorded a broken invariant in `s`, and where. */
function firstBreaker(mm: MmuMachine, s: Int32Array): { thread: number; where: string } | undefined {
  const vi = s[G.vinfo]!;
  if (vi === 0) return undefined;
  const t = (vi & 255) - 1;
  return { thread: t, where: stepAt(mm, t, vi >> 8) };
}

/**
 * Returns the step notes of a trace, one list per state: for the initial state (when `init` is
 * given) the setup and its SPTE tree; for each step the shared state it touched (in words), every
 * SPTE change as 64-bit values decoded by field, every SEAMCALL with its status, the step's
 * decisions, and after the last step the invariants that broke, where, and the SPTE tree at the
 * break (entries written by the breaking step marked `*`). The ITF writer keeps them in
 * `#meta.notes`; the step table is rendered from them.
 */
export function stepNotes(mm: MmuMachine, steps: readonly TraceStep[], init?: Int32Array): string[][] {
  const out: string[][] = [init !== undefined ? initialNotes(mm, init) : []];
  for (const st of steps) {
    const lines: string[] = [];
    const touched = st.record.touched.filter((x) => !/^(CAS|XCHG|W) /.test(x)).map((x) => touchedText(mm, x, true));
    if (touched.length) lines.push(`touched: ${touched.join('; ')}`);
    for (const sp of st.record.sptes) {
      const mirror = sp.where.startsWith('mirror');
      lines.push(`${sp.where}: ${shownSpte(mm, sp.before, mirror)}`);
      lines.push(`${' '.repeat(sp.where.length)}  -> ${shownSpte(mm, sp.after, mirror)}`);
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
    const fb = firstBreaker(mm, last.state);
    tail.push(`the step that broke it: ${fb ? `${mm.threadNames[fb.thread] ?? '?'} at ${fb.where}` : `${last.thread} at step ${last.step}`}`);
    const written = new Set(last.record.sptes.map((sp) => `t${sp.table}[${sp.index}]`));
    const everWritten = new Set(steps.flatMap((st) => st.record.sptes.map((sp) => `t${sp.table}[${sp.index}]`)));
    tail.push(`SPTE tree at the break${written.size ? ` (* = written by step ${last.index})` : ''}:`, ...treeLines(mm, last.state, everWritten, written).map((l) => `  ${l}`));
  }
  return out;
}

/** Returns true when the machine has a TDX side: a mirror root or a SEAMCALL in the trace. */
function hasTdx(mm: MmuMachine, steps: readonly TraceStep[]): boolean {
  if (steps.some((st) => st.record.seamcalls.length > 0)) return true;
  const s = steps[0]?.state;
  if (s === undefined) return false;
  const m = mm.layout;
  for (let r = 0; r < m.geometry.roots; r++) if ((s[m.root(r, R.flags)]! & (RF.used | RF.mirror)) === (RF.used | RF.mirror)) return true;
  return false;
}

/**
 * Returns a Mermaid sequence diagram of a trace: the threads, the SPTE tree and, for a TD, the TDX
 * module; the closing note sits over the thread whose step broke the invariant.
 */
export function renderMermaid(mm: MmuMachine, steps: readonly TraceStep[]): string {
  const lines = ['sequenceDiagram'];
  for (const n of mm.threadNames) lines.push(`  participant ${n}`);
  lines.push('  participant SPTE as SPTE tree');
  if (hasTdx(mm, steps)) lines.push('  participant TDX as TDX module');
  const esc = (x: string): string => x.replace(/[;#]/g, ',').replace(/[<>]/g, '');
  for (const st of steps) {
    const who = st.thread;
    const spt = st.record.sptes;
    for (const sp of spt) lines.push(`  ${who}->>SPTE: ${esc(st.step)}: ${esc(sp.where)} ${esc(mmFormat(mm, sp.before))} to ${esc(mmFormat(mm, sp.after))}`);
    for (const sc of st.record.seamcalls) {
      lines.push(`  ${who}->>TDX: ${esc(sc.name)}(${esc(sc.args)})`);
      lines.push(`  TDX-->>${who}: ${esc(sc.status)}`);
    }
    if (!spt.length && !st.record.seamcalls.length) lines.push(`  Note over ${who}: ${esc(st.step)}${st.record.touched.length ? ' ' + esc(st.record.touched.map((x) => touchedText(mm, x, false)).join(', ')) : ''}`);
    for (const n of st.record.notes) if (n.startsWith('BROKEN')) lines.push(`  Note over ${who}: ${esc(n)}`);
  }
  const last = steps[steps.length - 1];
  if (last && last.broken.length) {
    const fb = firstBreaker(mm, last.state);
    const who = fb !== undefined ? (mm.threadNames[fb.thread] ?? last.thread) : last.thread;
    lines.push(`  Note over ${who}: broken ${last.broken.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

/** Returns the decoded real word of a compact SPTE word (short form for the diagram). */
function mmFormat(mm: MmuMachine, v: number): string {
  const d = mm.spec.display.decode64(mm.spec.display.spte64(v, false));
  const colon = d.indexOf(':');
  return colon < 0 ? d : d.slice(0, colon);
}
