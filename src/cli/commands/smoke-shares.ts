/**
 * The calls of `shtoom smoke --calls N --workers W` over the worker threads
 * (`smoke-worker.ts`): call i on worker i mod W; a worker that dies has its
 * calls in flight failed, each with the reason, and is started again for
 * the calls of its share not yet placed (`load-workers.ts`). The thread
 * start is injected, so tests run fakes in virtual time.
 */
import type { TimerHost } from '../../clock/timers.js';
import { LOST_CHECK } from '../../harness/smoke/load-summary.js';
import type { SmokeResult } from '../../harness/smoke/smoke-call.js';
import type { Logger } from '../../log/logger.js';
import { runLoadWorkers, type LoadThread, type LoadThreadEvents, type LoadWorkersOutcome } from '../load-workers.js';
import { moduleThreads } from '../worker-thread.js';
import type { FromSmokeWorker, SmokeWorkerData } from './smoke-load.js';

/**
 * A call without a smoke result: the smoke call threw (`call`), or its
 * worker died or never answered (`worker`: counted as lost in the summary,
 * since whether it was answered is not known): a failed result that says why.
 */
export function lostCall(
  uri: string,
  thresholds: SmokeResult['thresholds'],
  message: string,
  check: 'call' | typeof LOST_CHECK = LOST_CHECK,
): SmokeResult {
  return {
    ok: false,
    target: uri,
    call: { answered: false },
    latency: { probesSent: 0, probesFound: 0, perProbeMs: [] },
    loss: { receivedPercent: 0, roundTripPercent: 0, packetsSent: 0, packetsReceived: 0 },
    jitter: { meanMs: 0, maxMs: 0 },
    thresholds,
    checks: [{ name: check, ok: false, message }],
  };
}

/** How `runSmokeShares` starts a worker thread (injected: tests start fakes). */
export type StartSmokeThread = (data: SmokeWorkerData, events: LoadThreadEvents) => LoadThread;

/** Real worker threads running `smoke-worker.ts`; every thread started is terminated by `close`. */
export function smokeThreads(): { start: StartSmokeThread; close(): Promise<void> } {
  return moduleThreads<SmokeWorkerData>('smoke-worker', import.meta.url);
}

export interface SmokeShares {
  readonly uri: string;
  readonly workers: number;
  /** Each call's number and when to place it (epoch ms), in order. */
  readonly calls: readonly { readonly index: number; readonly at: number }[];
  readonly thresholds: SmokeResult['thresholds'];
  /** What every worker is given besides its calls. */
  readonly data: Omit<SmokeWorkerData, 'calls' | 'worker' | 'generation'>;
  readonly start: StartSmokeThread;
  readonly timers: TimerHost;
  readonly now: () => number;
  readonly limitMs: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly maxDeathsInARow?: number;
}

/**
 * The calls over the workers (call i on worker i mod W), a dead worker's
 * calls in flight failed and named with the reason, the worker restarted
 * for the rest of its share (`load-workers.ts`). Returns every call's result
 * (but those an interruption left unplaced) and the workers' deaths.
 */
export async function runSmokeShares(
  s: SmokeShares,
): Promise<{ results: Map<number, SmokeResult>; outcome: LoadWorkersOutcome }> {
  const byIndex = new Map(s.calls.map((c) => [c.index, c] as const));
  const shares: number[][] = Array.from({ length: s.workers }, () => []);
  for (const c of s.calls) shares[c.index % s.workers]!.push(c.index);
  const results = new Map<number, SmokeResult>();
  const give = (index: number, r: SmokeResult) => {
    if (!results.has(index)) results.set(index, r);
  };
  const outcome = await runLoadWorkers({
    shares,
    start: (worker, generation, jobs, _since, events) =>
      s.start({ ...s.data, worker, generation, calls: jobs.map((i) => byIndex.get(i)!) }, events),
    read: (_worker, raw) => {
      const m = raw as FromSmokeWorker;
      if (m.t === 'start') return { kind: 'start', index: m.index };
      if (m.t === 'result') {
        give(m.index, m.result);
        return { kind: 'end', index: m.index };
      }
      if (m.t === 'error') {
        give(m.index, lostCall(s.uri, s.thresholds, `the smoke call failed: ${m.message}`, 'call'));
        return { kind: 'end', index: m.index };
      }
      if (m.t === 'log') s.log.child(m.component).log(m.level, m.msg);
      else if (m.t === 'fatal') return { kind: 'fatal', message: m.message };
      else if (m.t === 'done') return { kind: 'done' };
      return undefined;
    },
    lost: (index, why) => give(index, lostCall(s.uri, s.thresholds, why)),
    timers: s.timers,
    now: s.now,
    limitMs: s.limitMs,
    signal: s.signal,
    noun: 'call',
    log: s.log,
    ...(s.maxDeathsInARow !== undefined ? { maxDeathsInARow: s.maxDeathsInARow } : {}),
  });
  return { results, outcome };
}
