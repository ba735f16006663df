/**
 * A media worker of `shtoom serve --workers N` (docs/workers.md): the
 * thread's entry. It loads the app, opens its own media clock, and runs
 * each call the main thread hands it (`WorkerCalls`); its log lines go to
 * the main thread. A stray exception is logged and the worker goes on (as
 * the single-threaded server does); `process.exit()` in an app ends this
 * worker only: the main thread ends its calls with BYE and starts another.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { realMediaPlatform } from '../../app/media-platform.js';
import { loadApp } from '../../apps/index.js';
import { registry } from '../../codecs/registry.js';
import { systemTts } from '../../doug/tts.js';
import type { VoiceApp } from '../../doug/server.js';
import type { ToMain } from '../../doug/workers/protocol.js';
import { WorkerCalls } from '../../doug/workers/worker-calls.js';
import { Logger } from '../../log/logger.js';
import { workerServiceApp } from './serve-worker-apps.js';
import type { WorkerSettings } from './serve-workers.js';

async function runWorker(port: MessagePort, s: WorkerSettings): Promise<void> {
  const post = (m: ToMain) => port.postMessage(m);
  const root = new Logger(
    { write: (r) => post({ kind: 'log', level: r.level, component: r.component ?? '', msg: r.msg }) },
    s.logLevel,
  );
  const onCrash = (err: unknown) =>
    root.error(`unexpected error in media worker ${s.index} (it goes on): ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const tts = systemTts();
  const platform = realMediaPlatform(s.clock);
  let app: VoiceApp;
  if (s.service) {
    // The main thread checked that a speech engine is there before it started the workers.
    if (!tts) throw new Error(`${s.name} speaks its prompts: no text-to-speech engine in the worker`);
    app = workerServiceApp(s.service, { platform, tts, post, log: root }).app;
  } else app = await loadApp(s.app, s.appOptions);
  const calls = new WorkerCalls({
    port: { post },
    ctx: {
      platform,
      media: s.media,
      codecs: registry.select(s.codecs),
      inbandDtmf: s.inbandDtmf,
      log: root.child('call'),
    },
    app,
    maxCallMs: s.maxCallMs,
    aor: s.aor,
    ...(tts ? { tts } : {}),
    log: root.child(s.name),
  });
  port.on('message', (m: unknown) => calls.handle(m));
  calls.ready();
}

if (!isMainThread && parentPort) {
  // The settings come from the main thread of the same build (structured clone); what follows is checked.
  const settings: WorkerSettings = workerData;
  void runWorker(parentPort, settings);
}
