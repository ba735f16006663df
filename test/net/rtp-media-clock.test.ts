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

describe('PreciseMediaScheduler priority', () => {
  it('raises the nice value of its own thread while it runs, when permitted, and restores it on close', async () => {
    const { readlinkSync } = await import('node:fs');
    const { getPriority } = await import('node:os');
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    const before = getPriority(tid);
    const media = new PreciseMediaScheduler({ priority: before - 1 });
    open.push(media);
    media.add(() => {});
    // Root (or CAP_SYS_NICE) may lower the nice value; others keep running at the normal one.
    expect(getPriority(tid)).toBe(media.priorityApplied ? before - 1 : before);
    media.close();
    expect(getPriority(tid)).toBe(before);
  });
});

describe('PreciseMediaScheduler real-time class', () => {
  it('puts its own thread in SCHED_FIFO while it runs, when permitted, and back on close', async () => {
    const { readFileSync, readlinkSync } = await import('node:fs');
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    // /proc/<tid>/stat field 41 is the scheduling policy: 0 SCHED_OTHER, 1 SCHED_FIFO.
    const policy = () => {
      const stat = readFileSync(`/proc/${tid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
    };
    const before = policy();
    const media = new PreciseMediaScheduler({ realtime: 5 });
    open.push(media);
    media.add(() => {});
    expect(policy()).toBe(media.realtimeApplied ? 1 : before);
    media.close();
    expect(policy()).toBe(before);
  });

  it('children started from the real-time thread run in the normal class (SCHED_RESET_ON_FORK)', async () => {
    const { spawnSync } = await import('node:child_process');
    const media = new PreciseMediaScheduler({ realtime: 5 });
    open.push(media);
    media.add(() => {});
    // A CPU-bound child (pocketsphinx, flite) left in SCHED_FIFO would starve the media clock on its core.
    const stat = spawnSync('cat', ['/proc/self/stat'], { encoding: 'utf8' }).stdout;
    const childPolicy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
    expect(childPolicy).toBe(0);
    media.close();
  });
});
