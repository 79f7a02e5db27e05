#!/usr/bin/env node
// Entry point. The CLI runs from dist/, compiled from src/, model/, proofs/ and bench/ by
// `npm run build` (run by `npm ci`). Before it starts, every source is compared with its build:
// when one is newer (an edited expectation in proofs/, a changed model), dist/ is rebuilt first,
// so `npx mmucheck` always runs what the sources say now (worker threads and child processes
// load the same rebuilt dist/). A tree that cannot be rebuilt is refused with one line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['src', 'model', 'proofs', 'bench'];
const SOURCE_FILES = ['test/toy/toys.ts', 'test/toy/registry.ts', 'tsconfig.json', 'tsconfig.build.json'];

let heldLock = null;

function die(code, text) {
  if (heldLock !== null) {
    try { rmdirSync(heldLock); } catch { /* gone */ }
  }
  process.stderr.write(`mmucheck: error ${code}: ${text}\n`);
  process.exit(code === 'MMC900' ? 70 : 64);
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** Returns the first source that is newer than its compiled file (or has none), or null. */
function staleSource() {
  const cfgTime = Math.max(mtime(join(ROOT, 'tsconfig.json')), mtime(join(ROOT, 'tsconfig.build.json')));
  const check = (src) => {
    if (!src.endsWith('.ts') || src.endsWith('.d.ts')) return false;
    const out = join(ROOT, 'dist', relative(ROOT, src).replace(/\.ts$/, '.js'));
    const o = mtime(out);
    return o < 0 || o < mtime(src) || o < cfgTime;
  };
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return null;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        const r = walk(p);
        if (r) return r;
      } else if (check(p)) return p;
    }
    return null;
  };
  for (const d of SOURCE_DIRS) {
    const r = walk(join(ROOT, d));
    if (r) return r;
  }
  for (const f of SOURCE_FILES) if (existsSync(join(ROOT, f)) && f.endsWith('.ts') && check(join(ROOT, f))) return join(ROOT, f);
  return null;
}

/** Rebuilds dist/ under a lock directory (concurrent runs wait for one build). */
function rebuild(stale) {
  const lock = join(ROOT, 'dist', '.rebuild.lock');
  try {
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
  } catch {
    /* reported below */
  }
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      heldLock = lock;
      break;
    } catch (e) {
      if (e && e.code === 'EEXIST') {
        if (Date.now() - mtime(lock) > 300_000) {
          try { rmdirSync(lock); } catch { /* another process took it */ }
          continue;
        }
        if (Date.now() > deadline) die('MMC002', `dist/ is being rebuilt by another process for more than 3 minutes (remove ${relative(process.cwd(), lock)} if none is)`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        if (staleSource() === null) return;
        continue;
      }
      die('MMC002', `${relative(ROOT, stale)} is newer than its build in dist/, and dist/ cannot be rebuilt here (${e && e.code ? e.code : e}); run \`npm run build\``);
    }
  }
  try {
    if (staleSource() === null) return;
    let tsc;
    try {
      tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    } catch {
      die('MMC002', "the 'typescript' package is missing, needed to rebuild dist/; run `npm ci`");
    }
    process.stderr.write(`mmucheck: ${relative(ROOT, stale)} changed since the last build; rebuilding dist/\n`);
    const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { encoding: 'utf8' });
    const still = staleSource();
    if (still !== null && mtime(still) > Date.now()) {
      // rebuilt, but the source's clock is ahead of ours: say so instead of rebuilding every run
      process.stderr.write(`mmucheck: warning: ${relative(ROOT, still)} has a modification time in the future (clock skew); dist/ was rebuilt\n`);
    } else if (still !== null) {
      const first = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').find((l) => l.trim()) ?? `tsc exited with ${r.status}`;
      die('MMC002', `dist/ could not be rebuilt (${relative(ROOT, still)} is still newer than its build): ${first.trim()}; run \`npm run build\``);
    }
    if (r.status !== 0) {
      const first = (r.stdout ?? '').split('\n').find((l) => /error TS/.test(l));
      if (first) process.stderr.write(`mmucheck: warning: the sources have type errors (dist/ rebuilt anyway): ${first.trim()}\n`);
    }
  } finally {
    heldLock = null;
    try { rmdirSync(lock); } catch { /* gone */ }
  }
}

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (process.env['MMUCHECK_NO_REBUILD'] !== '1') {
  const stale = staleSource();
  if (stale !== null) rebuild(stale);
}
if (!existsSync(fileURLToPath(main))) die('MMC002', 'the compiled CLI is missing (dist/); run `npm ci` or `npm run build` first');

const { missingPackage } = await import(new URL('../dist/src/cli/missing-package.js', import.meta.url).href);
const missing = (e) => missingPackage(String(e && e.message ? e.message : e));

// An abort inside Z3's WASM worker (e.g. heap exhaustion) surfaces as an uncaught exception and
// can otherwise leave the process spinning: report it as an internal error and exit.
process.on('uncaughtException', (e) => {
  const pkg = missing(e);
  if (pkg) die('MMC002', `the '${pkg}' package is missing or incomplete; run \`npm ci\``);
  process.stderr.write(`mmucheck: internal error MMC900: ${String(e && e.message ? e.message : e).split('\n')[0].slice(0, 300)}\n`);
  process.exit(70);
});

let mod;
try {
  mod = await import(main.href);
} catch (e) {
  const pkg = missing(e);
  if (pkg) die('MMC002', `the '${pkg}' package is missing or incomplete; run \`npm ci\``);
  throw e;
}
const out = await import(new URL('../dist/src/cli/output.js', import.meta.url).href);
process.stdout.on('error', (e) => out.noteStdoutError(e));
let code = await mod.run(process.argv.slice(2));
// Writes to a pipe are asynchronous: exiting at once would cut long output (e.g. `--json | jq`) at
// the pipe's buffer size. Exit once both streams have handed everything to the OS. (The explicit
// exit is needed because Z3 keeps worker threads alive.) A failed write to stdout is MMC006.
let open = 2;
const done = () => {
  if (--open !== 0) return;
  const failure = out.stdoutFailure();
  if (failure !== null) {
    process.stderr.write(`mmucheck: error MMC006: cannot write to standard output: ${failure}\n`);
    if (code === 0 || code === 10 || code === 11 || code === 20) code = 64;
  }
  process.exit(code);
};
process.stdout.write('', (e) => {
  if (e) out.noteStdoutError(e);
  done();
});
process.stderr.write('', done);
