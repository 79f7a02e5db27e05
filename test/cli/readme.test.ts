/**
 * The README stays true: every `npx mmucheck ...` example in it runs without a usage or internal
 * error, and every diagnostic code and exit code the tool has is documented.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, EXIT } from '../../src/internal.js';
import { ROOT, cli } from './helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('documents every diagnostic code and exit code', () => {
    for (const code of Object.keys(DIAGNOSTIC_CODES)) expect(readme).toContain(`| ${code} |`);
    for (const code of Object.values(EXIT)) expect(readme).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  const examples = [...readme.matchAll(/^npx mmucheck ([^#\n]+?)\s*(?:#.*)?$/gm)].map((m) => m[1]!.split(/\s+/));
  it('has examples', () => expect(examples.length).toBeGreaterThan(8));
  it.each(examples.filter((a) => a[0] !== 'ci').map((a) => [a.join(' '), a] as const))('runs: mmucheck %s', (_name, args) => {
    const r = cli([...args]);
    expect(r.stderr).not.toMatch(/MMC(0\d\d|900)/);
    expect([EXIT.ok, EXIT.violation]).toContain(r.code);
  });
  it('cleans up the example outputs', () => {
    for (const f of ['race.itf.json', 'race.mmd', 'out.mmd', 'out.itf.json']) rmSync(join(ROOT, f), { force: true });
  });
});
