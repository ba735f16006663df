import { afterEach, describe, expect, it } from 'vitest';
import { MediaStateError } from '../../src/rtp/errors.js';
import type { MediaTick } from '../../src/rtp/media-scheduler.js';
import { PreciseMediaScheduler, type MediaClockStrategy } from '../../src/net/rtp-media-clock.js';

// Functional checks on the real clock (no timing figures here: those are in bench/rtp-clock.bench.ts).
let open: PreciseMediaScheduler[] = [];
afterEach(() => {
  for (const m of open) m.close();
  open = [];
});

describe('PreciseMediaScheduler (real time)', () => {
  for (const strategy of ['timer', 'spin', 'atomics'] as MediaClockStrategy[]) {
    it(`${strategy}: ticks on the start + n x 20 ms grid, never before the deadline, and stops on close`, async () => {
      const media = new PreciseMediaScheduler({ strategy });
      open.push(media);
      const ticks: MediaTick[][] = [[], [], []];
      const streams = ticks.map((list) => media.add((t) => list.push(t)));
      expect(new Set(streams.map((s) => s.phaseMs)).size).toBe(3);
      await new Promise((r) => setTimeout(r, 150));
      media.close();
      const counted = ticks.map((l) => l.length);
      await new Promise((r) => setTimeout(r, 60));
      expect(ticks.map((l) => l.length)).toEqual(counted);
      for (const [i, list] of ticks.entries()) {
        expect(list.length).toBeGreaterThanOrEqual(3);
        list.forEach((t, n) => {
          expect(t.n).toBe(n);
          expect(t.due).toBeCloseTo(streams[i]!.start + n * 20, 9);
          expect(t.now).toBeGreaterThanOrEqual(t.due);
        });
      }
      expect(() => media.add(() => {})).toThrow(MediaStateError);
    });
  }

  it('rejects an unknown strategy', () => {
    expect(() => new PreciseMediaScheduler({ strategy: 'sleep' as MediaClockStrategy })).toThrow(MediaStateError);
  });
});
