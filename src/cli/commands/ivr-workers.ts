/**
 * `shtoom ivr --workers W`: the scenario runs spread over W worker threads
 * (`ivr-worker.ts`, each its own call port): run i goes to worker i mod W,
 * `--concurrency` is shared among them (worker k runs ⌊C/W⌋ at once, one
 * more for the first C mod W), `--rate` spaces the starts by their place
 * in the whole run as one thread would. Steps and finished runs come back
 * numbered by that place; the result is merged (`mergeRuns`) into what one
 * thread running them all reports, so the reports and the load summary
 * are the same.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerModule } from '../worker-thread.js';
import type { RunResult, ScenarioResult, StepResult } from '../../harness/engine/results.js';
import { startedResult } from '../../harness/engine/runner.js';
import { mergeRuns } from '../../harness/load/run-suite.js';
import type { Logger, LogLevel } from '../../log/logger.js';
import type { OptionsWire } from '../../options/index.js';

/** What an ivr worker is given (its `workerData`). */
export interface IvrWorkerData {
  readonly options: OptionsWire;
  readonly paths: readonly string[];
  readonly shard?: string;
  readonly vars: Record<string, string>;
  readonly slice: { readonly index: number; readonly count: number };
  readonly concurrency: number;
  readonly repeat: number;
  readonly ratePerSecond?: number;
  /** `failed`: a passed run's audio is dropped before it crosses. */
  readonly keep: string;
  readonly logLevel: LogLevel;
}

export type FromIvrWorker =
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

export interface WorkersRun {
  readonly workers: number;
  readonly data: Omit<IvrWorkerData, 'slice' | 'concurrency'>;
  readonly concurrency: number;
  readonly log: Logger;
  /** A step of a run in progress: `run` stands for the run until it finishes (the same object each time). */
  readonly onStep: (run: ScenarioResult, step: StepResult) => void;
  /** A finished run; `stand` is the object `onStep` was given for it, if any. */
  readonly onScenario: (result: ScenarioResult, stand: ScenarioResult | undefined) => void;
  readonly signal: AbortSignal;
}

function startWorker(data: IvrWorkerData): Worker {
  return startWorkerModule('ivr-worker', import.meta.url, data);
}

/** Worker k's share of `concurrency` over `workers`. */
export function concurrencyShare(concurrency: number, workers: number, k: number): number {
  return Math.floor(concurrency / workers) + (k < concurrency % workers ? 1 : 0);
}

/**
 * Run the scenarios over the workers; rejects when a worker fails (its
 * message), after stopping the others.
 */
export async function runOnWorkers(w: WorkersRun): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const runs: { index: number; result: ScenarioResult }[] = [];
  const stands = new Map<number, ScenarioResult>();
  const threads = Array.from({ length: w.workers }, (_, k) =>
    startWorker({
      ...w.data,
      slice: { index: k, count: w.workers },
      concurrency: concurrencyShare(w.concurrency, w.workers, k),
    }),
  );
  const stopAll = () => {
    for (const t of threads) t.postMessage({ t: 'stop' });
  };
  w.signal.addEventListener('abort', stopAll, { once: true });
  try {
    await Promise.all(
      threads.map(
        (t, k) =>
          new Promise<void>((resolve, reject) => {
            let settled = false;
            const fail = (why: string) => {
              if (settled) return;
              settled = true;
              stopAll();
              reject(new Error(`ivr worker ${k + 1} of ${w.workers}: ${why}`));
            };
            t.on('message', (m: FromIvrWorker) => {
              if (m.t === 'step') {
                let stand = stands.get(m.index);
                if (!stand) {
                  stand = startedResult(m.name, m.file, m.iteration);
                  stands.set(m.index, stand);
                }
                stand.steps.push(m.step);
                w.onStep(stand, m.step);
              } else if (m.t === 'scenario') {
                const stand = stands.get(m.index);
                stands.delete(m.index);
                runs.push({ index: m.index, result: m.result });
                w.onScenario(m.result, stand);
              } else if (m.t === 'log') w.log.child(m.component).log(m.level, m.msg);
              else if (m.t === 'fatal') fail(m.message);
              else if (m.t === 'done' && !settled) {
                settled = true;
                resolve();
              }
            });
            t.on('error', (e) => fail(e.message));
            t.on('exit', (code) => fail(`exited (${code}) before it finished`));
          }),
      ),
    );
  } finally {
    w.signal.removeEventListener('abort', stopAll);
    await Promise.all(threads.map((t) => t.terminate()));
  }
  return mergeRuns(runs, startedAt, performance.now() - t0);
}
