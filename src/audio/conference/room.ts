/**
 * `ConferenceRoom`: the conference engine, sans-I/O. Participants are an
 * input (the decoded PCM of what they say: their own jitter buffer and PLC
 * are upstream) and an output (what they hear, with the codec they are sent
 * in). One `tick()` per 20 ms frame — one media clock for the whole room,
 * so every mix is built from the same 20 ms:
 *
 * 1. read every participant's frame and its power;
 * 2. choose the talkers (`TalkerSelector`: the N loudest, with hysteresis;
 *    the muted are never chosen);
 * 3. mix (`ConferenceMixer.mixChosen`): everyone outside the talkers hears
 *    one shared mix, each talker the mix without itself plus the loudest of
 *    the rest — never themselves;
 * 4. lay the room's announcements (join and leave tones, names) over every
 *    mix, and write the shared mix to the recording;
 * 5. give each participant its frame. The shared mix is encoded once per
 *    codec and the same payload goes to every participant who hears it with
 *    that codec; a talker's own mix, a participant hearing a prompt of its
 *    own, and a lone participant's hold music are encoded by the
 *    participant (its output) itself.
 *
 * Sharing a payload means a participant's far end decodes frames from more
 * than one encoder as it moves in and out of the talkers: harmless for
 * G.711 (no state), a short blip for GSM (its decoder adapts within a
 * frame or two); the hysteresis keeps such moves rare.
 *
 * A participant may be added or removed at any time, from inside a tick too
 * (an output that fails, a tap that hangs up): a removed participant gets
 * nothing more from the moment `remove` returns; the arrays are compacted
 * after the tick. Nothing is allocated per tick once the room has seen its
 * largest size and its codecs.
 */
import type { Codec, FrameEncoder } from '../../codecs/codec.js';
import { FRAME_SAMPLES, type AudioSink, type AudioSource } from '../device.js';
import { ConferenceMixer } from '../dsp/conference-mixer.js';
import { TalkerSelector, type TalkerSelectorOptions } from '../dsp/talker-selector.js';
import { DspMisuseError } from '../errors.js';

/** Where a participant's voice comes from: decoded, jitter-buffered, concealed PCM. */
export interface RoomInput {
  /** Fill `frame` (one frame) with the next 20 ms this participant says (silence when nothing came). */
  read(frame: Int16Array): void;
}

/** Where what a participant hears goes. */
export interface RoomOutput {
  /**
   * The codec the participant is sent in: participants hearing the shared
   * mix with the same codec get one shared payload. Without a codec, PCM
   * only (a local speaker, a recording).
   */
  readonly codec?: Codec | undefined;
  /**
   * The next 20 ms this participant hears: `frame` (reused: copy what you
   * keep) and, when the room encoded it once for several participants with
   * `codec`, that payload (send it as it is; also reused); otherwise
   * encode `frame` yourself.
   */
  write(frame: Int16Array, payload: Uint8Array | undefined): void;
}

/** Why a private prompt stopped. */
export type PlayEnd = 'end' | 'stopped' | 'removed';

export interface RoomParticipantOptions {
  readonly input: RoomInput;
  readonly output: RoomOutput;
  /** A name for logs and status. */
  readonly name?: string;
  /** Join muted (heard by no one until unmuted). */
  readonly muted?: boolean;
}

export interface ConferenceRoomOptions {
  /** Talkers heard at most (N, default 4). */
  readonly loudest?: number;
  /** The talkers' hysteresis (see `TalkerSelector`). */
  readonly selector?: Omit<TalkerSelectorOptions, 'talkers' | 'frameSamples'>;
  /** What a lone participant hears (music on hold), asked for when it is first alone; none: silence. */
  readonly hold?: (p: RoomParticipant) => AudioSource | undefined;
  /** Told when a participant's input or output throws (the participant is removed). */
  readonly onError?: (p: RoomParticipant, err: unknown) => void;
}

