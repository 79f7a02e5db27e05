import { defineConfig } from 'vitest/config';

// Long explorations (big scenario grids, large state spaces): `npm run test:long`.
export default defineConfig({
  test: {
    include: ['test/long/**/*.test.ts'],
    globalSetup: ['test/setup/build.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
