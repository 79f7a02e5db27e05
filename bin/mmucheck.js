#!/usr/bin/env node
// Entry point: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci` / `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('mmucheck: error MMC002: the compiled CLI is missing (dist/); run `npm ci` or `npm run build` first\n');
  process.exit(70);
}
// An abort inside Z3's WASM worker (e.g. heap exhaustion) surfaces as an uncaught exception and
// can otherwise leave the process spinning: report it as an internal error and exit.
process.on('uncaughtException', (e) => {
  process.stderr.write(`mmucheck: internal error MMC900: ${String(e && e.message ? e.message : e).split('\n')[0].slice(0, 300)}\n`);
  process.exit(70);
});
const { run } = await import(main.href);
const code = await run(process.argv.slice(2));
// Writes to a pipe are asynchronous: exiting at once would cut long output (e.g. `--json | jq`) at
// the pipe's buffer size. Exit once both streams have handed everything to the OS. (The explicit
// exit is needed because Z3 keeps worker threads alive.)
let open = 2;
const done = () => { if (--open === 0) process.exit(code); };
process.stdout.write('', done);
process.stderr.write('', done);