/** What the room did: the proof that mixes are shared. */
export interface RoomStats {
  readonly ticks: number;
  /** Shared-mix encodings (at most one per codec per tick). */
  readonly sharedEncodes: number;
  /** Frames given with a shared payload. */
  readonly sharedFrames: number;
  /** Frames the participants had to encode themselves (a talker's mix, a prompt, hold music, no codec). */
  readonly ownFrames: number;
}

/** One participant of a room (made by `ConferenceRoom.add`). */
export class RoomParticipant {
  /** Unique in its room, from 1. */
  readonly id: number;
  readonly name: string;
  /** Muted: never one of the talkers (it still hears). */
  muted: boolean;
  /** @internal */ removed = false;
  /** @internal */ readonly frame = new Int16Array(FRAME_SAMPLES);
  /** @internal */ readonly own = new Int16Array(FRAME_SAMPLES);
  /** @internal */ prompt: { source: AudioSource; done: ((why: PlayEnd) => void) | undefined } | undefined;
  /** @internal */ hold: AudioSource | null | undefined;
  /** @internal */ slot = -1;

  /** @internal */
  constructor(
    private readonly room: ConferenceRoom,
    id: number,
    readonly input: RoomInput,
    readonly output: RoomOutput,
    name: string,
    muted: boolean,
  ) {
    this.id = id;
    this.name = name;
    this.muted = muted;
  }

  /** Heard in the mix now (one of the talkers). */
  get talker(): boolean {
    return this.slot >= 0 && this.room.selector.talking(this.slot);
  }

  /** Speaking now (its level is above the floor), heard or not. */
  get speaking(): boolean {
    return this.slot >= 0 && !this.muted && this.room.selector.active(this.slot);
  }

  /** Its smoothed level, dBFS. */
  get levelDbfs(): number {
    return this.slot >= 0 ? this.room.selector.levelDbfs(this.slot) : -Infinity;
  }

  /** Still in the room. */
  get present(): boolean {
    return !this.removed;
  }
}

interface SharedEncoding {
  readonly encoder: FrameEncoder;
  readonly buf: Uint8Array;
  payload: Uint8Array | undefined;
  /** The tick `payload` was encoded in. */
  tick: number;
}

interface Announcement {
  readonly source: AudioSource;
  readonly done: ((why: PlayEnd) => void) | undefined;
}

/**
 * @example
 * const room = new ConferenceRoom({ loudest: 4 });
 * const alice = room.add({ input: { read: (f) => f.set(aliceDecoded) }, output: { codec: codecs.pcmu,
 *   write: (frame, payload) => sendToAlice(payload ?? aliceEncoder.encode(frame)) } });
 * setInterval(() => room.tick(), 20);   // one media clock for the room
 * alice.muted = true;
 * room.remove(alice);
 */
export class ConferenceRoom {
  readonly loudest: number;
  /** @internal */ readonly selector: TalkerSelector;
  /** Where the room's mix goes (a recording): every frame of the shared mix, announcements included. */
  record: AudioSink | undefined;
  private readonly mixer: ConferenceMixer;
  private readonly opts: ConferenceRoomOptions;
  private parts: RoomParticipant[] = [];
  private inputs: Int16Array[] = [];
  private power = new Float64Array(16);
  private eligible = new Uint8Array(16);
  private readonly shared = new Map<Codec, SharedEncoding>();
  private readonly cues: Announcement[] = [];
  private readonly cueFrame = new Int16Array(FRAME_SAMPLES);
  private nextId = 1;
  private ticking = false;
  private dirty = false;
  private readonly counters = { ticks: 0, sharedEncodes: 0, sharedFrames: 0, ownFrames: 0 };

  constructor(options: ConferenceRoomOptions = {}) {
    this.opts = options;
    this.loudest = options.loudest ?? 4;
    this.mixer = new ConferenceMixer({ loudest: this.loudest, frameLength: FRAME_SAMPLES });
    this.selector = new TalkerSelector({ ...options.selector, talkers: this.loudest });
  }

  /** Participants in the room, in the order they came. */
  get participants(): readonly RoomParticipant[] {
    return this.parts.filter((p) => !p.removed);
  }

  /** How many are in the room. */
  get size(): number {
    let n = 0;
    for (const p of this.parts) if (!p.removed) n++;
    return n;
  }

