import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Compiles src/, model/, proofs/ and bench/ to dist/ once, so CLI tests and worker threads run the
 * current code. Type errors are left to `npm run typecheck` (tsc still emits); they are echoed here.
 */
export default function setup(): void {
  const require = createRequire(import.meta.url);
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`test setup: tsc reported errors (dist/ emitted anyway):\n${(r.stdout ?? '').slice(0, 4000)}\n`);
}
