/**
 * Operations as data: an operation is a named list of named atomic steps. Each step does one
 * shared access (an SPTE read, CAS, exchange or store, a SEAMCALL, a lock, RCU or refcount
 * operation, a flush) and moves the thread's program counter. Variants edit these lists by step
 * name: override a step, remove it, move it, insert a new one.
 */
import { fail } from '../core/diagnostic.js';
import { userCodeLabel } from '../core/user-code.js';
import { runUserCode, type Ctx } from './ctx.js';
import type { OpParams } from './step-api.js';
import { isObject } from '../core/shape.js';

/** One atomic step of an operation. */
export interface StepDef {
  /** Unique inside its operation, e.g. `stale-check`. */
  readonly name: string;
  /** One sentence: what the kernel does here (shown by `mmucheck list --steps`). */
  readonly doc?: string;
  /** The lock mode this step waits for (marks the thread as contending for mmu_lock). */
  readonly wantsLock?: 'read' | 'write';
  /**
   * The step exists only for TDX private memory (a SEAMCALL, an S-EPT hook, the second half of a
   * mirror install). An operation that cannot touch private memory ({@link OpInstance.sharedOnly})
   * never reaches it; an edit that would make it reachable there is refused (MMC301).
   */
  readonly tdx?: boolean;
  /** Returns false while the step cannot proceed (blocked: lock held, waiting for readers, ...). */
  guard?(c: Ctx): boolean;
  /** Performs the step on the successor state. Falls through to the next step unless it jumps. */
  run(c: Ctx): void;
}

/** One operation instance in a thread's script, e.g. `fault(g1,write,private)`. */
export interface OpInstance {
  /** Operation name, e.g. `fault`, `zap-range`, `fast-zap`. */
  readonly op: string;
  /** Instance label for traces, e.g. `fault(g1,W,priv)`. */
  readonly label: string;
  readonly steps: readonly StepDef[];
  /**
   * Names of removed steps mapped to the step that now stands in their place (their successor, or
   * `end`), so jumps to a removed step continue where it used to be.
   */
  readonly removed?: ReadonlyMap<string, string>;
  /**
   * The instance never touches TDX private memory (every operation of a default VM, a shared
   * fault of a TD): its `tdx` steps are dead code there, present only because one step list
   * serves every instance of the operation.
   */
  readonly sharedOnly?: boolean;
  /** The call's parameters (`gfn`, `write`, ...), read by step bodies as `c.params`. */
  readonly params?: OpParams;
}

/** The body of a replacement step (its name defaults to the replaced step's). */
export type StepBody = Omit<StepDef, 'name' | 'tdx'> & { readonly name?: string };

/** An edit of one operation's step list (applied by name, in order). */
export type StepEdit =
  | { readonly op: string; readonly remove: string }
  | { readonly op: string; readonly replace: string; readonly with: StepBody }
  | { readonly op: string; readonly move: string; readonly before: string }
  | { readonly op: string; readonly move: string; readonly after: string }
  | { readonly op: string; readonly insert: Omit<StepDef, 'tdx'>; readonly before: string }
  | { readonly op: string; readonly insert: Omit<StepDef, 'tdx'>; readonly after: string };

/** At most this many edits in one variant (a patch model, not a program generator). */
export const MAX_EDITS = 1000;

/** The action keys of an edit; exactly one is present. */
const ACTIONS = ['remove', 'replace', 'move', 'insert'] as const;

/** Returns a short description of a value's type for diagnostics (`a string`, `number 7`, `null`). */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `a string (${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)})`;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return `${typeof x} ${String(x)}`;
  return typeof x === 'object' ? 'an object' : typeof x;
}

/** Raises MMC301 for the first key of `o` that is not in `allowed`. */
function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], at: string, what: string): void {
  const bad = Object.keys(o).find((k) => !allowed.includes(k));
  if (bad !== undefined) fail('MMC301', `${at}: key '${bad}' does not belong to ${what} (allowed: ${allowed.join(', ')})`, { subject: `${at}.${bad}` });
}

/** Raises MMC301 unless `o[key]` is a non-empty string (a step or operation name). */
function nameAt(o: Record<string, unknown>, key: string, at: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail('MMC301', `${at}.${key} must be ${what} (a non-empty string), got ${describeValue(v)}`, { subject: `${at}.${key}` });
  return v;
}

