/**
 * The one place where a sans-I/O core meets the outside world.
 *
 * A core is a plain object: inputs go in through its own `handle…(…, now)`
 * methods, and it is drained through `pollTransmit`, `pollEvent` and
 * `pollTimeout`. After every input the driver drains it completely and
 * re-arms exactly one timer for the core's next deadline; keeping that rule
 * here means no caller can forget it.
 */
import { realClock, type Clock } from './clock.js';
import { realTimers, type TimerHandle, type TimerHost } from './timers.js';

export interface SansIoCore<Transmit, Event> {
  /** Let the core act on every deadline that is due at `now`. */
  handleTimeout(now: number): void;
  pollTransmit(): Transmit | undefined;
  pollEvent(): Event | undefined;
  /** The next deadline (same time base as `now`), or undefined when none. */
  pollTimeout(): number | undefined;
}

export interface DriverIo<Transmit, Event> {
  transmit(t: Transmit): void;
  event(e: Event): void;
}

export interface DriverOptions {
  /**
   * Keep an armed timer that is due no later than the core's next deadline
   * instead of moving it: the core is then woken early now and then (nothing
   * is due; the timer is armed again), which costs less than clearing and
   * setting a timer after every input of a busy core whose earliest deadline
   * keeps moving (a SIP UAS cancels a timer on nearly every message). With
   * no deadline left, no timer stays armed. The core's `handleTimeout` must
   * act only on what is due (default false: the timer always matches the
   * next deadline).
   */
  readonly keepEarlierTimer?: boolean;
}

export class Driver<Transmit, Event> {
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private draining = false;
  private again = false;
  private closed = false;
  private readonly keepEarlier: boolean;

  constructor(
    private readonly core: SansIoCore<Transmit, Event>,
    private readonly io: DriverIo<Transmit, Event>,
    readonly clock: Clock = realClock,
    private readonly timers: TimerHost = realTimers,
    opts: DriverOptions = {},
  ) {
    this.keepEarlier = opts.keepEarlierTimer ?? false;
  }

  /** Give the core an input (`fn` calls one of its handle methods with `now`), then drain it. */
  input(fn: (now: number) => void): void {
    if (this.closed) return;
    fn(this.clock.now());
    this.drain();
  }

  /**
   * Drain transmits and events, then re-arm the timer. Safe to call from
   * inside an event handler: the outer drain loops again instead of nesting.
   */
  drain(): void {
    if (this.closed) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.again = false;
        for (let t = this.core.pollTransmit(); t !== undefined; t = this.core.pollTransmit()) this.io.transmit(t);
        for (let e = this.core.pollEvent(); e !== undefined; e = this.core.pollEvent()) {
          this.io.event(e);
          // An event handler may have fed the core: send what it produced first.
          for (let t = this.core.pollTransmit(); t !== undefined; t = this.core.pollTransmit()) this.io.transmit(t);
        }
      } while (this.again);
    } finally {
      this.draining = false;
    }
    this.arm();
  }

  /** Stop the timer; later inputs are ignored. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
  }

  private arm(): void {
    if (this.closed) return;
    const at = this.core.pollTimeout();
    if (at === this.timerAt) return;
    if (this.keepEarlier && at !== undefined && this.timerAt !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.timers.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.timers.setTimer(Math.max(0, at - this.clock.now()), () => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.input((now) => this.core.handleTimeout(now));
    });
  }
}
