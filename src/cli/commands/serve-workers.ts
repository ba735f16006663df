/**
 * `shtoom serve APP --workers N` (N > 1; docs/workers.md): SIP on this
 * thread, each call's media and app in one of N worker threads. The phone
 * screens every INVITE as usual and hands it to the `WorkerHub`; the hub
 * starts the workers (`serve-worker.ts`), carries their messages, ends the
 * calls of a worker that dies with BYE and starts another. The status file
 * (`--status`) shows the calls of each worker, rewritten every second.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorkerModule } from '../worker-thread.js';
import type { CallMediaSettings } from '../../app/call.js';
import type { MediaClockSettings } from '../../app/media-platform.js';
import type { Phone } from '../../app/phone.js';
import type { HandOffSetup } from '../../app/phone-handoff.js';
import type { IncomingCall } from '../../sip/api/call.js';
import { authenticatedUser } from '../../sip/access/access-control.js';
import type { AnnounceOptions, IvrDemoOptions } from '../../apps/index.js';
import { realClock } from '../../clock/clock.js';
import { realTimers } from '../../clock/timers.js';
import type { CodecId } from '../../codecs/codec.js';
import { WorkerHub, type WorkerHost, type WorkerState } from '../../doug/workers/hub.js';
import type { MainPlacer } from '../../doug/workers/main-placed.js';
import type { Port, ToWorker } from '../../doug/workers/protocol.js';
import { UsageError } from '../../errors.js';
import type { LogLevel, Logger } from '../../log/logger.js';
import type { CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { PhoneFromOptions } from '../settings.js';
import { mediaSettings } from '../settings.js';
import { aborted, drainOf, phoneFrom, registerIfAsked } from './call-common.js';
import { reportSipFailure } from './sip-failure.js';
import type { WorkerService } from './serve-worker-apps.js';

/** What a worker starts with (from the main thread, by structured clone). */
export interface WorkerSettings {
  readonly index: number;
  /** The app's name in logs. */
  readonly name: string;
  /** The app: a built-in name or a file. */
  readonly app: string;
  readonly appOptions: AnnounceOptions & { readonly ivrDemo?: IvrDemoOptions };
  readonly media: CallMediaSettings;
  readonly codecs: readonly CodecId[];
  readonly inbandDtmf: 'auto' | 'on' | 'off';
  readonly clock: MediaClockSettings;
  readonly maxCallMs: number;
  readonly logLevel: LogLevel;
  /** The From of the calls a worker places (following a REFER): the phone's address-of-record. */
  readonly aor: string;
  /** A service with a part on the main thread (conference, voicemail), instead of `app`. */
  readonly service?: WorkerService;
}

/** What `--status` shows of a server on media workers. */
export interface WorkersStatus {
  readonly updated: string;
  readonly serving: string;
  readonly workers: readonly WorkerState[];
  readonly calls: number;
  readonly deaths: number;
}

/** A status older than this means the server is gone (it rewrites it every second). */
const STALE_MS = 5000;
/** How long the workers may take to start, ms. */
const START_MS = 30_000;
/** How long the calls get to end after the hang-up, ms. */
const GRACE_MS = 5000;

/** The media workers `--workers` asks for (0: one per core). */
export function workersOf(o: CommandContext['options']): number {
  return o.get('serve.workers') || availableParallelism();
}

export function defaultWorkersStatusFile(port: number): string {
  return join(tmpdir(), `shtoom-serve-${port}.json`);
}

/** The worker's module: beside this one, `.ts` under tsx, `.js` when built. */
/** Worker threads for the hub. */
class ThreadHost implements WorkerHost {
  hub: WorkerHub | undefined;
  private readonly threads = new Map<number, { generation: number; worker: Worker }>();

  constructor(
    private readonly settings: (index: number) => WorkerSettings,
    private readonly log: Logger,
    private readonly onExit?: (threadId: number) => void,
  ) {}

  start(index: number, generation: number): Port<ToWorker> {
    const worker = startWorkerModule('serve-worker', import.meta.url, this.settings(index));
    this.threads.set(index, { generation, worker });
    const tid = worker.threadId;
    worker.on('message', (m: unknown) => this.hub?.fromWorker(index, generation, m));
    worker.on('error', (err) => this.log.error(`worker ${index}: ${err.stack ?? err.message}`));
    worker.on('exit', (code) => {
      this.onExit?.(tid);
      this.hub?.exited(index, generation, `exit code ${code}`);
    });
    return { post: (m) => worker.postMessage(m) };
  }

