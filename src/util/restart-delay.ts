/**
 * How long to wait before starting again a worker thread that died: 50 ms
 * after the first death in a row, doubling with each one after it, at most
 * 5 s. `serve --workers` and the load side's workers (`smoke --calls`,
 * `ivr --workers`) wait the same.
 *
 * @example
 * timers.setTimer(restartDelay(slot.crashes), () => spawn(slot));
 */

/** Longest wait before a dying worker is started again, ms. */
export const MAX_RESTART_MS = 5000;
/** The first wait, ms; it doubles with each death in a row. */
export const FIRST_RESTART_MS = 50;

/** The wait before the restart that follows the n-th death in a row (n from 1). */
export function restartDelay(deathsInARow: number): number {
  return Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** Math.min(Math.max(deathsInARow, 1) - 1, 7));
}
