import { describe, expect, it } from 'vitest';
import { formatLoadSummary, loadSummary } from '../../../src/harness/load/load-summary.js';
import { percentile } from '../../../src/harness/load/percentile.js';
import { runSuite } from '../../../src/harness/load/run-suite.js';
import { ScenarioError } from '../../../src/harness/errors.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';
import { failing, passing, smallMenu } from '../support/menu.js';

function sim(lossRate = 0) {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: smallMenu, lossRate });
  return { vt, env: { port, clock: vt.clock, timers: vt.timers, hold: vt.hold } };
}

describe('load mode', () => {
  it('runs N at once, M times each, and summarises counts, step latencies and media', async () => {
    const { vt, env } = sim(0.02);
    let most = 0;
    let now = 0;
    const run = await vt.run(() =>
      runSuite([passing, failing], env, {
        concurrency: 5,
        repeat: 6,
        onScenario: () => {
          most = Math.max(most, env.port.active.size + 1);
          now++;
        },
      }),
    );
    expect(now).toBe(12);
    expect(run.summary).toEqual({ total: 12, passed: 6, failed: 6 });
    expect(run.scenarios.map((r) => r.iteration)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(5);
    // Twelve calls of about 6 s, five at a time: well under twelve times 6 s.
    expect(run.durationMs).toBeLessThan((12 * 6000) / 2);
    const s = loadSummary(run);
    expect(s).toMatchObject({ total: 12, passed: 6, failed: 6 });
    const listen = s.steps.find((x) => x.step === 'listen')!;
    expect(listen.ms.count).toBe(24);
    expect(listen.ms.p50).toBeGreaterThan(1000);
    expect(listen.ms.p99).toBeGreaterThanOrEqual(listen.ms.p50);
    expect(s.steps.find((x) => x.step === 'press 1')!.ms.p50).toBe(200);
    expect(s.steps.find((x) => x.step.startsWith('duration'))!.failed).toBe(6);
    expect(s.media.calls).toBe(12);
    expect(s.media.lossPercent).toBeGreaterThan(0.5);
    expect(s.media.lossPercent).toBeLessThan(5);
    expect(s.failures[0]).toMatchObject({ count: 6 });
    const text = formatLoadSummary(s);
    expect(text).toMatch(/^12 scenario runs: 6 passed, 6 failed/);
    expect(text).toContain('media: 12 calls');
  });

  it('starts no scenario once aborted, even one waiting for its start slot', async () => {
    const { vt, env } = sim();
    const stop = new AbortController();
    const started = vt.clock.now();
    const run = await vt.run(() =>
      runSuite([passing], env, {
        concurrency: 3,
        repeat: 6,
        ratePerSecond: 0.05,
        signal: stop.signal,
        onScenario: () => stop.abort(),
      }),
    );
    // The first run finished; the two workers waiting 20 and 40 s for their slots gave up at once.
    expect(run.summary).toEqual({ total: 1, passed: 1, failed: 0 });
    expect(vt.clock.now() - started).toBeLessThan(20_000);
  });

  it('starts scenarios at the given rate', async () => {
    const { vt, env } = sim();
    const run = await vt.run(() => runSuite([passing], env, { concurrency: 10, repeat: 5, ratePerSecond: 0.5 }));
    expect(run.summary.passed).toBe(5);
    // Five starts two seconds apart: the last starts at 8 s.
    expect(run.durationMs).toBeGreaterThanOrEqual(8000);
    expect(run.durationMs).toBeLessThan(8000 + 10_000);
  });

  it('refuses a bad concurrency, repeat or rate', async () => {
    const { env } = sim();
    await expect(runSuite([passing], env, { concurrency: 0 })).rejects.toBeInstanceOf(ScenarioError);
    await expect(runSuite([passing], env, { repeat: 1.5 })).rejects.toThrow(/repeat/);
    await expect(runSuite([passing], env, { ratePerSecond: -1 })).rejects.toThrow(/rate/);
  });

  it('takes percentiles by nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
  });
});
