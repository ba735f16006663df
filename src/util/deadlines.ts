/**
 * A deadline queue: the one queue of timers of a sans-I/O core. In the SIP
 * core every transaction timer, 2xx retransmission, registration refresh
 * and glare retry is an entry here, so the core has exactly one next
 * deadline (`next()`) for its driver to arm.
 *
 * Cancelled entries are dropped lazily; when they outnumber the live ones the
 * heap is rebuilt, so a busy UAS (Timer B cancelled on every answer) does not
 * grow without bound.
 */
import { MinHeap } from './heap.js';

export interface Deadline {
  /** When it fires (core time, ms). */
  readonly at: number;
  /** Cancel it; safe to call more than once, or after it fired. */
  cancel(): void;
  readonly active: boolean;
}

const NOTHING = (): void => {};
const isActive = (e: Entry): boolean => e.active;

class Entry implements Deadline {
  active = true;
  constructor(
    readonly at: number,
    /** What to run; dropped on cancel, so a cancelled entry waiting in the heap keeps nothing alive. */
    public fn: (now: number) => void,
    private readonly owner: DeadlineQueue,
  ) {}
  cancel(): void {
    if (!this.active) return;
    this.active = false;
    this.fn = NOTHING;
    this.owner.cancelled();
  }
}

export class DeadlineQueue {
  private readonly heap = new MinHeap<Entry>();
  private live = 0;
  private dead = 0;

  /** Run `fn(now)` at `at`. */
  schedule(at: number, fn: (now: number) => void): Deadline {
    const e = new Entry(at, fn, this);
    this.heap.push(at, e);
    this.live++;
    return e;
  }

  /** Entries scheduled and neither fired nor cancelled. */
  get size(): number {
    return this.live;
  }

  /** The earliest live deadline. */
  next(): number | undefined {
    this.dropDead();
    return this.heap.peekKey();
  }

  /** Fire every entry due at `now`, earliest first (entries added meanwhile that are due fire too). */
  runDue(now: number, limit = 1_000_000): number {
    let n = 0;
    for (;;) {
      this.dropDead();
      const at = this.heap.peekKey();
      if (at === undefined || at > now || n >= limit) return n;
      const e = this.heap.pop()!;
      e.active = false;
      this.live--;
      n++;
      const fn = e.fn;
      e.fn = NOTHING;
      fn(now);
    }
  }

  /** @internal called by an entry when cancelled */
  cancelled(): void {
    this.live--;
    this.dead++;
    if (this.dead > 1024 && this.dead > this.live) this.compact();
  }

  private dropDead(): void {
    while (this.heap.size > 0 && !this.heap.peek()!.active) {
      this.heap.pop();
      this.dead--;
    }
  }

  private compact(): void {
    this.heap.retain(isActive);
    this.dead = 0;
  }
}
