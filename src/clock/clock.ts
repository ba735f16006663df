/**
 * Protocol time: a monotonic clock in milliseconds. Cores take a `Clock` (or a
 * `now` argument) and never read the wall clock, so tests drive them with a
 * `ManualClock` in virtual time.
 *
 * Media time (RTP timestamps at a codec's clock rate) is a different kind of
 * time and lives in `src/rtp`; the two are never mixed.
 */
export interface Clock {
  /** Monotonic milliseconds (fractional). Only differences are meaningful. */
  now(): number;
}

/** The process's monotonic clock (`performance.now()`). */
export const realClock: Clock = { now: () => performance.now() };

/** A clock that moves only when told to (tests, simulations). */
export class ManualClock implements Clock {
  constructor(private t = 0) {}

  now(): number {
    return this.t;
  }

  /** Move forward by `ms` (never backward). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`ManualClock cannot go back (advance ${ms})`);
    this.t += ms;
  }

  /** Jump to `t` (never backward). */
  set(t: number): void {
    if (t < this.t) throw new RangeError(`ManualClock cannot go back from ${this.t} to ${t}`);
    this.t = t;
  }
}
