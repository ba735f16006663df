/**
 * `Conference`: calls (and a local microphone and speaker) mixed in one
 * `ConferenceRoom` on the media clock — the conference server's rooms and
 * the phone's ad-hoc conference are both this.
 *
 * A call joins with its media session borrowed (`MediaSession.borrow`):
 * from then on the room's one tick receives every participant's 20 ms
 * (each through its own jitter buffer and PLC), mixes, and sends, instead
 * of each call ticking on its own. The call keeps everything else — its
 * RTCP, DTMF events, RTP timeout, statistics — and leaves the room when it
 * ends; a member that leaves while its call goes on gets its tick back.
 * The room's tick runs only while it has members, so an empty conference
 * holds no timer.
 */
import type { AudioSink, AudioSource } from '../audio/device.js';
import { ConferenceRoom, type PlayEnd, type RoomParticipant } from '../audio/conference/room.js';
import type { TalkerSelectorOptions } from '../audio/dsp/talker-selector.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { MediaStream } from '../rtp/media-scheduler.js';
import { TypedEmitter } from '../util/emitter.js';
import type { Call } from './call.js';
import type { CallStats } from './call-types.js';
import { CallStateError } from './errors.js';
import { realMediaPlatform, type MediaPlatform } from './media-platform.js';
import type { MediaPort } from './media-session.js';

export interface ConferenceOptions {
  /** Whose media clock ticks the room: the calls' phone's `platform` (default: the process's real one). */
  readonly platform?: MediaPlatform;
  /** For logs and status. */
  readonly name?: string;
  /** Talkers heard at most (N, default 4). */
  readonly loudest?: number;
  /** The talkers' hysteresis. */
  readonly selector?: Omit<TalkerSelectorOptions, 'talkers' | 'frameSamples'>;
  /** What a lone participant hears (music on hold); none: silence. */
  readonly hold?: () => AudioSource | undefined;
  /**
   * The room's tick within the 20 ms period, ms (default: the clock's
   * least-loaded slot). Rooms that share a phase share the clock's
   * wake-ups: a server of many rooms ticks them all at once.
   */
  readonly phaseMs?: number;
  readonly log?: Logger;
}

export interface JoinOptions {
  /** A name for logs and status (default: the call's remote party). */
  readonly name?: string;
  /** Join muted. */
  readonly muted?: boolean;
}

/** Why a member left. */
export type LeaveReason = 'left' | 'call-ended' | 'closed' | 'failed';

export type ConferenceEvents = {
  join: [member: ConferenceMember];
  leave: [member: ConferenceMember, reason: LeaveReason];
};

/**
 * One member of a conference: a call, or a local source and sink.
 *
 * @example
 * const m = conference.join(call);
 * m.muted = true;
 * await m.play(await audio.openSource('muted.wav'));   // to this member only
 * m.leave();                                            // the call goes on, out of the room
 */
export class ConferenceMember {
  /** When it joined (the platform's clock, ms). */
  readonly joinedAt: number;
  /** Resolves with the reason once it has left. */
  readonly left: Promise<LeaveReason>;
  private resolveLeft!: (r: LeaveReason) => void;
  private gone = false;

  /** @internal */
  constructor(
    private readonly conference: Conference,
    /** @internal */ readonly participant: RoomParticipant,
    /** The call, unless a local member. */
    readonly call: Call | undefined,
    private readonly port: MediaPort | undefined,
    joinedAt: number,
  ) {
    this.joinedAt = joinedAt;
    this.left = new Promise((r) => (this.resolveLeft = r));
  }

  get id(): number {
    return this.participant.id;
  }
  get name(): string {
    return this.participant.name;
  }
  /** Muted: heard by no one (it still hears). */
  get muted(): boolean {
    return this.participant.muted;
  }
  set muted(m: boolean) {
    this.participant.muted = m;
  }
  /** One of the talkers heard now. */
  get talker(): boolean {
    return this.participant.talker;
  }
  /** Speaking now (heard or not). */
  get speaking(): boolean {
    return this.participant.speaking;
  }
  /** Still in the conference. */
  get present(): boolean {
    return !this.gone;
  }
  /** The call's statistics (loss, jitter), if a call. */
  stats(): CallStats | undefined {
    return this.call?.stats();
  }

  /**
   * Play `source` to this member alone, over what it hears; resolves with
   * why it stopped (`end`, `stopped`, or `removed` when the member left).
   * The source is closed afterwards.
   */
  play(source: AudioSource): Promise<PlayEnd> {
    return new Promise<PlayEnd>((resolve) => {
      this.conference.room.play(this.participant, source, resolve);
    }).finally(() => source.close().catch(() => undefined));
  }

  /** Stop what `play` plays. */
  stopPlaying(): void {
    this.conference.room.stopPlaying(this.participant);
  }

  /** Leave the conference (a call goes on, ticking on its own again). */
  leave(): void {
    this.conference.remove(this, 'left');
  }

  /** @internal */
  depart(reason: LeaveReason): void {
    if (this.gone) return;
    this.gone = true;
    this.port?.release();
    this.resolveLeft(reason);
  }
}

/**
 * @example
 * const conf = new Conference({ platform: phone.platform, name: 'standup' });
 * phone.on('incoming', async (call) => { await call.answer(); conf.join(call); });
 * conf.on('leave', (m, why) => console.log(m.name, 'left:', why));
 * // the phone's own microphone and speaker, as one more member:
 * conf.add({ source: await audio.openSource('alsa:default'), sink: await audio.openSink('alsa:default') });
 */
