/**
 * Control-register bit positions that feed the KVM MMU role (CR0, CR4, EFER), with the names used
 * to print counterexamples. Bit positions are architectural (Intel SDM vol. 3 §2.5, AMD APM vol. 2
 * §3.1); the kernel's names are in arch/x86/include/asm/processor-flags.h and msr-index.h.
 */

/** A register's named bits, ascending by position. */
export type BitNames = readonly (readonly [name: string, bit: number])[];

/** CR0 bits (all architecturally defined ones; bits 32..63 are reserved). */
export const CR0_BITS: BitNames = [
  ['PE', 0], ['MP', 1], ['EM', 2], ['TS', 3], ['ET', 4], ['NE', 5],
  ['WP', 16], ['AM', 18], ['NW', 29], ['CD', 30], ['PG', 31],
];

/** CR4 bits (the defined ones KVM may let a guest set; the rest are reserved). */
export const CR4_BITS: BitNames = [
  ['VME', 0], ['PVI', 1], ['TSD', 2], ['DE', 3], ['PSE', 4], ['PAE', 5], ['MCE', 6], ['PGE', 7],
  ['PCE', 8], ['OSFXSR', 9], ['OSXMMEXCPT', 10], ['UMIP', 11], ['LA57', 12], ['VMXE', 13],
  ['SMXE', 14], ['FSGSBASE', 16], ['PCIDE', 17], ['OSXSAVE', 18], ['KL', 19], ['SMEP', 20],
  ['SMAP', 21], ['PKE', 22], ['CET', 23], ['PKS', 24], ['UINTR', 25], ['LAM_SUP', 28],
];

/** EFER bits (the defined ones). */
export const EFER_BITS: BitNames = [
  ['SCE', 0], ['LME', 8], ['LMA', 10], ['NX', 11], ['SVME', 12], ['LMSLE', 13], ['FFXSR', 14],
  ['TCE', 15], ['AUTOIBRS', 21],
];

function table<T extends string>(bits: BitNames, names: readonly T[]): Record<T, bigint> {
  const out = {} as Record<T, bigint>;
  for (const n of names) {
    const b = bits.find(([name]) => name === n);
    if (!b) throw new Error(`internal error: unknown bit ${n}`);
    out[n] = 1n << BigInt(b[1]);
  }
  return out;
}

/** CR0 masks by name. */
export const CR0 = table(CR0_BITS, ['PE', 'MP', 'EM', 'TS', 'ET', 'NE', 'WP', 'AM', 'NW', 'CD', 'PG'] as const);
/** CR4 masks by name (the ones the role code reads, plus PGE and PCIDE which reset decisions read). */
export const CR4 = table(CR4_BITS, ['PSE', 'PAE', 'PGE', 'PCIDE', 'LA57', 'SMEP', 'SMAP', 'PKE'] as const);
/** EFER masks by name. */
export const EFER = table(EFER_BITS, ['SCE', 'LME', 'LMA', 'NX', 'SVME'] as const);

/** Returns the OR of every bit in a table: the register's defined bits. */
export function definedMask(bits: BitNames): bigint {
  return bits.reduce((m, [, b]) => m | (1n << BigInt(b)), 0n);
}

/** Returns the names of the set bits of a value, with `bit N` for undefined ones, e.g. `{PE, ET, WP}`. */
export function bitNames(value: bigint, bits: BitNames): string {
  const names: string[] = [];
  for (let i = 0; i < 64; i++) {
    if (((value >> BigInt(i)) & 1n) === 0n) continue;
    names.push(bits.find(([, b]) => b === i)?.[0] ?? `bit ${i}`);
  }
  return `{${names.join(', ')}}`;
}

/** Returns a register value as `0x%08x {NAMES}` (64-bit hex when bits above 31 are set). */
export function showReg(value: bigint, bits: BitNames): string {
  const hex = value >> 32n ? value.toString(16).padStart(16, '0') : value.toString(16).padStart(8, '0');
  return `0x${hex} ${bitNames(value, bits)}`;
}
