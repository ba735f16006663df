/**
 * `shtoom ivr --workers W`: the scenario runs spread over W worker threads
 * (`ivr-worker.ts`, each its own call port): run i goes to worker i mod W,
 * `--concurrency` is shared among them (worker k runs ⌊C/W⌋ at once, one
 * more for the first C mod W), `--rate` spaces the starts by their place
 * in the whole run as one thread would. Starts, steps and finished runs come
 * back numbered by that place; the result is merged (`mergeRuns`) into what
 * one thread running them all reports, so the reports and the load summary
 * are the same. A worker that dies has its runs in flight failed (`its
 * worker exited (CODE)`) and is started again for the runs of its share not
 * yet started (`load-workers.ts`: backoff, a bound on deaths in a row);
 * every run is in the result exactly once.
 */
import type { TimerHost } from '../../clock/timers.js';
import type { RunResult, ScenarioResult, StepResult } from '../../harness/engine/results.js';
import { startedResult } from '../../harness/engine/runner.js';
import { mergeRuns } from '../../harness/load/run-suite.js';
import type { Logger, LogLevel } from '../../log/logger.js';
import type { OptionsWire } from '../../options/index.js';
import {
  heldTimers,
  runLoadWorkers,
  type LoadThread,
  type LoadThreadEvents,
  type LoadWorkersOutcome,
} from '../load-workers.js';
import { moduleThreads } from '../worker-thread.js';

/** What an ivr worker is given (its `workerData`). */
export interface IvrWorkerData {
  readonly options: OptionsWire;
  readonly paths: readonly string[];
  readonly shard?: string;
  readonly vars: Record<string, string>;
  /** Its runs, by their number in the whole run. */
  readonly runs: readonly number[];
  /** The whole run started this long ago, ms (a restarted worker's runs keep their places in the rate). */
  readonly sinceStartMs: number;
  /** Its number (from 0) and its thread's (0 first, one more at each restart). */
  readonly worker: number;
  readonly generation: number;
  readonly concurrency: number;
  readonly repeat: number;
  readonly ratePerSecond?: number;
  /** `failed`: a passed run's audio is dropped before it crosses. */
  readonly keep: string;
  readonly logLevel: LogLevel;
}

export type FromIvrWorker =
  | { readonly t: 'start'; readonly index: number }
  | {
      readonly t: 'step';
      readonly index: number;
      readonly name: string;
      readonly file?: string;
      readonly iteration: number;
      readonly step: StepResult;
    }
  | { readonly t: 'scenario'; readonly index: number; readonly result: ScenarioResult }
  | { readonly t: 'log'; readonly level: LogLevel; readonly component: string; readonly msg: string }
  | { readonly t: 'done' }
  | { readonly t: 'fatal'; readonly message: string };

/** A run of the whole run, as the main thread names it before any worker has it. */
export interface IvrJob {
  readonly name: string;
  readonly file?: string;
  readonly iteration: number;
}

/** How `runOnWorkers` starts a worker thread (injected: tests start fakes). */
export type StartIvrThread = (data: IvrWorkerData, events: LoadThreadEvents) => LoadThread;

export interface WorkersRun {
  readonly workers: number;
  readonly data: Omit<IvrWorkerData, 'runs' | 'sinceStartMs' | 'worker' | 'generation' | 'concurrency'>;
  /** Every run of the whole run, by its number: each scenario in turn, repeat after repeat. */
  readonly jobs: readonly IvrJob[];
  readonly concurrency: number;
  readonly log: Logger;
  /** A step of a run in progress: `run` stands for the run until it finishes (the same object each time). */
  readonly onStep: (run: ScenarioResult, step: StepResult) => void;
  /** A finished run; `stand` is the object `onStep` was given for it, if any. */
  readonly onScenario: (result: ScenarioResult, stand: ScenarioResult | undefined) => void;
  readonly signal: AbortSignal;
  /** Default: real worker threads, real timers. */
  readonly start?: StartIvrThread;
  readonly timers?: TimerHost;
  readonly now?: () => number;
  readonly maxDeathsInARow?: number;
}

