/**
 * Runs many scenarios: each scenario `repeat` times, up to `concurrency` at
 * once, optionally started at a steady `rate` (scenarios per second) — a
 * suite in CI, or, with a high repeat, a load test. One `RunResult` comes
 * back, with every scenario run in the order they were started.
 */
import { realClock } from '../../clock/clock.js';
import { realTimers } from '../../clock/timers.js';
import type { EngineEnv } from '../engine/context.js';
import type { RunResult, ScenarioResult, StepResult } from '../engine/results.js';
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
  /**
   * Run only the runs whose number (their place in the whole run: each
   * scenario in turn, repeat after repeat) is `index` modulo `count` — one
   * worker's share (`shtoom ivr --workers`); the rate still spaces the starts
   * by their place in the whole run.
   */
  readonly slice?: { readonly index: number; readonly count: number };
  /**
   * Run only these runs, by their number in the whole run (instead of a
   * `slice`): what is left of a worker's share when it is started again.
   */
  readonly runs?: readonly number[];
  /**
   * The whole run started this long ago, ms (default 0): with a rate, a
   * share started late (a restarted worker's) keeps each run's place.
   */
  readonly sinceStartMs?: number;
  /** Called as each run starts, with its number in the whole run. */
  readonly onStart?: (index: number) => void;
  /** Called as each step of a run is done, with the run's number in the whole run (instead of the env's `onStep`). */
  readonly onStep?: (result: ScenarioResult, step: StepResult, index: number) => void;
  /** Called as each scenario run finishes, with its number in the whole run. */
  readonly onScenario?: (result: ScenarioResult, index: number) => void;
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
  const slice = options.slice;
  if (slice && !(Number.isInteger(slice.count) && slice.count >= 1 && slice.index >= 0 && slice.index < slice.count))
    throw new ScenarioError(`slice must be index < count, got ${slice.index} of ${slice.count}`);
  // This share's runs, by their number in the whole run.
  const mine: number[] = [];
  if (options.runs) {
    for (const i of options.runs)
      if (!(Number.isInteger(i) && i >= 0 && i < jobs.length))
        throw new ScenarioError(`run ${i} is not one of the ${jobs.length} runs`);
    mine.push(...new Set(options.runs));
    mine.sort((a, b) => a - b);
  } else for (let i = 0; i < jobs.length; i++) if (!slice || i % slice.count === slice.index) mine.push(i);
  const results: ScenarioResult[] = new Array<ScenarioResult>(jobs.length);
  const started = clock.now();
  // Where run 0's start slot lies: the whole run's start, earlier than this share's when it is a late one.
  const origin = started - (options.sinceStartMs ?? 0);
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
      const k = next++;
      if (k >= mine.length) return;
      const i = mine[k]!;
      if (interval > 0) {
        const due = origin + i * interval;
        const delay = due - clock.now();
        if (delay > 0) await pause(delay);
        if (options.signal?.aborted) return;
      }
      const job = jobs[i]!;
      options.onStart?.(i);
      const onStep = options.onStep;
      const result = await runScenario(job.scenario, {
        ...env,
        iteration: job.iteration,
        ...(onStep ? { onStep: (r: ScenarioResult, step: StepResult) => onStep(r, step, i) } : {}),
      });
      results[i] = result;
      options.onScenario?.(result, i);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, mine.length) }, worker));
  } finally {
    if (keepAlive) clearInterval(keepAlive);
  }
  return mergeRuns(
    results.flatMap((result, index) => (result ? [{ index, result }] : [])),
    startedAt,
    clock.now() - started,
  );
}

/**
 * One run from scenario runs numbered by their place in the whole run
 * (from one thread, or gathered from workers' shares): in that order, with
 * the counts — what one thread running them all reports.
 */
export function mergeRuns(
  runs: readonly { readonly index: number; readonly result: ScenarioResult }[],
  startedAt: string,
  durationMs: number,
): RunResult {
  const ran = [...runs].sort((a, b) => a.index - b.index).map((r) => r.result);
  const passed = ran.filter((r) => r.status === 'passed').length;
  return { startedAt, durationMs, scenarios: ran, summary: { total: ran.length, passed, failed: ran.length - passed } };
}
