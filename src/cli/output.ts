/**
 * Output that cannot be lost silently: report files are written whole (a temporary file in the
 * same directory, then a rename, so a reader never sees half a report), and every failure to
 * write is MMC006 naming the flag and the path. Standard output is watched too: a failed write
 * (disk full, a closed descriptor) is remembered and turned into MMC006 and a non-zero exit by the
 * entry point (bin/mmucheck.js), never exit 0 with the report lost. A reader that closes a pipe
 * early (`| head`) is not an error.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail } from '../core/diagnostic.js';

const temps = new Set<string>();

/** Removes temporary files of writes in progress (called when the process is interrupted). */
export function removePartialOutputs(): void {
  for (const t of temps) rmSync(t, { force: true });
  temps.clear();
}

function why(e: unknown): string {
  const c = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '';
  const m = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  return c && !m.startsWith(c) ? `${c}: ${m}` : m;
}

/** Raises MMC003 when an output path flag was given empty (`--json ''`). */
export function requirePath(flag: string, path: string): void {
  if (path.trim() === '') fail('MMC003', `${flag}: the path is empty; give a file name`, { subject: flag });
}

/**
 * Writes `text` to `path` whole: parent directories are created, the text goes to a temporary file
 * beside it and is renamed over `path`. A path that is an existing device, FIFO or socket
 * (`/dev/stdout`, `/dev/null`) is written directly. Any failure is MMC006 naming `flag`.
 */
export function writeOutputFile(flag: string, path: string, text: string | Uint8Array): void {
  requirePath(flag, path);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) fail('MMC006', `${flag} ${path}: is a directory; give a file name`, { subject: flag });
  if (st && !st.isFile()) {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'w');
      const buf = typeof text === 'string' ? Buffer.from(text) : text;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    } catch (e) {
      fail('MMC006', `${flag} ${path}: cannot write: ${why(e)}`, { subject: flag });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return;
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    fail('MMC006', `${flag} ${path}: cannot create its directory: ${why(e)}`, { subject: flag });
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  temps.add(tmp);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    const buf = typeof text === 'string' ? Buffer.from(text) : text;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    rmSync(tmp, { force: true });
    fail('MMC006', `${flag} ${path}: cannot write: ${why(e)}`, { subject: flag });
  } finally {
    temps.delete(tmp);
  }
}

/** Creates directory `dir` (and parents) for the outputs of `flag`; MMC006 when it cannot. */
export function ensureOutputDir(flag: string, dir: string): void {
  requirePath(flag, dir);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory()) fail('MMC006', `${flag} ${dir}: is a file, not a directory`, { subject: flag });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    fail('MMC006', `${flag} ${dir}: cannot create the directory: ${why(e)}`, { subject: flag });
  }
}

let stdoutError: string | null = null;

/** Records a failed write to standard output (EPIPE, a reader that left, is not recorded). */
export function noteStdoutError(e: unknown): void {
  const code = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '';
  if (code === 'EPIPE') return;
  stdoutError ??= why(e);
}

/** The first failed write to standard output, or null. */
export function stdoutFailure(): string | null {
  return stdoutError;
}
