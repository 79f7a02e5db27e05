/**
 * `mmucheck list --operations | --steps OP | --options`: what a variant file can name. The steps
 * of an operation are those of its instance with the mainline options, on a default VM and, where
 * the operation has private-memory steps, in a TD (steps marked `tdx` exist only there).
 */
import { fail } from '../core/diagnostic.js';
import { INVARIANT_DOC, PARAMS, REQUIRED, type StepDef } from '../internal.js';
import { instantiate, OPERATIONS, type OpCall } from '../../model/mmu/build.js';
import { mainlineOptions, OPTIONS } from '../../model/mmu/options.js';

/** A step as listed. */
export interface ListedStep {
  readonly name: string;
  readonly doc: string;
  readonly tdxOnly: boolean;
}

/** Returns a representative call of operation `op` (gfn 0, range g0..g0; private in a TD). */
function sampleCall(op: (typeof OPERATIONS)[number], tdx: boolean): OpCall {
  switch (op) {
    case 'fault':
      return { op, gfn: 0, write: true, private: tdx };
    case 'access':
      return { op, gfn: 0, write: true };
    case 'zap-range':
    case 'gmem-punch-hole':
    case 'age':
      return { op, start: 0, end: 1 };
    case 'page-add':
      // with measure: TDH.MR.EXTEND is listed too
      return { op, gfn: 0, measure: true };
    case 'nx-recover':
    case 'pre-fault':
      return { op, gfn: 0 };
    case 'memslot-move':
      return { op, slot: 0, to: 1 };
    default:
      return { op } as OpCall;
  }
}

/** Returns the steps of `op` (MMC005 listing the operations for an unknown name). */
export function operationSteps(op: string): ListedStep[] {
  const known = OPERATIONS as readonly string[];
  if (!known.includes(op)) fail('MMC005', `--steps ${op}: no such operation; operations: ${OPERATIONS.join(', ')}`, { subject: '--steps' });
  const o = mainlineOptions();
  const seen = new Map<string, ListedStep>();
  const add = (steps: readonly StepDef[]): void => {
    for (const s of steps) if (!seen.has(s.name)) seen.set(s.name, { name: s.name, doc: s.doc ?? '', tdxOnly: s.tdx === true });
  };
  const name = op as (typeof OPERATIONS)[number];
  // a move needs a destination memslot: two slots of two gfns
  const slots = name === 'memslot-move' ? [{ id: 0, base: 0, pages: 2 }, { id: 1, base: 2, pages: 2 }] : undefined;
  add(instantiate(sampleCall(name, false), o, false, 4, slots).steps);
  // a memslot update whose MMIO generation wraps (scenario field mmioGenBits) also zaps every root
  if (name === 'memslot-create' || name === 'memslot-delete' || name === 'memslot-move') add(instantiate(sampleCall(name, false), o, false, 4, slots, false, { wrap: true }).steps);
  try {
    add(instantiate(sampleCall(name, true), o, true, 4, slots).steps);
  } catch {
    // an operation that a TD does not run (none today) lists its default-VM steps only
  }
  return [...seen.values()];
}

/** The parameters of operation `op` as `name: int|bool` with `?` for the optional ones. */
export function operationParams(op: (typeof OPERATIONS)[number]): { name: string; type: 'int' | 'bool'; required: boolean }[] {
  const req = REQUIRED[op] ?? [];
  return Object.entries(PARAMS[op]).map(([name, type]) => ({ name, type, required: req.includes(name) }));
}

/** Returns the `list --operations` lines: each operation's call shape and its steps. */
export function operationLines(): string[] {
  return OPERATIONS.flatMap((op) => {
    const ps = operationParams(op).map((p) => `${p.name}${p.required ? '' : '?'}: ${p.type === 'int' ? 'number' : 'boolean'}`);
    return [`{ op: '${op}'${ps.length ? ', ' + ps.join(', ') : ''} }`, `    steps: ${operationSteps(op).map((s) => s.name).join(' ')}`];
  });
}

/** Returns the `list --invariants` lines. */
export function invariantLines(): string[] {
  return Object.entries(INVARIANT_DOC).map(([k, d]) => `${k.padEnd(3)}  ${d}`);
}

/** Returns the `list --steps OP` lines. */
export function stepLines(op: string): string[] {
  const steps = operationSteps(op);
  const w = Math.max(...steps.map((s) => s.name.length));
  return [`steps of ${op} (mainline options; [tdx]: only in a TD's private-memory path):`, ...steps.map((s) => `  ${s.name.padEnd(w)}${s.tdxOnly ? ' [tdx]' : '      '}  ${s.doc}`)];
}

/** Returns the `list --options` lines. */
export function optionLines(): string[] {
  return Object.entries(OPTIONS).map(([k, o]) => `${k} = ${o.values.map((v) => JSON.stringify(v)).join(' | ')} (mainline ${JSON.stringify(o.mainline)}; ${o.ref}): ${o.doc}`);
}

/** The options as data, for `list --json`. */
export function optionData(): { name: string; values: readonly (string | number | boolean)[]; mainline: string | number | boolean; doc: string; ref: string }[] {
  return Object.entries(OPTIONS).map(([name, o]) => ({ name, values: o.values, mainline: o.mainline, doc: o.doc, ref: o.ref }));
}
