/**
 * The phone's one microphone and one speaker shared by its calls, on the
 * media clock: each call gets a port (a source and a sink) from the router,
 * and once per 20 ms tick the router decides who hears what.
 *
 * - Outside a conference, the current call gets the microphone and the
 *   speaker; the others get silence, or hold music while we hold them.
 * - In a conference (two or more calls joined), the microphone and every
 *   member's received audio go through a `ConferenceEngine`: each member
 *   hears the others and the microphone, the speaker hears all members.
 * - A muted call gets no microphone (in a conference: the microphone is
 *   muted in the mix while any member is muted).
 * - While a call rings and none is current, the speaker plays a ring
 *   cadence (440 + 480 Hz, 2 s on, 4 s off).
 *
 * Each tick the router reads the microphone once, hands each port the frame
 * it will send (read by the call's own tick, in the same period), takes
 * what each call received since the last tick, mixes, and writes the
 * speaker once. A call's port that has received nothing since the last tick
 * counts as silence (its media has not started, or stopped).
 */
import { FRAME_SAMPLES, type AudioSink, type AudioSource } from '../../audio/device.js';
import type { MediaScheduler, MediaStream } from '../../rtp/media-scheduler.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { ConferenceEngine } from './conference.js';

/** One call's connection to the router: what it sends (source) and what it received (sink). */
interface Port {
  readonly id: number;
  readonly out: Int16Array;
  readonly heard: Int16Array;
  fresh: boolean;
  held: boolean;
  muted: boolean;
  music: AudioSource | undefined;
  closed: boolean;
}

export interface AudioRouterOptions {
  /** The microphone (a device, a file, a tone, silence). */
  readonly input: AudioSource;
  /** The speaker (a device, a recording, null). */
  readonly output: AudioSink;
  readonly scheduler: MediaScheduler;
  /** A new source of hold music for a call we hold (undefined: silence). */
  readonly holdMusic?: () => Promise<AudioSource | undefined>;
  /** Makes the conference engine (`mixerConference`: the four loudest at unity gain). */
  readonly engine: () => ConferenceEngine;
  readonly log?: Logger;
}

/** 440 + 480 Hz at -16 dBFS each, 2 s on and 4 s off (the North American ring cadence). */
class RingCadence {
  private n = 0;
  fill(frame: Int16Array): void {
    const period = 6 * 8000;
    for (let i = 0; i < frame.length; i++, this.n++) {
      const t = this.n % period;
      frame[i] =
        t < 16000
          ? Math.round(2600 * (Math.sin((2 * Math.PI * 440 * t) / 8000) + Math.sin((2 * Math.PI * 480 * t) / 8000)))
          : 0;
    }
  }
}

/**
 * @example
 * const router = new AudioRouter({ input: mic, output: speaker, scheduler, engine: () => new MixerConference() });
 * const port = router.port(1);                 // give port.source and port.sink to call 1
 * router.current = 1;                          // it gets the microphone and the speaker
 * router.join([1, 2]);                         // a conference of calls 1 and 2
 */
export class AudioRouter {
  /** The call that has the microphone and the speaker (outside a conference). */
  current: number | undefined;
  /** The ring cadence plays on the speaker while nothing is current. */
  ringing = false;
  private readonly ports = new Map<number, Port>();
  private readonly members: number[] = [];
  private engine: ConferenceEngine | undefined;
  private readonly mic = new Int16Array(FRAME_SAMPLES);
  private readonly speaker = new Int16Array(FRAME_SAMPLES);
  private readonly silence = new Int16Array(FRAME_SAMPLES);
  private readonly ring = new RingCadence();
  private readonly stream: MediaStream;
  private readonly log: Logger;
  private inputs: Int16Array[] = [];
  private closed = false;

  constructor(private readonly o: AudioRouterOptions) {
    this.log = o.log ?? silentLogger;
    this.stream = o.scheduler.add(() => this.tick());
  }

  /** The calls in the conference, in the order they joined. */
  get conference(): readonly number[] {
    return this.members;
  }

  /** A call's port: `source` (what the call sends) and `sink` (what it receives); closing both detaches it. */
  port(id: number): { source: AudioSource; sink: AudioSink } {
    const p: Port = {
      id,
      out: new Int16Array(FRAME_SAMPLES),
      heard: new Int16Array(FRAME_SAMPLES),
      fresh: false,
      held: false,
      muted: false,
      music: undefined,
      closed: false,
    };
    this.ports.set(id, p);
    let open = 2;
    const detach = async () => {
      if (--open > 0) return;
      await this.detach(id);
    };
    return {
      source: {
        uri: `phone:call/${id}`,
        read: (frame) => {
          frame.set(p.out);
          return true;
        },
        close: detach,
      },
      sink: {
        uri: `phone:call/${id}`,
        write: (frame) => {
          p.heard.set(frame);
          p.fresh = true;
        },
        close: detach,
      },
    };
  }

