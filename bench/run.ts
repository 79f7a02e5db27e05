/**
 * `npm run bench`: every benchmark of the project, in order. Each area module prints its own
 * figures (a table per area) and may take `--only AREA` to run alone.
 *
 *   npm run bench                 # everything
 *   npm run bench -- --only spte  # one area
 */
import { cpus, totalmem } from 'node:os';

/** A benchmark area: prints its figures through `log`. */
export interface BenchArea {
  readonly name: string;
  run(log: (line: string) => void, argv: readonly string[]): Promise<void>;
}

const areas: Record<string, () => Promise<BenchArea>> = {
  spte: async () => (await import('./spte.js')).area,
  check: async () => (await import('./check.js')).area,
  liveness: async () => (await import('./liveness.js')).area,
  mmu: async () => (await import('./mmu.js')).area,
  role: async () => (await import('./role.js')).area,
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--only');
  const only = i >= 0 ? argv[i + 1] : undefined;
  if (only !== undefined && !(only in areas)) {
    process.stderr.write(`bench: error MMC005: --only ${only}: unknown area; areas: ${Object.keys(areas).join(', ')}\n`);
    process.exit(64);
  }
  const log = (line: string): void => void process.stdout.write(line + '\n');
  log(`# mmucheck bench: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
  for (const [name, load] of Object.entries(areas)) {
    if (only !== undefined && name !== only) continue;
    log(`\n## ${name}`);
    const area = await load();
    await area.run(log, argv);
  }
  process.exit(0);
}

await main();
