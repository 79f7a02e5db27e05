/** Proof cases of the `tdx` family (filled in by its issue). */
import type { ProofCase } from '../../src/index.js';

/** Returns the cases of this family. */
export function cases(): ProofCase[] {
  return [];
}
