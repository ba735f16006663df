/**
 * A worker thread of `shtoom ivr --workers W` (`ivr-workers.ts`): its own
 * call port (its own SIP port, RTP sockets and media clock) built from the
 * main thread's options, the scenario files loaded again, and its share of
 * the runs (run i when i mod W is its number; after a restart, those not
 * yet started) at its share of `--concurrency`; each start, step and
 * finished run goes to the main thread as it comes, numbered by its place
 * in the whole run. `stop` (Ctrl-C in the
 * main thread) starts no further run and hangs up the calls in progress.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { runSuite } from '../../harness/load/run-suite.js';
import { parseShard, shardOf } from '../../harness/scenario/shard.js';
import { loadScenarios } from '../../harness/scenario/yaml.js';
import { Logger } from '../../log/logger.js';
import { optionsFromWire, schema, type ShtoomOptions } from '../../options/index.js';
import { testExitHook } from '../worker-test-exit.js';
import { ivrPort } from './ivr-port.js';
import type { FromIvrWorker, IvrWorkerData } from './ivr-workers.js';

async function runWorker(port: MessagePort, d: IvrWorkerData): Promise<void> {
  const post = (m: FromIvrWorker) => port.postMessage(m);
  const log = new Logger(
    { write: (r) => post({ t: 'log', level: r.level, component: r.component ?? '', msg: r.msg }) },
    d.logLevel,
  );
  const o = optionsFromWire(schema, d.options) as unknown as ShtoomOptions;
  const stop = new AbortController();
  const testExit = testExitHook(d.worker, d.generation);
  const calls = await ivrPort({ options: o, log });
  port.on('message', (m: { t?: unknown }) => {
    if (m?.t !== 'stop') return;
    stop.abort();
    void calls.close().catch(() => undefined);
  });
  const all = loadScenarios(d.paths);
  const scenarios = d.shard !== undefined ? shardOf(all, parseShard(d.shard)) : all;
  try {
    await runSuite(
      scenarios,
      { ...calls.env(), vars: d.vars },
      {
        concurrency: d.concurrency,
        repeat: d.repeat,
        ...(d.ratePerSecond !== undefined ? { ratePerSecond: d.ratePerSecond } : {}),
        runs: d.runs,
        sinceStartMs: d.sinceStartMs,
        signal: stop.signal,
        onStart: (index) => {
          post({ t: 'start', index });
          testExit.started();
        },
        onStep: (r, step, index) =>
          post({ t: 'step', index, name: r.name, iteration: r.iteration, ...(r.file ? { file: r.file } : {}), step }),
        onScenario: (result, index) => {
          // Audio of a passed run is dropped here when only failed runs keep theirs (it would cross for nothing).
          if (result.status === 'passed' && d.keep === 'failed') {
            delete result.audio;
            result.clips.length = 0;
          }
          post({ t: 'scenario', index, result });
        },
      },
    );
  } finally {
    await calls.close();
  }
  post({ t: 'done' });
}

if (!isMainThread && parentPort) {
  // The data comes from the main thread of the same build (structured clone).
  const port = parentPort;
  runWorker(port, workerData as IvrWorkerData).catch((e: unknown) =>
    port.postMessage({ t: 'fatal', message: (e as Error)?.message ?? String(e) } satisfies FromIvrWorker),
  );
}
