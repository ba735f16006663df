import { defineConfig } from 'vitest/config';

// Three projects: `unit` (vectors, fakes and virtual time; seconds, no network
// beyond loopback), `interop` (real peers started by the tests on loopback
// or in the tests' own network namespaces; run one file at a time) and
// `protos` (the PROTOS c07-sip suite, read from outside the repository:
// `npm run test:protos`).
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
          exclude: ['test/interop/sip-protos.test.ts', 'node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'protos',
          include: ['test/interop/sip-protos.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
