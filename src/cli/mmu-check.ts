/**
 * The MMU side of `mmucheck check`, `replay` and `list`: scenario lookup with diagnostics, variant
 * files (`--model FILE`) turned into checker models plus a `ModelRef` a worker thread can resolve,
 * the Mermaid view, and the `list` lines. Exploration itself is the generic checker (src/check),
 * exactly as for `check SCENARIO`.
 */
import { resolve } from 'node:path';
import { fail } from '../core/diagnostic.js';
import type { ModelEntry, ModelRef } from '../check/index.js';
import type { MmuMachine } from '../mmu/machine.js';
import { checkVariant, type VariantCatalogue, type VariantSpec } from '../mmu/variant.js';
import { buildMachine, OPERATIONS, type Scenario } from '../../model/mmu/build.js';
import { findScenario, SCENARIOS } from '../../model/mmu/scenarios.js';
import { OPTIONS } from '../../model/mmu/options.js';
import { loadTs } from './load-ts.js';

/** Returns true when `name` is an MMU scenario. */
export function isMmuScenario(name: string): boolean {
  return findScenario(name) !== undefined;
}

/** Returns the scenario named `name` or raises MMC005 listing what exists. */
export function scenarioOrFail(name: string): Scenario {
  const s = findScenario(name);
  if (s === undefined) {
    fail('MMC005', `unknown scenario '${name}'`, { subject: name, hint: `scenarios: ${SCENARIOS.map((x) => x.name).join(', ')}` });
  }
  return s;
}

/** A loaded variant file. */
export interface LoadedVariant {
  readonly scenario: Scenario;
  readonly variant: VariantSpec;
  readonly machine: MmuMachine;
  /** Absolute path of the variant file. */
  readonly file: string;
  /** How a worker thread rebuilds the same machine (`checkParallel`). */
  readonly ref: ModelRef;
}

/** Returns the machine of a variant spec. */
function variantMachine(v: VariantSpec): MmuMachine {
  return buildMachine(scenarioOrFail(v.from), { ...(v.options ? { options: v.options } : {}), ...(v.edits ? { edits: v.edits } : {}), name: v.name ?? `${v.from}+variant` });
}

/** The scenarios and options a variant file is checked against. */
const CATALOGUE: VariantCatalogue = { scenarios: SCENARIOS.map((s) => s.name), options: OPTIONS };

/** Returns the variant a file exports (default, or `variant`), its whole shape checked (see {@link checkVariant}). */
async function variantSpecOf(file: string): Promise<VariantSpec> {
  const mod = await loadTs(file, '--model');
  const v = mod['default'] ?? mod['variant'];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('MMC007', `--model ${file}: the file must export default variant({ from: '<scenario>', ... })`, { subject: '--model' });
  return checkVariant(v, CATALOGUE);
}

/**
 * Loads a variant file (type-checked and compiled once into .mmucheck-cache) and returns the
 * scenario, the variant, its machine and the `ModelRef` of that machine: this module's URL with
 * the variant file as a query, export {@link variantModels}, key `variant`.
 */
export async function loadVariant(file: string): Promise<LoadedVariant> {
  const abs = resolve(file);
  const variant = await variantSpecOf(abs);
  const scenario = scenarioOrFail(variant.from);
  const machine = variantMachine(variant);
  const ref: ModelRef = { moduleUrl: `${import.meta.url}?variant=${encodeURIComponent(abs)}`, exportName: 'variantModels', key: 'variant', params: {} };
  return { scenario, variant, machine, file: abs, ref };
}

const variantQuery = new URL(import.meta.url).searchParams.get('variant');

/**
 * The registry a worker thread resolves for a variant file: empty when this module is imported
 * plainly; when imported as `mmu-check.js?variant=FILE` (a {@link LoadedVariant.ref}), one entry
 * `variant` that builds the machine of FILE (compiled output reused from the cache).
 */
export const variantModels: Record<string, ModelEntry> =
  variantQuery === null
    ? {}
    : await (async () => {
        const v = await variantSpecOf(variantQuery);
        return { variant: { doc: v.doc ?? `variant of ${v.from}`, params: [], create: () => variantMachine(v) } };
      })();

/** Returns `list` lines for the MMU: operations, scenarios with expected verdicts, and options with values. */
export function mmuListLines(): string[] {
  const out = [`mmu operations (scenario scripts): ${OPERATIONS.join(', ')}`, 'mmu scenarios (mmucheck check NAME):'];
  const w = Math.max(...SCENARIOS.map((s) => s.name.length));
  for (const s of SCENARIOS) {
    out.push(`  ${s.name.padEnd(w)}  expect ${s.expect.verdict}${s.expect.property ? ' ' + s.expect.property : ''}${s.levels === 3 ? '  [3-level]' : ''}  ${s.threads.length} threads${s.witnesses.length ? `; witnesses ${s.witnesses.join(', ')}` : ''}`);
  }
  out.push('mmu options (variant files: options: { NAME: VALUE }):');
  for (const [k, o] of Object.entries(OPTIONS)) out.push(`  ${k} = ${o.values.map((v) => JSON.stringify(v)).join(' | ')} (mainline ${JSON.stringify(o.mainline)}; ${o.ref}): ${o.doc}`);
  return out;
}
