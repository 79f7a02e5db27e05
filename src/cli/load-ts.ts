/**
 * Loads a user's TypeScript file (a layout spec for `prove --spec`, a model for `check --model`).
 *
 * TypeScript 7 (the native compiler) has no JavaScript API, so this runs the `tsc` binary twice:
 * once to type-check the file against mmucheck's public API (a generated tsconfig maps `'mmucheck'`
 * to `src/index.ts`), once to emit only that file (`--noResolve --noCheck`). Then the emitted
 * module is imported, marked as user code `file <name>` for the watchdog (src/cli/watchdog.ts).
 *
 * The compiled file is kept in a per-user compile cache (see {@link cacheRoot}), never inside the
 * installation, which may be read-only. An entry `<root>/<key>/` holds `<name>.mjs` (the emitted
 * module), `node_modules/mmucheck` (a symlink to this installation, so that `import ... from
 * 'mmucheck'` resolves through its package.json `exports` to `dist/src/index.js` wherever the
 * cache is) and `manifest.json` (the module's sha256 and the symlink's target). The key hashes the
 * file's path and text and the build it is checked against ({@link buildStamp}). An entry is
 * compiled in a temporary directory beside it and renamed into place, so a concurrent run never
 * sees half an entry (a run that loses the rename race uses the winner's); the manifest is checked
 * before every import, and a damaged entry is rebuilt.
 *
 * Only `.ts` and `.mts` files load (a `.cts` file is CommonJS, which cannot import the ESM-only
 * 'mmucheck'). A type error is MMC007 with the first tsc error on one line; an unreadable file is
 * MMC006; a missing `typescript` package is MMC002. Only single-file specs are supported (relative
 * imports of other user files are not emitted).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync, constants, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync,
  renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticError, fail } from '../core/diagnostic.js';
import { enterUserCode, leaveUserCode } from '../core/user-code.js';
import { REPO_ROOT } from './paths.js';
import { userFileLabel } from './watchdog.js';

/** Extensions of the TypeScript files that load (as ES modules). */
const EXTENSIONS = ['.ts', '.mts'] as const;
/** Version of the cache entry layout (part of the key). */
const CACHE_FORMAT = 'mmucheck-cache-2';
/** Temporary and discarded entries older than this are removed when an entry is built. */
const STALE_MS = 3600_000;

/** Returns the directory of the installed `typescript` package, or MMC002. */
function typescriptDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('typescript/package.json'));
  } catch {
    fail('MMC002', `the 'typescript' package is missing; run npm ci`, { subject: 'typescript' });
  }
}

/** Returns the path of the `tsc` binary of the installed `typescript` package (MMC002 when missing). */
export function tscPath(): string {
  return join(typescriptDir(), 'bin', 'tsc');
}

/** The public API module that emitted files import (`'mmucheck'` resolves to it). */
function barrelPath(): string {
  return join(REPO_ROOT, 'dist', 'src', 'index.js');
}

/**
 * Returns what identifies the mmucheck build a file is checked against: the package version,
 * the mtime and size of dist/src/index.js (every build rewrites it) and the typescript version.
 */
function buildStamp(): string {
  const version = (file: string): string => String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version);
  let barrel;
  try {
    barrel = statSync(barrelPath());
  } catch {
    fail('MMC002', `the compiled CLI is missing (${barrelPath()}); run npm ci or npm run build`, { subject: 'dist' });
  }
  return [version(join(REPO_ROOT, 'package.json')), barrel.mtimeMs, barrel.size, version(join(typescriptDir(), 'package.json'))].join('\0');
}

/** Returns true when `dir` exists or can be created and is writable by this process. */
function usableDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns a temporary cache directory only this user can use: `<tmp>/mmucheck-cache-<uid>` when
 * it is ours and private, else a fresh one for this process.
 */