/** Checks a user step body (`with` of a replace, `insert` of an insert): its keys and their types. */
function checkBody(x: unknown, at: string, needsName: boolean): void {
  const example = needsName ? "{ name: 'my-step', run(c) { ... } }" : '{ run(c) { ... } }';
  if (!isObject(x)) fail('MMC301', `${at} must be a step ${example}, got ${describeValue(x)}`, { subject: at });
  onlyKeys(x, ['name', 'doc', 'wantsLock', 'guard', 'run'], at, 'a step');
  if (needsName || x['name'] !== undefined) nameAt(x, 'name', at, 'the step name');
  if (x['doc'] !== undefined && typeof x['doc'] !== 'string') fail('MMC301', `${at}.doc must be a string, got ${describeValue(x['doc'])}`, { subject: `${at}.doc` });
  if (x['wantsLock'] !== undefined && x['wantsLock'] !== 'read' && x['wantsLock'] !== 'write') {
    fail('MMC301', `${at}.wantsLock must be 'read' or 'write', got ${describeValue(x['wantsLock'])}`, { subject: `${at}.wantsLock` });
  }
  if (typeof x['run'] !== 'function') fail('MMC301', `${at}.run must be a function run(c) { ... }, got ${describeValue(x['run'])}`, { subject: `${at}.run` });
  if (x['guard'] !== undefined && typeof x['guard'] !== 'function') fail('MMC301', `${at}.guard must be a function guard(c) returning a boolean, got ${describeValue(x['guard'])}`, { subject: `${at}.guard` });
}

/**
 * Returns `x` as an edit after checking its whole shape (MMC301 naming the field otherwise): an
 * object with an `op` name and exactly one action (remove, replace with `with`, move or insert
 * with exactly one of `before`/`after`), step names as non-empty strings, and step bodies with a
 * `run` function. `at` names the edit, e.g. `edits[2]`.
 */
export function checkEdit(x: unknown, at: string): StepEdit {
  if (!isObject(x)) fail('MMC301', `${at} must be an edit like { op: 'fault', remove: 'stale-check' }, got ${describeValue(x)}`, { subject: at });
  nameAt(x, 'op', at, 'an operation name');
  const actions = ACTIONS.filter((a) => a in x);
  if (actions.length !== 1) {
    fail('MMC301', `${at} needs exactly one of ${ACTIONS.join(', ')} (got ${actions.length === 0 ? 'none' : actions.join(' and ')})`, { subject: at });
  }
  const action = actions[0]!;
  const anchored = action === 'move' || action === 'insert';
  onlyKeys(x, ['op', action, ...(action === 'replace' ? ['with'] : []), ...(anchored ? ['before', 'after'] : [])], at, `a '${action}' edit`);
  if (action === 'insert') checkBody(x['insert'], `${at}.insert`, true);
  else nameAt(x, action, at, 'a step name');
  if (action === 'replace') checkBody(x['with'], `${at}.with`, false);
  if (anchored) {
    const anchors = ['before', 'after'].filter((k) => k in x);
    if (anchors.length !== 1) fail('MMC301', `${at}: a '${action}' edit needs exactly one of before, after (got ${anchors.length === 0 ? 'none' : 'both'})`, { subject: at });
    nameAt(x, anchors[0]!, at, 'a step name');
  }
  return x as unknown as StepEdit;
}

/** Returns `x` as a list of edits after checking that it is an array of at most {@link MAX_EDITS} well-shaped edits. */
export function checkEdits(x: unknown, at = 'edits'): readonly StepEdit[] {
  if (!Array.isArray(x)) fail('MMC301', `${at} must be an array of edits like [{ op: 'fault', remove: 'stale-check' }], got ${describeValue(x)}`, { subject: at });
  if (x.length > MAX_EDITS) fail('MMC301', `too many edits: ${x.length} in ${at}; a variant may have at most ${MAX_EDITS}`, { subject: at });
  return x.map((e, i) => checkEdit(e, `${at}[${i}]`));
}

