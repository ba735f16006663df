/**
 * Virtual time for tests and simulations: a manual clock plus a timer heap.
 * It is a `TimerHost`, so real drivers run on it unchanged; `run…` always
 * advances the clock to the earliest pending deadline, so a simulated minute
 * costs only the CPU its events need.
 */
import { ManualClock } from '../clock/clock.js';
import type { TimerHandle, TimerHost } from '../clock/timers.js';
import { MinHeap } from '../util/heap.js';

interface Pending {
  readonly id: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class VirtualScheduler implements TimerHost {
  readonly clock: ManualClock;
  private readonly heap = new MinHeap<Pending>();
  private readonly live = new Map<number, Pending>();
  private nextId = 1;

  constructor(start = 0) {
    this.clock = new ManualClock(start);
  }

  now(): number {
    return this.clock.now();
  }

  /** Run `fn` at virtual time `t` (or now, if `t` has passed). */
  at(t: number, fn: () => void): TimerHandle {
    const p: Pending = { id: this.nextId++, fn, cancelled: false };
    this.heap.push(Math.max(t, this.clock.now()), p);
    this.live.set(p.id, p);
    return p.id as unknown as TimerHandle;
  }

  after(ms: number, fn: () => void): TimerHandle {
    return this.at(this.clock.now() + ms, fn);
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    return this.after(Math.max(0, delayMs), fn);
  }

  clearTimer(handle: TimerHandle): void {
    const p = this.live.get(handle as unknown as number);
    if (p) {
      p.cancelled = true;
      this.live.delete(p.id);
    }
  }

  /** Timers not yet run or cancelled. */
  get pending(): number {
    return this.live.size;
  }

  /** The time of the next pending timer. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heap.peekKey();
  }

  /** Run every timer due up to and including `t`, then leave the clock at `t`. Returns how many ran. */
  runUntil(t: number, maxEvents = 10_000_000): number {
    const n = this.runDue(t, maxEvents);
    if (t > this.clock.now()) this.clock.set(t);
    return n;
  }

  /** Advance by `ms`, running what falls due. */
  runFor(ms: number, maxEvents?: number): number {
    return this.runUntil(this.clock.now() + ms, maxEvents);
  }

  /**
   * Run timers in order until none remain or the next is later than `limit`
   * ms from now; the clock stays at the last timer run. Returns true when idle.
   */
  runUntilIdle(limit = 3_600_000, maxEvents?: number): boolean {
    this.runDue(this.clock.now() + limit, maxEvents);
    return this.pending === 0;
  }

  private runDue(t: number, maxEvents = 10_000_000): number {
    let n = 0;
    for (;;) {
      this.dropCancelled();
      const at = this.heap.peekKey();
      if (at === undefined || at > t) return n;
      if (++n > maxEvents) throw new Error(`VirtualScheduler: more than ${maxEvents} events before t=${t}`);
      const p = this.heap.pop()!;
      this.live.delete(p.id);
      this.clock.set(at);
      p.fn();
    }
  }

  private dropCancelled(): void {
    while (this.heap.size > 0 && this.heap.peek()!.cancelled) this.heap.pop();
  }
}
