import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Runs the compiled CLI (built by vitest's globalSetup) and returns exit code, stdout and stderr. */
export function cli(args: string[], opts: { timeoutMs?: number; input?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'bin/mmucheck.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, CI: 'true' },
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts-friendly: true when stderr is exactly one diagnostic line with no stack trace. */
export function isOneLineDiagnostic(stderr: string): boolean {
  const lines = stderr.trim().split('\n');
  return lines.length === 1 && /^mmucheck: error MMC\d{3}: /.test(lines[0]!) && !/\n\s+at /.test(stderr);
}
