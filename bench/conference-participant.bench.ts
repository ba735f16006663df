/**
 * The work of a conference server per participant and 20 ms, without the
 * sockets: what `conference.participants_per_core` pays in JavaScript beside
 * the kernel's receive and send, against the same for the echo.
 *
 * conference.participant_frame_us: rooms of 10 (3 talking a tone each, 7
 * silent, as `serve-conference.bench.ts` loads them), PCMU; per participant
 * and frame: one RTP packet into its `MediaSession` (parse, latch, RTCP
 * statistics, jitter buffer), then the room's tick as `src/app/conference.ts`
 * drives it (the session's playout: jitter buffer, decode, PLC, the quiet
 * test; power, talkers, mix, the shared encoding) and the participant's RTP
 * packet out to a channel that drops it. RTCP and the sessions' timers run
 * on the same virtual clock.
 *
 * echo.packet_us: the same for an echo call (`MediaSession` in `reflect`
 * mode): one packet in, reflected. `conference.participant_vs_echo_work` is
 * the ratio of the two.
 *
 * Each figure is the process's CPU time per participant (or call) and
 * frame: the median over batches of 50 frames (1 s of media) for 500
 * participants or calls, the best of five such runs, alternating.
 */
import { ConferenceRoom } from '../src/audio/conference/room.js';
import { MediaSession } from '../src/app/media-session.js';
import type { MediaPlatform } from '../src/app/media-platform.js';
import { PCMU } from '../src/codecs/g711.js';
import { TimerMediaScheduler } from '../src/rtp/media-scheduler.js';
import type { DatagramHandler, RtpChannel } from '../src/rtp/rtp-channel.js';
import { writeRtp } from '../src/rtp/rtp-packet.js';
import type { NegotiatedMedia } from '../src/sdp/offer-answer.js';
import { VirtualScheduler } from '../src/sim/scheduler.js';
import { note, report } from './lib/report.js';

const N = 500;
const ROOM = 10;
const BATCH_FRAMES = 50;
const BATCHES = 15;

class DropChannel implements RtpChannel {
  onDatagram: DatagramHandler | undefined;
  onError: ((err: Error) => void) | undefined;
  readonly ownDatagrams = true;
  readonly mapped = undefined;
  sent = 0;
  constructor(readonly port: number) {}
  get address(): string {
    return '127.0.0.1';
  }
  get rtcpPort(): number {
    return this.port + 1;
  }
  send(): void {
    this.sent++;
  }
  async close(): Promise<void> {}
}

const vs = new VirtualScheduler(1000);
const platform: MediaPlatform = {
  clock: vs.clock,
  timers: vs,
  scheduler: new TimerMediaScheduler(vs.clock, vs),
  wallClockOffsetMs: () => 1_700_000_000_000,
  openRtp: () => Promise.reject(new Error('not here')),
};

function negotiated(peerPort: number): NegotiatedMedia {
  return {
    index: 0,
    remoteRtp: { address: '127.0.0.1', port: peerPort },
    remoteRtcp: { address: '127.0.0.1', port: peerPort + 1 },
    send: { name: 'PCMU', clockRate: 8000, payloadType: 0 },
    formats: [{ name: 'PCMU', clockRate: 8000, payloadType: 0 }],
    receive: new Map([
      [0, { name: 'PCMU', clockRate: 8000 }],
      [101, { name: 'telephone-event', clockRate: 8000 }],
    ]),
    telephoneEvent: { name: 'telephone-event', clockRate: 8000, payloadType: 101 },
    direction: 'sendrecv',
    remoteHold: false,
    rtcpMux: false,
  };
}

/** What participant `i` sends: a tone for three of each ten, silence for the rest (PCMU payloads of 20 ms). */
function payloads(i: number): Uint8Array[] {
  const enc = PCMU.createEncoder();
  const talker = i % ROOM < 3;
  const hz = 600 + 400 * (i % ROOM);
  return Array.from({ length: 50 }, (_, f) =>
    enc
      .encode(
        Int16Array.from({ length: 160 }, (_, s) =>
          talker ? Math.round(8000 * Math.sin((2 * Math.PI * hz * (f * 160 + s)) / 8000)) : 0,
        ),
      )
      .slice(),
  );
}

/**
 * A peer's stream into one session: its 50 packets built once, their
 * sequence number and timestamp stamped in place before each is handed
 * over (the session keeps a few: a ring of 16 copies), so the peer's own
 * cost stays out of the figures.
 */