function privateTempDir(): string {
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `mmucheck-cache-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // exists already (checked below) or cannot be created
  }
  try {
    const st = lstatSync(dir);
    if (st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 && usableDir(dir)) return dir;
  } catch {
    // fall through
  }
  return mkdtempSync(join(tmpdir(), 'mmucheck-cache-'));
}

/**
 * Returns the compile cache directory: `MMUCHECK_CACHE_DIR` when set (MMC006 when it cannot be
 * created or written: an explicit choice is not silently replaced), else the first usable of
 * `$XDG_CACHE_HOME/mmucheck` and `~/.cache/mmucheck`, else a private temporary directory.
 */
export function cacheRoot(): string {
  const explicit = process.env['MMUCHECK_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') {
    const dir = resolve(explicit);
    if (!usableDir(dir)) fail('MMC006', `MMUCHECK_CACHE_DIR ${explicit}: the compile cache directory cannot be created or written`, { subject: 'MMUCHECK_CACHE_DIR' });
    return dir;
  }
  const xdg = process.env['XDG_CACHE_HOME'];
  const candidates = [...(xdg && isAbsolute(xdg) ? [join(xdg, 'mmucheck')] : []), join(homedir(), '.cache', 'mmucheck')];
  return candidates.find(usableDir) ?? privateTempDir();
}

/** The manifest of a cache entry. */
interface Manifest {
  readonly format: string;
  /** File name of the emitted module inside the entry. */
  readonly module: string;
  /** sha256 (hex) of the emitted module. */
  readonly sha256: string;
  /** Target of `node_modules/mmucheck`: this installation. */
  readonly mmucheck: string;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Returns the path of the entry's module when the entry is complete and undamaged, else undefined. */
function validModule(entry: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(join(entry, 'manifest.json'), 'utf8')) as Manifest;
    if (m.format !== CACHE_FORMAT || basename(m.module) !== m.module || m.mmucheck !== REPO_ROOT) return undefined;
    if (readlinkSync(join(entry, 'node_modules', 'mmucheck')) !== REPO_ROOT) return undefined;
    const file = join(entry, m.module);
    return sha256(readFileSync(file)) === m.sha256 ? file : undefined;
  } catch {
    return undefined;
  }
}

function firstError(output: string): string {
  const line = output.split('\n').find((l) => /error TS\d+/.test(l)) ?? output.split('\n').find((l) => l.trim()) ?? 'tsc failed';
  // tsc prints the path relative to its working directory; keep just the file name and position.
  return line.replace(/^\S*?([^\s/]+\(\d+,\d+\))/, '$1').replace(/\s+/g, ' ').trim();
}

/** Type-checks `abs` against the public API (MMC007 for the file's own errors). */
function typeCheck(abs: string, work: string, file: string, flag: string): void {
  const tsconfig = join(work, 'tsconfig.check.json');
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
  const check = spawnSync(process.execPath, [tscPath(), '-p', tsconfig], { encoding: 'utf8' });
  rmSync(tsconfig);
  if (check.status !== 0) {
    // Errors in our own sources (a half-edited tree) are not the user's; report only the file's.
    const mine = `${check.stdout}\n${check.stderr}`.split('\n').filter((l) => l.includes(basename(abs)) && /error TS/.test(l)).join('\n');
    if (mine) fail('MMC007', `${flag} ${file}: does not type-check: ${firstError(mine)}`, { subject: flag });
  }
}

/** Emits `abs` into `work` as `<stem>.mjs` and returns that file name (MMC007 when tsc fails). */
function emit(abs: string, work: string, file: string, flag: string): string {
  const r = spawnSync(process.execPath, [tscPath(), '--ignoreConfig', '--noResolve', '--noCheck', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--rootDir', dirname(abs), '--outDir', work, abs], { encoding: 'utf8' });
  const ext = extname(abs);
  const stem = basename(abs, ext);
  const emitted = join(work, stem + (ext === '.mts' ? '.mjs' : '.js'));
  if (r.status !== 0 || !existsSync(emitted)) {
    fail('MMC007', `${flag} ${file}: could not be compiled: ${firstError(`${r.stdout}\n${r.stderr}`)}`, { subject: flag });
  }
  const module = `${stem}.mjs`;
  renameSync(emitted, join(work, module));
  return module;
}

/** Removes temporary and discarded entries left behind by runs that were killed. */
function sweep(root: string): void {
  for (const name of readdirSync(root)) {
    if (!name.startsWith('.tmp-') && !name.startsWith('.trash-')) continue;
    try {
      if (Date.now() - lstatSync(join(root, name)).mtimeMs > STALE_MS) rmSync(join(root, name), { recursive: true, force: true });
    } catch {
      // another run removed it
    }
  }
}

/** Moves a damaged entry out of the way (atomically) and deletes it; another run may have done so. */
function discard(root: string, entry: string): void {
  const trash = join(root, `.trash-${randomBytes(8).toString('hex')}`);
  try {
    renameSync(entry, trash);
  } catch {
    return;
  }
  rmSync(trash, { recursive: true, force: true });
}

/** Compiles `abs` into a temporary directory of `root` and renames it to `entry` (unless another run did first). */
function build(root: string, entry: string, abs: string, file: string, flag: string): void {
  sweep(root);
  const work = mkdtempSync(join(root, '.tmp-'));
  try {
    typeCheck(abs, work, file, flag);
    const module = emit(abs, work, file, flag);
    mkdirSync(join(work, 'node_modules'));
    symlinkSync(REPO_ROOT, join(work, 'node_modules', 'mmucheck'), 'dir');
    const manifest: Manifest = { format: CACHE_FORMAT, module, sha256: sha256(readFileSync(join(work, module))), mmucheck: REPO_ROOT };
    writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest));
    try {
      renameSync(work, entry);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      // another run renamed its entry into place first: use that one
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Returns the path of the compiled module of `abs` (text `text`), from the cache or built now. */
function compiledModule(abs: string, text: string, file: string, flag: string): string {
  const root = cacheRoot();
  const key = sha256([CACHE_FORMAT, abs, text, buildStamp(), REPO_ROOT].join('\0')).slice(0, 32);
  const entry = join(root, key);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const module = validModule(entry);
      if (module !== undefined) return module;
      if (existsSync(entry)) discard(root, entry);
      build(root, entry, abs, file, flag);
    }
  } catch (e) {
    if (e instanceof DiagnosticError) throw e;
    fail('MMC006', `compile cache ${root}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, { subject: 'MMUCHECK_CACHE_DIR' });
  }
  fail('MMC006', `compile cache ${root}: the entry ${key} keeps failing its check after being rebuilt`, { subject: 'MMUCHECK_CACHE_DIR' });
}

