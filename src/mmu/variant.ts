/**
 * Variant files: a reviewer's proposed patch as data. A variant starts from a named scenario and
 * sets options and edits named steps (override, remove, move, insert); `mmucheck check --model
 * FILE` loads it and checks it like any scenario. Nothing in a variant is silently ignored: its
 * whole shape is checked ({@link checkVariant}), every edit must fit some thread of the scenario
 * (`MmuMachine`), and the step bodies it brings run as user code on a bounds-checked context.
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
import { fail } from '../core/diagnostic.js';
import { checkEdits, describeValue, type StepEdit } from './program.js';

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

/** The keys a variant may have. */
export const VARIANT_KEYS = ['from', 'name', 'doc', 'options', 'edits', 'expect'] as const;

/** What a variant is checked against: the scenarios and the options (with their values) that exist. */
export interface VariantCatalogue {
  readonly scenarios: readonly string[];
  readonly options: Readonly<Record<string, { readonly values: readonly (string | number | boolean)[] }>>;
}

/** Why a key that variants do not have was probably written, by key. */
const NOT_IN_A_VARIANT: Readonly<Record<string, string>> = {
  threads: "a variant keeps the threads of its scenario 'from'",
  setup: "a variant keeps the setup of its scenario 'from'",
  vm: "a variant keeps the VM type of its scenario 'from'",
};

/** Raises MMC301 unless `v[key]` is absent or a string (non-empty when `nonEmpty`). */
function optionalString(v: Record<string, unknown>, key: string, nonEmpty: boolean): void {
  const x = v[key];
  if (x !== undefined && (typeof x !== 'string' || (nonEmpty && x === ''))) {
    fail('MMC301', `variant key '${key}' must be a ${nonEmpty ? 'non-empty ' : ''}string, got ${describeValue(x)}`, { subject: key });
  }
}

/** Checks the `options` of a variant: an object whose names are options and whose values are among theirs. */
function checkOptions(x: unknown, options: VariantCatalogue['options']): void {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    fail('MMC301', `variant key 'options' must be an object of option values like { mirrorInstall: 'freeze' }, got ${describeValue(x)}`, { subject: 'options' });
  }
  for (const [k, v] of Object.entries(x)) {
    const spec = options[k];
    if (spec === undefined) fail('MMC005', `unknown option '${k}' in variant key 'options'`, { subject: `options.${k}`, hint: `options: ${Object.keys(options).join(', ')}` });
    if (!spec.values.includes(v as string | number | boolean)) {
      fail('MMC005', `option '${k}' cannot be ${JSON.stringify(v) ?? describeValue(v)}`, { subject: `options.${k}`, hint: `values: ${spec.values.map((y) => JSON.stringify(y)).join(', ')}` });
    }
  }
}

/**
 * Returns `x` as a variant after checking its whole shape, one diagnostic per mistake: an object
 * with only the keys {@link VARIANT_KEYS} (MMC301 otherwise, naming the key), `from` a scenario
 * of the catalogue (MMC005 listing them), `name` and `doc` strings, `options` existing options
 * with allowed values (MMC005), `edits` an array of well-shaped edits (MMC301, see `checkEdit`),
 * `expect` holds or violated. Whether each edit fits the scenario is checked when its machine is
 * built (`MmuMachine`).
 */
export function checkVariant(x: unknown, catalogue: VariantCatalogue): VariantSpec {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) fail('MMC301', `a variant must be an object like { from: '<scenario>', edits: [...] }, got ${describeValue(x)}`);
  const v = x as Record<string, unknown>;
  const bad = Object.keys(v).find((k) => !(VARIANT_KEYS as readonly string[]).includes(k));
  if (bad !== undefined) {
    const why = NOT_IN_A_VARIANT[bad];
    fail('MMC301', `not supported in a variant: key '${bad}'${why ? ` (${why})` : ''}; allowed keys: ${VARIANT_KEYS.join(', ')}`, { subject: bad });
  }
  if (typeof v['from'] !== 'string') fail('MMC301', `variant key 'from' must name the scenario it starts from (a string), got ${describeValue(v['from'])}`, { subject: 'from' });
  if (!catalogue.scenarios.includes(v['from'])) {
    fail('MMC005', `unknown scenario '${v['from']}' in variant key 'from'`, { subject: 'from', hint: `scenarios: ${catalogue.scenarios.join(', ')}` });
  }
  optionalString(v, 'name', true);
  optionalString(v, 'doc', false);
  if (v['options'] !== undefined) checkOptions(v['options'], catalogue.options);
  if (v['edits'] !== undefined) checkEdits(v['edits']);
  if (v['expect'] !== undefined && v['expect'] !== 'holds' && v['expect'] !== 'violated') {
    fail('MMC301', `variant key 'expect' must be 'holds' or 'violated', got ${describeValue(v['expect'])}`, { subject: 'expect' });
  }
  return v as unknown as VariantSpec;
}
