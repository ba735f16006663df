/**
 * The media clock: one scheduler per thread drives every RTP session on it.
 *
 * Theory of operation
 * - Tick n of a stream is due at `start + n × period` on the monotonic clock
 *   (the seed's LoopingCall), never "period from now", so lateness never
 *   accumulates: a late tick makes only itself late.
 * - Streams get phases spread over the period: the period is cut into
 *   `slots` (default 20 slots of 1 ms) on a grid anchored at the scheduler's
 *   creation, and each new stream takes the least-loaded slot, so a thousand
 *   calls do not wake at the same instant.
 * - A deadline heap holds one entry per stream (not a scan over all streams).
 *   `runDue(now)` runs every due tick in due order; a stream that fell behind
 *   runs each missed tick in turn (n, n+1, ...) with its own due time, so
 *   what is due is sent, in order, without skipping. Only a stall longer than
 *   `maxCatchUpMs` (a suspended process) re-anchors the stream and counts the
 *   ticks skipped.
 *
 * `TickQueue` is the sans-I/O core. `TimerMediaScheduler` drives it with any
 * `TimerHost` (a `VirtualScheduler` in tests; Node timers in production when
 * millisecond precision is enough). `src/net/rtp-media-clock.ts` adds the
 * precise real-time waits.
 */
import type { Clock } from '../clock/clock.js';
import type { TimerHandle, TimerHost } from '../clock/timers.js';
import { MinHeap } from '../util/heap.js';
import { MediaStateError } from './errors.js';

/** What a tick handler is told. */
export interface MediaTick {
  /** Tick number of this stream, from 0. */
  readonly n: number;
  /** When it was due (start + n × period), monotonic ms. */
  readonly due: number;
  /** When it runs. `now - due` is its lateness. */
  readonly now: number;
}

export type TickHandler = (tick: MediaTick) => void;

export interface AddStreamOptions {
  /** Tick period in ms. Default: the scheduler's (20). */
  readonly periodMs?: number;
  /** Phase within the period in ms; default: the least-loaded slot. */
  readonly phaseMs?: number;
}

/** A stream on the scheduler. */
export interface MediaStream {
  readonly phaseMs: number;
  readonly periodMs: number;
  /** When tick 0 was due. */
  readonly start: number;
  /** Ticks run so far. */
  readonly ticks: number;
  /** Ticks skipped after stalls longer than `maxCatchUpMs`. */
  readonly skipped: number;
  /** Remove the stream; no tick runs after this returns. */
  stop(): void;
}

/** The interface every media scheduler implements (real-time or virtual). */
export interface MediaScheduler {
  readonly clock: Clock;
  /**
   * Run `handler` every period, at start + n × period.
   *
   * @example
   * const stream = scheduler.add(({ n, due }) => session.sendAudio(encode(source.read()), due));
   * // later
   * stream.stop();
   */
  add(handler: TickHandler, opts?: AddStreamOptions): MediaStream;
  /** Streams on the scheduler. */
  readonly size: number;
  /** Stop every stream and the scheduler's timer. */
  close(): void;
}

export interface TickQueueOptions {
  /** Default period, ms. Default 20. */
  readonly periodMs?: number;
  /** Phase slots per period. Default 20 (1 ms apart at 20 ms). */
  readonly slots?: number;
  /** A tick later than this re-anchors its stream instead of catching up. Default 1000 ms. */
  readonly maxCatchUpMs?: number;
  /** Called when a handler throws; the scheduler carries on. */
  readonly onError?: (err: unknown) => void;
}

class Entry implements MediaStream {
  ticks = 0;
  skipped = 0;
  stopped = false;
  due: number;
  constructor(
    private readonly queue: TickQueue,
    readonly handler: TickHandler,
    readonly start: number,
    readonly periodMs: number,
    readonly phaseMs: number,
    readonly slot: number,
  ) {
    this.due = start;
  }
  stop(): void {
    this.queue.remove(this);
  }
}

/**
 * The sans-I/O core: streams, their deadlines, and running what is due.
 *
 * @example
 * const q = new TickQueue({ periodMs: 20 });
 * q.add(handler, clock.now());
 * // whenever woken: q.runDue(clock.now()); then sleep until q.nextDue()
 */
export class TickQueue {
  readonly periodMs: number;
  private readonly slots: number;
  private readonly slotLoad: number[];
  private readonly maxCatchUp: number;
  private readonly onError: (err: unknown) => void;
  private readonly heap = new MinHeap<Entry>();
  private anchor: number | undefined;
  private live = 0;

