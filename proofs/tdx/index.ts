/** Proof cases of the `tdx` family: the 2M-vs-4K seed race (T1), memslot deletion (T2), TDX removal and the TDX grid. */
import type { ProofCase } from '../../src/internal.js';
import { familyCases } from '../mmu/cases.js';

/** Returns the cases of this family. */
export function cases(): ProofCase[] {
  return familyCases('tdx');
}
