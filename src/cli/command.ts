/**
 * A CLI command: name, one-line summary, usage text, and a run function returning the exit code.
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

/** Where a command writes: stdout for results, stderr for diagnostics and progress. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (live progress allowed). */
  readonly tty: boolean;
}

/** Returns JSON text with bigints as `0x...` strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16).padStart(16, '0') : v), 2);
}