/** The merged run and what happened to the workers. */
export interface WorkersResult {
  readonly result: RunResult;
  readonly outcome: LoadWorkersOutcome;
}

/** Worker k's share of `concurrency` over `workers`. */
export function concurrencyShare(concurrency: number, workers: number, k: number): number {
  return Math.floor(concurrency / workers) + (k < concurrency % workers ? 1 : 0);
}

/** Real worker threads running `ivr-worker.ts`; every thread started is terminated by `close`. */
function ivrThreads(): { start: StartIvrThread; close(): Promise<void> } {
  return moduleThreads<IvrWorkerData>('ivr-worker', import.meta.url);
}

/**
 * Run the scenarios over the workers. A run a dead worker had in flight is
 * failed with the reason (its steps so far kept); a worker given up after
 * deaths in a row has the runs of its share not yet started failed with
 * that reason; so every run of `jobs` is in the result, once (but those an
 * interruption left unstarted).
 */
export async function runOnWorkers(w: WorkersRun): Promise<WorkersResult> {
  const now = w.now ?? (() => performance.now());
  const startedAt = new Date().toISOString();
  const t0 = now();
  const runs = new Map<number, ScenarioResult>();
  const stands = new Map<number, ScenarioResult>();
  const begun = new Map<number, number>();
  const standFor = (index: number, name: string, file: string | undefined, iteration: number) => {
    let stand = stands.get(index);
    if (!stand) {
      stand = startedResult(name, file, iteration);
      stands.set(index, stand);
    }
    return stand;
  };
  const finish = (index: number, result: ScenarioResult) => {
    if (runs.has(index)) return;
    const stand = stands.get(index);
    stands.delete(index);
    runs.set(index, result);
    w.onScenario(result, stand);
  };
  const shares: number[][] = Array.from({ length: w.workers }, () => []);
  for (let i = 0; i < w.jobs.length; i++) shares[i % w.workers]!.push(i);
  const real = w.start ? undefined : ivrThreads();
  const start = w.start ?? real!.start;
  let outcome: LoadWorkersOutcome;
  try {
    outcome = await runLoadWorkers({
      shares,
      start: (worker, generation, jobs, sinceStartMs, events) =>
        start(
          {
            ...w.data,
            runs: jobs,
            sinceStartMs: generation === 0 ? 0 : sinceStartMs,
            worker,
            generation,
            concurrency: concurrencyShare(w.concurrency, w.workers, worker),
          },
          events,
        ),
      read: (_worker, raw) => {
        const m = raw as FromIvrWorker;
        if (m.t === 'start') {
          begun.set(m.index, now());
          const job = w.jobs[m.index];
          if (job) standFor(m.index, job.name, job.file, job.iteration);
          return { kind: 'start', index: m.index };
        }
        if (m.t === 'step') {
          const stand = standFor(m.index, m.name, m.file, m.iteration);
          stand.steps.push(m.step);
          w.onStep(stand, m.step);
        } else if (m.t === 'scenario') {
          finish(m.index, m.result);
          return { kind: 'end', index: m.index };
        } else if (m.t === 'log') w.log.child(m.component).log(m.level, m.msg);
        else if (m.t === 'fatal') return { kind: 'fatal', message: m.message };
        else if (m.t === 'done') return { kind: 'done' };
        return undefined;
      },
      lost: (index, why) => {
        const job = w.jobs[index]!;
        const r = stands.get(index) ?? startedResult(job.name, job.file, job.iteration);
        r.status = 'failed';
        r.failure = why;
        const at = begun.get(index);
        r.durationMs = at !== undefined ? now() - at : 0;
        finish(index, r);
      },
      timers: w.timers ?? heldTimers,
      now,
      signal: w.signal,
      noun: 'run',
      log: w.log,
      ...(w.maxDeathsInARow !== undefined ? { maxDeathsInARow: w.maxDeathsInARow } : {}),
    });
  } finally {
    await real?.close();
  }
  const result = mergeRuns(
    [...runs].map(([index, r]) => ({ index, result: r })),
    startedAt,
    now() - t0,
  );
  return { result, outcome };
}
