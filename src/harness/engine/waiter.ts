/**
 * Waiting on a call in the engine's time: a condition re-checked after every
 * call event, with a deadline on the engine's timers, that also gives up when
 * the scenario is aborted.
 */
import type { TimerHost } from '../../clock/timers.js';
import type { CallMonitor } from './call-monitor.js';

export interface Abort {
  /** Set once the scenario's timeout has run out. */
  readonly reason: Error | undefined;
  onAbort(fn: (e: Error) => void): () => void;
}

export type Check<T> = () => { done: T } | { fail: Error } | undefined;

/**
 * Resolve with the first `done` the check gives, reject with its `fail`,
 * with `onTimeout()` after `timeoutMs`, or with the abort reason.
 */
export function waitFor<T>(
  timers: TimerHost,
  monitor: CallMonitor | undefined,
  abort: Abort,
  timeoutMs: number,
  check: Check<T>,
  onTimeout: () => { done: T } | { fail: Error },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let finished = false;
    const cleanups: (() => void)[] = [];
    const settle = (r: { done: T } | { fail: Error }) => {
      if (finished) return;
      finished = true;
      for (const c of cleanups) c();
      if ('done' in r) resolve(r.done);
      else reject(r.fail);
    };
    if (abort.reason) return settle({ fail: abort.reason });
    const run = () => {
      if (finished) return;
      try {
        const r = check();
        if (r) settle(r);
      } catch (e) {
        settle({ fail: e instanceof Error ? e : new Error(String(e)) });
      }
    };
    const h = timers.setTimer(timeoutMs, () => {
      run();
      if (!finished) settle(onTimeout());
    });
    cleanups.push(() => timers.clearTimer(h));
    cleanups.push(abort.onAbort((e) => settle({ fail: e })));
    if (monitor) cleanups.push(monitor.onChange(run));
    run();
  });
}

/** Sleep on the engine's timers (aborted with the scenario). */
export function sleep(timers: TimerHost, abort: Abort, ms: number): Promise<void> {
  return waitFor(
    timers,
    undefined,
    abort,
    ms,
    () => undefined,
    () => ({ done: undefined }),
  );
}
