/**
 * `shtoom smoke URI --calls N [--rate R] [--workers W]`: N smoke calls at
 * once, spread over W worker threads (`smoke-worker.ts`; call i on worker
 * i mod W, each worker its own Phone on its own SIP port), started all at
 * once or R a second. Every call is an ordinary smoke call with the
 * thresholds applied to it alone; the results are joined here into
 * per-call quality percentiles and counts (`harness/smoke/load-summary.ts`).
 * A worker that dies has its calls in flight failed, each named with the
 * reason, and is started again for the calls of its share not yet placed
 * (`load-workers.ts`: backoff, and a bound on deaths in a row); the summary
 * counts the deaths and restarts.
 * Exit 0 when every call passed, 1 when one did not (its number and the
 * checks it failed are listed), 130 when interrupted.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { UsageError } from '../../errors.js';
import {
  type SmokeLoadCall,
  type SmokeLoadSummary,
  smokeLoadJunit,
  smokeLoadSummary,
  smokeLoadText,
} from '../../harness/smoke/load-summary.js';
import type { SmokeResult } from '../../harness/smoke/smoke-call.js';
import type { LogLevel } from '../../log/logger.js';
import { optionsToWire, type OptionsWire } from '../../options/index.js';
import type { CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { heldTimers } from '../load-workers.js';
import { runSmokeShares, smokeThreads } from './smoke-shares.js';

/** What a smoke worker is given (its `workerData`). */
export interface SmokeWorkerData {
  readonly options: OptionsWire;
  readonly uri: string;
  readonly logLevel: LogLevel;
  /** Its calls: each call's number and when to place it (epoch ms). */
  readonly calls: readonly { readonly index: number; readonly at: number }[];
  /** Its number (from 0) and its thread's (0 first, one more at each restart). */
  readonly worker: number;
  readonly generation: number;
}

export type FromSmokeWorker =
  | { readonly t: 'start'; readonly index: number }
  | { readonly t: 'result'; readonly index: number; readonly result: SmokeResult }
  | { readonly t: 'error'; readonly index: number; readonly message: string }
  | { readonly t: 'log'; readonly level: LogLevel; readonly component: string; readonly msg: string }
  | { readonly t: 'done' }
  | { readonly t: 'fatal'; readonly message: string };

/** Run the load; returns the exit code. */
export async function runSmokeLoad(ctx: CommandContext, uri: string): Promise<number> {
  const o = ctx.options;
  const n = o.get('smoke.calls');
  if (o.get('call.record') !== undefined)
    throw new UsageError('--record keeps one call: it cannot be used with --calls above 1');
  const asked = o.get('smoke.workers');
  const workers = Math.min(n, asked === 0 ? availableParallelism() : asked);
  if (workers > 1 && o.sourceOf('sip.port').kind !== 'default')
    throw new UsageError(`--sip-port: the ${workers} workers each bind a SIP port of their own; leave it out`);
  const rateText = o.get('smoke.rate');
  const interval = rateText !== undefined ? 1000 / Number(rateText) : 0;
  const thresholds = {
    maxLossPercent: Number(o.get('smoke.max-loss')),
    maxLatencyMs: o.get('smoke.max-latency'),
    minMos: Number(o.get('smoke.min-mos')),
  };
  const durationMs = o.get('smoke.duration');
  ctx.out.line(
    `${n} smoke calls to ${uri} over ${workers} worker thread${workers === 1 ? '' : 's'}` +
      `${interval ? `, ${rateText} a second` : ''}; the test signal for ${(durationMs / 1000).toFixed(0)} s each`,
  );
  const t0 = Date.now();
  const startAt = t0 + 100;
  const planned = Array.from({ length: n }, (_, i) => ({ index: i, at: startAt + i * interval }));
  const threads = smokeThreads();
  const log = ctx.log.child('smoke');
  const onAbort = () => log.info('interrupted: no further call starts; hanging up the calls in progress');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // Bounded: every call's own answer timeout and duration, and a margin for setup, the slowest start and restarts.
  const limitMs = n * interval + o.get('call.answer-timeout') + durationMs + 60_000;
  let shares: Awaited<ReturnType<typeof runSmokeShares>>;
  try {
    shares = await runSmokeShares({
      uri,
      workers,
      calls: planned,
      thresholds,
      data: { options: optionsToWire(o), uri, logLevel: ctx.log.level },
      start: threads.start,
      timers: heldTimers,
      now: () => Date.now(),
      limitMs,
      signal: ctx.signal,
      log,
    });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await threads.close();
  }
  const { results, outcome } = shares;
  const calls: SmokeLoadCall[] = [...results].map(([index, result]) => ({ index, result }));
  const summary = smokeLoadSummary(uri, calls, Date.now() - t0, { workers, ...outcome });
  const junit = o.get('smoke.junit');
  if (junit) {
    try {
      writeFileSync(junit, smokeLoadJunit(summary, calls, new Date()));
    } catch (e) {
      throw new UsageError(`--junit ${junit}: ${(e as Error).message}`);
    }
  }
  ctx.out.data({ ...summary, results: calls.sort((a, b) => a.index - b.index) }, (c) =>
    smokeLoadText(summary, (ok, s) => (ok ? c.green(s) : c.red(s))).trimEnd(),
  );
  return smokeLoadExit(summary, n, ctx.signal.aborted);
}

/**
 * The run's exit code: 130 when interrupted, else 0 only when every one of
 * the `planned` calls has a result and passed (a call its dead worker had
 * in flight has a failed result), else 1.
 */
export function smokeLoadExit(summary: SmokeLoadSummary, planned: number, interrupted: boolean): number {
  if (interrupted) return ExitCode.INTERRUPTED;
  return summary.failed === 0 && summary.calls === planned ? ExitCode.OK : ExitCode.FAILURE;
}
