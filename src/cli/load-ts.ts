/**
 * Loads a user's TypeScript file (a layout spec for `prove --spec`, a model for `check --model`).
 *
 * TypeScript 7 (the native compiler) has no JavaScript API, so this runs the `tsc` binary twice:
 * once to type-check the file against mmucheck's public API (a generated tsconfig maps `'mmucheck'`
 * to `src/index.ts`), once to emit only that file (`--noResolve --noCheck`) into
 * `.mmucheck-cache/<hash>/` inside the repository, where `import 'mmucheck'` resolves through the
 * package's `exports` to `dist/src/index.js`. Then the emitted module is imported.
 *
 * A type error is MMC007 with the first tsc error on one line; an unreadable file is MMC006.
 * Only single-file specs are supported (relative imports of other user files are not emitted).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fail } from '../core/diagnostic.js';
import { REPO_ROOT } from './paths.js';

/** Returns the path of the `tsc` binary of the installed `typescript` package. */
export function tscPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
}

function firstError(output: string): string {
  const line = output.split('\n').find((l) => /error TS\d+/.test(l)) ?? output.split('\n').find((l) => l.trim()) ?? 'tsc failed';
  // tsc prints the path relative to its working directory; keep just the file name and position.
  return line.replace(/^\S*?([^\s/]+\(\d+,\d+\))/, '$1').replace(/\s+/g, ' ').trim();
}

/**
 * Type-checks and compiles `file`, imports it, and returns its module namespace.
 *
 * @param flag the CLI flag the file came from (named in diagnostics), e.g. `--spec`.
 */
export async function loadTs(file: string, flag: string): Promise<Record<string, unknown>> {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    fail('MMC006', `${flag} ${file}: cannot read the file`, { subject: flag });
  }
  const hash = createHash('sha256').update(abs).update('\0').update(text).digest('hex').slice(0, 16);
  const dir = join(REPO_ROOT, '.mmucheck-cache', hash);
  const out = join(dir, basename(abs).replace(/\.(m|c)?ts$/, '.js'));
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tsconfig = join(dir, 'tsconfig.check.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, skipLibCheck: true,
          types: [], lib: ['ES2022'], allowImportingTsExtensions: false,
          paths: { mmucheck: [join(REPO_ROOT, 'src', 'index.ts')] },
        },
        files: [abs],
      }),
    );
    const node = process.execPath;
    const check = spawnSync(node, [tscPath(), '-p', tsconfig], { encoding: 'utf8' });
    if (check.status !== 0) {
      // Errors in our own sources (a half-edited tree) are not the user's; report only the spec's.
      const mine = `${check.stdout}\n${check.stderr}`.split('\n').filter((l) => l.includes(basename(abs)) && /error TS/.test(l)).join('\n');
      if (mine) fail('MMC007', `${flag} ${file}: does not type-check: ${firstError(mine)}`, { subject: flag });
    }
    const emit = spawnSync(node, [tscPath(), '--ignoreConfig', '--noResolve', '--noCheck', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--rootDir', dirname(abs), '--outDir', dir, abs], { encoding: 'utf8' });
    if (emit.status !== 0 || !existsSync(out)) {
      rmSync(dir, { recursive: true, force: true });
      fail('MMC007', `${flag} ${file}: could not be compiled: ${firstError(`${emit.stdout}\n${emit.stderr}`)}`, { subject: flag });
    }
  }
  try {
    return (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  } catch (e) {
    if (e && typeof e === 'object' && 'diagnostic' in e) throw e;
    fail('MMC007', `${flag} ${file}: failed to load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, { subject: flag });
  }
}