  /** The participants heard in the mix now. */
  get talkers(): RoomParticipant[] {
    return this.parts.filter((p) => !p.removed && p.talker);
  }

  get stats(): RoomStats {
    return { ...this.counters };
  }

  /** A new participant; it is heard and hears from the next tick on. */
  add(opts: RoomParticipantOptions): RoomParticipant {
    const p = new RoomParticipant(
      this,
      this.nextId++,
      opts.input,
      opts.output,
      opts.name ?? `participant ${this.nextId - 1}`,
      opts.muted ?? false,
    );
    this.parts.push(p);
    this.dirty = true;
    if (!this.ticking) this.compact();
    return p;
  }

  /** Take a participant out: nothing more is read from it or written to it. */
  remove(p: RoomParticipant): void {
    if (p.removed) return;
    p.removed = true;
    this.endPrompt(p, 'removed');
    const hold = p.hold;
    p.hold = undefined;
    if (hold) void hold.close().catch(() => undefined);
    this.dirty = true;
    if (!this.ticking) this.compact();
  }

  /**
   * Play `source` to `p` alone, over what it hears (a prompt: "you are
   * muted"); `done` is told why it stopped. Replaces a prompt playing.
   */
  play(p: RoomParticipant, source: AudioSource, done?: (why: PlayEnd) => void): void {
    if (p.removed) {
      done?.('removed');
      return;
    }
    this.endPrompt(p, 'stopped');
    p.prompt = { source, done };
  }

  /** Stop `p`'s prompt (its `done` is told `stopped`). */
  stopPlaying(p: RoomParticipant): void {
    this.endPrompt(p, 'stopped');
  }

  /** Play `source` to everyone, over the mix and into the recording (a join tone); queued after earlier ones. */
  announce(source: AudioSource, done?: (why: PlayEnd) => void): void {
    this.cues.push({ source, done });
  }

  /** Stop every announcement (their `done` is told `stopped`). */
  clearAnnouncements(): void {
    for (const c of this.cues.splice(0)) c.done?.('stopped');
  }

  /** Mix one frame for everyone: read, choose, mix, announce, record, deliver. */
  tick(): void {
    if (this.ticking) throw new DspMisuseError('ConferenceRoom.tick() called from inside a tick');
    this.ticking = true;
    try {
      this.counters.ticks++;
      this.run();
    } finally {
      this.ticking = false;
      if (this.dirty) this.compact();
    }
  }

  private run(): void {
    const parts = this.parts;
    const n = parts.length;
    const power = this.power;
    const eligible = this.eligible;
    for (let i = 0; i < n; i++) {
      const p = parts[i]!;
      if (!p.removed) {
        try {
          p.input.read(p.frame);
        } catch (err) {
          this.fail(p, err);
        }
      }
      if (p.removed) {
        p.frame.fill(0);
        power[i] = 0;
        eligible[i] = 0;
        continue;
      }
      power[i] = meanSquare(p.frame);
      eligible[i] = p.muted ? 0 : 1;
    }
    const sel = this.selector;
    sel.update(power, eligible);
    const mixer = this.mixer;
    mixer.mixChosen(this.inputs, sel.talkers, sel.count, sel.standIn);
    const shared = mixer.sharedOutput;
    if (this.cues.length > 0 && this.readCue()) {
      addInto(shared, this.cueFrame);
      for (let j = 0; j < sel.count; j++) addInto(mixer.output(sel.talkers[j]!), this.cueFrame);
    }
    const rec = this.record;
    if (rec !== undefined) {
      try {
        rec.write(shared);
      } catch {
        // A full disk ends the recording, not the conference; its owner finds out when it closes it.
        this.record = undefined;
      }
    }
    let live = 0;
    for (let i = 0; i < n; i++) if (!parts[i]!.removed) live++;
    const tick = this.counters.ticks;
    for (let i = 0; i < n; i++) {
      const p = parts[i]!;
      if (p.removed) continue;
      const heard = mixer.output(i);
      try {
        if (p.prompt !== undefined) {
          const out = p.own;
          if (!p.prompt.source.read(out)) {
            this.endPrompt(p, 'end');
            out.set(heard);
          } else addInto(out, heard);
          this.counters.ownFrames++;
          p.output.write(out, undefined);
        } else if (live === 1 && this.holdOf(p) !== null) {
          const out = p.own;
          if (!p.hold!.read(out)) out.fill(0);
          this.counters.ownFrames++;
          p.output.write(out, undefined);
        } else if (heard === shared && p.output.codec !== undefined) {
          this.counters.sharedFrames++;
          p.output.write(shared, this.encodeShared(p.output.codec, shared, tick));
        } else {
          this.counters.ownFrames++;
          p.output.write(heard, undefined);
        }
      } catch (err) {
        this.fail(p, err);
      }
    }
  }

