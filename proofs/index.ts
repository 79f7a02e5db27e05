/**
 * Every proof suite with its expected verdicts, by family. `mmucheck ci` runs them all.
 */
import type { ProofCase } from '../src/internal.js';
import * as check from './check/index.js';
import * as mmu from './mmu/index.js';
import * as role from './role/index.js';
import * as spte from './spte/index.js';
import * as tdx from './tdx/index.js';
import * as vmtype from './vmtype/index.js';

const families = { spte, check, mmu, tdx, role, vmtype } as const;

/** Returns the family names. */
export function suiteNames(): string[] {
  return Object.keys(families);
}

/** Returns every case of every family, in a stable order. */
export async function allCases(): Promise<ProofCase[]> {
  return Object.values(families).flatMap((f) => f.cases());
}
