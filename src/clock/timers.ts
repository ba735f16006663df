/**
 * Timers at the edge. Drivers arm exactly one timer per core through a
 * `TimerHost`, so the same driver runs on real timers or, in tests and
 * simulations, on a `VirtualScheduler`.
 */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface TimerHost {
  /** Call `fn` after `delayMs` (may be 0). The timer must not keep the process alive. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Node's timers, `unref()`ed: a pending protocol timer never keeps the process alive. */
export const realTimers: TimerHost = {
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimer(handle) {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};
