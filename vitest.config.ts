import { defineConfig } from 'vitest/config';

// The default suite: fast enough for every push (the big explorations live in vitest.long.config.ts).
// A JSON report is always written to out/vitest.json so that .ci/run can print its own summary line.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/long/**', 'node_modules/**', 'dist/**'],
    globalSetup: ['test/setup/build.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'out/vitest.json' },
  },
});