/**
 * Returns `def` (a variant's own step) with its `run` and `guard` called as user code: marked for
 * the watchdog as `step <op>.<name>`, on a bounds-checked view of the context, an exception
 * turned into MMC301 naming the step (see {@link runUserCode}). Built-in steps are never wrapped.
 */
function userStep(op: string, def: StepBody & { readonly name: string }): StepDef {
  const step = `${op}.${def.name}`;
  const label = userCodeLabel(`step ${step}`);
  const { run, guard } = def;
  return {
    ...def,
    run: (c) => runUserCode(c, step, label, false, (u) => run.call(def, u)),
    ...(guard ? { guard: (c: Ctx) => runUserCode(c, step, label, true, (u) => guard.call(def, u)) } : {}),
  };
}

/** Returns the edits with the step bodies they bring (replace, insert) wrapped as user code. */
export function withUserSteps(edits: readonly StepEdit[]): StepEdit[] {
  return edits.map((e) => {
    if ('replace' in e) return { ...e, with: userStep(e.op, { ...e.with, name: e.with.name ?? e.replace }) };
    if ('insert' in e) return { ...e, insert: userStep(e.op, e.insert) };
    return e;
  });
}

/** The step names an edit refers to (the edited step and its anchor). */
export function editedSteps(e: StepEdit): string[] {
  if ('remove' in e) return [e.remove];
  if ('replace' in e) return [e.replace];
  if ('move' in e) return [e.move, 'before' in e ? e.before : e.after];
  return ['before' in e ? e.before : e.after];
}

/** An operation instance while edits are applied to it. */
interface Editing {
  readonly inst: OpInstance;
  readonly steps: StepDef[];
  /** Removed step -> the step now in its place (or `end`). */
  readonly removed: Map<string, string>;
  /** Removed steps that were not `tdx` steps -> the edit that removed them (`edits[i]`). */
  readonly removedLive: Map<string, string>;
  edited: boolean;
}

function startEditing(inst: OpInstance): Editing {
  return { inst, steps: [...inst.steps], removed: new Map(inst.removed ?? []), removedLive: new Map(), edited: false };
}

/** Returns true when the instance has step `name` now, or had it before an edit removed it. */
function mentions(w: Editing, name: string): boolean {
  return w.removed.has(name) || w.steps.some((s) => s.name === name);
}

/** Returns the index of step `name`; MMC005 when it is missing (naming an earlier removal). */
function indexOrFail(w: Editing, name: string, at: string): number {
  const i = w.steps.findIndex((s) => s.name === name);
  if (i < 0) {
    const why = w.removed.has(name) ? ' (an earlier edit removed it)' : '';
    fail('MMC005', `${at}: operation '${w.inst.op}' has no step '${name}'${why}`, { subject: `${w.inst.op}.${name}`, hint: `steps of ${w.inst.op}: ${w.steps.map((s) => s.name).join(', ')}` });
  }
  return i;
}

/** Raises MMC301 when the instance already has a step named `name`. */
function freshName(w: Editing, name: string, at: string): void {
  if (w.steps.some((s) => s.name === name)) fail('MMC301', `${at}: operation '${w.inst.op}' already has a step '${name}'; step names are unique inside an operation`, { subject: `${w.inst.op}.${name}` });
}

/** Applies edit `e` (named `at` in diagnostics) to one instance. */
function applyEdit(w: Editing, e: StepEdit, at: string): void {
  w.edited = true;
  const steps = w.steps;
  if ('remove' in e) {
    const i = indexOrFail(w, e.remove, at);
    const [gone] = steps.splice(i, 1);
    const succ = steps[i]?.name ?? 'end';
    for (const [k, v] of w.removed) if (v === e.remove) w.removed.set(k, succ);
    w.removed.set(e.remove, succ);
    if (!gone!.tdx) w.removedLive.set(e.remove, at);
  } else if ('replace' in e) {
    const i = indexOrFail(w, e.replace, at);
    const name = e.with.name ?? e.replace;
    if (name !== e.replace) freshName(w, name, at);
    steps[i] = { ...e.with, name };
  } else if ('move' in e) {
    const i = indexOrFail(w, e.move, at);
    const [s] = steps.splice(i, 1);
    const anchor = 'before' in e ? e.before : e.after;
    const j = indexOrFail(w, anchor, at);
    steps.splice('before' in e ? j : j + 1, 0, s!);
  } else {
    freshName(w, e.insert.name, at);
    const j = indexOrFail(w, 'before' in e ? e.before : e.after, at);
    steps.splice('before' in e ? j : j + 1, 0, e.insert);
  }
}

