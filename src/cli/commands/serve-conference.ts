/**
 * `shtoom serve conference`: the conference server — rooms by the user
 * part of the dialled URI, PINs and moderators from `--conference-rooms`,
 * music on hold, recordings (`--record-dir`), a log line per join and
 * leave, 503 with Retry-After beyond `--capacity` — and
 * `shtoom serve conference --status`, which prints what a running server
 * wrote to its status file (rewritten every second).
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConferenceService, type RoomConfig } from '../../apps/conference/service.js';
import { formatStatus, type ConferenceStatus } from '../../apps/conference/status.js';
import { FRAME_SAMPLES } from '../../audio/device.js';
import { openSource } from '../../audio/open.js';
import { DougServer } from '../../doug/server.js';
import { systemTts } from '../../doug/tts.js';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../command.js';
import { readRoomsFile, type RoomFileEntry } from '../conference-rooms.js';
import { ExitCode } from '../exit-codes.js';
import { accessControlFrom } from '../settings.js';
import { aborted, phoneFrom, registerIfAsked, stopServing, drainOf } from './call-common.js';
import { reportSipFailure } from './sip-failure.js';
import { conferenceOnWorkers } from './serve-conference-workers.js';
import { workersOf } from './serve-workers.js';

/** The longest music on hold kept in memory: 5 minutes. */
const MAX_MUSIC_SAMPLES = 5 * 60 * 8000;
/** A status older than this means the server is gone (it rewrites it every second). */
const STALE_MS = 5000;

/** The status file a server on `port` uses unless told otherwise. */
export function defaultStatusFile(port: number): string {
  return join(tmpdir(), `shtoom-conference-${port}.json`);
}

/** The SIP port the options name (`--listen …:PORT`, its first entry, else `--sip-port`). */
function portOf(ctx: CommandContext): number {
  const listen = ctx.options.get('serve.listen')?.split(',')[0];
  const m = listen ? /:(\d+)$/.exec(listen.trim()) : null;
  return m ? Number(m[1]) : ctx.options.get('sip.port');
}

/** A whole WAV (any format `openSource` reads) as 8 kHz PCM, for looping. */
async function loadMusic(file: string, what: string): Promise<Int16Array> {
  if (!existsSync(file)) throw new UsageError(`${what} ${file}: no such file`);
  const src = await openSource(`file:${file}`);
  try {
    const frames: Int16Array[] = [];
    const f = new Int16Array(FRAME_SAMPLES);
    while (frames.length * FRAME_SAMPLES < MAX_MUSIC_SAMPLES && src.read(f)) frames.push(f.slice());
    const out = new Int16Array(frames.length * FRAME_SAMPLES);
    for (const [i, x] of frames.entries()) out.set(x, i * FRAME_SAMPLES);
    return out;
  } finally {
    await src.close();
  }
}

async function roomConfig(e: RoomFileEntry): Promise<RoomConfig> {
  return {
    ...(e.pin !== undefined ? { pin: e.pin } : {}),
    ...(e.moderatorPin !== undefined ? { moderatorPin: e.moderatorPin } : {}),
    ...(e.music !== undefined ? { music: await loadMusic(e.music, 'music') } : {}),
  };
}

/** `--status`: print what the running server last wrote. */
function showStatus(ctx: CommandContext): number {
  const port = portOf(ctx);
  const file = ctx.options.get('conference.status-file') ?? (port > 0 ? defaultStatusFile(port) : undefined);
  if (!file) throw new UsageError('--status: which server? give --status-file, or the --listen ADDR:PORT it runs on');
  let status: ConferenceStatus;
  try {
    status = JSON.parse(readFileSync(file, 'utf8')) as ConferenceStatus;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    ctx.log.error(
      code === 'ENOENT'
        ? `no conference server's status in ${file}: is "shtoom serve conference" running on port ${port}?`
        : `cannot read the status in ${file}: ${(err as Error).message}`,
    );
    return ExitCode.FAILURE;
  }
  const age = Date.now() - Date.parse(status.updated);
  ctx.out.data({ ...status, file, stale: age > STALE_MS }, () => formatStatus(status, Date.now()));
  if (age > STALE_MS) {
    ctx.log.error(`the status in ${file} is ${Math.round(age / 1000)} s old: the server has stopped`);
    return ExitCode.FAILURE;
  }
  return ExitCode.OK;
}

/** Write `status` to `file` whole: a reader never sees half of it. */
function writeStatus(file: string, status: ConferenceStatus): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(tmp, file);
}

/**
 * The same, off the event loop: the room's media clock runs on it, and a
 * write and rename can take tens of milliseconds on a busy disk.
 */
