/**
 * A rule together with what a reader and a brute-force cross-check need: the values of each
 * variable to enumerate (the relevant bits of each register, the values of each switch), how to
 * explain a counterexample in the domain's terms. Used by the role and VM-type families, and by any
 * family whose variables have small finite spaces.
 */
import type { Env } from './expr.js';
import type { Rule } from './rule.js';

/** Values of each variable for exhaustive enumeration; registers list the subsets of their relevant bits. */
export type EnumSpace = Readonly<Record<string, readonly (bigint | boolean)[]>>;

/** A rule of the role or VM-type family. */
export interface RuleSpec {
  readonly rule: Rule;
  /** The space a brute-force check enumerates (every free variable of the rule must be listed). */
  readonly space: EnumSpace;
  /** Returns lines that explain an assignment (a counterexample) by register bit names and role fields. */
  explain(env: Env): string[];
  /** Variables (registers, switches) a witness may be shrunk on, in order: clearing bits, setting booleans false. */
  readonly shrink: readonly string[];
}

/** Returns every subset of the given bits (as values), in ascending order of the subset index. */
export function subsets(bits: readonly bigint[]): bigint[] {
  const out: bigint[] = [];
  for (let m = 0; m < 1 << bits.length; m++) {
    let v = 0n;
    bits.forEach((b, i) => {
      if (m & (1 << i)) v |= b;
    });
    out.push(v);
  }
  return out;
}
