/**
 * The real-time edge of the media clock: a `TickQueue` driven by Node with
 * sub-millisecond precision.
 *
 * Node's timers have millisecond resolution and fire up to ~1 ms late (and
 * sometimes a fraction early), so a tick scheduled on `setTimeout` alone is
 * typically 0.5-1 ms late and several ms late when the machine is busy.
 * Strategies, measured by `bench/rtp-clock.bench.ts`:
 * - `timer`: `setTimeout` to the deadline. No extra CPU, ms precision.
 * - `spin`: `setTimeout` to `guardMs` before the deadline, then busy-wait on
 *   `performance.now()`. Precise, but burns the CPU for the whole guard time
 *   of every wake-up.
 * - `atomics` (default): `setTimeout` to `guardMs` before the deadline, then
 *   `Atomics.wait` (a futex sleep with microsecond resolution) until
 *   `spinMs` before it, then a short spin. As precise as `spin` at about the
 *   CPU cost of `timer`.
 * Between ticks the event loop always turns (`setImmediate` before every
 * precise wait), so socket input is never held up by more than `guardMs`.
 * The same class runs unchanged inside a worker thread (the architecture's
 * media worker), where the main thread's work cannot delay it.
 */
import { realClock, type Clock } from '../clock/clock.js';
import { MediaStateError } from '../rtp/errors.js';
import { TickQueue, type AddStreamOptions, type MediaScheduler, type MediaStream, type TickHandler, type TickQueueOptions } from '../rtp/media-scheduler.js';

export type MediaClockStrategy = 'timer' | 'spin' | 'atomics';
export const MEDIA_CLOCK_STRATEGIES: readonly MediaClockStrategy[] = ['timer', 'spin', 'atomics'];

export interface PreciseMediaSchedulerOptions extends TickQueueOptions {
  /** How to wait for a deadline. Default `atomics`. */
  readonly strategy?: MediaClockStrategy;
  /** Wake from the event loop this long before a deadline (ms). Default 2. */
  readonly guardMs?: number;
  /** Busy-wait this last part of an `atomics` wait (ms). Default 0.05. */
  readonly spinMs?: number;
  /** The monotonic clock (default `performance.now()`). */
  readonly clock?: Clock;
}

/**
 * @example
 * const media = new PreciseMediaScheduler({ strategy: 'atomics' });
 * const stream = media.add(({ due }) => tickCall(due));
 * // at hang-up:
 * stream.stop();
 */
export class PreciseMediaScheduler implements MediaScheduler {
  readonly clock: Clock;
  readonly strategy: MediaClockStrategy;
  private readonly queue: TickQueue;
  private readonly guardMs: number;
  private readonly spinMs: number;
  private readonly cell = new Int32Array(new SharedArrayBuffer(4));
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(opts: PreciseMediaSchedulerOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.strategy = opts.strategy ?? 'atomics';
    if (!MEDIA_CLOCK_STRATEGIES.includes(this.strategy)) throw new MediaStateError(`unknown media clock strategy "${this.strategy}"`);
    this.guardMs = opts.guardMs ?? 2;
    this.spinMs = opts.spinMs ?? 0.05;
    this.queue = new TickQueue(opts);
  }

  get size(): number {
    return this.queue.size;
  }

  add(handler: TickHandler, opts?: AddStreamOptions): MediaStream {
    if (this.closed) throw new MediaStateError('the media scheduler is closed');
    const s = this.queue.add(handler, this.clock.now(), opts);
    this.reschedule();
    return s;
  }

  close(): void {
    this.closed = true;
    this.queue.clear();
    this.cancel();
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** Re-plan the wait for the earliest deadline (after an add, or after running ticks). */
  private reschedule(): void {
    this.cancel();
    if (this.closed) return;
    const next = this.queue.nextDue();
    if (next === undefined) return;
    const wait = next - this.clock.now();
    if (wait <= 0) {
      // Already due: let pending I/O in first, then run.
      this.immediate = setImmediate(this.run);
    } else if (this.strategy === 'timer') {
      this.timer = setTimeout(this.run, wait);
      this.timer.unref();
    } else if (wait > this.guardMs) {
      this.timer = setTimeout(this.preciseWait, wait - this.guardMs);
      this.timer.unref();
    } else {
      this.immediate = setImmediate(this.preciseWait);
    }
  }

  private preciseWait = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    const next = this.queue.nextDue();
    if (next === undefined) return;
    const remaining = next - this.clock.now();
    if (remaining > this.guardMs) {
      // Woke too early (timers may fire early): wait again.
      this.reschedule();
      return;
    }
    if (this.strategy === 'atomics' && remaining > this.spinMs) Atomics.wait(this.cell, 0, 0, remaining - this.spinMs);
    while (this.clock.now() < next) {
      // spin until the deadline
    }
    this.run();
  };

  private run = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    this.queue.runDue(this.clock.now());
    this.reschedule();
  };
}
