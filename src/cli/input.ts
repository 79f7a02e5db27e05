/**
 * Users' input files (traces, shard results, ...) read with care: only a regular file is read, and
 * only up to a size limit, so `/dev/zero`, a FIFO or a runaway file is a one-line MMC006 naming the
 * file and the limit instead of a process that grows until the system kills it.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { fail } from '../core/diagnostic.js';

/** The default largest input file read: 64 MiB. */
export const DEFAULT_INPUT_LIMIT_BYTES = 64 * 2 ** 20;

/** Returns a byte count as text (`64 MiB`, `1.5 KiB`, `12 bytes`). */
function bytesText(n: number): string {
  if (n >= 2 ** 20) return `${+(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${+(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Returns the one-line reason of a file-system error (`ENOENT: no such file or directory, open 'x'`). */
function why(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

/** Returns what a non-regular file is (`a directory`, `a character device`, ...). */
function kindOf(st: ReturnType<typeof fstatSync>): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads the user's input file `path` as UTF-8 text. `what` names it in messages (e.g. `replay: ITF
 * trace`, `merge: shard result`). MMC006 when the path is empty, the file cannot be opened, is not
 * a regular file (a directory, device, FIFO; opened without blocking, so a FIFO never hangs), or
 * holds more than `limitBytes` bytes (checked before reading and again while reading, in case it
 * grows).
 */
export function readInputFile(what: string, path: string, limitBytes: number = DEFAULT_INPUT_LIMIT_BYTES): string {
  if (path.trim() === '') fail('MMC006', `${what}: the path is empty; give a file name`, { subject: what });
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    fail('MMC006', `${what} ${path}: cannot read: ${why(e)}`, { subject: path });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) fail('MMC006', `${what} ${path}: ${kindOf(st)}, not a regular file; give the file itself`, { subject: path });
    const tooLarge = (): never => fail('MMC006', `${what} ${path}: larger than the ${bytesText(limitBytes)} input limit`, { subject: path });
    if (st.size > limitBytes) tooLarge();
    let buf = Buffer.alloc(Math.min(st.size, limitBytes) + 1);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        // the file grew since fstat: read on up to one byte past the limit
        if (len > limitBytes) tooLarge();
        const bigger = Buffer.alloc(Math.min(2 * len, limitBytes + 1));
        buf.copy(bigger);
        buf = bigger;
      }
      let n: number;
      try {
        n = readSync(fd, buf, len, buf.length - len, null);
      } catch (e) {
        fail('MMC006', `${what} ${path}: cannot read: ${why(e)}`, { subject: path });
      }
      if (n === 0) break;
      len += n;
    }
    return buf.toString('utf8', 0, len);
  } finally {
    closeSync(fd);
  }
}
