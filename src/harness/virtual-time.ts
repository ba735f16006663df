/**
 * Runs async harness code in virtual time. The engine and the simulator wait
 * only on timers of a `VirtualScheduler`; `run()` lets every promise chain
 * settle, then jumps the clock to the next timer, so a minute-long call
 * costs only the CPU its events need. Work that happens outside the
 * simulated world (speech recognition, TTS, file I/O in a child process) is
 * wrapped in `hold()`: while anything is held the clock stands still, so the
 * result does not depend on how fast the machine is.
 */
import type { Clock } from '../clock/clock.js';
import type { TimerHost } from '../clock/timers.js';
import { VirtualScheduler } from '../sim/scheduler.js';

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Virtual time ran into a state where nothing can happen any more. */
export class VirtualTimeDeadlock extends Error {}

/**
 * A virtual clock and timer host with a driver loop.
 *
 * @example
 * const vt = new VirtualTime();
 * const result = await vt.run(() => runScenario(scenario, { clock: vt.clock, timers: vt.timers, hold: vt.hold, port
 * }));
 */
export class VirtualTime {
  readonly scheduler: VirtualScheduler;
  private holds = 0;
  private wake: (() => void) | undefined;

  /** `scheduler`: drive one that already exists (a simulated network's), else a new one starting at `start`. */
  constructor(start: number | VirtualScheduler = 0) {
    this.scheduler = typeof start === 'number' ? new VirtualScheduler(start) : start;
  }

  get clock(): Clock {
    return this.scheduler.clock;
  }

  get timers(): TimerHost {
    return this.scheduler;
  }

  /** Keep the clock still until `p` settles. */
  readonly hold = <T>(p: Promise<T>): Promise<T> => {
    this.holds++;
    const release = () => {
      this.holds--;
      this.wake?.();
    };
    p.then(release, release);
    return p;
  };

  /**
   * Run `fn` to completion, advancing virtual time whenever everything is
   * waiting on a timer. Fails when nothing is pending and nothing is held
   * (a deadlock), or past `limitMs` of virtual time.
   */
  async run<T>(fn: () => Promise<T>, limitMs = 24 * 3_600_000): Promise<T> {
    let settled = false;
    const p = fn();
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    const end = this.scheduler.now() + limitMs;
    while (!settled) {
      await macrotask();
      if (settled) break;
      if (this.holds > 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          p.then(
            () => resolve(),
            () => resolve(),
          );
        });
        this.wake = undefined;
        continue;
      }
      const next = this.scheduler.nextAt();
      if (next === undefined) {
        await macrotask();
        if (!settled && this.holds === 0 && this.scheduler.nextAt() === undefined) {
          throw new VirtualTimeDeadlock(
            `virtual time: nothing scheduled at t=${this.scheduler.now()} ms and the task has not finished`,
          );
        }
        continue;
      }
      if (next > end) throw new VirtualTimeDeadlock(`virtual time: past the limit of ${limitMs} ms`);
      this.scheduler.runUntil(next);
    }
    return p;
  }
}
