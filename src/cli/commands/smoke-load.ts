/**
 * `shtoom smoke URI --calls N [--rate R] [--workers W]`: N smoke calls at
 * once, spread over W worker threads (`smoke-worker.ts`; call i on worker
 * i mod W, each worker its own Phone on its own SIP port), started all at
 * once or R a second. Every call is an ordinary smoke call with the
 * thresholds applied to it alone; the results are joined here into
 * per-call quality percentiles and counts (`harness/smoke/load-summary.ts`).
 * Exit 0 when every call passed, 1 when one did not (its number and the
 * checks it failed are listed), 130 when interrupted.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerModule } from '../worker-thread.js';
import { UsageError } from '../../errors.js';
import {
  type SmokeLoadCall,
  smokeLoadJunit,
  smokeLoadSummary,
  smokeLoadText,
} from '../../harness/smoke/load-summary.js';
import type { SmokeResult } from '../../harness/smoke/smoke-call.js';
import type { LogLevel } from '../../log/logger.js';
import { optionsToWire, type OptionsWire } from '../../options/index.js';
import type { CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';

/** What a smoke worker is given (its `workerData`). */
export interface SmokeWorkerData {
  readonly options: OptionsWire;
  readonly uri: string;
  readonly logLevel: LogLevel;
  /** Its calls: each call's number and when to place it (epoch ms). */
  readonly calls: readonly { readonly index: number; readonly at: number }[];
}

export type FromSmokeWorker =
  | { readonly t: 'result'; readonly index: number; readonly result: SmokeResult }
  | { readonly t: 'error'; readonly index: number; readonly message: string }
  | { readonly t: 'log'; readonly level: LogLevel; readonly component: string; readonly msg: string }
  | { readonly t: 'done' }
  | { readonly t: 'fatal'; readonly message: string };

function startWorker(data: SmokeWorkerData): Worker {
  return startWorkerModule('smoke-worker', import.meta.url, data);
}

/** A call that ended without a smoke result (its worker failed): a failed result that says why. */
function lostCall(uri: string, thresholds: SmokeResult['thresholds'], message: string): SmokeResult {
  return {
    ok: false,
    target: uri,
    call: { answered: false },
    latency: { probesSent: 0, probesFound: 0, perProbeMs: [] },
    loss: { receivedPercent: 0, roundTripPercent: 0, packetsSent: 0, packetsReceived: 0 },
    jitter: { meanMs: 0, maxMs: 0 },
    thresholds,
    checks: [{ name: 'call', ok: false, message }],
  };
}

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
  const shares: { index: number; at: number }[][] = Array.from({ length: workers }, () => []);
  for (let i = 0; i < n; i++) shares[i % workers]!.push({ index: i, at: startAt + i * interval });
  const results = new Map<number, SmokeResult>();
  const wire = optionsToWire(o);
  const log = ctx.log.child('smoke');
  const threads = shares.map((calls) => startWorker({ options: wire, uri, logLevel: ctx.log.level, calls }));
  const onAbort = () => {
    log.info('interrupted: no further call starts; hanging up the calls in progress');
    for (const w of threads) w.postMessage({ t: 'stop' });
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // Bounded: every call's own answer timeout and duration, and a margin for setup and the slowest start.
  const limitMs = n * interval + o.get('call.answer-timeout') + durationMs + 60_000;
  try {
    await Promise.all(
      threads.map(
        (w, k) =>
          new Promise<void>((resolve) => {
            const give = (index: number, r: SmokeResult) => {
              if (results.has(index)) return;
              results.set(index, r);
            };
            const finish = (why?: string) => {
              clearTimeout(timer);
              // Calls of this worker with no result: failed, and why.
              if (why && !ctx.signal.aborted)
                for (const c of shares[k]!) if (!results.has(c.index)) give(c.index, lostCall(uri, thresholds, why));
              resolve();
            };
            const timer = setTimeout(() => {
              void w.terminate();
              finish(`no result within ${Math.round(limitMs / 1000)} s`);
            }, limitMs);
            w.on('message', (m: FromSmokeWorker) => {
              if (m.t === 'result') give(m.index, m.result);
              else if (m.t === 'error') give(m.index, lostCall(uri, thresholds, `the smoke call failed: ${m.message}`));
              else if (m.t === 'log') log.child(m.component).log(m.level, m.msg);
              else if (m.t === 'fatal') finish(`its worker failed: ${m.message}`);
              else if (m.t === 'done') finish();
            });
            w.on('error', (e) => finish(`its worker failed: ${e.message}`));
            w.on('exit', (code) => finish(`its worker exited (${code})`));
          }),
      ),
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await Promise.all(threads.map((w) => w.terminate()));
  }
  const calls: SmokeLoadCall[] = [...results].map(([index, result]) => ({ index, result }));
  const summary = smokeLoadSummary(uri, calls, Date.now() - t0);
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
  if (ctx.signal.aborted) return ExitCode.INTERRUPTED;
  return summary.failed === 0 && summary.calls === n ? ExitCode.OK : ExitCode.FAILURE;
}