class Peer {
  private readonly ring: Uint8Array[];
  private seq = 1000;
  private ts = 0;
  private k = 0;
  constructor(
    private readonly channel: DropChannel,
    media: readonly Uint8Array[],
    ssrc: number,
    private readonly from: { address: string; port: number },
  ) {
    this.ring = Array.from({ length: 16 }, (_, i) => {
      const b = new Uint8Array(12 + 160);
      writeRtp(
        {
          marker: false,
          payloadType: 0,
          sequenceNumber: 0,
          timestamp: 0,
          ssrc,
          csrcs: [],
          payload: media[i % media.length]!,
          padding: 0,
        },
        b,
        0,
      );
      return b;
    });
  }
  sendOne(): void {
    const b = this.ring[this.k++ & 15]!;
    const seq = this.seq++ & 0xffff;
    const ts = this.ts >>> 0;
    b[2] = seq >> 8;
    b[3] = seq & 0xff;
    b[4] = ts >>> 24;
    b[5] = (ts >>> 16) & 0xff;
    b[6] = (ts >>> 8) & 0xff;
    b[7] = ts & 0xff;
    this.ts += 160;
    this.channel.onDatagram?.(b, this.from, 'rtp');
  }
}

interface Setup {
  readonly frame: () => void;
  readonly sessions: MediaSession[];
}

function conference(): Setup {
  const sessions: MediaSession[] = [];
  const peers: Peer[] = [];
  const rooms: ConferenceRoom[] = [];
  for (let i = 0; i < N; i++) {
    if (i % ROOM === 0) rooms.push(new ConferenceRoom());
    const channel = new DropChannel(20000 + 2 * i);
    const from = { address: '127.0.0.1', port: 40000 + 2 * i };
    const media = new MediaSession({ negotiated: negotiated(from.port), channel, platform });
    media.start();
    const port = media.borrow();
    rooms.at(-1)!.add({
      input: { read: (frame) => port.receive(frame, vs.clock.now()) },
      output: { codec: PCMU, write: (frame, payload) => port.send(frame, payload) },
    });
    sessions.push(media);
    peers.push(new Peer(channel, payloads(i), 0x1000 + i, from));
  }
  return {
    sessions,
    frame: () => {
      vs.runFor(20);
      for (const p of peers) p.sendOne();
      for (const r of rooms) r.tick();
    },
  };
}

function echo(): Setup {
  const sessions: MediaSession[] = [];
  const peers: Peer[] = [];
  for (let i = 0; i < N; i++) {
    const channel = new DropChannel(30000 + 2 * i);
    const from = { address: '127.0.0.1', port: 50000 + 2 * i };
    const media = new MediaSession({ negotiated: negotiated(from.port), channel, platform, mode: 'reflect' });
    media.start();
    sessions.push(media);
    peers.push(new Peer(channel, payloads(i), 0x2000 + i, from));
  }
  return {
    sessions,
    frame: () => {
      vs.runFor(20);
      for (const p of peers) p.sendOne();
    },
  };
}

/** µs per participant and frame: the median over batches, after a warm-up of 3 s of media. */
function measure(s: Setup): number {
  for (let f = 0; f < 150; f++) s.frame();
  const per: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    // CPU time, not wall time: another process taking the core does not count (the GC's threads do).
    const t0 = process.cpuUsage();
    for (let f = 0; f < BATCH_FRAMES; f++) s.frame();
    const used = process.cpuUsage(t0);
    per.push((used.user + used.system) / (BATCH_FRAMES * N));
  }
  return per.sort((x, y) => x - y)[per.length >> 1]!;
}

const conf = conference();
const echoes = echo();
// Alternate, so both see the same machine.
const c: number[] = [];
const e: number[] = [];
for (let r = 0; r < 5; r++) {
  c.push(measure(conf));
  e.push(measure(echoes));
}
const best = (xs: number[]) => Math.min(...xs);
const played = conf.sessions.reduce((n, m) => n + m.played.audio, 0);
note(`${N} participants in rooms of ${ROOM} and ${N} echo calls, virtual time; ${played} frames played`);
report('conference.participant_frame_us', best(c), 'us');
report('echo.packet_us', best(e), 'us');
report('conference.participant_vs_echo_work', best(c) / best(e), 'x');
for (const m of [...conf.sessions, ...echoes.sessions]) void m.close();
