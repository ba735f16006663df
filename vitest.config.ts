import { defineConfig } from 'vitest/config';

// Four projects: `unit` (vectors, fakes and virtual time; seconds, no network
// beyond loopback), `interop` (real peers started by the tests on loopback
// or in the tests' own network namespaces; two files at a time: they must
// hold on a busy machine anyway, and most of their time is real-time media),
// `interop-alone` (after those, one file at a time: the test that loads the
// machine on purpose, the IVR crawls, the sound-system tests, the terminal UI
// in tmux) and
// `protos` (the PROTOS c07-sip suite, read from outside the repository:
// `npm run test:protos`). `--project 'interop*'` runs both interop sets.
const ALONE = [
  'test/interop/ivr-demo-loaded.test.ts',
  // The crawls decide "same menu or new" by audio similarity of prompts recorded live: beside another
  // file's load they found a spurious menu once (issue: matching a prompt with a concealed hole in it).
  'test/interop/ivr-crawl.test.ts',
  'test/interop/ivr-crawl-pin.test.ts',
  'test/interop/audio-*.test.ts',
  'test/interop/phone-tui.test.ts',
];

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
          exclude: ['test/interop/sip-protos.test.ts', ...ALONE, 'node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'interop-alone',
          include: ALONE,
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          name: 'protos',
          include: ['test/interop/sip-protos.test.ts'],
          sequence: { groupOrder: 3 },
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