  /** The hold source of a lone participant (asked for once), or null for silence. */
  private holdOf(p: RoomParticipant): AudioSource | null {
    if (p.hold === undefined) p.hold = this.opts.hold?.(p) ?? null;
    return p.hold;
  }

  private encodeShared(codec: Codec, frame: Int16Array, tick: number): Uint8Array {
    let s = this.shared.get(codec);
    if (s === undefined) {
      s = { encoder: codec.createEncoder(), buf: new Uint8Array(codec.bytesPerFrame), payload: undefined, tick: -1 };
      this.shared.set(codec, s);
    }
    if (s.tick !== tick || s.payload === undefined) {
      s.payload = s.encoder.encode(frame, s.buf);
      s.tick = tick;
      this.counters.sharedEncodes++;
    }
    return s.payload;
  }

  /** The next frame of the current announcement into `cueFrame`; false when none is left. */
  private readCue(): boolean {
    while (this.cues.length > 0) {
      const c = this.cues[0]!;
      if (c.source.read(this.cueFrame)) return true;
      this.cues.shift();
      c.done?.('end');
    }
    return false;
  }

  private endPrompt(p: RoomParticipant, why: PlayEnd): void {
    const pr = p.prompt;
    if (!pr) return;
    p.prompt = undefined;
    pr.done?.(why);
  }

  private fail(p: RoomParticipant, err: unknown): void {
    this.remove(p);
    this.opts.onError?.(p, err);
  }

  /** Drop the removed, take in the new: the arrays the mixer and the selector see. */
  private compact(): void {
    this.dirty = false;
    const sel = this.selector;
    const kept: RoomParticipant[] = [];
    for (let i = this.parts.length - 1; i >= 0; i--) {
      const p = this.parts[i]!;
      if (p.removed && p.slot >= 0) {
        sel.remove(p.slot);
        p.slot = -1;
      }
    }
    for (const p of this.parts) {
      if (p.removed) continue;
      if (p.slot < 0) p.slot = sel.add();
      kept.push(p);
    }
    // Slots follow the order of `kept` (removals shifted them down, additions came last).
    for (let i = 0; i < kept.length; i++) kept[i]!.slot = i;
    this.parts = kept;
    this.inputs = kept.map((p) => p.frame);
    if (kept.length > this.power.length) {
      this.power = new Float64Array(kept.length * 2);
      this.eligible = new Uint8Array(kept.length * 2);
    }
  }
}

/** Mean square of a frame: four samples a step, exact 32-bit squares. */
function meanSquare(x: Int16Array): number {
  let a = 0;
  let b = 0;
  let s = 0;
  const len = x.length;
  for (; s + 3 < len; s += 4) {
    const p = x[s]!;
    const q = x[s + 1]!;
    const r = x[s + 2]!;
    const t = x[s + 3]!;
    a += Math.imul(p, p) + Math.imul(q, q);
    b += Math.imul(r, r) + Math.imul(t, t);
  }
  for (; s < len; s++) a += x[s]! * x[s]!;
  return (a + b) / len;
}

/** out += x, saturated to 16 bits. */
function addInto(out: Int16Array, x: Int16Array): void {
  for (let s = 0; s < out.length; s++) {
    const v = out[s]! + x[s]!;
    out[s] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}
