import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';

describe('ManualClock', () => {
  it('moves only forward', () => {
    const c = new ManualClock(10);
    c.advance(5);
    expect(c.now()).toBe(15);
    expect(() => c.set(3)).toThrow(/cannot go back/);
  });
});

describe('VirtualScheduler', () => {
  it('runs timers in time order and advances the clock to each', () => {
    const s = new VirtualScheduler();
    const seen: string[] = [];
    s.at(30, () => seen.push(`c@${s.now()}`));
    s.at(10, () => {
      seen.push(`a@${s.now()}`);
      s.after(5, () => seen.push(`a2@${s.now()}`));
    });
    const cancelled = s.at(20, () => seen.push('never'));
    s.clearTimer(cancelled);
    s.runUntil(25);
    expect(seen).toEqual(['a@10', 'a2@15']);
    expect(s.now()).toBe(25);
    expect(s.runUntilIdle()).toBe(true);
    expect(seen).toEqual(['a@10', 'a2@15', 'c@30']);
    expect(s.now()).toBe(30);
  });

  it('bounds runaway simulations', () => {
    const s = new VirtualScheduler();
    const loop = () => s.after(0, loop);
    loop();
    expect(() => s.runUntil(1, 1000)).toThrow(/more than 1000 events/);
  });
});
