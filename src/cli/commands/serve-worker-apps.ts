/**
 * The services that run in media workers with a part on the main thread
 * (docs/workers.md): `serve conference --workers N` and `serve voicemail
 * --workers N`. What a worker needs of them travels in its settings
 * (`WorkerService`); what the main thread needs back goes as `app`
 * messages:
 *
 * - conference: every room lives in one worker (the hub routes the calls
 *   of a room by its key, the Request-URI's user); each worker reports its
 *   rooms (`rooms`, every second) for the main thread's status file;
 * - voicemail: every worker files into the one spool under a lock the
 *   threads share (`SharedLock`); a filed message (`vm-filed`: mailbox and
 *   id) and a changed mailbox (`vm-changed`) reach the main thread, which
 *   runs `--on-message`, the e-mail and the message-summary NOTIFYs.
 */
import { threadId } from 'node:worker_threads';
import type { MediaPlatform } from '../../app/media-platform.js';
import { ConferenceService, type RoomConfig } from '../../apps/conference/service.js';
import type { Mailbox } from '../../apps/voicemail/service.js';
import { VoicemailService } from '../../apps/voicemail/service.js';
import { VoicemailStore } from '../../apps/voicemail/store.js';
import type { VoiceApp } from '../../doug/server.js';
import type { Tts } from '../../doug/tts.js';
import type { ToMain } from '../../doug/workers/protocol.js';
import type { Logger } from '../../log/logger.js';
import { SharedLock } from '../../util/shared-lock.js';

export interface ConferenceWorkerService {
  readonly kind: 'conference';
  readonly loudest: number;
  readonly names: boolean;
  readonly rooms?: readonly (readonly [string, RoomConfig])[];
  readonly defaultRoom?: RoomConfig;
  readonly music?: Int16Array;
  readonly recordDir?: string;
}

export interface VoicemailWorkerService {
  readonly kind: 'voicemail';
  readonly dir: string;
  /** The spool's lock, shared by the main thread and every worker. */
  readonly lock: SharedArrayBuffer;
  readonly mailboxes: readonly (readonly [string, Mailbox])[];
  readonly silenceMs: number;
  readonly maxSeconds: number;
  readonly operator?: string;
  readonly mainUser: string;
}

export type WorkerService = ConferenceWorkerService | VoicemailWorkerService;

/** How often a worker reports its conference rooms, ms. */
export const ROOMS_EVERY_MS = 1000;

/** The spool lock's id of a thread: its thread id + 1 (the main thread's is 1). */
export function lockId(thread: number): number {
  return thread + 1;
}

/** The app of `service` in this worker, and how to stop it. */
export function workerServiceApp(
  service: WorkerService,
  deps: {
    readonly platform: MediaPlatform;
    readonly tts: Tts;
    readonly post: (m: ToMain) => void;
    readonly log: Logger;
  },
): { readonly app: VoiceApp; close(): Promise<void> } {
  const tell = (topic: string, data: unknown) => deps.post({ kind: 'app', topic, json: JSON.stringify(data) });
  if (service.kind === 'conference') {
    const conf = new ConferenceService({
      platform: deps.platform,
      tts: deps.tts,
      loudest: service.loudest,
      names: service.names,
      ...(service.rooms ? { rooms: new Map(service.rooms) } : {}),
      ...(service.defaultRoom ? { defaultRoom: service.defaultRoom } : {}),
      ...(service.music ? { music: service.music } : {}),
      ...(service.recordDir !== undefined ? { recordDir: service.recordDir } : {}),
      log: deps.log,
    });
    const report = () => tell('rooms', conf.status().rooms);
    report();
    const timer = setInterval(report, ROOMS_EVERY_MS);
    timer.unref();
    return {
      app: conf.app,
      close: async () => {
        clearInterval(timer);
        await conf.close();
      },
    };
  }
  const store = new VoicemailStore(service.dir, new SharedLock(service.lock, lockId(threadId)));
  const vm = new VoicemailService({
    store,
    mailboxes: new Map(service.mailboxes),
    tts: deps.tts,
    silenceMs: service.silenceMs,
    maxSeconds: service.maxSeconds,
    ...(service.operator !== undefined ? { operator: service.operator } : {}),
    mainUser: service.mainUser,
    onMessage: (m) => tell('vm-filed', { mailbox: m.meta.mailbox, id: m.meta.id }),
    onChanged: (mailbox) => tell('vm-changed', { mailbox }),
    log: deps.log,
  });
  return { app: vm.app, close: () => vm.close() };
}
