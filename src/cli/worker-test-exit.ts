/**
 * For tests only: `SHTOOM_TEST_WORKER_EXIT=W:N` makes load worker W (from
 * 1) of `smoke --calls` or `ivr --workers` end its thread with
 * `process.exit(7)` as its N-th job (call, scenario run) starts — its first
 * thread only, so the restart can be seen; `W:N:every` makes every thread of
 * worker W do it, so the bound on deaths in a row can be seen. It lets an
 * interop test kill a real worker thread mid-run at a known point; nothing
 * else reads it, and without it nothing changes.
 */

/** Exit code of a worker thread ended by the test hook. */
export const TEST_EXIT_CODE = 7;

/**
 * The job count at which this thread must exit, or undefined (the normal case).
 *
 * @example
 * const exitAt = testExitAt(process.env.SHTOOM_TEST_WORKER_EXIT, d.worker, d.generation);
 */
export function testExitAt(value: string | undefined, worker: number, generation: number): number | undefined {
  if (!value) return undefined;
  const m = /^(\d+):(\d+)(:every)?$/.exec(value.trim());
  if (!m) return undefined;
  if (Number(m[1]) !== worker + 1) return undefined;
  if (generation > 0 && !m[3]) return undefined;
  const n = Number(m[2]);
  return n >= 1 ? n : undefined;
}

/**
 * A counter of the jobs this thread has started: call `started()` as each
 * starts (after telling the main thread); the thread exits at the N-th.
 */
export function testExitHook(worker: number, generation: number): { started(): void } {
  const at = testExitAt(process.env.SHTOOM_TEST_WORKER_EXIT, worker, generation);
  let n = 0;
  return {
    started() {
      if (at !== undefined && ++n === at) process.exit(TEST_EXIT_CODE);
    },
  };
}
