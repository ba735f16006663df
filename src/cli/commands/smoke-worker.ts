/**
 * A worker thread of `shtoom smoke URI --calls N --workers W`
 * (`smoke-load.ts`): its own `Phone` (its own SIP port, RTP sockets and
 * media clock) built from the main thread's options, the calls it was
 * given, each an ordinary smoke call started at its time; each start and
 * each result go to the main thread as they come (the main thread fails the
 * calls in flight, and places the rest on a new thread, if this one dies). `stop` (Ctrl-C in the main thread) hangs
 * up the calls in progress and starts no more.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Call } from '../../app/call.js';
import { smokeCall, type SmokeResult } from '../../harness/smoke/smoke-call.js';
import { Logger } from '../../log/logger.js';
import { optionsFromWire, schema, type ShtoomOptions } from '../../options/index.js';
import { phoneFrom } from '../settings.js';
import type { FromSmokeWorker, SmokeWorkerData } from './smoke-load.js';
import { testExitHook } from '../worker-test-exit.js';
import { SMOKE_RTCP_INTERVAL_MS } from './smoke.js';

async function runWorker(port: MessagePort, d: SmokeWorkerData): Promise<void> {
  const post = (m: FromSmokeWorker) => port.postMessage(m);
  const log = new Logger(
    { write: (r) => post({ t: 'log', level: r.level, component: r.component ?? '', msg: r.msg }) },
    d.logLevel,
  );
  const o = optionsFromWire(schema, d.options) as unknown as ShtoomOptions;
  const live = new Set<Call>();
  const testExit = testExitHook(d.worker, d.generation);
  let stopping = false;
  const wakers = new Set<() => void>();
  port.on('message', (m: { t?: unknown }) => {
    if (m?.t !== 'stop') return;
    stopping = true;
    for (const w of wakers) w();
    for (const c of live) void c.hangup().catch(() => undefined);
  });
  const phone = await phoneFrom(o, log, {
    ephemeralPort: true,
    lingerMs: 300,
    rtcpIntervalMs: SMOKE_RTCP_INTERVAL_MS,
  });
  const thresholds = {
    maxLossPercent: Number(o.get('smoke.max-loss')),
    maxLatencyMs: o.get('smoke.max-latency'),
    minMos: Number(o.get('smoke.min-mos')),
  };
  try {
    await Promise.all(
      d.calls.map(async ({ index, at }) => {
        const wait = at - Date.now();
        if (wait > 0 && !stopping)
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              wakers.delete(done);
              resolve();
            };
            const timer = setTimeout(done, wait);
            wakers.add(done);
          });
        if (stopping) return;
        post({ t: 'start', index });
        testExit.started();
        let result: SmokeResult;
        try {
          result = await smokeCall({
            phone,
            uri: d.uri,
            durationMs: o.get('smoke.duration'),
            answerTimeoutMs: o.get('call.answer-timeout'),
            thresholds,
            onCall: (call) => {
              live.add(call);
              void call.ended.then(() => live.delete(call));
            },
          });
        } catch (e) {
          post({ t: 'error', index, message: (e as Error).message });
          return;
        }
        const { stats: _stats, ...plain } = result;
        post({ t: 'result', index, result: plain });
      }),
    );
  } finally {
    await phone.close();
  }
  post({ t: 'done' });
}

if (!isMainThread && parentPort) {
  // The data comes from the main thread of the same build (structured clone).
  const port = parentPort;
  runWorker(port, workerData as SmokeWorkerData).catch((e: unknown) =>
    port.postMessage({ t: 'fatal', message: (e as Error)?.message ?? String(e) } satisfies FromSmokeWorker),
  );
}