/** Raises MMC007 unless `file` has a TypeScript extension that loads. */
function requireTypeScriptName(file: string, flag: string): void {
  if (!(EXTENSIONS as readonly string[]).includes(extname(file))) {
    fail('MMC007', `${flag} ${file}: must be a TypeScript file (${EXTENSIONS.join(', ')})`, { subject: flag });
  }
}

/**
 * Type-checks and compiles `file` (or reuses its cache entry), imports it, and returns its module
 * namespace. The module's top level runs as user code `file <file>` under the watchdog (started
 * here with the default limits when the command has not started it).
 *
 * @param flag the CLI flag the file came from (named in diagnostics), e.g. `--spec`.
 */
export async function loadTs(file: string, flag: string): Promise<Record<string, unknown>> {
  requireTypeScriptName(file, flag);
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    fail('MMC006', `${flag} ${file}: cannot read the file`, { subject: flag });
  }
  const module = compiledModule(abs, text, file, flag);
  // Load the public API first, so that only the file's own top level counts as user code.
  await import(pathToFileURL(barrelPath()).href);
  enterUserCode(userFileLabel(file));
  try {
    return (await import(pathToFileURL(module).href)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof DiagnosticError || (e && typeof e === 'object' && 'diagnostic' in e)) throw e;
    fail('MMC007', `${flag} ${file}: failed to load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, { subject: flag });
  } finally {
    leaveUserCode();
  }
}
