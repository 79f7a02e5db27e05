/**
 * The MMU side of `mmucheck check`, `replay` and `list`: scenario lookup with diagnostics, model
 * files (`--model FILE`: a variant or a scenario) turned into checker models plus a `ModelRef` a worker thread can resolve,
 * the Mermaid view, and the `list` lines. Exploration itself is the generic checker (src/check),
 * exactly as for `check SCENARIO`.
 */
import { resolve } from 'node:path';
import { fail } from '../core/diagnostic.js';
import type { ModelEntry, ModelRef } from '../check/index.js';
import type { MmuMachine } from '../mmu/machine.js';
import type { StepEdit } from '../mmu/program.js';
import { checkScenario, expectOf, type ScenarioSpec } from '../mmu/scenario.js';
import { checkVariant, type VariantCatalogue, variantScenario } from '../mmu/variant.js';
import { buildMachine, OPERATIONS, type Scenario, toScenario } from '../../model/mmu/build.js';
import { findScenario, SCENARIO_SPECS, SCENARIOS } from '../../model/mmu/scenarios.js';
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

/** What check and replay need to know of a model file besides its machine. */
export interface ModelFileSummary {
  /** `variant({ from, ... })` or `scenario({ ... })`. */
  readonly kind: 'variant' | 'scenario';
  /** The registered scenario a variant starts from; a scenario file's own name. */
  readonly from: string;
  /** The verdict the file expects, if it says. */
  readonly expect?: 'holds' | 'violated';
  readonly doc?: string;
}

/** A loaded model file (a variant or a scenario). */
export interface LoadedVariant {
  /** The scenario the machine is built from (a variant's is its scenario with the variant applied). */
  readonly scenario: Scenario;
  readonly variant: ModelFileSummary;
  readonly machine: MmuMachine;
  /** Absolute path of the model file. */
  readonly file: string;
  /** How a worker thread rebuilds the same machine (`checkParallel`). */
  readonly ref: ModelRef;
}

/** The scenarios and options a variant file is checked against. */
const CATALOGUE: VariantCatalogue = { scenarios: SCENARIOS.map((s) => s.name), options: OPTIONS };

/** A model file's export, checked and turned into the scenario and edits its machine is built from. */
interface ModelFile {
  readonly summary: ModelFileSummary;
  readonly scenario: Scenario;
  /** The name reports use (a variant's name, or the scenario's). */
  readonly name: string;
  readonly edits?: readonly StepEdit[];
}

/** Returns the public-format scenario registered under `name` (MMC005 listing them otherwise). */
function registeredSpec(name: string): ScenarioSpec {
  const s = SCENARIO_SPECS.find((x) => x.name === name);
  if (s === undefined) fail('MMC005', `unknown scenario '${name}'`, { subject: name, hint: `scenarios: ${SCENARIO_SPECS.map((x) => x.name).join(', ')}` });
  return s;
}

/** Returns a checked variant as a model file: its scenario with the variant's threads, setup, witnesses and properties. */
function variantFile(x: unknown): ModelFile {
  const v = checkVariant(x, CATALOGUE);
  const spec = variantScenario(registeredSpec(v.from), v, CATALOGUE);
  const verdict = expectOf(spec).verdict;
  return {
    summary: { kind: 'variant', from: v.from, expect: v.expect ?? verdict, ...(v.doc !== undefined ? { doc: v.doc } : {}) },
    scenario: toScenario({ ...spec, name: v.from }),
    name: spec.name,
    ...(v.edits ? { edits: v.edits } : {}),
  };
}

/** Returns a checked scenario as a model file; its name must not be a registered scenario's. */
function scenarioFile(x: unknown): ModelFile {
  const spec = checkScenario(x, { options: OPTIONS });
  if (findScenario(spec.name) !== undefined) {
    fail('MMC301', `name: '${spec.name}' is a registered scenario; give yours its own name, or write variant({ from: '${spec.name}', ... }) to change it`, { subject: 'name' });
  }
  return { summary: { kind: 'scenario', from: spec.name, expect: expectOf(spec).verdict, ...(spec.doc !== undefined ? { doc: spec.doc } : {}) }, scenario: toScenario(spec), name: spec.name };
}

/** Returns the machine of a model file. */
function fileMachine(f: ModelFile): MmuMachine {
  return buildMachine(f.scenario, { name: f.name, ...(f.edits ? { edits: f.edits } : {}) });
}

/**
 * Returns the model a file exports (default, `variant` or `scenario`), its whole shape checked: a
 * variant when it has `from` ({@link checkVariant}, {@link variantScenario}), a scenario otherwise
 * ({@link checkScenario}).
 */
async function modelFileOf(file: string): Promise<ModelFile> {
  const mod = await loadTs(file, '--model');
  const x = mod['default'] ?? mod['variant'] ?? mod['scenario'];
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    fail('MMC007', `--model ${file}: the file must export default variant({ from: '<scenario>', ... }) or scenario({ name, vm, vcpus, threads, expect })`, { subject: '--model' });
  }
  return 'from' in x ? variantFile(x) : scenarioFile(x);
}

/**
 * Loads a model file (type-checked and compiled once into .mmucheck-cache), a variant or a
 * scenario, and returns its scenario, summary, machine and the `ModelRef` of that machine: this
 * module's URL with the file as a query, export {@link variantModels}, key `variant`.
 */
export async function loadVariant(file: string): Promise<LoadedVariant> {
  const abs = resolve(file);
  const f = await modelFileOf(abs);
  const machine = fileMachine(f);
  const ref: ModelRef = { moduleUrl: `${import.meta.url}?variant=${encodeURIComponent(abs)}`, exportName: 'variantModels', key: 'variant', params: {} };
  return { scenario: f.scenario, variant: f.summary, machine, file: abs, ref };
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
        const f = await modelFileOf(variantQuery);
        return { variant: { doc: f.summary.doc ?? `${f.summary.kind} ${f.name}`, params: [], create: () => fileMachine(f) } };
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
