/**
 * Verdicts: the closed union every engine returns. Nothing but `holds` from a complete search or a
 * Z3 `unsat` is ever called proved.
 */
import type { Diagnostic } from './diagnostic.js';

/** The verdict of one obligation (a layout rule, a model property). `W` is the witness type. */
export type Verdict<W = unknown> =
  | { readonly kind: 'holds'; readonly domain: string }
  | { readonly kind: 'violated'; readonly witness: W }
  | { readonly kind: 'unknown'; readonly reason: string }
  | { readonly kind: 'error'; readonly diagnostic: Diagnostic };

/** The verdict kinds, for expectations and tables. */
export type VerdictKind = Verdict['kind'];

/** The verdicts a proof suite may expect. */
export type ExpectedVerdict = 'holds' | 'violated';

/** Returns a `holds` verdict over the named domain. */
export const holds = (domain: string): Verdict<never> => ({ kind: 'holds', domain });
/** Returns a `violated` verdict with its witness. */
export const violated = <W>(witness: W): Verdict<W> => ({ kind: 'violated', witness });
/** Returns an `unknown` verdict with its reason (Z3 unknown, timeout, bound or budget hit). */
export const unknown = (reason: string): Verdict<never> => ({ kind: 'unknown', reason });
/** Returns an `error` verdict. */
export const errorVerdict = (diagnostic: Diagnostic): Verdict<never> => ({ kind: 'error', diagnostic });
