/**
 * `shtoom serve conference --workers N` (docs/workers.md): the rooms run
 * in N media workers, every call of one room in the same worker (the
 * hub's key: the room, the Request-URI's user), rooms spread over the
 * workers. PINs, moderators, lock, music and recordings are the room's,
 * so they work as on one thread. Each worker reports its rooms every
 * second; the status file (`--status`) merges them, with each room's
 * worker and each worker's state.
 */
import type { RoomConfig } from '../../apps/conference/service.js';
import { roomOf } from '../../apps/conference/service.js';
import { roomsFromJson, type ConferenceStatus, type RoomStatus } from '../../apps/conference/status.js';
import type { CommandContext } from '../command.js';
import type { PhoneFromOptions } from '../settings.js';
import { ROOMS_EVERY_MS } from './serve-worker-apps.js';
import { serveOnWorkers } from './serve-workers.js';

/** A worker's rooms older than this are not shown (it stopped reporting: dead or stuck). */
const ROOMS_STALE_MS = 3 * ROOMS_EVERY_MS;

export interface ConferenceOnWorkers {
  readonly workers: number;
  readonly rooms?: ReadonlyMap<string, RoomConfig>;
  readonly defaultRoom?: RoomConfig;
  readonly music?: Int16Array;
  readonly recordDir?: string;
  readonly phoneExtras: PhoneFromOptions;
  readonly port: number;
  readonly statusFile: (localPort: number) => string;
}

/** Serve the conference with its rooms on `c.workers` media workers, until the signal. */
export function conferenceOnWorkers(ctx: CommandContext, c: ConferenceOnWorkers): Promise<number> {
  const o = ctx.options;
  const log = ctx.log.child('conference');
  const capacity = o.get('serve.capacity');
  const reported = new Map<number, { readonly rooms: readonly RoomStatus[]; readonly at: number }>();
  let listen: string[] = [];
  let statusFile = '';
  return serveOnWorkers(ctx, {
    name: 'conference',
    workers: c.workers,
    appOptions: {},
    phoneExtras: c.phoneExtras,
    port: c.port,
    service: {
      kind: 'conference',
      loudest: o.get('conference.loudest'),
      names: o.get('conference.names'),
      ...(c.rooms ? { rooms: [...c.rooms] } : {}),
      ...(c.defaultRoom ? { defaultRoom: c.defaultRoom } : {}),
      ...(c.music ? { music: c.music } : {}),
      ...(c.recordDir !== undefined ? { recordDir: c.recordDir } : {}),
    },
    key: (inc) => roomOf(inc.request.rawUri),
    onApp: (worker, topic, json) => {
      if (topic !== 'rooms') return;
      const rooms = roomsFromJson(json);
      if (!rooms) return log.warn(`worker ${worker}: a list of rooms that does not read: ignored`);
      reported.set(worker, { rooms: rooms.map((r) => ({ ...r, worker })), at: Date.now() });
    },
    withPhone: (phone) => {
      listen = phone.ua.addresses.map(
        (a) => `${a.transport} ${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
      );
    },
    status: {
      file: (phone) => (statusFile = c.statusFile(phone.ua.localAddress.port)),
      of: (base): ConferenceStatus => {
        const now = Date.now();
        const live = new Set(base.workers.filter((w) => w.state !== 'dead').map((w) => w.index));
        const rooms: RoomStatus[] = [];
        for (const [w, r] of reported) if (live.has(w) && now - r.at <= ROOMS_STALE_MS) rooms.push(...r.rooms);
        rooms.sort((a, b) => a.name.localeCompare(b.name));
        return {
          updated: base.updated,
          pid: process.pid,
          listen,
          capacity,
          participants: rooms.reduce((n, r) => n + r.participants.length, 0),
          rooms,
          workers: base.workers,
        };
      },
    },
    announce: (phone) =>
      ctx.out.data(
        {
          serving: 'conference',
          listen: phone.ua.addresses,
          contact: phone.ua.contact(),
          capacity,
          statusFile,
          workers: c.workers,
        },
        () =>
          `serving conference on ${listen.join(', ')} (${phone.ua.contact()}); at most ${capacity} participants; ` +
          `${c.workers} media workers; status in ${statusFile}; Ctrl-C or SIGTERM to stop`,
      ),
  });
}
