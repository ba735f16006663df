/**
 * SRTP costs (RFC 3711, RFC 7714 through `node:crypto`):
 * - `srtp.protect_unprotect_pps.SUITE`: a 20 ms PCMU packet (172 bytes)
 *   protected by one session and unprotected by its peer, packets per
 *   second of one core, for each suite;
 * - `serve.echo_core_packet_us.plain` and `.srtp`: the echo's per-packet
 *   work in process, as `shtoom serve echo` does it (a reflecting RTP
 *   session on a channel: the datagram in, the re-originated packet out),
 *   without and with the SRTP channel in the path, microseconds per packet,
 *   in the same run. Sockets are left out (they cost the same either way
 *   and dominate the plain echo): the capacity climb below is the figure
 *   that counts them.
 * - `serve.echo_concurrent_calls` and `serve.echo_concurrent_calls_srtp`:
 *   the capacity climb of `serve-echo.bench.ts` (same criteria: nothing
 *   lost, round-trip p99 under 10 ms, generator lateness p99 under 2 ms)
 *   against one `shtoom serve echo --srtp optional
 *   --srtp-allow-insecure-keys`, first with plain RTP calls, then with
 *   AES_CM_128_HMAC_SHA1_80 calls (the load generator protects and checks
 *   its own packets too, on the same 2 cores). Steps as
 *   SHTOOM_BENCH_SERVE_STEPS / SHTOOM_BENCH_SERVE_MAX / SHTOOM_BENCH_SERVE_SECONDS;
 *   SHTOOM_BENCH_SRTP_CAPACITY=0 skips the climb.
 */
import { SrtpChannel } from '../src/rtp/srtp/srtp-channel.js';
import { SrtpSession } from '../src/rtp/srtp/srtp-session.js';
import { DEFAULT_SRTP_SUITES, SRTP_SUITES, type SrtpSuiteName } from '../src/rtp/srtp/srtp-suites.js';
import type { RtpChannel } from '../src/rtp/rtp-channel.js';
import { writeRtp } from '../src/rtp/rtp-packet.js';
import { RtpSession } from '../src/rtp/rtp-session.js';
import { UserAgent } from '../src/sip/api/user-agent.js';
import { echoBehaviour, echoLine, echoOk, echoStep, loadServerArgs, startServe, threadEcho } from './lib/echo-load.js';
import { climb, LoadGenerator } from './lib/load-generator.js';
import { freePort } from './lib/ports.js';
import { medianUsPerOp, note, opsPerSecond, report } from './lib/report.js';

const payload = new Uint8Array(160).fill(0x55);

function keys(suite: SrtpSuiteName, v: number) {
  const s = SRTP_SUITES[suite];
  return { key: new Uint8Array(s.keyLength).fill(v), salt: new Uint8Array(s.saltLength).fill(v + 1) };
}

function packet(seq: number, ssrc: number): Uint8Array {
  const buf = new Uint8Array(172);
  writeRtp(
    {
      marker: false,
      payloadType: 0,
      sequenceNumber: seq & 0xffff,
      timestamp: (seq * 160) >>> 0,
      ssrc,
      csrcs: [],
      payload,
      padding: 0,
    },
    buf,
    0,
  );
  return buf;
}

let sink = 0;
for (const suite of DEFAULT_SRTP_SUITES) {
  const a = new SrtpSession({ suite, local: keys(suite, 1), remote: keys(suite, 2) });
  const b = new SrtpSession({ suite, local: keys(suite, 2), remote: keys(suite, 1) });
  let seq = 0;
  const pps = opsPerSecond(
    () => {
      for (let i = 0; i < 200; i++) sink += b.unprotectRtp(a.protectRtp(packet(seq++, 0x1234)))!.length;
    },
    200,
    1500,
  );
  report(`srtp.protect_unprotect_pps.${suite}`, Math.round(pps), 'packets/s');
  if (b.stats().authFailed !== 0) throw new Error(`${suite}: packets failed authentication`);
}

/** A channel that hands the echo's output to `sent` and lets the bench deliver datagrams. */
function loopChannel(): RtpChannel & { deliver(d: Uint8Array): void; last: Uint8Array | undefined } {
  const from = { address: '127.0.0.1', port: 40000 };
  const ch = {
    address: '127.0.0.1',
    port: 20000,
    rtcpPort: undefined,
    mapped: undefined,
    ownDatagrams: true,
    onDatagram: undefined as RtpChannel['onDatagram'],
    onError: undefined,
    last: undefined as Uint8Array | undefined,
    send(data: Uint8Array) {
      ch.last = data;
    },
    deliver(d: Uint8Array) {
      ch.onDatagram?.(d, from, 'rtp');
    },
    close: async () => {},
  };
  return ch;
}