async function writeStatusAsync(file: string, status: ConferenceStatus): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(status, null, 2)}\n`);
  await rename(tmp, file);
}

/** `shtoom serve conference [--status]`. */
export async function runConference(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  if (o.get('conference.status')) return showStatus(ctx);
  const log = ctx.log.child('serve');
  const tts = systemTts();
  if (!tts) throw new UsageError('the conference speaks its prompts: install flite or espeak-ng');
  const roomsFile = o.get('conference.rooms');
  let rooms: Map<string, RoomConfig> | undefined;
  let defaultRoom: RoomConfig | undefined;
  if (roomsFile !== undefined) {
    const r = readRoomsFile(roomsFile);
    for (const w of r.warnings) log.warn(w);
    rooms = new Map();
    for (const [name, e] of r.rooms) rooms.set(name, await roomConfig(e));
    if (r.defaultRoom) defaultRoom = await roomConfig(r.defaultRoom);
  }
  const musicFile = o.get('conference.music');
  const music = musicFile !== undefined ? await loadMusic(musicFile, '--conference-music') : undefined;
  const recordDir = o.get('conference.record-dir');
  if (recordDir !== undefined) {
    try {
      mkdirSync(recordDir, { recursive: true });
      accessSync(recordDir, constants.W_OK);
    } catch (err) {
      throw new UsageError(`--record-dir ${recordDir}: cannot write there: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  const capacity = o.get('serve.capacity');
  // Who may call (docs/security.md): --auth, --allow, --deny, per-source limits.
  const access = accessControlFrom(o, ctx.log);
  const phoneExtras = {
    ...(access ? { access } : {}),
    ...(o.get('serve.listen') ? { listen: o.get('serve.listen')! } : {}),
    capacity,
    retryAfterSec: Math.round(o.get('serve.retry-after') / 1000),
    // Keys come as RFC 4733 events (or SIP INFO); listening for tones in every participant's audio
    // costs as much as the rest of its mixing: only when asked (--inband-dtmf on|auto).
    inbandDtmf: 'off' as const,
  };
  const workers = workersOf(o);
  if (workers > 1)
    return conferenceOnWorkers(ctx, {
      workers,
      ...(rooms ? { rooms } : {}),
      ...(defaultRoom ? { defaultRoom } : {}),
      ...(music ? { music } : {}),
      ...(recordDir !== undefined ? { recordDir } : {}),
      phoneExtras,
      port: portOf(ctx),
      statusFile: (localPort) => o.get('conference.status-file') ?? defaultStatusFile(localPort),
    });
  const phone = await phoneFrom(o, ctx.log, phoneExtras);
  const onCrash = (err: unknown) =>
    log.error(`unexpected error (the server goes on): ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const service = new ConferenceService({
    platform: phone.platform,
    tts,
    loudest: o.get('conference.loudest'),
    names: o.get('conference.names'),
    ...(rooms ? { rooms } : {}),
    ...(defaultRoom ? { defaultRoom } : {}),
    ...(music ? { music } : {}),
    ...(recordDir !== undefined ? { recordDir } : {}),
    log: ctx.log,
  });
  const server = new DougServer({
    phone,
    app: service.app,
    name: 'conference',
    maxCallMs: o.get('serve.max-call-duration'),
    tts,
    log: ctx.log,
  }).start();
  const listen = phone.ua.addresses.map(
    (a) => `${a.transport} ${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
  );
  const statusFile = o.get('conference.status-file') ?? defaultStatusFile(phone.ua.localAddress.port);
  const cannot = (err: unknown) => log.warn(`cannot write the status to ${statusFile}: ${(err as Error).message}`);
  try {
    // The first one at once: the file is there when the server says it serves.
    writeStatus(statusFile, service.status(listen, capacity));
  } catch (err) {
    cannot(err);
  }
  // Then every second, one write at a time: a second whose write is still going is skipped.
  let writing: Promise<void> | undefined;
  const status = () => {
    writing ??= writeStatusAsync(statusFile, service.status(listen, capacity))
      .catch(cannot)
      .finally(() => {
        writing = undefined;
      });
  };
  const timer = setInterval(status, 1000);
  timer.unref();
  try {
    try {
      await registerIfAsked(o, phone, log);
    } catch (e) {
      return reportSipFailure(ctx, e);
    }
    ctx.out.data(
      { serving: 'conference', listen: phone.ua.addresses, contact: phone.ua.contact(), capacity, statusFile },
      () =>
        `serving conference on ${listen.join(', ')} (${phone.ua.contact()}); at most ${capacity} participants; ` +
        `status in ${statusFile}; Ctrl-C or SIGTERM to stop`,
    );
    await aborted(ctx.signal);
    await stopServing(phone, server, ctx.urgent, log, `in ${service.conferences.size} room(s)`, drainOf(o));
    return ExitCode.OK;
  } finally {
    clearInterval(timer);
    await Promise.race([server.close(), aborted(ctx.urgent)]);
    await service.close();
    await phone.close();
    await writing;
    rmSync(statusFile, { force: true });
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}
