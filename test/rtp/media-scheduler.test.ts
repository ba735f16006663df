import { describe, expect, it } from 'vitest';
import { TickQueue, TimerMediaScheduler, type MediaTick } from '../../src/rtp/media-scheduler.js';
import type { TimerHandle, TimerHost } from '../../src/clock/timers.js';
import { Random } from '../../src/sim/random.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';

/** A TimerHost on virtual time whose timers fire early or late at random, like real ones under load. */
function sloppyTimers(vs: VirtualScheduler, rng: Random, earlyMs: number, lateMs: number): TimerHost {
  return {
    setTimer: (delay, fn) =>
      vs.after(
        Math.max(0, delay - earlyMs * rng.next() + (rng.chance(0.05) ? lateMs * rng.next() * 5 : lateMs * rng.next())),
        fn,
      ),
    clearTimer: (h: TimerHandle) => vs.clearTimer(h),
  };
}

describe('TickQueue (the media clock core)', () => {
  it('ticks at start + n x 20 ms, in due order across streams', () => {
    const q = new TickQueue();
    const log: string[] = [];
    q.add(({ n, due }) => log.push(`a${n}@${due}`), 0);
    q.add(({ n, due }) => log.push(`b${n}@${due}`), 0);
    expect(q.nextDue()).toBe(0);
    q.runDue(45);
    expect(log).toEqual(['a0@0', 'b0@1', 'a1@20', 'b1@21', 'a2@40', 'b2@41']);
    expect(q.nextDue()).toBe(60);
  });

  it('spreads phases over the slots (least loaded first)', () => {
    const q = new TickQueue({ slots: 20 });
    const phases = Array.from({ length: 1000 }, () => q.add(() => {}, 0).phaseMs);
    const perSlot = new Map<number, number>();
    for (const p of phases) perSlot.set(p, (perSlot.get(p) ?? 0) + 1);
    expect(perSlot.size).toBe(20);
    expect([...perSlot.values()].every((c) => c === 50)).toBe(true);
  });

  it('a late wake-up runs every missed tick, in order, each with its own due time (no skipping)', () => {
    const q = new TickQueue();
    const ticks: MediaTick[] = [];
    q.add((t) => ticks.push(t), 0, { phaseMs: 0 });
    q.runDue(0);
    q.runDue(95); // woke 75 ms late
    expect(ticks.map((t) => [t.n, t.due, t.now])).toEqual([
      [0, 0, 0],
      [1, 20, 95],
      [2, 40, 95],
      [3, 60, 95],
      [4, 80, 95],
    ]);
    expect(q.nextDue()).toBe(100);
  });

  it('re-anchors after a stall longer than maxCatchUpMs and counts what it skipped', () => {
    const q = new TickQueue({ maxCatchUpMs: 100 });
    const ns: number[] = [];
    const s = q.add((t) => ns.push(t.n), 0, { phaseMs: 0 });
    q.runDue(0);
    q.runDue(5_000);
    expect(ns).toEqual([0, 250]);
    expect(s.skipped).toBe(249);
    expect(q.nextDue()).toBe(5_020);
  });

  it('stops a stream at once, even from inside a tick', () => {
    const q = new TickQueue();
    const log: string[] = [];
    const b = q.add(() => log.push('b'), 0, { phaseMs: 1 });
    q.add(
      () => {
        log.push('a');
        b.stop();
      },
      0,
      { phaseMs: 0 },
    );
    q.runDue(100);
    expect(log).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    expect(q.size).toBe(1);
  });

  it('keeps running when a handler throws', () => {
    const errors: unknown[] = [];
    const q = new TickQueue({ onError: (e) => errors.push(e) });
    let n = 0;
    q.add(() => {
      n++;
      throw new Error('boom');
    }, 0);
    q.runDue(60);
    expect(n).toBe(4);
    expect(errors).toHaveLength(4);
  });
});

describe('TimerMediaScheduler in virtual time', () => {
  it('30 minutes of ticks on sloppy timers: no drift, lateness bounded by the timer error', () => {
    const vs = new VirtualScheduler();
    const rng = new Random(4);
    const media = new TimerMediaScheduler(vs.clock, sloppyTimers(vs, rng, 0.3, 1.5));
    const late: number[] = [];
    let last: MediaTick | undefined;
    let count = 0;
    const s = media.add((t) => {
      late.push(t.now - t.due);
      last = t;
      count++;
    });
    vs.runUntil(30 * 60 * 1000 - 10);
    media.close();
    expect(vs.pending).toBe(0);
    expect(count).toBe(90_000);
    // tick n is due exactly at start + n x 20 ms, whatever the timers did
    expect(last!.due).toBe(s.start + 89_999 * 20);
    // lateness never accumulates: it is bounded by one timer error, not by their sum
    expect(Math.max(...late)).toBeLessThan(8);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
  });

  it('a naive "20 ms from now" re-arm on the same timers drifts by seconds (the seed\'s problem)', () => {
    const vs = new VirtualScheduler();
    const timers = sloppyTimers(vs, new Random(4), 0.3, 1.5);
    let n = 0;
    const tick = () => {
      n++;
      if (vs.now() < 30 * 60 * 1000) timers.setTimer(20, tick);
    };
    timers.setTimer(20, tick);
    vs.runUntilIdle();
    // 30 minutes should be 90,000 ticks; each re-arm adds the timer's lateness
    expect(90_000 - n).toBeGreaterThan(2000);
  });

  it('runs a thousand streams with spread phases', () => {
    const vs = new VirtualScheduler();
    const media = new TimerMediaScheduler(vs.clock, vs);
    const counts = new Array<number>(1000).fill(0);
    const streams = counts.map((_, i) => media.add(() => counts[i]!++));
    vs.runUntil(1000 - 1e-9);
    expect(counts.every((c) => c === 50)).toBe(true);
    for (const s of streams) s.stop();
    vs.runFor(100);
    expect(vs.pending).toBe(0);
    expect(media.size).toBe(0);
  });
});
