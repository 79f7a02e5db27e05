/**
 * Rules (obligations): a named boolean expression with a one-sentence reason and a kernel reference.
 * A rule holds when `assume => holds` is true for every assignment of its variables inside their
 * declared domains.
 */
import { type Bool, type BoolLike, type Bv, lit, toBool } from './expr.js';

/** A named obligation. */
export interface Rule {
  /** Stable kebab-case name, e.g. `mmio-mask-avoids-generation`. */
  readonly name: string;
  /** One sentence: why the kernel needs this. */
  readonly reason: string;
  /** Kernel reference, e.g. `arch/x86/kvm/mmu/spte.h: SPTE_MMIO_ALLOWED_MASK`. */
  readonly ref: string;
  /** Hypotheses (configuration constraints beyond the variables' domains). */
  readonly assume: Bool;
  /** The property. */
  readonly holds: Bool;
  /** Derived values to show in a counterexample (e.g. the MMIO mask KVM computed), by name. */
  readonly observe?: Readonly<Record<string, Bv | Bool>>;
}

/**
 * Returns a rule.
 *
 * @example
 *   invariant('present-bit-not-in-generation', 'an MMIO SPTE must never look present',
 *     'arch/x86/kvm/mmu/spte.h: static_assert on SPTE_MMU_PRESENT_MASK', bit(11).and(GEN).eq(0))
 */
export function invariant(
  name: string,
  reason: string,
  ref: string,
  holds: BoolLike,
  opts: { assume?: BoolLike; observe?: Record<string, Bv | Bool> } = {},
): Rule {
  return {
    name,
    reason,
    ref,
    holds: toBool(holds),
    assume: opts.assume === undefined ? lit(true) : toBool(opts.assume),
    ...(opts.observe ? { observe: opts.observe } : {}),
  };
}