/**
 * Returns the edited instance. A removed step whose jumps now land on a `tdx` step of an
 * instance that never touches private memory is refused (MMC301): the operation would fall
 * through into a SEAMCALL or S-EPT hook it can never run.
 */
function finishEditing(w: Editing): OpInstance {
  if (!w.edited) return w.inst;
  const byName = new Map(w.steps.map((s) => [s.name, s]));
  if (w.inst.sharedOnly) {
    for (const [gone, at] of w.removedLive) {
      const succ = w.removed.get(gone);
      const to = succ === undefined ? undefined : byName.get(succ);
      if (to?.tdx) {
        fail('MMC301', `${at}: removing step '${w.inst.op}.${gone}' makes ${w.inst.label} fall through into '${to.name}', a TDX step (SEAMCALL or S-EPT hook) that an operation on shared memory never runs`, {
          subject: `${w.inst.op}.${gone}`,
          hint: `replace '${gone}' with a step that jumps where you mean, or edit a scenario whose ${w.inst.op} maps private memory of a TD`,
        });
      }
    }
  }
  for (const k of [...w.removed.keys()]) if (byName.has(k)) w.removed.delete(k);
  return { ...w.inst, steps: w.steps, ...(w.removed.size ? { removed: w.removed } : {}) };
}

/**
 * Returns `inst` with every edit applied that fits it: same operation, and every step the edit
 * names is one the instance has (an optional step, e.g. the fast path of a fault that does not
 * try it, leaves the instance alone). {@link editOperations} checks that each edit fits somewhere.
 */
export function applyEdits(inst: OpInstance, edits: readonly StepEdit[]): OpInstance {
  const w = startEditing(inst);
  edits.forEach((e, i) => {
    if (e.op === inst.op && editedSteps(e).every((n) => mentions(w, n))) applyEdit(w, e, `edits[${i}]`);
  });
  return finishEditing(w);
}

/** What {@link editOperations} checks edits against. */
export interface EditScope {
  /** The scenario the instances belong to (named by diagnostics). */
  readonly scenario: string;
  /** Every operation a script may call; an edit naming another is MMC005. */
  readonly operations?: readonly string[];
}

/**
 * Returns the instances with the edits applied in order, each edit to every instance it fits
 * (see {@link applyEdits}); an edit may name a step an earlier edit inserted. An edit that fits no
 * instance is refused: an unknown operation (MMC005 listing the operations), an operation no
 * thread or setup of the scenario runs (MMC301 listing those it runs), a step no instance has
 * (MMC005 listing the steps of the operation).
 */
export function editOperations(insts: readonly OpInstance[], edits: readonly StepEdit[], scope: EditScope): OpInstance[] {
  const work = insts.map(startEditing);
  edits.forEach((e, i) => {
    const at = `edits[${i}]`;
    if (scope.operations && !scope.operations.includes(e.op)) {
      fail('MMC005', `${at}: unknown operation '${e.op}'`, { subject: `${at}.op`, hint: `operations: ${scope.operations.join(', ')}` });
    }
    const mine = work.filter((w) => w.inst.op === e.op);
    if (mine.length === 0) {
      const runs = [...new Set(insts.map((o) => o.op))];
      fail('MMC301', `${at}: no thread of scenario ${scope.scenario} runs operation '${e.op}'; it runs: ${runs.join(', ')}`, { subject: `${at}.op` });
    }
    const names = editedSteps(e);
    const fits = mine.filter((w) => names.every((n) => mentions(w, n)));
    if (fits.length === 0) {
      const all = [...new Set(mine.flatMap((w) => w.steps.map((s) => s.name)))];
      const missing = names.find((n) => !mine.some((w) => mentions(w, n)));
      const what = missing !== undefined ? `has no step '${missing}'` : `has no instance with both steps '${names.join("' and '")}'`;
      fail('MMC005', `${at}: operation '${e.op}' of scenario ${scope.scenario} ${what}`, { subject: `${e.op}.${missing ?? names[0]}`, hint: `steps of ${e.op}: ${all.join(', ')}` });
    }
    for (const w of fits) applyEdit(w, e, at);
  });
  return work.map(finishEditing);
}

