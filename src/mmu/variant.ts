/**
 * Variant files: a reviewer's proposed patch as data. A variant starts from a named scenario and
 * sets options and edits named steps (override, remove, move, insert); `mmucheck check --model
 * FILE` loads it and checks it like any scenario.
 *
 * @example
 *   // my-variant.ts
 *   import { variant } from 'mmucheck';
 *   export default variant({
 *     from: 'tdx/2m-vs-4k/freeze',
 *     name: 'aug-before-freeze',
 *     doc: 'issue PAGE.AUG before freezing the mirror entry',
 *     edits: [{ op: 'fault', move: 'install-seamcall', before: 'install' }],
 *   });
 */
import type { StepEdit } from './program.js';

/** A variant of a scenario. */
export interface VariantSpec {
  /** The scenario it starts from (see `mmucheck list`). */
  readonly from: string;
  /** Name shown in reports (default `<from>+variant`). */
  readonly name?: string;
  /** One sentence: the patch this variant models. */
  readonly doc?: string;
  /** Option values (see `mmucheck list --options`). */
  readonly options?: Readonly<Record<string, string | number | boolean>>;
  /** Step edits, applied by operation and step name, in order. */
  readonly edits?: readonly StepEdit[];
  /** The verdict the author expects (reported, not enforced, unless `--expect` is given). */
  readonly expect?: 'holds' | 'violated';
}

/** Returns the variant unchanged (a typed identity for variant files). */
export function variant(v: VariantSpec): VariantSpec {
  return v;
}

/** Returns true when `x` looks like a variant (a `from` string). */
export function isVariant(x: unknown): x is VariantSpec {
  return typeof x === 'object' && x !== null && typeof (x as { from?: unknown }).from === 'string';
}