  stop(index: number, generation: number): void {
    const t = this.threads.get(index);
    if (t && t.generation === generation) void t.worker.terminate();
  }
}

function writeStatus(file: string, status: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(tmp, file);
}

export function formatWorkersStatus(s: WorkersStatus): string {
  const lines = [`${s.serving}: ${s.calls} call(s) on ${s.workers.length} media workers; ${s.deaths} worker death(s)`];
  for (const w of s.workers)
    lines.push(`  worker ${w.index}: ${w.state}, ${w.calls} call(s)${w.restarts ? `, restarted ${w.restarts}x` : ''}`);
  return lines.join('\n');
}

function isWorkersStatus(x: unknown): x is WorkersStatus {
  if (typeof x !== 'object' || x === null) return false;
  const r: { readonly [k: string]: unknown } = { ...x };
  return typeof r.updated === 'string' && typeof r.serving === 'string' && Array.isArray(r.workers);
}

/** `--status` for an app on media workers: print what the running server last wrote. */
export function showWorkersStatus(ctx: CommandContext, port: number): number {
  const file = ctx.options.get('conference.status-file') ?? (port > 0 ? defaultWorkersStatusFile(port) : undefined);
  if (!file) throw new UsageError('--status: which server? give --status-file, or the --listen ADDR:PORT it runs on');
  let status: unknown;
  try {
    status = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    ctx.log.error(
      code === 'ENOENT'
        ? `no server's status in ${file}: is "shtoom serve" running on port ${port} with --workers?`
        : `cannot read the status in ${file}: ${(err as Error).message}`,
    );
    return ExitCode.FAILURE;
  }
  if (!isWorkersStatus(status)) {
    ctx.log.error(`${file} holds no status of a server on media workers`);
    return ExitCode.FAILURE;
  }
  const age = Date.now() - Date.parse(status.updated);
  ctx.out.data({ ...status, file, stale: age > STALE_MS }, () => formatWorkersStatus(status));
  if (age > STALE_MS) {
    ctx.log.error(`the status in ${file} is ${Math.round(age / 1000)} s old: the server has stopped`);
    return ExitCode.FAILURE;
  }
  return ExitCode.OK;
}

export interface WorkersRun {
  readonly name: string;
  readonly workers: number;
  readonly appOptions: WorkerSettings['appOptions'];
  readonly phoneExtras: PhoneFromOptions;
  /** Print the "serving …" line. */
  readonly announce: (phone: Phone) => void;
  /** The SIP port (for the default status file). */
  readonly port: number;
  /** A service with a part on this thread (conference, voicemail): it runs in the workers instead of `name`. */
  readonly service?: WorkerService;
  /** The key that puts calls on one worker (a conference room). */
  readonly key?: (inc: IncomingCall) => string | undefined;
  /** The `app` messages of the workers (the service's part on this thread). */
  readonly onApp?: (worker: number, topic: string, json: string) => void;
  /** A worker thread ended (by its thread id). */
  readonly onThreadExit?: (threadId: number) => void;
  /** Where the status goes and what it holds (default: the workers' status in the default file). */
  readonly status?: { readonly file: (phone: Phone) => string; readonly of: (base: WorkersStatus) => unknown };
  /** Once the phone is up, before the workers start. */
  readonly withPhone?: (phone: Phone) => void;
  /** Once the calls are over: the service's part on this thread stops. */
  readonly close?: () => Promise<void>;
}

