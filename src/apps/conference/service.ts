/**
 * The conference server as a doug app (`shtoom serve conference`), the
 * seed's shtoomcu: callers dial a room (`sip:room-42@host`: the user of the
 * Request-URI), created on their first join and closed when the last one
 * leaves.
 *
 * A call's way in:
 * 1. the room's PIN, when it has one (three tries), or the moderator's PIN
 *    (which makes the caller the room's moderator);
 * 2. a locked room lets in only its moderators;
 * 3. with `names`, the caller says its name, which the room hears as it
 *    joins and leaves (else a chime);
 * 4. in the room: a lone participant hears "you are the only participant"
 *    and then music on hold (or silence), the others hear how many are in
 *    the room; keys: `*6` mute/unmute oneself, `*#` how many are here, and
 *    for a moderator `*1` lock/unlock, `*2` mute/unmute all others.
 *
 * One log line per join and per leave (with the call's loss); `status()`
 * gives rooms, participants, talkers and loss for the operator; with
 * `recordDir`, each room is recorded to a WAV file valid at every moment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conference, type ConferenceMember, type LeaveReason } from '../../app/conference.js';
import { ChimeSource, JOIN_NOTES, LEAVE_NOTES, LoopSource } from '../../audio/conference/cues.js';
import type { AudioSink } from '../../audio/device.js';
import { PcmSource } from '../../audio/devices/pcm-source.js';
import { readWavFile } from '../../audio/formats/wav.js';
import { openSink } from '../../audio/open.js';
import type { MediaPlatform } from '../../app/media-platform.js';
import type { VoiceApp } from '../../doug/server.js';
import type { Tts } from '../../doug/tts.js';
import type { VoiceCall } from '../../doug/voice-call.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { parseUri } from '../../sip/message/uri.js';
import { PROMPTS, countPrompt } from './prompts.js';
import type { ConferenceStatus, ParticipantStatus, RoomStatus } from './status.js';

/** A room's settings (from the rooms file). */
export interface RoomConfig {
  /** The PIN every caller must enter (digits). */
  readonly pin?: string;
  /** The PIN that makes a caller the room's moderator (lock, mute all). */
  readonly moderatorPin?: string;
  /** Music on hold for a lone participant here (8 kHz PCM, looped), instead of the server's. */
  readonly music?: Int16Array;
}

export interface ConferenceServiceOptions {
  /** The phone's platform: its media clock ticks every room. */
  readonly platform: MediaPlatform;
  /** Speaks the prompts and the "has joined" of recorded names. */
  readonly tts: Tts;
  /** Rooms with settings of their own, by name. */
  readonly rooms?: ReadonlyMap<string, RoomConfig>;
  /** What every other room gets (default: open to all, no moderator). */
  readonly defaultRoom?: RoomConfig;
  /** Talkers heard at once (N, default 4). */
  readonly loudest?: number;
  /** Music on hold for a lone participant (8 kHz PCM, looped); default silence. */
  readonly music?: Int16Array;
  /** Record every room to a WAV file in this directory. */
  readonly recordDir?: string;
  /** Ask each caller for its name, announced as it joins and leaves (default: chimes). */
  readonly names?: boolean;
  /** Tries at the PIN (default 3). */
  readonly pinTries?: number;
  readonly log?: Logger;
  /** Wall-clock time, ms (recording names and the status; default `Date.now`). */
  readonly now?: () => number;
}

/** One open room. */
interface Room {
  readonly name: string;
  readonly conference: Conference;
  readonly since: number;
  locked: boolean;
  readonly moderators: Set<ConferenceMember>;
  /** Spoken names, for the leave announcement. */
  readonly names: Map<ConferenceMember, Int16Array>;
  readonly callers: Map<ConferenceMember, VoiceCall>;
  recording?: { readonly path: string; sink?: AudioSink } | undefined;
  closed: boolean;
}

/** A room name from a Request-URI: its user part, decoded; undefined when there is none or it is unusable. */
export function roomOf(requestUri: string | undefined): string | undefined {
  if (!requestUri) return undefined;
  let user: string | undefined;
  try {
    const u = parseUri(requestUri);
    user = u.kind === 'sip' ? u.user : undefined;
    if (user !== undefined) user = decodeURIComponent(user);
  } catch {
    return undefined;
  }
  // Printable, not too long: it names a file and a line in the logs.
  if (user === undefined || user.length === 0 || user.length > 64 || /[\u0000-\u001f\u007f/\\]/.test(user))
    return undefined;
  return user;
}