  constructor(opts: TickQueueOptions = {}) {
    this.periodMs = opts.periodMs ?? 20;
    if (!(this.periodMs > 0)) throw new MediaStateError(`media clock period must be positive, got ${this.periodMs}`);
    this.slots = Math.max(1, Math.floor(opts.slots ?? 20));
    this.slotLoad = new Array<number>(this.slots).fill(0);
    this.maxCatchUp = opts.maxCatchUpMs ?? 1000;
    this.onError = opts.onError ?? (() => {});
  }

  get size(): number {
    return this.live;
  }

  /** Add a stream whose first tick is the first slot instant at or after `now`. */
  add(handler: TickHandler, now: number, opts: AddStreamOptions = {}): MediaStream {
    const period = opts.periodMs ?? this.periodMs;
    if (!(period > 0)) throw new MediaStateError(`media stream period must be positive, got ${period}`);
    if (this.anchor === undefined) this.anchor = now;
    let slot = -1;
    let phase: number;
    if (opts.phaseMs !== undefined) {
      phase = ((opts.phaseMs % period) + period) % period;
    } else {
      slot = 0;
      for (let s = 1; s < this.slots; s++) if (this.slotLoad[s]! < this.slotLoad[slot]!) slot = s;
      this.slotLoad[slot]!++;
      phase = (slot * period) / this.slots;
    }
    // The first instant anchor + phase + m × period that is not in the past.
    const base = this.anchor + phase;
    const m = Math.max(0, Math.ceil((now - base) / period - 1e-9));
    const e = new Entry(this, handler, base + m * period, period, phase, slot);
    this.heap.push(e.due, e);
    this.live++;
    return e;
  }

  /** @internal */
  remove(e: Entry): void {
    if (e.stopped) return;
    e.stopped = true;
    this.live--;
    if (e.slot >= 0) this.slotLoad[e.slot]!--;
    // Removal from the heap is lazy: the entry is skipped when it surfaces.
  }

  /** The earliest due tick, or undefined when there are no streams. */
  nextDue(): number | undefined {
    this.dropStopped();
    return this.heap.peekKey();
  }

  /** Run every tick due at or before `now`, in due order. Returns how many ran. */
  runDue(now: number): number {
    let ran = 0;
    for (;;) {
      this.dropStopped();
      const due = this.heap.peekKey();
      if (due === undefined || due > now) return ran;
      const e = this.heap.pop()!;
      if (now - e.due > this.maxCatchUp) {
        // A stall (process suspended): re-anchor rather than burst seconds of packets.
        const behind = Math.floor((now - e.start) / e.periodMs) - e.ticks;
        e.skipped += behind;
        e.ticks += behind;
        e.due = e.start + e.ticks * e.periodMs;
      }
      const tick: MediaTick = { n: e.ticks, due: e.due, now };
      e.ticks++;
      // The next deadline comes from the start, never from now: lateness cannot accumulate.
      e.due = e.start + e.ticks * e.periodMs;
      this.heap.push(e.due, e);
      ran++;
      try {
        e.handler(tick);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** Remove every stream. */
  clear(): void {
    for (let e = this.heap.pop(); e; e = this.heap.pop()) if (!e.stopped) this.remove(e);
  }

  private dropStopped(): void {
    while (this.heap.size > 0 && this.heap.peek()!.stopped) this.heap.pop();
  }
}

/**
 * A media scheduler on a `TimerHost`: exact in virtual time, millisecond
 * precision on Node's timers.
 *
 * @example
 * const vs = new VirtualScheduler();
 * const media = new TimerMediaScheduler(vs.clock, vs);
 * media.add(({ n }) => console.log('tick', n));
 * vs.runFor(100); // ticks 0..5
 */
export class TimerMediaScheduler implements MediaScheduler {
  private readonly queue: TickQueue;
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private running = false;

  constructor(
    readonly clock: Clock,
    private readonly timers: TimerHost,
    opts: TickQueueOptions = {},
  ) {
    this.queue = new TickQueue(opts);
  }

  get size(): number {
    return this.queue.size;
  }

  add(handler: TickHandler, opts?: AddStreamOptions): MediaStream {
    const s = this.queue.add(handler, this.clock.now(), opts);
    this.arm();
    return s;
  }

  close(): void {
    this.queue.clear();
    if (this.timer !== undefined) this.timers.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
  }

  private fire = (): void => {
    this.timer = undefined;
    this.timerAt = undefined;
    this.running = true;
    try {
      this.queue.runDue(this.clock.now());
    } finally {
      this.running = false;
    }
    this.arm();
  };

  private arm(): void {
    if (this.running) return;
    const next = this.queue.nextDue();
    if (next === this.timerAt) return;
    if (this.timer !== undefined) this.timers.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = next;
    if (next === undefined) return;
    this.timer = this.timers.setTimer(next - this.clock.now(), this.fire);
  }
}