/**
 * The guard of a step that waits until mmu_lock can be taken for read (`c.canRead()`): the
 * interpreter recognises it and tests the lock word itself (see {@link CompiledStep.lockGuard}).
 */
export const waitReadLock = (c: Ctx): boolean => c.canRead();
/** The guard of a step that waits until mmu_lock can be taken for write (`c.canWrite()`), see {@link waitReadLock}. */
export const waitWriteLock = (c: Ctx): boolean => c.canWrite();

/** A compiled step: the definition plus where it sits. */
export interface CompiledStep {
  readonly def: StepDef;
  /**
   * `def.guard`, `def.run` and `def.wantsLock` copied here: step definitions come in many object
   * shapes (literals, spreads, edits), compiled steps in one, so the interpreter's loads of these
   * stay monomorphic. Called with `def` as `this`.
   */
  readonly guard: ((c: Ctx) => boolean) | undefined;
  readonly run: (c: Ctx) => void;
  readonly wantsLock: 'read' | 'write' | undefined;
  /**
   * 1 when the guard is {@link waitReadLock}, 2 when it is {@link waitWriteLock} (the interpreter
   * tests `readLockFree` / `writeLockFree` on the state without calling it), else 0.
   */
  readonly lockGuard: 0 | 1 | 2;
  /**
   * The label of this step's last `goto` and its pc: a one-entry cache in front of `labels` (a
   * step jumps to one or two labels, each `goto` would otherwise look its label up).
   */
  lastLabel: string;
  lastLabelPc: number;
  /** Index of its operation in the thread's script. */
  readonly opIndex: number;
  /** First pc of the operation. */
  readonly opStart: number;
  /** First pc after the operation. */
  readonly opEnd: number;
  /** Step name -> pc, for jumps inside the operation. */
  readonly labels: ReadonlyMap<string, number>;
  readonly op: OpInstance;
}

/** A thread's compiled program: all its operations' steps in one array. */
export interface CompiledProgram {
  readonly steps: readonly CompiledStep[];
  readonly ops: readonly OpInstance[];
}

/**
 * Returns the stand-in of a `tdx` step in an instance that never touches private memory: it is
 * unreachable in every scenario as written, and raises MMC301 when edits make it reachable (by a
 * moved step or a user step that falls through or jumps into it).
 */
function deadTdxStep(op: OpInstance, def: StepDef): StepDef {
  return {
    name: def.name,
    tdx: true,
    run: () =>
      fail('MMC301', `step '${op.op}.${def.name}' was reached in ${op.label}, an operation on shared memory: it is a TDX step (SEAMCALL or S-EPT hook) such an operation never runs, so an edit of this variant leads into it`, {
        subject: `${op.op}.${def.name}`,
      }),
  };
}

/** Returns the compiled program of a script. Step names must be unique inside each operation. */
export function compileProgram(ops: readonly OpInstance[]): CompiledProgram {
  const steps: CompiledStep[] = [];
  ops.forEach((op, opIndex) => {
    const start = steps.length;
    const end = start + op.steps.length;
    const labels = new Map<string, number>();
    op.steps.forEach((s, i) => {
      if (labels.has(s.name)) fail('MMC301', `operation '${op.op}' has two steps named '${s.name}'`);
      labels.set(s.name, start + i);
    });
    for (const [gone, succ] of op.removed ?? []) labels.set(gone, succ === 'end' ? end : (labels.get(succ) ?? end));
    for (const d of op.steps) {
      const def = op.sharedOnly && d.tdx ? deadTdxStep(op, d) : d;
      const lockGuard = def.guard === waitReadLock ? 1 : def.guard === waitWriteLock ? 2 : 0;
      steps.push({ def, guard: def.guard, run: def.run, wantsLock: def.wantsLock, lockGuard, lastLabel: '', lastLabelPc: -1, opIndex, opStart: start, opEnd: end, labels, op });
    }
  });
  return { steps, ops };
}