/** A room name as a file name. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`;
  return `${date}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * @example
 * const service = new ConferenceService({ platform: phone.platform, tts: systemTts()!, recordDir: '/var/rec' });
 * new DougServer({ phone, app: service.app, name: 'conference' }).start();
 * setInterval(() => writeFileSync('status.json', JSON.stringify(service.status(['udp 0.0.0.0:5060'], 500))), 1000);
 */
export class ConferenceService {
  private readonly rooms = new Map<string, Room>();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly pending = new Set<Promise<unknown>>();
  private namesDir: string | undefined;
  private closing = false;

  constructor(private readonly opts: ConferenceServiceOptions) {
    this.log = (opts.log ?? silentLogger).child('conference');
    this.now = opts.now ?? Date.now;
  }

  /** The voice app: one run per incoming call. */
  readonly app: VoiceApp = (call) => this.serve(call);

  /** Participants in every room. */
  get participants(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.conference.size;
    return n;
  }

  /** The open rooms' conferences, by name. */
  get conferences(): ReadonlyMap<string, Conference> {
    return new Map([...this.rooms].map(([k, r]) => [k, r.conference]));
  }

  private configOf(name: string): RoomConfig {
    return this.opts.rooms?.get(name) ?? this.opts.defaultRoom ?? {};
  }

  private async serve(call: VoiceCall): Promise<void> {
    const name = roomOf(call.requestUri);
    if (name === undefined || this.closing) {
      this.log.info(`refused ${call.from}: no room in ${call.requestUri ?? 'the request'}`);
      call.reject(this.closing ? 503 : 404, this.closing ? 'Shutting Down' : 'No Such Conference');
      return;
    }
    call.ring();
    await call.answer();
    // A moment for the caller's media to start, so the first prompt is heard whole.
    await call.play('silence', { timeoutMs: 300 });
    const cfg = this.configOf(name);
    const moderator = await this.admit(call, name, cfg);
    if (moderator === undefined) return;
    if (this.rooms.get(name)?.locked && !moderator) {
      this.log.info(`${name}: refused ${call.from}: the room is locked`);
      await call.say(PROMPTS.locked);
      await call.hangup();
      return;
    }
    const spoken = this.opts.names ? await this.askName(call) : undefined;
    const room = this.open(name, cfg);
    if (room.locked && !moderator) {
      await call.say(PROMPTS.locked);
      await call.hangup();
      return;
    }
    const member = await call.joinConference(room.conference, { name: call.from });
    room.callers.set(member, call);
    if (moderator) room.moderators.add(member);
    if (spoken) room.names.set(member, spoken);
    this.log.info(
      `${name}: join ${call.from}${call.callId ? ` [${call.callId.slice(0, 8)}]` : ''} (${call.call.codec ?? '?'}` +
        `${moderator ? ', moderator' : ''}); ${room.conference.size} in the room`,
    );
    void member.left.then((why) => this.onLeave(room, member, why));
    this.announce(room, spoken, PROMPTS.joined, JOIN_NOTES);
    await call.say(countPrompt(room.conference.size));
    await this.commands(call, room, member);
  }

  /**
   * The PIN: undefined when refused (the call is hung up), else whether
   * the caller is a moderator. A room without PINs lets everyone in.
   */
  private async admit(call: VoiceCall, name: string, cfg: RoomConfig): Promise<boolean | undefined> {
    if (cfg.pin === undefined && cfg.moderatorPin === undefined) return false;
    const tries = this.opts.pinTries ?? 3;
    for (let t = 1; t <= tries; t++) {
      await call.say(cfg.pin !== undefined ? PROMPTS.pin : PROMPTS.moderatorPin, { stopOnDtmf: true });
      const entered = await call.collectDtmf({ max: 16, terminator: '#', timeoutMs: 10_000, interDigitMs: 5000 });
      if (cfg.moderatorPin !== undefined && entered === cfg.moderatorPin) return true;
      if (cfg.pin !== undefined ? entered === cfg.pin : entered === '') return false;
      await call.say(PROMPTS.wrongPin);
    }
    this.log.info(`${name}: refused ${call.from}: wrong PIN ${tries} times`);
    await call.say(PROMPTS.goodbye);
    await call.hangup();
    return undefined;
  }

