/**
 * Architecture rules (docs/ARCHITECTURE.md), enforced by scanning import statements.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.push(p);
    }
  };
  walk(join(ROOT, dir));
  return out;
}

/** Returns [file, imported repo-relative path] for every relative import. */
function imports(dir: string): [string, string][] {
  const out: [string, string][] = [];
  for (const f of files(dir)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      out.push([relative(ROOT, f), relative(ROOT, resolve(dirname(f), spec))]);
    }
  }
  return out;
}

const under = (p: string, d: string): boolean => p === d || p.startsWith(d + '/');

describe('architecture', () => {
  it('src/core imports nothing of ours outside core', () => {
    const bad = imports('src/core').filter(([, t]) => !under(t, 'src/core'));
    expect(bad).toEqual([]);
  });
  it('src/check is domain-free: it imports only core and itself', () => {
    const bad = imports('src/check').filter(([, t]) => !under(t, 'src/check') && !under(t, 'src/core'));
    expect(bad).toEqual([]);
  });
  it('src/dsl imports only core', () => {
    const bad = imports('src/dsl').filter(([, t]) => !under(t, 'src/dsl') && !under(t, 'src/core'));
    expect(bad).toEqual([]);
  });
  it('engines never import model/ or proofs/', () => {
    const engines = ['src/core', 'src/dsl', 'src/smt', 'src/check', 'src/mmu', 'src/report'];
    const bad = engines.flatMap((e) => imports(e)).filter(([, t]) => under(t, 'model') || under(t, 'proofs'));
    expect(bad).toEqual([]);
  });
  it('model/ imports only src/dsl, src/core, the barrels (src/index, src/internal) and model/', () => {
    const bad = imports('model').filter(
      ([, t]) => !under(t, 'model') && !under(t, 'src/dsl') && !under(t, 'src/core') && t !== 'src/index.js' && t !== 'src/internal.js',
    );
    expect(bad).toEqual([]);
  });
  it('proofs/ imports model/, proofs/ and the barrels (src/index, src/internal) only', () => {
    const bad = imports('proofs').filter(([, t]) => !under(t, 'model') && !under(t, 'proofs') && t !== 'src/index.js' && t !== 'src/internal.js');
    expect(bad).toEqual([]);
  });
  it('the public barrel re-exports only core, the DSL and the public MMU surface (never engines or src/internal)', () => {
    const bad = imports('src')
      .filter(([f]) => f === 'src/index.ts' || f === 'src/mmu/index.ts')
      .filter(([, t]) => !under(t, 'src/core') && !under(t, 'src/dsl') && !under(t, 'src/mmu'))
      .concat(imports('src').filter(([f, t]) => f === 'src/index.ts' && under(t, 'src/mmu') && t !== 'src/mmu/index.js'))
      .concat(imports('src').filter(([f, t]) => f === 'src/mmu/index.ts' && t === 'src/mmu/internal.js'));
    expect(bad).toEqual([]);
  });
  it('examples/ import only the public package (no relative imports)', () => {
    expect(imports('examples')).toEqual([]);
  });
  it('only src/cli (and src/index) reaches model/ or proofs/', () => {
    const bad = imports('src')
      .filter(([, t]) => under(t, 'model') || under(t, 'proofs'))
      .filter(([f]) => !under(f, 'src/cli'));
    expect(bad).toEqual([]);
  });
});