/** Serve `run.name` with its calls on `run.workers` worker threads, until the signal; then end every call. */
export async function serveOnWorkers(ctx: CommandContext, run: WorkersRun): Promise<number> {
  const o = ctx.options;
  const log = ctx.log.child('serve');
  const clock = mediaSettings(o);
  let phone: Phone | undefined;
  const settings = (index: number): WorkerSettings => {
    if (!phone) throw new Error('the phone starts before the workers');
    const s = phone.callSettings;
    return {
      index,
      name: run.name,
      app: run.name,
      appOptions: run.appOptions,
      media: s.media,
      codecs: s.codecs.map((c) => c.id),
      inbandDtmf: s.inbandDtmf,
      clock: { strategy: clock.clock, priority: clock.clockPriority, realtime: clock.clockRealtime },
      maxCallMs: o.get('serve.max-call-duration'),
      logLevel: ctx.log.level,
      aor: phone.ua.aor,
      ...(run.service ? { service: run.service } : {}),
    };
  };
  const host = new ThreadHost(settings, log, run.onThreadExit);
  // The calls the workers place (their apps follow a REFER) go out on the phone's user agent.
  const ua = () => {
    if (!phone) throw new Error('the phone starts before the workers');
    return phone.ua;
  };
  const placer: MainPlacer = {
    prepare: (uri) => ua().prepare(uri),
    nextHop: (uri) => ua().nextHop(uri),
    invite: (uri, opts) => ua().invite(uri, opts),
    sdpAddress: (towards) => ua().advertised(undefined, towards).address,
  };
  const hub = new WorkerHub({
    workers: run.workers,
    host,
    clock: realClock,
    timers: realTimers,
    log: ctx.log,
    placer,
    // A call a worker places counts against --capacity, as one placed on one thread does.
    onPlaced: (call) => phone?.adopt(call),
    ...(run.onApp ? { onApp: run.onApp } : {}),
  });
  host.hub = hub;
  const handOff = (inc: IncomingCall, setup: HandOffSetup) => {
    const key = run.key?.(inc);
    const authUser = authenticatedUser(inc.request);
    return hub.take(inc, {
      ...setup,
      ...(key !== undefined ? { key } : {}),
      ...(authUser !== undefined ? { authUser } : {}),
    });
  };
  phone = await phoneFrom(o, ctx.log, { ...run.phoneExtras, handOff });
  run.withPhone?.(phone);
  const onCrash = (err: unknown) =>
    log.error(`unexpected error (the server goes on): ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const p = phone;
  ctx.urgent.addEventListener('abort', () => p.hurry(), { once: true });
  const statusFile =
    run.status?.file(p) ??
    o.get('conference.status-file') ??
    (run.port > 0 ? defaultWorkersStatusFile(run.port) : undefined);
  const status = () => {
    if (!statusFile) return;
    const s: WorkersStatus = {
      updated: new Date().toISOString(),
      serving: run.name,
      workers: hub.workers(),
      calls: hub.active,
      deaths: hub.stats.deaths,
    };
    try {
      writeStatus(statusFile, run.status ? run.status.of(s) : s);
    } catch (err) {
      log.warn(`status file ${statusFile}: ${(err as Error).message}`);
    }
  };
  const timer = setInterval(status, 1000);
  timer.unref();
  try {
    hub.start();
    if (!(await Promise.race([hub.ready(START_MS), aborted(ctx.signal).then(() => false)]))) {
      if (ctx.signal.aborted) return ExitCode.OK;
      log.error(`the media workers did not start in ${START_MS / 1000} s`);
      return ExitCode.FAILURE;
    }
    status();
    try {
      await registerIfAsked(o, p, log);
    } catch (e) {
      return reportSipFailure(ctx, e);
    }
    run.announce(p);
    await aborted(ctx.signal);
    await stop(p, hub, ctx, log);
    return ExitCode.OK;
  } finally {
    clearInterval(timer);
    hub.hangupAll();
    await Promise.race([p.close(), aborted(ctx.urgent)]);
    hub.close();
    await run.close?.();
    if (statusFile) rmSync(statusFile, { force: true });
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}

/** Wait until no call is left on the workers, at most `maxMs` (or the second signal). */
async function settle(hub: WorkerHub, maxMs: number, urgent: AbortSignal): Promise<number> {
  const until = Date.now() + maxMs;
  while (hub.active > 0 && Date.now() < until && !urgent.aborted)
    await new Promise<void>((r) => setTimeout(r, 50).unref());
  return hub.active;
}

/** The first signal: drain when asked (new calls get 503, the calls up go on), then hang up what is left. */
async function stop(phone: Phone, hub: WorkerHub, ctx: CommandContext, log: Logger): Promise<void> {
  void phone.unregister().catch((err: Error) => log.warn(`unregister: ${err.message}`));
  const drain = drainOf(ctx.options);
  if (drain.maxMs > 0 && hub.active > 0) {
    phone.drain(drain.retryAfterS);
    log.info(
      `draining: ${hub.active} call(s) may go on for ${drain.maxMs / 1000} s; ` +
        'new calls and OPTIONS get 503 (a second signal ends them now)',
    );
    const left = await settle(hub, drain.maxMs, ctx.urgent);
    log.info(left === 0 ? 'drained: every call ended by itself' : `drain time over: ${left} call(s) still up`);
  }
  log.info(`stopping: ending ${hub.active} call(s)`);
  hub.hangupAll();
  await settle(hub, GRACE_MS, ctx.urgent);
  const s = hub.stats;
  log.info(
    `served ${s.calls} call(s) on ${hub.workers().length} media workers; ${phone.overloaded} refused at capacity; ` +
      `${s.appErrors} app error(s); ${s.deaths} worker death(s)`,
  );
}
