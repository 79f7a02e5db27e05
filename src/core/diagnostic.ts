/**
 * Diagnostics: users' mistakes and engine limits reported as values with stable codes.
 *
 * A diagnostic is never a stack trace. Codes are stable (documented in README "Diagnostics") and
 * grouped by range: MMC0xx CLI and input, MMC1xx DSL / specs / SMT, MMC2xx explicit-state checker,
 * MMC3xx executable MMU and scenarios, MMC4xx role and VM-type families, MMC9xx internal errors.
 */

/** Every diagnostic code the tool can emit, with a one-line meaning. */
export const DIAGNOSTIC_CODES = {
  MMC001: 'usage: unknown command, flag, or malformed flag value',
  MMC002: 'installation problem (compiled CLI or a dependency missing)',
  MMC003: 'value out of the allowed range for a flag',
  MMC004: 'contradictory CPU configuration',
  MMC005: 'unknown name (suite, rule, flavour, era, scenario, option, step)',
  MMC006: 'file could not be read or written',
  MMC007: 'user spec or model file failed to load or type-check',
  MMC008: 'kernel tree cannot be read as modelled (not a tree, unsupported layout, a macro that cannot be evaluated, a definition cycle)',
  MMC101: 'layout fields overlap or leave the 64-bit word',
  MMC102: 'malformed expression (sort mismatch, unbound variable)',
  MMC103: 'variable value outside its declared domain',
  MMC110: 'Z3 returned unknown or timed out',
  MMC201: 'model is non-deterministic: replay did not reproduce the recorded path',
  MMC202: 'malformed model (bad state size, bad action index)',
  MMC203: 'malformed or mismatched trace file',
  MMC204: 'shard results cannot be merged',
  MMC301: 'malformed scenario or variant',
  MMC401: 'malformed role or VM-type input',
  MMC402: 'role or VM-type rule is vacuous: no enumerated assignment meets its hypotheses',
  MMC900: 'internal error',
} as const;

/** A stable diagnostic code. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** A user-facing problem: stable code, one-line message naming the field or flag, optional probable cause. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  /** The flag, field, rule or file the message is about. */
  readonly subject?: string;
  /** The probable cause or what to do. */
  readonly hint?: string;
}

/** Returns a diagnostic value. */
export function diagnostic(code: DiagnosticCode, message: string, extra: { subject?: string; hint?: string } = {}): Diagnostic {
  return { code, message, ...extra };
}

/**
 * Returns an Error that carries a diagnostic, for unwinding from deep inside a loader or parser to the
 * CLI, which prints `mmucheck: error MMCnnn: message` and exits with the usage or internal code.
 */
export class DiagnosticError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(d: Diagnostic) {
    super(`${d.code}: ${d.message}`);
    this.name = 'DiagnosticError';
    this.diagnostic = d;
  }
}

/** Throws a DiagnosticError with the given code and message. */
export function fail(code: DiagnosticCode, message: string, extra: { subject?: string; hint?: string } = {}): never {
  throw new DiagnosticError(diagnostic(code, message, extra));
}

/** Returns the one-line rendering used on stderr. */
export function formatDiagnostic(d: Diagnostic): string {
  return `error ${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}
