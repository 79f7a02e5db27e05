/**
 * The npm package a "Cannot find module/package" error names. Imports nothing, so the entry
 * (bin/mmucheck.js) can load it even when a dependency of the CLI itself is missing.
 */

/** Returns the package a "Cannot find module/package 'X'" message names (not a relative path), or null. */
export function missingPackage(message: string): string | null {
  const m = /Cannot find (?:module|package) '([^']+)'/.exec(message);
  if (!m || /^(\.|\/|file:|node:)/.test(m[1]!)) return null;
  const parts = m[1]!.split('/');
  return m[1]!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
