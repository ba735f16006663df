/**
 * Runs many scenarios: each scenario `repeat` times, up to `concurrency` at
 * once, optionally started at a steady `rate` (scenarios per second) — a
 * suite in CI, or, with a high repeat, a load test. One `RunResult` comes
 * back, with every scenario run in the order they were started.
 */
import { realClock } from '../../clock/clock.js';
import { realTimers } from '../../clock/timers.js';
import type { EngineEnv } from '../engine/context.js';
import type { RunResult, ScenarioResult } from '../engine/results.js';
import { runScenario } from '../engine/runner.js';
import { ScenarioError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';

export interface SuiteOptions {
  /** Scenarios running at once (default 1). */
  readonly concurrency?: number;
  /** Runs of each scenario (default 1). */
  readonly repeat?: number;
  /** Start at most this many scenarios per second (default: as fast as concurrency allows). */
  readonly ratePerSecond?: number;
  /** Called as each scenario run finishes. */
  readonly onScenario?: (result: ScenarioResult) => void;
  /** Once aborted, no further scenario starts (those running finish); the result holds the runs that ran. */
  readonly signal?: AbortSignal;
}

/**
 * Run scenarios, in parallel up to `concurrency`.
 *
 * @example
 * const run = await runSuite(loadScenarios(['examples/']), { port }, { concurrency: 4, repeat: 10 });
 * console.log(run.summary); // { total: 40, passed: 40, failed: 0 }
 */
export async function runSuite(
  scenarios: readonly Scenario[],
  env: EngineEnv,
  options: SuiteOptions = {},
): Promise<RunResult> {
  const concurrency = options.concurrency ?? 1;
  const repeat = options.repeat ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ScenarioError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new ScenarioError(`repeat must be a whole number of at least 1, got ${repeat}`);
  if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0))
    throw new ScenarioError(`rate must be above 0, got ${options.ratePerSecond}`);
  const clock = env.clock ?? realClock;
  const timers = env.timers ?? realTimers;
  const jobs: { scenario: Scenario; iteration: number }[] = [];
  for (let r = 1; r <= repeat; r++) for (const s of scenarios) jobs.push({ scenario: s, iteration: r });
  const results: ScenarioResult[] = new Array<ScenarioResult>(jobs.length);
  const started = clock.now();
  const startedAt = new Date().toISOString();
  const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
  let next = 0;
  const keepAlive = timers === realTimers ? setInterval(() => undefined, 60_000) : undefined;
  // A wait for the next start slot, cut short by the abort signal.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        timers.clearTimer(h);
        options.signal?.removeEventListener('abort', done);
        resolve();
      };
      const h = timers.setTimer(ms, done);
      options.signal?.addEventListener('abort', done, { once: true });
    });
  const worker = async () => {
    for (;;) {
      if (options.signal?.aborted) return;
      const i = next++;
      if (i >= jobs.length) return;
      if (interval > 0) {
        const due = started + i * interval;
        const delay = due - clock.now();
        if (delay > 0) await pause(delay);
        if (options.signal?.aborted) return;
      }
      const job = jobs[i]!;
      const result = await runScenario(job.scenario, { ...env, iteration: job.iteration });
      results[i] = result;
      options.onScenario?.(result);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  } finally {
    if (keepAlive) clearInterval(keepAlive);
  }
  const ran = results.filter((r) => r !== undefined);
  const passed = ran.filter((r) => r.status === 'passed').length;
  return {
    startedAt,
    durationMs: clock.now() - started,
    scenarios: ran,
    summary: { total: ran.length, passed, failed: ran.length - passed },
  };
}
