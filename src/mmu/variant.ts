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
import {
  checkExpect,
  checkOptionValues,
  checkProperties,
  checkSetup,
  checkThreads,
  checkWitnesses,
  expectOf,
  BUILT_IN_PROPERTIES,
  INVARIANT_NAMES,
  type ScenarioCatalogue,
  type ScenarioProperty,
  type ScenarioSpec,
  type SetupCall,
  systemOf,
  type ThreadScript,
  WITNESS_NAMES,
} from './scenario.js';
import type { WitnessName } from './names.js';

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
  /** Threads replacing those of the scenario (vCPU threads first, as in a scenario). */
  readonly threads?: readonly ThreadScript[];
  /** Threads added after those of the scenario (or after `threads`). */
  readonly addThreads?: readonly ThreadScript[];
  /** Setup replacing that of the scenario. */
  readonly setup?: readonly SetupCall[];
  /** Witnesses of the scenario this variant no longer asks for. */
  readonly dropWitnesses?: readonly WitnessName[];
  /** Witnesses this variant asks for in addition. */
  readonly addWitnesses?: readonly WitnessName[];
  /** Extra `always` / `sometimes` properties, added to the scenario's. */
  readonly properties?: readonly ScenarioProperty[];
  /** The verdict the author expects (the scenario's unless given). */
  readonly expect?: 'holds' | 'violated';
}

/** Returns the variant unchanged (a typed identity for variant files). */
export function variant(v: VariantSpec): VariantSpec {
  return v;
}

/** The keys a variant may have. */
export const VARIANT_KEYS = ['from', 'name', 'doc', 'options', 'edits', 'threads', 'addThreads', 'setup', 'dropWitnesses', 'addWitnesses', 'properties', 'expect'] as const;

/** What a variant is checked against: the scenarios and the options (with their values) that exist. */
export interface VariantCatalogue {
  readonly scenarios: readonly string[];
  readonly options: ScenarioCatalogue['options'];
}

/** Why a key that variants do not have was probably written, by key. */
const NOT_IN_A_VARIANT: Readonly<Record<string, string>> = {
  vm: "a variant keeps the VM type of its scenario 'from'; write a scenario({...}) for another",
  levels: "a variant keeps the tree levels of its scenario 'from'; write a scenario({...}) for another",
  vcpus: "a variant keeps the vCPUs of its scenario 'from'; write a scenario({...}) for another",
  privateGfns: "a variant keeps the private gfns of its scenario 'from'; write a scenario({...}) for another",
  witnesses: "use dropWitnesses and addWitnesses",
};

/** Raises MMC301 unless `v[key]` is absent or a string (non-empty when `nonEmpty`). */
function optionalString(v: Record<string, unknown>, key: string, nonEmpty: boolean): void {
  const x = v[key];
  if (x !== undefined && (typeof x !== 'string' || (nonEmpty && x === ''))) {
    fail('MMC301', `variant key '${key}' must be a ${nonEmpty ? 'non-empty ' : ''}string, got ${describeValue(x)}`, { subject: key });
  }
}

/**
 * Returns `x` as a variant after checking its whole shape, one diagnostic per mistake: an object
 * with only the keys {@link VARIANT_KEYS} (MMC301 otherwise, naming the key), `from` a scenario
 * of the catalogue (MMC005 listing them), `name` and `doc` strings, `options` existing options
 * with allowed values (MMC005), `edits` an array of well-shaped edits (MMC301, see `checkEdit`),
 * `expect` holds or violated. The threads, setup, witnesses and properties it brings are checked
 * against its scenario by {@link variantScenario}; whether each edit fits the scenario when its
 * machine is built (`MmuMachine`).
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
  if (v['options'] !== undefined) checkOptionValues(v['options'], "variant key 'options'", catalogue.options);
  if (v['edits'] !== undefined) checkEdits(v['edits']);
  if (v['expect'] !== undefined && v['expect'] !== 'holds' && v['expect'] !== 'violated') {
    fail('MMC301', `variant key 'expect' must be 'holds' or 'violated', got ${describeValue(v['expect'])}`, { subject: 'expect' });
  }
  return v as unknown as VariantSpec;
}

/**
 * Returns the scenario a (shape-checked) variant describes, checked against `cat`: `base` with the variant's name,
 * options merged over the scenario's, threads replaced and/or added, setup replaced, witnesses
 * dropped and added, properties added, and its expectation. Each field it brings is checked
 * against the scenario's system (MMC301 naming the variant's field, e.g. `addThreads[0].script[1].gfn`).
 */
export function variantScenario(base: ScenarioSpec, v: VariantSpec, cat: ScenarioCatalogue): ScenarioSpec {
  const options = { ...(base.options ?? {}), ...(v.options ?? {}) };
  const sys = systemOf(base, cat, options);
  const names: string[] = [];
  // the scenario's own threads and setup are checked again: the variant's options may not fit them
  const threads = v.threads === undefined ? checkThreads(base.threads, `${base.name}: threads`, sys, 0, names) : checkThreads(v.threads, 'threads', sys, 0, names);
  const added = v.addThreads === undefined ? [] : checkThreads(v.addThreads, 'addThreads', sys, threads.length, names);
  const all = [...threads, ...added];
  if (all.length < sys.vcpus) fail('MMC301', `threads: ${all.length} thread(s) for ${sys.vcpus} vCPUs of scenario ${base.name}; the first ${sys.vcpus} threads are the vCPUs`, { subject: 'threads' });
  const setup = v.setup === undefined ? base.setup : checkSetup(v.setup, 'setup', sys, names);
  if (v.setup === undefined && base.setup !== undefined) checkSetup(base.setup, `${base.name}: setup`, sys, names);
  const had = base.witnesses ?? [];
  const drop = v.dropWitnesses === undefined ? [] : checkWitnesses(v.dropWitnesses, 'dropWitnesses', had);
  const kept = had.filter((w) => !drop.includes(w));
  const add = v.addWitnesses === undefined ? [] : checkWitnesses(v.addWitnesses, 'addWitnesses', WITNESS_NAMES.filter((w) => !(kept as readonly string[]).includes(w)));
  const baseProps = base.properties ?? [];
  const props = v.properties === undefined ? [] : checkProperties(v.properties, 'properties', [...INVARIANT_NAMES, ...BUILT_IN_PROPERTIES, ...WITNESS_NAMES, ...baseProps.map((p) => p.name)]);
  const expect = v.expect === undefined ? expectOf(base) : checkExpect(v.expect, 'expect', []);
  return {
    ...base,
    name: v.name ?? `${v.from}+variant`,
    ...(v.doc !== undefined ? { doc: v.doc } : {}),
    options,
    threads: all,
    ...(setup !== undefined ? { setup } : {}),
    witnesses: [...kept, ...add],
    properties: [...baseProps, ...props],
    expect,
  };
}
