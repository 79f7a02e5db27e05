/**
 * Renders counterexamples for people: the configuration by variable name, then every observed SPTE
 * or mask decoded field by field with bit numbers (using the flavour's layout views).
 */
import { describeBits, hex64 } from '../../src/core/bits.js';
import { type VarDecl, decodeView } from '../../src/dsl/index.js';
import type { Era } from './bits.js';
import type { SpteConsts } from './consts.js';
import { spteLayout, spteViews } from './layouts.js';
import type { CatalogEntry } from './rules.js';

/** A counterexample as plain values (what `prove` returns in its witness). */
export interface PlainWitness {
  readonly assignment: Readonly<Record<string, bigint | boolean>>;
  readonly observed: Readonly<Record<string, bigint | boolean>>;
  readonly vars: readonly VarDecl[];
}

/** Returns a value as the variable wants it shown. */
export function showValue(v: bigint | boolean, display?: 'dec' | 'hex'): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return display === 'dec' ? v.toString() : '0x' + v.toString(16);
}

/** Returns `name=value` for every variable of the witness, in a stable order. */
export function configLine(w: PlainWitness): string {
  return [...w.vars]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => `${d.name}=${showValue(w.assignment[d.name]!, d.display ?? (d.sort === 'bv' && d.max !== undefined && d.max < 64n ? 'dec' : 'hex'))}`)
    .join(' ');
}

/** Returns the one-line rendering used in the ci table. */
export function witnessLine(entry: CatalogEntry, w: PlainWitness): string {
  const obs = Object.entries(w.observed)
    .map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'on' : 'off') : k.endsWith('bits') && v < 64n ? v.toString() : hex64(v)}`)
    .join(' ');
  return `${configLine(w)}${obs ? ' | ' + obs : ''}`.trim() || `(constants) ${entry.rule.name}`;
}

/**
 * Returns a multi-line rendering: configuration, then each observed word decoded field by field,
 * with the era's views, or with views built from `consts` (a Linux tree's own constants, so that a
 * moved bit is decoded where the tree put it).
 */
export function witnessBlock(entry: CatalogEntry, w: PlainWitness, era: Era, consts?: SpteConsts): string[] {
  const lines: string[] = [];
  lines.push(`  configuration: ${configLine(w) || '(no variables: the constants themselves)'}`);
  const name = entry.flavour === 'all' ? 'ept' : entry.flavour;
  const lay = { views: consts ? spteViews(name, era, consts) : spteLayout(name, era).views };
  for (const [name, v] of Object.entries(w.observed)) {
    if (typeof v === 'boolean') {
      lines.push(`  ${name} = ${v ? 'on' : 'off'}`);
      continue;
    }
    const view = entry.decodeAs[name];
    const fields = view !== undefined ? lay.views[view] : undefined;
    if (name.endsWith('bits') && v < 64n) {
      lines.push(`  ${name} = ${v}`);
      continue;
    }
    lines.push(`  ${name} = ${hex64(v)}  bits ${describeBits(v)}`);
    if (fields) {
      const parts = decodeView(fields, v)
        .filter((d) => d.value !== 0n)
        .map((d) => `${d.name}[${d.bits}]=${d.value > 9n ? '0x' + d.value.toString(16) : d.value}`);
      let covered = 0n;
      for (const f of fields) covered |= ((1n << BigInt(f.hi - f.lo + 1)) - 1n) << BigInt(f.lo);
      const rest = v & ~covered;
      if (rest) parts.push(`unnamed${describeBits(rest)}`);
      lines.push(`      as ${view}: ${parts.join(' ') || '(all zero)'}`);
    }
  }
  return lines;
}
