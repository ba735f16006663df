/**
 * Two RTP sessions joined through a SimNetwork in virtual time, each driven
 * by the production Driver and a media scheduler on the same virtual clock:
 * every 20 ms a side sends a frame carrying its index and pulls one playout
 * frame from its jitter buffer.
 */
import { Driver } from '../../../src/clock/drive.js';
import { TimerMediaScheduler, type MediaStream } from '../../../src/rtp/media-scheduler.js';
import { RtpSession } from '../../../src/rtp/rtp-session.js';
import type {
  RtpSessionEvent,
  RtpSessionOptions,
  RtpTransmit,
  TransportAddress,
} from '../../../src/rtp/rtp-session-types.js';
import { Random } from '../../../src/sim/random.js';
import { SimNetwork, type LinkProfile, type SimSocket } from '../../../src/sim/network.js';
import { VirtualScheduler } from '../../../src/sim/scheduler.js';

export interface Side {
  session: RtpSession;
  driver: Driver<RtpTransmit, RtpSessionEvent>;
  rtp: SimSocket;
  rtcp?: SimSocket;
  events: RtpSessionEvent[];
  /** Indices of frames played from the jitter buffer (-1 conceal, -2 silence). */
  played: number[];
  /** Frame index to send next; undefined: send nothing (silence). */
  next: (n: number) => Uint8Array | undefined;
  stream?: MediaStream;
  sending: boolean;
}

export interface SimCallOptions {
  seed?: number;
  profile?: LinkProfile;
  a?: Partial<RtpSessionOptions>;
  b?: Partial<RtpSessionOptions>;
  /** Where A believes B is (default: B's real address). */
  aRemote?: TransportAddress;
  /** B's socket host (default 10.0.0.2). */
  bHost?: string;
  rtcpMux?: boolean;
}

export function frame(i: number): Uint8Array {
  const p = new Uint8Array(160);
  new DataView(p.buffer).setUint32(0, i);
  return p;
}

export function indexOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset).getUint32(0);
}

export class SimCall {
  readonly vs = new VirtualScheduler();
  readonly net: SimNetwork;
  readonly media: TimerMediaScheduler;
  readonly a: Side;
  readonly b: Side;

  constructor(readonly o: SimCallOptions = {}) {
    this.net = new SimNetwork(this.vs, o.seed ?? 1, o.profile ?? { delayMs: 20 });
    this.media = new TimerMediaScheduler(this.vs.clock, this.vs);
    const rng = new Random((o.seed ?? 1) * 7919);
    const bHost = o.bHost ?? '10.0.0.2';
    const mux = o.rtcpMux ?? false;
    const aAddr = { address: '10.0.0.1', port: 4000 };
    const bAddr = { address: bHost, port: 5000 };
    const base = (remote: TransportAddress): RtpSessionOptions => ({
      remoteRtp: remote,
      payloadType: 0,
      clockRate: 8000,
      telephoneEventPayloadType: 101,
      rtcpMux: mux,
      random: () => rng.next(),
      rtcpIntervalMs: 5000,
    });
    this.a = this.side({ ...base(o.aRemote ?? bAddr), ...o.a }, aAddr, mux);
    this.b = this.side({ ...base(aAddr), ...o.b }, bAddr, mux);
  }

  private side(opts: RtpSessionOptions, addr: TransportAddress, mux: boolean): Side {
    const session = new RtpSession(opts);
    const side = {} as Side;
    side.session = session;
    side.events = [];
    side.played = [];
    side.sending = true;
    side.next = (n) => frame(n);
    const rtp = this.net.bind(addr.address, addr.port, (data, from) =>
      side.driver.input((now) => side.session.handleDatagram(data, from, now, 'rtp')),
    );
    const rtcp = mux
      ? undefined
      : this.net.bind(addr.address, addr.port + 1, (data, from) =>
          side.driver.input((now) => side.session.handleDatagram(data, from, now, 'rtcp')),
        );
    side.rtp = rtp;
    if (rtcp) side.rtcp = rtcp;
    side.driver = this.driver(side);
    return side;
  }

  private driver(side: Side): Driver<RtpTransmit, RtpSessionEvent> {
    return new Driver(
      side.session,
      {
        transmit: (t) => (t.channel === 'rtcp' && side.rtcp ? side.rtcp : side.rtp).send(t.data, t.to),
        event: (e) => side.events.push(e),
      },
      this.vs.clock,
      this.vs,
    );
  }

  /** Replace a side's session (e.g. the peer restarts its stream: a new SSRC) on the same sockets. */
  replaceSession(side: Side, opts: RtpSessionOptions): void {
    side.driver.close();
    side.session = new RtpSession(opts);
    side.driver = this.driver(side);
  }

  /** Start both sides' media ticks: send frame n, pull one playout frame. */
  start(frames: number): void {
    for (const side of [this.a, this.b]) {
      side.stream = this.media.add(({ n, now }) => {
        if (side.session.isClosed) return;
        if (n < frames) {
          const payload = side.sending ? side.next(n) : undefined;
          side.driver.input((t) => side.session.sendFrame(payload, t));
        }
        const jb = side.session.jitterBuffer;
        if (jb) {
          const f = jb.pull(now);
          side.played.push(f.kind === 'audio' ? indexOf(f.packet.payload) : f.kind === 'conceal' ? -1 : -2);
        }
      });
    }
  }

  run(ms: number): void {
    this.vs.runFor(ms);
  }

  stop(): void {
    this.a.stream?.stop();
    this.b.stream?.stop();
    this.a.driver.close();
    this.b.driver.close();
    this.media.close();
  }
}
