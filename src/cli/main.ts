/**
 * The CLI entry: dispatches to a command, prints diagnostics as one line, maps failures to exit
 * codes (see src/core/exit.ts). Never prints a stack trace for a user's mistake.
 */
import { DiagnosticError, formatDiagnostic } from '../core/diagnostic.js';
import { EXIT } from '../core/exit.js';
import type { Io } from './command.js';
import { commands } from './commands/index.js';
import { interruptExitCode } from './signals.js';
import { readFileSync } from 'node:fs';
import { repoPath } from './paths.js';
import { missingPackage } from './missing-package.js';

const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
  tty: Boolean(process.stderr.isTTY),
};

/** Returns the top-level help text. */
export function helpText(): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    'mmucheck: formal models and model checking for the KVM x86 MMU',
    '',
    'usage: mmucheck <command> [flags]   (mmucheck <command> --help for its flags)',
    '       mmucheck --version',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'exit codes: 0 as expected, 10 unexpected violation, 11 verdict differs from expected,',
    '            20 unknown (Z3 unknown, timeout, bound hit), 64 usage, input or output error,',
    '            70 internal error, 130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP or a vanished parent',
  ].join('\n');
}

/** Returns the package version (package.json). */
export function version(): string {
  return (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`mmucheck ${version()}`);
    return EXIT.ok;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`mmucheck: error MMC001: unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.usage);
    return EXIT.ok;
  }
  try {
    const code = await cmd.run(rest, io);
    // An interrupted run printed what it had; its exit code says it was interrupted (signals.ts).
    return interruptExitCode() ?? code;
  } catch (e) {
    if (e instanceof DiagnosticError) {
      io.err(`mmucheck: ${formatDiagnostic(e.diagnostic)}`);
      return e.diagnostic.code === 'MMC900' ? EXIT.internal : EXIT.usage;
    }
    const msg = e instanceof Error ? e.message : String(e);
    const pkg = missingPackage(msg);
    if (pkg !== null) {
      io.err(`mmucheck: error MMC002: the '${pkg}' package is missing or incomplete; run \`npm ci\``);
      return EXIT.usage;
    }
    io.err(`mmucheck: internal error MMC900: ${msg.split('\n')[0]}`);
    if (process.env['MMUCHECK_DEBUG'] && e instanceof Error && e.stack) io.err(e.stack);
    return EXIT.internal;
  }
}
