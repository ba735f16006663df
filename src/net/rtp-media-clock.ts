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
 *
 * On a shared machine the wait strategy matters less than getting the CPU
 * back in time. `realtime` puts the thread running the clock (Linux: that
 * thread only) in the SCHED_FIFO class at that priority — as PulseAudio and
 * JACK do for their audio threads — through util-linux `chrt`; the thread
 * sleeps between ticks (`atomics`, `timer`), and the kernel's RT throttling
 * keeps a runaway thread from taking a whole core. Failing that (no root or
 * CAP_SYS_NICE), `priority` lowers its nice value. Both are undone on
 * `close()`.
 * The same class runs unchanged inside a worker thread (the architecture's
 * media worker), where the main thread's work cannot delay it.
 */
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { realClock, type Clock } from '../clock/clock.js';
import { MediaStateError } from '../rtp/errors.js';
import {
  TickQueue,
  type AddStreamOptions,
  type MediaScheduler,
  type MediaStream,
  type TickHandler,
  type TickQueueOptions,
} from '../rtp/media-scheduler.js';

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
  /**
   * Let the process exit while streams are running. Default false: a running
   * stream is work in progress (a call), so it keeps Node alive until it is
   * stopped or the scheduler is closed; with no streams there is no timer.
   */
  readonly unref?: boolean;
  /** Nice value (-20..19) for the thread running the clock while it has streams; undefined leaves it alone. */
  readonly priority?: number;
  /** SCHED_FIFO priority (1-99) for that thread, tried before `priority`; undefined or 0: none. */
  readonly realtime?: number;
}

/** Run util-linux `chrt` (the only way to reach sched_setscheduler from Node); true on success. */
function chrt(args: string[]): boolean {
  try {
    return spawnSync('chrt', args, { stdio: 'ignore', timeout: 2000 }).status === 0;
  } catch {
    return false;
  }
}

/** The kernel id of the calling thread (Linux), for per-thread priority. */
function threadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
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
  private readonly unref: boolean;
  private readonly priority: number | undefined;
  private readonly realtime: number | undefined;
  private restore: { tid: number; nice: number; realtime: boolean } | undefined;
  /** Whether `priority` could be applied (false without the right to raise it). */
  priorityApplied = false;
  /** Whether the thread runs in the real-time class. */
  realtimeApplied = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(opts: PreciseMediaSchedulerOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.strategy = opts.strategy ?? 'atomics';
    if (!MEDIA_CLOCK_STRATEGIES.includes(this.strategy))
      throw new MediaStateError(`unknown media clock strategy "${this.strategy}"`);
    this.guardMs = opts.guardMs ?? 2;
    this.spinMs = opts.spinMs ?? 0.05;
    this.unref = opts.unref ?? false;
    this.priority = opts.priority;
    this.realtime = opts.realtime || undefined;
    this.queue = new TickQueue(opts);
  }

  get size(): number {
    return this.queue.size;
  }

  add(handler: TickHandler, opts?: AddStreamOptions): MediaStream {
    if (this.closed) throw new MediaStateError('the media scheduler is closed');
    const s = this.queue.add(handler, this.clock.now(), opts);
    this.raisePriority();
    this.reschedule();
    return s;
  }

  close(): void {
    this.closed = true;
    this.queue.clear();
    this.cancel();
    const r = this.restore;
    if (r) {
      this.restore = undefined;
      if (r.realtime) chrt(['-o', '-p', '0', String(r.tid)]);
      try {
        setPriority(r.tid, r.nice);
      } catch {
        // lowering back can only fail if the thread is gone
      }
    }
  }

  /**
   * Raise the clock thread's priority now, as adding a stream does, for work
   * that runs on this thread without a stream of its own (an echo relaying
   * packets as they arrive); undone by `close()`.
   */
  raisePriority(): void {
    if ((this.priority === undefined && this.realtime === undefined) || this.restore) return;
    const tid = threadId();
    if (tid === undefined) return;
    let nice: number;
    try {
      nice = getPriority(tid);
    } catch {
      return;
    }
    this.restore = { tid, nice, realtime: false };
    // Reset on fork: a process this thread starts (a recogniser, TTS, sox)
    // runs in the normal class, or its CPU-bound work in the real-time class
    // would starve the media clock it was started from.
    if (this.realtime !== undefined && chrt(['-R', '-f', '-p', String(this.realtime), String(tid)])) {
      this.realtimeApplied = this.restore.realtime = true;
      return;
    }
    if (this.priority === undefined) return;
    try {
      setPriority(tid, this.priority);
      this.priorityApplied = true;
    } catch {
      // not permitted: run at the normal priority
    }
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
      if (this.unref) this.timer.unref();
    } else if (wait > this.guardMs) {
      this.timer = setTimeout(this.preciseWait, wait - this.guardMs);
      if (this.unref) this.timer.unref();
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
