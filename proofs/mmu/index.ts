/** Proof cases of the `mmu` family: TDP MMU catalogue pairs (C1, C6, C8, C10) and the mainline grid. */
import type { ProofCase } from '../../src/internal.js';
import { familyCases } from './cases.js';

/** Returns the cases of this family. */
export function cases(): ProofCase[] {
  return familyCases('mmu');
}
