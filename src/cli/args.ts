/**
 * Argument parsing for the CLI: node's parseArgs, with every mistake turned into a one-line
 * diagnostic that names the flag and what is allowed.
 */
import { parseArgs } from 'node:util';
import { fail } from '../core/diagnostic.js';
import { parseBigint } from '../core/bits.js';

/** A flag specification: string-valued or boolean; `multiple` for repeatable flags. */
export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** Parsed flags and positionals. */
export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

/** Parses argv against `spec` (plus `--help`); unknown flags and missing values raise MMC001. */
export function parse(command: string, argv: string[], spec: FlagSpec, maxPositionals = 0): Parsed {
  argv = joinDashValues(command, argv, spec);
  let out;
  try {
    out = parseArgs({ args: argv, options: { ...spec, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /Unknown option '([^']+)'/.exec(msg);
    if (m) fail('MMC001', `${command}: unknown flag ${m[1]}; allowed: ${Object.keys(spec).map((k) => '--' + k).join(' ')}`, { subject: m[1]! });
    const v = /Option '([^']+)' argument missing/.exec(msg) ?? /Option '(--[^ ']+)[^']*' argument missing/.exec(msg);
    if (v) fail('MMC001', `${command}: flag ${v[1]} needs a value`, { subject: v[1]! });
    fail('MMC001', `${command}: ${msg.split('\n')[0]}`);
  }
  if (out.positionals.length > maxPositionals) {
    fail('MMC001', `${command}: unexpected argument '${out.positionals[maxPositionals]}'`, { subject: out.positionals[maxPositionals]! });
  }
  return { values: out.values as Parsed['values'], positionals: out.positionals };
}

/**
 * Returns argv with the values of string flags that start with a dash joined to their flag
 * (`--time -1` becomes `--time=-1`, so the range check names the flag and the allowed values);
 * a string flag followed by another flag (`--time --json`) or by nothing raises MMC001 "needs a value".
 */
function joinDashValues(command: string, argv: string[], spec: FlagSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const f = name !== undefined ? spec[name] : undefined;
    if (f?.type === 'string') {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && !/^-[0-9.]/.test(next))) {
        fail('MMC001', `${command}: flag ${a} needs a value`, { subject: a });
      }
      if (next.startsWith('-')) {
        out.push(`${a}=${next}`);
        i++;
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

/** Returns a string flag's value, or undefined. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Returns a boolean flag's value. */
export function bool(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** Returns a repeatable string flag's values. */
export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

/** Returns an integer flag in [min, max], or `dflt` when absent; out of range raises MMC003. */
export function int(p: Parsed, name: string, min: number, max: number, dflt?: number): number | undefined {
  const s = str(p, name);
  if (s === undefined) return dflt;
  const v = parseBigint(s);
  if (v === undefined || v < BigInt(min) || v > BigInt(max)) {
    fail('MMC003', `--${name} ${s}: must be an integer from ${min} to ${max}`, { subject: `--${name}` });
  }
  return Number(v);
}

/** Returns a number flag (may be fractional) in [min, max], or `dflt`. */
export function num(p: Parsed, name: string, min: number, max: number, dflt?: number): number | undefined {
  const s = str(p, name);
  if (s === undefined) return dflt;
  const v = Number(s);
  if (!/^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(s) || !(v >= min && v <= max)) {
    fail('MMC003', `--${name} ${s}: must be a number from ${min} to ${max}`, { subject: `--${name}` });
  }
  return v;
}

/** Returns an on/off flag as a boolean, or `dflt`. */
export function onOff(p: Parsed, name: string, dflt?: boolean): boolean | undefined {
  const s = str(p, name);
  if (s === undefined) return dflt;
  if (s === 'on' || s === 'true' || s === '1') return true;
  if (s === 'off' || s === 'false' || s === '0') return false;
  fail('MMC003', `--${name} ${s}: must be on or off`, { subject: `--${name}` });
}

/** Returns one of `allowed`, or `dflt`; anything else raises MMC003 (or MMC005 for names). */
export function choice<T extends string>(p: Parsed, name: string, allowed: readonly T[], dflt?: T): T | undefined {
  const s = str(p, name);
  if (s === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(s)) fail('MMC003', `--${name} ${s}: must be one of ${allowed.join(', ')}`, { subject: `--${name}` });
  return s as T;
}