  /** The caller's name, said after a tone (3 s at most); undefined when it said nothing. */
  private async askName(call: VoiceCall): Promise<Int16Array | undefined> {
    await call.say(PROMPTS.name);
    await call.play(new ChimeSource([{ hz: 1000, ms: 150 }]));
    this.namesDir ??= mkdtempSync(join(tmpdir(), 'shtoom-names-'));
    const file = join(this.namesDir, `${Math.floor(Math.random() * 1e9)}.wav`);
    try {
      const r = await call.record(file, { maxSeconds: 3, stopOnDtmf: true, stopOnSilence: 1200 });
      if (r.durationMs < 200) return undefined;
      return readWavFile(file).samples;
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** The room by name, opened (and its recording started) on first use. */
  private open(name: string, cfg: RoomConfig): Room {
    const existing = this.rooms.get(name);
    if (existing) return existing;
    const music = cfg.music ?? this.opts.music;
    const conference = new Conference({
      platform: this.opts.platform,
      name,
      ...(this.opts.loudest !== undefined ? { loudest: this.opts.loudest } : {}),
      ...(music ? { hold: () => new LoopSource(music, 'music-on-hold') } : {}),
      // Every room on one phase: one wake-up of the media clock ticks them all.
      phaseMs: 0,
      log: this.log,
    });
    const room: Room = {
      name,
      conference,
      since: this.now(),
      locked: false,
      moderators: new Set(),
      names: new Map(),
      callers: new Map(),
      closed: false,
    };
    this.rooms.set(name, room);
    this.log.info(`${name}: opened`);
    if (this.opts.recordDir !== undefined) this.startRecording(room, this.opts.recordDir);
    return room;
  }

  private startRecording(room: Room, dir: string): void {
    const path = join(dir, `${fileSafe(room.name)}-${stamp(room.since)}-${process.pid}-${room.since % 100000}.wav`);
    const rec: { path: string; sink?: AudioSink } = { path };
    room.recording = rec;
    this.track(
      openSink(`file:${path}`).then(
        async (sink) => {
          if (room.closed) return sink.close();
          rec.sink = sink;
          room.conference.record = sink;
          this.log.info(`${room.name}: recording to ${path}`);
        },
        (err: Error) => {
          room.recording = undefined;
          this.log.error(`${room.name}: cannot record to ${path}: ${err.message}`);
        },
      ),
    );
  }

  /** Join or leave, heard by the room: the spoken name and a few words, or a chime. */
  private announce(room: Room, spoken: Int16Array | undefined, words: string, notes: typeof JOIN_NOTES): void {
    if (!spoken) {
      void room.conference.announce(new ChimeSource(notes));
      return;
    }
    this.opts.tts.render(words).then(
      (pcm) => {
        if (!room.closed) void room.conference.announce(new PcmSource(concat(spoken, pcm), 'name'));
      },
      (err: Error) => this.log.warn(`${room.name}: cannot say "${words}": ${err.message}`),
    );
  }

  /** The keys a participant presses in the room, until it leaves. */
  private async commands(call: VoiceCall, room: Room, me: ConferenceMember): Promise<void> {
    const gone = me.left.then(() => undefined);
    while (me.present) {
      const key = await Promise.race([call.collectDtmf({ max: 1, timeoutMs: 3_600_000 }), gone]);
      if (key === undefined || !me.present) return;
      if (key !== '*') continue;
      const cmd = await Promise.race([call.collectDtmf({ max: 1, timeoutMs: 3000 }), gone]);
      if (cmd === undefined || !me.present) return;
      await this.command(call, room, me, cmd);
    }
  }

  private async command(call: VoiceCall, room: Room, me: ConferenceMember, cmd: string): Promise<void> {
    const moderator = room.moderators.has(me);
    switch (cmd) {
      case '6':
        me.muted = !me.muted;
        this.log.info(`${room.name}: ${me.name} ${me.muted ? 'muted' : 'unmuted'} itself`);
        await call.say(me.muted ? PROMPTS.muted : PROMPTS.unmuted);
        return;
      case '#':
        await call.say(countPrompt(room.conference.size));
        return;
      case '1':
        if (!moderator) return void (await call.say(PROMPTS.notModerator));
        room.locked = !room.locked;
        this.log.info(`${room.name}: ${room.locked ? 'locked' : 'unlocked'} by ${me.name}`);
        await call.say(room.locked ? PROMPTS.lockedNow : PROMPTS.unlockedNow);
        return;
      case '2': {
        if (!moderator) return void (await call.say(PROMPTS.notModerator));
        const mute = room.conference.members.some((m) => m !== me && !m.muted);
        room.conference.muteAll(mute, me);
        this.log.info(`${room.name}: everyone but ${me.name} ${mute ? 'muted' : 'unmuted'} by the moderator`);
        await call.say(mute ? PROMPTS.mutedAll : PROMPTS.unmutedAll);
        return;
      }
      default:
        return;
    }
  }

  private onLeave(room: Room, member: ConferenceMember, why: LeaveReason): void {
    const call = room.callers.get(member);
    room.callers.delete(member);
    room.moderators.delete(member);
    const spoken = room.names.get(member);
    room.names.delete(member);
    const s = member.stats();
    const secs = (this.opts.platform.clock.now() - member.joinedAt) / 1000;
    const media = s
      ? `${s.codec}, ${s.received.packets} packets in (${s.received.lossPercent.toFixed(1)} % lost), ` +
        `jitter ${s.received.jitterMs.toFixed(1)} ms`
      : 'no media';
    const ended = why === 'call-ended' ? (call?.call.end?.reason ?? 'hangup') : why;
    this.log.info(
      `${room.name}: leave ${member.name} after ${secs.toFixed(1)} s (${media}): ${ended}; ` +
        `${room.conference.size} in the room`,
    );
    if (room.conference.size > 0) this.announce(room, spoken, PROMPTS.left, LEAVE_NOTES);
    else this.closeRoom(room);
  }

  private closeRoom(room: Room): void {
    if (room.closed) return;
    room.closed = true;
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name);
    room.conference.close();
    const sink = room.recording?.sink;
    room.conference.record = undefined;
    const mins = (this.now() - room.since) / 60_000;
    this.log.info(
      `${room.name}: closed after ${mins.toFixed(1)} ` +
        `min${room.recording ? `; recorded in ${room.recording.path}` : ''}`,
    );
    if (sink) this.track(sink.close().catch((err: Error) => this.log.error(`${room.name}: recording: ${err.message}`)));
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Rooms, participants, talkers and loss, for the operator. */
  status(listen: readonly string[] = [], capacity = 0): ConferenceStatus {
    const rooms: RoomStatus[] = [];
    const clockNow = this.opts.platform.clock.now();
    for (const r of this.rooms.values()) {
      const participants: ParticipantStatus[] = r.conference.members.map((m) => {
        const s = m.stats();
        return {
          id: m.id,
          from: m.name,
          codec: s?.codec ?? '?',
          moderator: r.moderators.has(m),
          muted: m.muted,
          talking: m.talker,
          seconds: Math.round((clockNow - m.joinedAt) / 100) / 10,
          packetsIn: s?.received.packets ?? 0,
          lossPercent: s?.received.lossPercent ?? 0,
          ...(s?.remote ? { remoteLossPercent: s.remote.lossPercent } : {}),
          jitterMs: s?.received.jitterMs ?? 0,
          ...(s?.playout ? { concealed: s.playout.concealed, late: s.playout.late } : {}),
        };
      });
      rooms.push({
        name: r.name,
        locked: r.locked,
        ...(r.recording ? { recording: r.recording.path } : {}),
        since: new Date(r.since).toISOString(),
        participants,
        talkers: r.conference.talkers.map((m) => m.name),
      });
    }
    return {
      updated: new Date(this.now()).toISOString(),
      pid: process.pid,
      listen,
      capacity,
      participants: rooms.reduce((n, r) => n + r.participants.length, 0),
      rooms,
    };
  }

  /**
   * Close every room (members leave; their calls are the server's to end)
   * and finish the recordings; resolves when they are written.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const r of [...this.rooms.values()]) this.closeRoom(r);
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.namesDir) rmSync(this.namesDir, { recursive: true, force: true });
  }
}
