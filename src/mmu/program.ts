/**
 * Operations as data: an operation is a named list of named atomic steps. Each step does one
 * shared access (an SPTE read, CAS, exchange or store, a SEAMCALL, a lock, RCU or refcount
 * operation, a flush) and moves the thread's program counter. Variants edit these lists by step
 * name: override a step, remove it, move it, insert a new one.
 */
import { fail } from '../core/diagnostic.js';
import type { Ctx } from './ctx.js';

/** One atomic step of an operation. */
export interface StepDef {
  /** Unique inside its operation, e.g. `stale-check`. */
  readonly name: string;
  /** One sentence: what the kernel does here (shown by `mmucheck list --steps`). */
  readonly doc?: string;
  /** The lock mode this step waits for (marks the thread as contending for mmu_lock). */
  readonly wantsLock?: 'read' | 'write';
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
}

/** An edit of one operation's step list (applied by name, in order). */
export type StepEdit =
  | { readonly op: string; readonly remove: string }
  | { readonly op: string; readonly replace: string; readonly with: Omit<StepDef, 'name'> & { name?: string } }
  | { readonly op: string; readonly move: string; readonly before: string }
  | { readonly op: string; readonly move: string; readonly after: string }
  | { readonly op: string; readonly insert: StepDef; readonly before: string }
  | { readonly op: string; readonly insert: StepDef; readonly after: string };

function indexOrFail(steps: StepDef[], op: string, name: string): number {
  const i = steps.findIndex((s) => s.name === name);
  if (i < 0) {
    fail('MMC005', `operation '${op}' has no step '${name}'`, {
      subject: `${op}.${name}`,
      hint: `steps of ${op}: ${steps.map((s) => s.name).join(', ')}`,
    });
  }
  return i;
}

/** The step names an edit refers to (the edited step and its anchor). */
export function editedSteps(e: StepEdit): string[] {
  if ('remove' in e) return [e.remove];
  if ('replace' in e) return [e.replace];
  if ('move' in e) return [e.move, 'before' in e ? e.before : e.after];
  return ['before' in e ? e.before : e.after];
}

/**
 * Returns the step list of `inst` with every edit for its operation applied. With `skipMissing`,
 * an edit naming a step this instance does not have (an optional step, e.g. the fast path of a
 * fault that does not try it) is skipped; the caller checks that some instance has it.
 */
export function applyEdits(inst: OpInstance, edits: readonly StepEdit[], skipMissing = false): OpInstance {
  const names = new Set(inst.steps.map((s) => s.name));
  const mine = edits.filter((e) => e.op === inst.op && (!skipMissing || editedSteps(e).every((n) => names.has(n) || (inst.removed?.has(n) ?? false))));
  if (mine.length === 0) return inst;
  const steps = [...inst.steps];
  const removed = new Map<string, string>(inst.removed ?? []);
  for (const e of mine) {
    if ('remove' in e) {
      const i = indexOrFail(steps, e.op, e.remove);
      steps.splice(i, 1);
      const succ = steps[i]?.name ?? 'end';
      for (const [k, v] of removed) if (v === e.remove) removed.set(k, succ);
      removed.set(e.remove, succ);
    } else if ('replace' in e) {
      const i = indexOrFail(steps, e.op, e.replace);
      steps[i] = { ...e.with, name: e.with.name ?? e.replace };
    } else if ('move' in e) {
      const i = indexOrFail(steps, e.op, e.move);
      const [s] = steps.splice(i, 1);
      const anchor = 'before' in e ? e.before : e.after;
      const j = indexOrFail(steps, e.op, anchor);
      steps.splice('before' in e ? j : j + 1, 0, s!);
    } else {
      if (steps.some((s) => s.name === e.insert.name)) fail('MMC301', `operation '${e.op}' already has a step '${e.insert.name}'`);
      const anchor = 'before' in e ? e.before : e.after;
      const j = indexOrFail(steps, e.op, anchor);
      steps.splice('before' in e ? j : j + 1, 0, e.insert);
    }
  }
  for (const k of [...removed.keys()]) if (steps.some((s) => s.name === k)) removed.delete(k);
  return { ...inst, steps, ...(removed.size ? { removed } : {}) };
}

/** A compiled step: the definition plus where it sits. */
export interface CompiledStep {
  readonly def: StepDef;
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
    for (const def of op.steps) steps.push({ def, opIndex, opStart: start, opEnd: end, labels, op });
  });
  return { steps, ops };
}
