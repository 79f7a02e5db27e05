/**
 * Paths relative to the repository root, whether running from src/ (vitest) or dist/ (compiled).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json'))) return d;
    d = resolve(d, '..');
  }
  return process.cwd();
}

/** The repository root. */
export const REPO_ROOT: string = findRoot();

/** Returns an absolute path for a path relative to the repository root. */
export function repoPath(rel: string): string {
  return resolve(REPO_ROOT, rel);
}