/** Microseconds per echoed packet, through `channel` (plain, or SRTP on top of the loop). */
function echoCost(srtp: { peer: SrtpSession; mine: SrtpSession } | undefined): number {
  const loop = loopChannel();
  const channel = srtp ? new SrtpChannel(loop, srtp.mine, true) : loop;
  const session = new RtpSession({
    remoteRtp: { address: '127.0.0.1', port: 40000 },
    payloadType: 0,
    clockRate: 8000,
    rtcpIntervalMs: 0,
    rtcpMux: true,
    jitterBuffer: false,
    reflect: { samplesOf: () => 160, inPlace: true },
    latch: { mode: 'any' },
  });
  // What RtpLink does per datagram: the session takes it, its transmits go out of the channel.
  channel.onDatagram = (data, from, kind) => {
    session.handleDatagram(data, from, now, kind);
    for (let t = session.pollTransmit(); t; t = session.pollTransmit()) channel.send(t.data, t.to, 'rtp');
  };
  let now = 0;
  let seq = 0;
  return medianUsPerOp(() => {
    now += 20;
    const p = packet(seq++, 0x5678);
    loop.deliver(srtp ? srtp.peer.protectRtp(p) : p);
    // The caller's side checks the echo too (its cost is the peer's, not the server's: subtracted below).
    sink += loop.last?.length ?? 0;
  });
}

const suite: SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80';
const plain = echoCost(undefined);
const peer = new SrtpSession({ suite, local: keys(suite, 3), remote: keys(suite, 4) });
const mine = new SrtpSession({ suite, local: keys(suite, 4), remote: keys(suite, 3) });
const withPeer = echoCost({ peer, mine });
// The peer's protect is in the timed loop: take its own cost out.
let pseq = 0;
const peerOnly = medianUsPerOp(() => {
  sink += peer.protectRtp(packet(pseq++, 0x9abc)).length;
});
const srtpEcho = Math.max(withPeer - peerOnly, plain);
if (mine.stats().authFailed !== 0 || mine.stats().received.rtp.ok === 0) throw new Error('the SRTP echo did not echo');
report('serve.echo_core_packet_us.plain', plain, 'us');
report('serve.echo_core_packet_us.srtp', srtpEcho, 'us');
note(`echo core per packet, without sockets: ${plain.toFixed(2)} us plain, ${srtpEcho.toFixed(2)} us with ${suite}`);
if (sink === 0) note('');

if (process.env.SHTOOM_BENCH_SRTP_CAPACITY !== '0') {
  const SECONDS = Number(process.env.SHTOOM_BENCH_SERVE_SECONDS ?? 10);
  const MAX = Number(process.env.SHTOOM_BENCH_SERVE_MAX ?? 1000);
  const STEPS = process.env.SHTOOM_BENCH_SERVE_STEPS
    ? process.env.SHTOOM_BENCH_SERVE_STEPS.split(',').map(Number)
    : [50, 100, 200, 400, 600, 800, 1000, 1200, 1500].filter((n) => n <= MAX);
  const port = await freePort();
  const server = await startServe([
    ...loadServerArgs('echo', port, 'error'),
    '--srtp',
    'optional',
    '--srtp-allow-insecure-keys',
  ]);
  const ua = await UserAgent.create({ listen: 'udp:127.0.0.1:0', aor: 'sip:load@127.0.0.1' });
  const target = `sip:echo@127.0.0.1:${port}`;
  const results: { label: string; calls: number }[] = [];
  try {
    for (const [label, srtp] of [
      ['plain RTP', undefined],
      [suite, suite],
    ] as const) {
      const rtts: number[] = [];
      const gen = new LoadGenerator(ua, echoBehaviour(rtts), srtp ? { srtp } : {});
      try {
        const { best, failedAt } = await climb(
          `serve echo, ${label}`,
          STEPS,
          (n) =>
            echoStep(
              threadEcho(gen, rtts, (i) => gen.place(i, target)),
              server.pid!,
              n,
              SECONDS,
            ),
          echoOk,
          echoLine,
        );
        note(`${label}: ${failedAt ? `${failedAt.calls} calls failed the criteria` : 'held every step'}`);
        results.push({ label, calls: best?.calls ?? 0 });
      } finally {
        gen.close();
      }
    }
  } finally {
    server.kill('SIGTERM');
    await ua.close();
  }
  note(`measured for ${SECONDS} s per step, steps ${STEPS.join(', ')}; the same serve process for both climbs`);
  report('serve.echo_concurrent_calls', results[0]?.calls ?? 0, 'calls');
  report('serve.echo_concurrent_calls_srtp', results[1]?.calls ?? 0, 'calls');
}
