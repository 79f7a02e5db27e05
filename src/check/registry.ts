/**
 * Checkable models by name: the entry type a registry (`model/index.ts`) declares, parameter
 * validation, and `ModelRef`, the value a worker thread uses to build the same model itself.
 */
import { fail } from '../core/diagnostic.js';
import type { Model } from './model.js';

/** A declared integer parameter of a model (`--param NAME=VALUE`). */
export interface ModelParam {
  readonly name: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** One sentence for `--help` and errors. */
  readonly doc: string;
}

/**
 * A registry entry: a documented model family with integer parameters.
 *
 * @example
 *   export const checkModels: Record<string, ModelEntry> = {
 *     'tdp-cas': { doc: 'lock-free SPTE protocol', params: [{ name: 'NV', default: 3, min: 1, max: 6, doc: 'vCPUs' }],
 *                  create: (p) => tdpCas(p) },
 *   };
 */
export interface ModelEntry {
  /** One sentence: what the model is. */
  readonly doc: string;
  readonly params: readonly ModelParam[];
  /** Returns the model for complete, validated parameters. Must be deterministic. */
  create(params: Readonly<Record<string, number>>): Model;
}

/**
 * How a worker thread finds a model: `(await import(moduleUrl))[exportName][key].create(params)`.
 * `moduleUrl` must be loadable by plain Node (compiled JS), e.g. the registry's own `import.meta.url`.
 */
export interface ModelRef {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly key: string;
  readonly params: Readonly<Record<string, number>>;
}

/**
 * Returns the complete parameters of `entry` from `given` (`NAME=VALUE` strings or numbers),
 * raising MMC005 for an unknown name and MMC003 for a value that is not an integer in range.
 */
export function resolveParams(modelName: string, entry: ModelEntry, given: Readonly<Record<string, string | number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of entry.params) out[p.name] = p.default;
  const allowed = entry.params.map((p) => `${p.name} (${p.min}..${p.max}, default ${p.default})`).join(', ') || 'none';
  for (const [k, raw] of Object.entries(given)) {
    const p = entry.params.find((q) => q.name === k);
    if (!p) fail('MMC005', `--param ${k}: model ${modelName} has no parameter ${k}; parameters: ${allowed}`, { subject: '--param' });
    const v = typeof raw === 'number' ? raw : /^-?[0-9]+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isInteger(v) || v < p.min || v > p.max) {
      fail('MMC003', `--param ${k}=${raw}: must be an integer from ${p.min} to ${p.max} (${p.doc})`, { subject: '--param' });
    }
    out[k] = v;
  }
  return out;
}

/** Parses repeated `NAME=VALUE` flag values into a record (MMC001 on malformed text). */
export function parseParamFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of values) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(s);
    if (!m) fail('MMC001', `--param ${s}: expected NAME=VALUE, e.g. --param NV=3`, { subject: '--param' });
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Returns the model a `ModelRef` names, importing its module. */
export async function loadModel(ref: ModelRef): Promise<Model> {
  const mod = (await import(ref.moduleUrl)) as Record<string, unknown>;
  const reg = mod[ref.exportName] as Record<string, ModelEntry> | undefined;
  const entry = reg?.[ref.key];
  if (!entry || typeof entry.create !== 'function') {
    fail('MMC005', `model ${ref.key} not found in ${ref.exportName} of ${ref.moduleUrl}`);
  }
  return entry.create(ref.params);
}