  /** We hold the call (it gets hold music or silence), or take it off hold. */
  setHeld(id: number, held: boolean): void {
    const p = this.ports.get(id);
    if (!p || p.held === held) return;
    p.held = held;
    if (!held) {
      const m = p.music;
      p.music = undefined;
      void m?.close().catch(() => {});
      return;
    }
    void this.o.holdMusic?.().then(
      (m) => {
        if (p.held && !p.closed && !this.closed) p.music = m;
        else void m?.close().catch(() => {});
      },
      (err: Error) => this.log.warn(`hold music: ${err.message}`),
    );
  }

  /** Send the call no microphone (or the microphone again). */
  setMuted(id: number, muted: boolean): void {
    const p = this.ports.get(id);
    if (p) p.muted = muted;
  }

  isMuted(id: number): boolean {
    return this.ports.get(id)?.muted ?? false;
  }

  /** Join calls into the conference (with those already in it). */
  join(ids: readonly number[]): void {
    for (const id of ids) if (this.ports.has(id) && !this.members.includes(id)) this.members.push(id);
    this.engine ??= this.o.engine();
  }

  /** A call leaves the conference; with fewer than two members left it is no conference. */
  leave(id: number): void {
    const i = this.members.indexOf(id);
    if (i >= 0) this.members.splice(i, 1);
    if (this.members.length < 2) {
      const last = this.members.pop();
      this.engine = undefined;
      if (last !== undefined) this.current = last;
    }
  }

  private async detach(id: number): Promise<void> {
    const p = this.ports.get(id);
    if (!p) return;
    p.closed = true;
    this.ports.delete(id);
    if (this.current === id) this.current = undefined;
    this.leave(id);
    await p.music?.close().catch(() => {});
  }

  private tick(): void {
    if (this.closed) return;
    try {
      if (!this.o.input.read(this.mic)) this.mic.fill(0);
    } catch (err) {
      this.log.error(`microphone ${this.o.input.uri}: ${(err as Error).message}`);
      this.mic.fill(0);
    }
    const conference = this.engine !== undefined && this.members.length >= 2;
    if (conference) this.mixConference();
    else this.route();
    for (const p of this.ports.values()) {
      if (conference && this.members.includes(p.id)) continue;
      if (!conference && p.id === this.current) continue;
      if (p.held && p.music) {
        if (!p.music.read(p.out)) p.out.fill(0);
      } else p.out.fill(0);
    }
    for (const p of this.ports.values()) p.fresh = false;
    try {
      this.o.output.write(this.speaker);
    } catch (err) {
      this.log.error(`speaker ${this.o.output.uri}: ${(err as Error).message}`);
    }
  }

  /** Outside a conference: the current call and the microphone, the speaker and the current call. */
  private route(): void {
    const p = this.current === undefined ? undefined : this.ports.get(this.current);
    if (!p) {
      if (this.ringing) this.ring.fill(this.speaker);
      else this.speaker.fill(0);
      return;
    }
    this.speaker.set(p.fresh ? p.heard : this.silence);
    p.out.set(p.muted ? this.silence : this.mic);
  }

  private mixConference(): void {
    const engine = this.engine!;
    const n = this.members.length + 1;
    if (this.inputs.length !== n)
      this.inputs = Array.from({ length: n }, (_, i) => this.inputs[i] ?? new Int16Array(FRAME_SAMPLES));
    const muted = this.members.some((id) => this.ports.get(id)?.muted);
    this.inputs[0]!.set(muted ? this.silence : this.mic);
    for (let i = 0; i < this.members.length; i++) {
      const p = this.ports.get(this.members[i]!)!;
      this.inputs[i + 1]!.set(p.fresh ? p.heard : this.silence);
    }
    engine.mix(this.inputs);
    this.speaker.set(engine.output(0));
    for (let i = 0; i < this.members.length; i++) this.ports.get(this.members[i]!)!.out.set(engine.output(i + 1));
  }

  /** Stop the tick and close the microphone, the speaker and any hold music. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.stop();
    const music = [...this.ports.values()].map((p) => p.music?.close().catch(() => {}));
    await Promise.all([
      ...music,
      this.o.input.close().catch(() => {}),
      this.o.output.close().catch((err: Error) => this.log.error(`cannot finish ${this.o.output.uri}: ${err.message}`)),
    ]);
  }
}
