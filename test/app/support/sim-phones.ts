/**
 * Phones on a simulated network in virtual time: SIP over `SimNetwork`
 * (the SIP tests' transports), RTP over `SimNetwork` sockets, and one media
 * scheduler on the world's virtual clock — a whole call, with loss and
 * jitter, in milliseconds of CPU.
 */
import type { MediaPlatform, OpenRtpOptions } from '../../../src/app/media-platform.js';
import type { DatagramHandler, RtpChannel, RtpChannelKind } from '../../../src/rtp/rtp-channel.js';
import { Phone, type PhoneOptions } from '../../../src/app/phone.js';
import type { CodecId } from '../../../src/codecs/codec.js';
import type { AudioSink, AudioSource } from '../../../src/audio/device.js';
import { ToneDetector, type ToneEvent } from '../../../src/audio/dsp/tone-detector.js';
import { ToneBin } from '../../../src/audio/dsp/tone-bin.js';
import { TimerMediaScheduler } from '../../../src/rtp/media-scheduler.js';
import type { TransportAddress } from '../../../src/rtp/rtp-session-types.js';
import { Random } from '../../../src/sim/random.js';
import type { SimNetwork, SimSocket } from '../../../src/sim/network.js';
import { VirtualWorld } from '../../sip/support/sim-ua.js';

class SimRtpChannel implements RtpChannel {
  onDatagram: DatagramHandler | undefined;
  onError: ((err: Error) => void) | undefined;
  readonly mapped = undefined;
  private readonly rtp: SimSocket;
  private readonly rtcp: SimSocket;
  closed = false;

  constructor(
    net: SimNetwork,
    readonly address: string,
    readonly port: number,
  ) {
    this.rtp = net.bind(address, port, (d, from) => this.onDatagram?.(d, from, 'rtp'));
    this.rtcp = net.bind(address, port + 1, (d, from) => this.onDatagram?.(d, from, 'rtcp'));
  }
  get rtcpPort(): number {
    return this.port + 1;
  }
  send(data: Uint8Array, to: TransportAddress, channel: RtpChannelKind): void {
    if (this.closed) return;
    (channel === 'rtcp' ? this.rtcp : this.rtp).send(data, to);
  }
  async close(): Promise<void> {
    this.closed = true;
    this.rtp.close();
    this.rtcp.close();
  }
}

/** The 8 kHz codecs, in shtoom's order. */
export const NARROWBAND: readonly CodecId[] = ['pcmu', 'pcma', 'gsm'];

export class PhoneWorld extends VirtualWorld {
  readonly media = new TimerMediaScheduler(this.scheduler.clock, this.scheduler);
  private nextPort = new Map<string, number>();
  readonly channels: SimRtpChannel[] = [];

  platform(): MediaPlatform {
    return {
      clock: this.scheduler.clock,
      timers: this.scheduler,
      scheduler: this.media,
      wallClockOffsetMs: () => 1_700_000_000_000,
      openRtp: async (o: OpenRtpOptions) => {
        const port = this.nextPort.get(o.address) ?? 20000;
        this.nextPort.set(o.address, port + 2);
        const ch = new SimRtpChannel(this.net, o.address, port);
        this.channels.push(ch);
        return ch;
      },
    };
  }

  /**
   * A phone on `host` (SIP on port 5060 there, RTP from port 20000). It
   * speaks the 8 kHz codecs unless `codecs` says otherwise: the tests built
   * on it check 8 kHz audio (tones up to 3.9 kHz); wideband calls have
   * their own (test/app/wideband-call.test.ts).
   */
  async phone(host: string, opts: Partial<PhoneOptions> & { aor?: string } = {}): Promise<Phone> {
    const ua = await this.ua(host, { aor: opts.aor ?? `sip:${host.replace(/\./g, '-')}@${host}` });
    const r = new Random(host.length * 7 + host.charCodeAt(host.length - 1));
    return Phone.create({
      ua,
      platform: this.platform(),
      codecs: NARROWBAND,
      ...opts,
      media: {
        address: host,
        rtcpMux: true,
        ...opts.media,
        rtp: { rtcpIntervalMs: 1000, random: () => r.next(), ...opts.media?.rtp },
      },
    });
  }
}

/** A source of endless frames made by `fill(frame, n)`. */
export function generated(uri: string, fill: (frame: Int16Array, n: number) => void): AudioSource {
  let n = 0;
  return {
    uri,
    read: (f) => {
      fill(f, n++);
      return true;
    },
    close: async () => {},
  };
}

/** A sine source. */
export function sine(freq: number, amplitude = 8000): AudioSource {
  let phase = 0;
  const w = (2 * Math.PI * freq) / 8000;
  return generated(`tone:${freq}`, (f) => {
    for (let i = 0; i < f.length; i++) {
      f[i] = Math.round(amplitude * Math.sin(phase));
      phase += w;
    }
    phase %= 2 * Math.PI;
  });
}

/** A source that gives `frames` frames of a sine, then ends. */
export function finite(freq: number, frames: number): AudioSource {
  const s = sine(freq);
  let left = frames;
  return {
    uri: `tone:${freq}x${frames}`,
    read: (f) => {
      if (left-- > 0) return s.read(f);
      f.fill(0);
      return false;
    },
    close: async () => {},
  };
}

/** A sink that keeps everything written, and finds tones in it. */
export class CaptureSink implements AudioSink {
  readonly uri = 'capture:';
  readonly frames: Int16Array[] = [];
  closed = false;
  write(frame: Int16Array): void {
    this.frames.push(frame.slice());
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  samples(): Int16Array {
    const out = new Int16Array(this.frames.length * 160);
    for (const [i, f] of this.frames.entries()) out.set(f, i * 160);
    return out;
  }
  /** Tone events for `freqs` in what was received. */
  tones(freqs: readonly number[]): ToneEvent[] {
    const det = new ToneDetector(freqs.map((f) => ({ name: String(f), freqs: [f] })));
    det.process(this.samples());
    det.flush();
    const out: ToneEvent[] = [];
    for (let e = det.pollEvent(); e; e = det.pollEvent()) out.push(e);
    return out;
  }
  /**
   * Seconds (in 50 ms blocks) during which `freq` is present at an amplitude
   * of at least `min`, whatever else sounds with it: for mixes, where the
   * tone detector (which wants one clean tone) hears nothing.
   */
  presence(freq: number, min = 1500): number {
    const x = this.samples();
    const bin = new ToneBin(freq, 8000, 400);
    let blocks = 0;
    for (let i = 0; i + 400 <= x.length; i += 400) {
      bin.measure(x, i);
      if (bin.amplitude() >= min) blocks++;
    }
    return blocks * 0.05;
  }

  /** Seconds during which `freq` sounded. */
  toneSeconds(freq: number): number {
    return this.tones([freq])
      .filter((e) => e.type === 'end')
      .reduce((s, e) => s + (e.duration ?? 0) / 8000, 0);
  }
}
