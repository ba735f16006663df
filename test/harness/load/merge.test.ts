/**
 * `shtoom ivr --workers`: each worker runs its slice of the runs and the
 * main thread merges them (`mergeRuns`); the merged result must be what one
 * thread running them all reports.
 */
import { describe, expect, it } from 'vitest';
import { formatLoadSummary, loadSummary } from '../../../src/harness/load/load-summary.js';
import { mergeRuns, runSuite } from '../../../src/harness/load/run-suite.js';
import type { ScenarioResult } from '../../../src/harness/engine/results.js';
import { ScenarioError } from '../../../src/harness/errors.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';
import { failing, passing } from '../support/menu.js';
import { smallMenu } from '../support/menu.js';

function sim() {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: smallMenu });
  return { vt, env: { port, clock: vt.clock, timers: vt.timers, hold: vt.hold } };
}

/** What a report shows of a run, without its timing. */
const shape = (r: ScenarioResult) => ({
  name: r.name,
  iteration: r.iteration,
  status: r.status,
  failure: r.failure,
  steps: r.steps.map((s) => [s.kind, s.label, s.status]),
});

describe('a run over worker slices, merged', () => {
  it('is what one thread reports: the runs in the same order, the same counts, the same load summary', async () => {
    const one = sim();
    const whole = await one.vt.run(() => runSuite([passing, failing], one.env, { concurrency: 3, repeat: 3 }));
    const parts: { index: number; result: ScenarioResult }[] = [];
    const stepsOf = new Map<number, number>();
    for (const k of [0, 1]) {
      const w = sim();
      await w.vt.run(() =>
        runSuite([passing, failing], w.env, {
          concurrency: k === 0 ? 2 : 1,
          repeat: 3,
          slice: { index: k, count: 2 },
          onStep: (_r, _s, index) => stepsOf.set(index, (stepsOf.get(index) ?? 0) + 1),
          onScenario: (result, index) => {
            // Each worker runs only its own numbers: i mod 2 = k.
            expect(index % 2).toBe(k);
            parts.push({ index, result });
          },
        }),
      );
    }
    // Gathered in the order they finished, across workers: the merge puts them in run order.
    const merged = mergeRuns(parts.reverse(), whole.startedAt, whole.durationMs);
    expect(merged.summary).toEqual(whole.summary);
    expect(merged.summary).toEqual({ total: 6, passed: 3, failed: 3 });
    expect(merged.scenarios.map(shape)).toEqual(whole.scenarios.map(shape));
    expect(merged.scenarios.map((r) => [r.name, r.iteration])).toEqual([
      [passing.name, 1],
      [failing.name, 1],
      [passing.name, 2],
      [failing.name, 2],
      [passing.name, 3],
      [failing.name, 3],
    ]);
    // Every run's steps were reported under its own number.
    expect([...stepsOf.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const a = loadSummary(merged);
    const b = loadSummary(whole);
    expect(a.failures).toEqual(b.failures);
    expect(a.steps.map((s) => [s.step, s.failed, s.ms.count])).toEqual(
      b.steps.map((s) => [s.step, s.failed, s.ms.count]),
    );
    expect(a.media).toEqual(b.media);
    expect(formatLoadSummary(a).split('\n')[0]).toBe(formatLoadSummary(b).split('\n')[0]);
  });

  it('a lost share shows: a merge missing a worker has fewer runs than one thread', async () => {
    const one = sim();
    const whole = await one.vt.run(() => runSuite([passing, failing], one.env, { repeat: 2 }));
    const w = sim();
    const parts: { index: number; result: ScenarioResult }[] = [];
    await w.vt.run(() =>
      runSuite([passing, failing], w.env, {
        repeat: 2,
        slice: { index: 0, count: 2 },
        onScenario: (result, index) => parts.push({ index, result }),
      }),
    );
    const merged = mergeRuns(parts, whole.startedAt, whole.durationMs);
    expect(merged.summary.total).toBe(2);
    expect(merged.scenarios.map(shape)).not.toEqual(whole.scenarios.map(shape));
  });

  it('refuses a slice outside its count', async () => {
    const { env } = sim();
    await expect(runSuite([passing], env, { slice: { index: 2, count: 2 } })).rejects.toThrow(ScenarioError);
    await expect(runSuite([passing], env, { slice: { index: 0, count: 0 } })).rejects.toThrow(ScenarioError);
  });

  it('a restarted share: only the runs given, each at its place in the whole run, each start told', async () => {
    const w = sim();
    const starts: { index: number; at: number }[] = [];
    const t0 = w.vt.clock.now();
    const run = await w.vt.run(() =>
      runSuite([passing, failing], w.env, {
        repeat: 3,
        concurrency: 2,
        ratePerSecond: 1,
        // The whole run started 2.5 s ago: run 2 is late (at once), run 4 is due 1.5 s from now.
        runs: [4, 2],
        sinceStartMs: 2500,
        onStart: (index) => starts.push({ index, at: w.vt.clock.now() - t0 }),
      }),
    );
    expect(starts).toEqual([
      { index: 2, at: 0 },
      { index: 4, at: 1500 },
    ]);
    expect(run.scenarios.map((r) => [r.name, r.iteration])).toEqual([
      [passing.name, 2],
      [passing.name, 3],
    ]);
  });

  it('refuses runs that are not in the whole run', async () => {
    const { env } = sim();
    await expect(runSuite([passing], env, { repeat: 2, runs: [2] })).rejects.toThrow(/run 2 is not one of the 2 runs/);
    await expect(runSuite([passing], env, { runs: [-1] })).rejects.toThrow(ScenarioError);
  });
});
