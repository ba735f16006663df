import { defineConfig } from 'vitest/config';

// Two projects: `unit` (vectors, fakes and virtual time; seconds, no network
// beyond loopback) and `interop` (real peers started by the tests on loopback
// or in the tests' own network namespaces; run one file at a time).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/interop/**', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