export class Conference extends TypedEmitter<ConferenceEvents> {
  readonly name: string;
  readonly room: ConferenceRoom;
  private readonly platform: MediaPlatform;
  private readonly phaseMs: number | undefined;
  private readonly log: Logger;
  private readonly list = new Map<RoomParticipant, ConferenceMember>();
  private stream: MediaStream | undefined;
  private now = 0;
  private closed = false;

  constructor(opts: ConferenceOptions = {}) {
    super();
    this.platform = opts.platform ?? realMediaPlatform();
    this.name = opts.name ?? 'conference';
    this.phaseMs = opts.phaseMs;
    this.log = opts.log ?? silentLogger;
    const hold = opts.hold;
    this.room = new ConferenceRoom({
      ...(opts.loudest !== undefined ? { loudest: opts.loudest } : {}),
      ...(opts.selector ? { selector: opts.selector } : {}),
      ...(hold ? { hold: () => hold() } : {}),
      onError: (p, err) => {
        const m = this.list.get(p);
        this.log.warn(`${this.name}: ${p.name} taken out of the room: ${(err as Error)?.message ?? String(err)}`);
        if (m) this.remove(m, 'failed');
      },
    });
  }

  /** The members, in the order they joined. */
  get members(): readonly ConferenceMember[] {
    return [...this.list.values()];
  }

  /** How many members. */
  get size(): number {
    return this.list.size;
  }

  /** The members heard in the mix now. */
  get talkers(): ConferenceMember[] {
    return this.members.filter((m) => m.talker);
  }

  /** Where the room's mix goes (a WAV file: the whole conference, announcements included). */
  get record(): AudioSink | undefined {
    return this.room.record;
  }
  set record(sink: AudioSink | undefined) {
    this.room.record = sink;
  }

  /**
   * An answered call joins: the room drives its media from the next tick.
   * Throws `CallStateError` for a call that is not answered, an echo call,
   * or one already in a conference.
   */
  join(call: Call, opts: JoinOptions = {}): ConferenceMember {
    if (this.closed) throw new CallStateError(`the conference ${this.name} is closed`);
    const media = call.media;
    if (call.state !== 'answered' || !media) throw new CallStateError(`a call that is ${call.state} cannot join`);
    const port = media.borrow();
    const p = this.room.add({
      input: { read: (frame) => port.receive(frame, this.now) },
      output: {
        codec: port.codec.sampleRate === 8000 ? port.codec : undefined,
        write: (frame, payload) => port.send(frame, payload),
      },
      name: opts.name ?? call.remote,
      ...(opts.muted ? { muted: true } : {}),
    });
    const m = new ConferenceMember(this, p, call, port, this.platform.clock.now());
    this.list.set(p, m);
    void call.ended.then(() => this.remove(m, 'call-ended'));
    this.started();
    this.emit('join', m);
    return m;
  }

  /**
   * A local member: what `source` gives is heard by the others, what the
   * others say goes to `sink` (a microphone and a speaker; PCM, no codec).
   * The source and sink stay the caller's to close.
   */
  add(io: {
    readonly source: AudioSource;
    readonly sink?: AudioSink;
    readonly name?: string;
    readonly muted?: boolean;
  }): ConferenceMember {
    if (this.closed) throw new CallStateError(`the conference ${this.name} is closed`);
    const { source, sink } = io;
    const p = this.room.add({
      input: {
        read: (frame) => {
          if (!source.read(frame)) frame.fill(0);
        },
      },
      output: { write: (frame) => sink?.write(frame) },
      name: io.name ?? source.uri,
      ...(io.muted ? { muted: true } : {}),
    });
    const m = new ConferenceMember(this, p, undefined, undefined, this.platform.clock.now());
    this.list.set(p, m);
    this.started();
    this.emit('join', m);
    return m;
  }

  /** Play `source` to every member and into the recording; resolves when it ended or was cleared. */
  announce(source: AudioSource): Promise<PlayEnd> {
    return new Promise<PlayEnd>((resolve) => this.room.announce(source, resolve)).finally(() =>
      source.close().catch(() => undefined),
    );
  }

  /** Mute (or unmute) every member but `except`. */
  muteAll(muted: boolean, except?: ConferenceMember): void {
    for (const m of this.list.values()) if (m !== except) m.muted = muted;
  }

  /** @internal */
  remove(m: ConferenceMember, reason: LeaveReason): void {
    if (!m.present) return;
    this.room.remove(m.participant);
    this.list.delete(m.participant);
    m.depart(reason);
    if (this.list.size === 0) this.stopped();
    this.emit('leave', m, reason);
  }

  /** Everyone leaves (calls go on, out of the room); announcements stop. The recording stays the caller's to close. */
  close(): void {
    this.closed = true;
    for (const m of [...this.list.values()]) this.remove(m, 'closed');
    this.room.clearAnnouncements();
    this.stopped();
  }

  private started(): void {
    if (this.stream) return;
    this.stream = this.platform.scheduler.add(
      ({ now }) => {
        this.now = now;
        this.room.tick();
      },
      this.phaseMs !== undefined ? { phaseMs: this.phaseMs } : {},
    );
  }

  private stopped(): void {
    this.stream?.stop();
    this.stream = undefined;
  }
}
