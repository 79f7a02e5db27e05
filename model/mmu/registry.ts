/**
 * The MMU scenarios as checkable models (shape of the checker's registry entries: doc, integer
 * params, create), for `model/index.ts` to spread into its registry.
 */
import type { Model } from '../../src/internal.js';
import { buildMachine } from './build.js';
import { SCENARIOS } from './scenarios.js';

/** Every MMU scenario by name, as a registry entry without parameters. */
export const mmuCheckModels: Record<string, { readonly doc: string; readonly params: readonly never[]; create(params: Readonly<Record<string, number>>): Model }> =
  Object.fromEntries(SCENARIOS.map((s) => [s.name, { doc: `${s.title} (expect ${s.expect.verdict})`, params: [], create: () => buildMachine(s) }]));
