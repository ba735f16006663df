/**
 * shtoom's RTP stack against SIPp's RTP echo (`sipp -rtp_echo`, which
 * reflects every datagram on its media port without needing a SIP call),
 * on the real media clock and real UDP sockets, with a tshark capture of the
 * same packets.
 *
 * Tolerances (stated, and why):
 * - packets and loss must match tshark exactly (loopback loses nothing);
 * - jitter on content: shtoom timestamps a packet when the event loop reads
 *   it, tshark when the kernel sees it, so the live figures differ by the
 *   lateness of our own reading (over 1 ms on a loaded machine). Our RFC 3550
 *   A.8 estimator fed tshark's kernel arrival times must give tshark's
 *   figures; the live figure only gets a loose bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../src/clock/clock.js';
import { realTimers } from '../../src/clock/timers.js';
import { openUdpRtpChannel } from '../../src/net/rtp-channel.js';
import { RtpLink } from '../../src/net/rtp-link.js';
import { PreciseMediaScheduler } from '../../src/net/rtp-media-clock.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpSessionEvent } from '../../src/rtp/rtp-session-types.js';
import { freeSipPort, freeUdpPort, isListening, startPeer, stopAllPeers, waitFor } from './support/peers.js';
import { rtpArrivals, rtpEvents, rtpStreams, startCapture } from './support/rtp-tshark.js';
import { SourceStatistics } from '../../src/rtp/source-stats.js';

/** How far above the wire's max jitter our live figure may be (event-loop lateness on a loaded machine). */
const LIVE_JITTER_BOUND_MS = 20;

let dir: string;
let echoPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-rtp-echo-'));
  echoPort = await freeUdpPort(true);
  const sipPort = await freeSipPort();
  startPeer(
    'sipp',
    [
      '-sn',
      'uas',
      '-rtp_echo',
      '-i',
      '127.0.0.1',
      '-mi',
      '127.0.0.1',
      '-p',
      String(sipPort),
      '-mp',
      String(echoPort),
      '-m',
      '1',
      '-nostdin',
      '-timeout',
      '100',
    ],
    { cwd: dir, timeoutSec: 110 },
  );
  await waitFor(() => isListening(echoPort, 'udp'), `SIPp echo on UDP ${echoPort}`);
});

afterAll(async () => {
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

/** A frame whose bytes say which frame it is. */
function payload(n: number): Uint8Array {
  const p = new Uint8Array(160);
  new DataView(p.buffer).setUint32(0, n);
  for (let i = 4; i < 160; i++) p[i] = (n + i) & 0xff;
  return p;
}

interface Run {
  session: RtpSession;
  events: RtpSessionEvent[];
  played: number[];
  sent: number;
  /** Our RTP port: where the echo sends back. */
  localPort: number;
}

/** Send `frames` 20 ms frames to the echo on the media clock, pulling the playout every tick. */
async function stream(frames: number, opts: { dtmf?: string; dtmfAt?: number } = {}): Promise<Run> {
  const channel = await openUdpRtpChannel({ address: '127.0.0.1', rtcpMux: true });
  const localPort = channel.port;
  const session = new RtpSession({
    remoteRtp: { address: '127.0.0.1', port: echoPort },
    rtcpMux: true,
    payloadType: 0,
    clockRate: 8000,
    telephoneEventPayloadType: 101,
    rtcpIntervalMs: 1000,
    wallClockOffsetMs: Date.now() - performance.now(),
  });
  const events: RtpSessionEvent[] = [];
  // The production path: the call's channel and link.
  const ep = new RtpLink(session, channel, { clock: realClock, timers: realTimers, onEvent: (e) => events.push(e) });
  // the product defaults (rtp.clock-realtime, rtp.clock-priority)
  const media = new PreciseMediaScheduler({ realtime: 10, priority: -10 });
  const played: number[] = [];
  let sent = 0;
  await new Promise<void>((resolve) => {
    const s = media.add(({ n, due, now }) => {
      if (n === opts.dtmfAt && opts.dtmf) ep.sendDtmf(opts.dtmf);
      if (n < frames) {
        ep.sendFrame(payload(n), due);
        sent++;
      }
      const f = session.jitterBuffer!.pull(now);
      if (f.kind === 'audio')
        played.push(new DataView(f.packet.payload.buffer, f.packet.payload.byteOffset).getUint32(0));
      if (n >= frames + 25) {
        s.stop();
        resolve();
      }
    });
  });
  media.close();
  ep.close('done');
  await channel.close();
  return { session, events, played, sent, localPort };
}

describe('RTP against SIPp -rtp_echo', () => {
  it('a 6 s stream comes back whole: statistics agree with tshark, RTT from our own echoed RTCP', async () => {
    const capture = await startCapture(join(dir, 'echo.pcapng'), [echoPort]);
    const run = await stream(300);
    await capture.stop();
    const st = run.session.stats();
    // Every packet we sent came back, in order, nothing lost or repeated.
    expect(st.sent.packets).toBe(300);
    expect(st.received).toMatchObject({ packets: 300, expected: 300, lost: 0, duplicates: 0, discarded: 0 });
    expect(st.remoteSsrc).toBe(run.session.ssrc); // the echo reflects our own stream
    // The jitter buffer played each frame at most once, in order; every frame is accounted for:
    // played, dropped (delay adaptation) or late (our own event loop was held up past its playout time).
    const jb = st.jitterBuffer!;
    expect(run.played.every((x, i) => i === 0 || x > run.played[i - 1]!)).toBe(true);
    const held = run.session.jitterBuffer!.size;
    if (run.played.length + jb.dropped + jb.late + held !== 300)
      console.log('unaccounted frames', JSON.stringify({ jb, held, played: run.played }));
    expect(run.played.length + jb.dropped + jb.late + held).toBe(300);
    expect(run.played.length).toBeGreaterThan(240);
    // RTCP went through the echo too: our own SR came back, so the RTT is the loopback's.
    expect(st.rtt?.samples).toBeGreaterThanOrEqual(1);
    expect(st.rtt!.maxMs).toBeLessThan(50);

    const streams = rtpStreams(capture.file, [echoPort]);
    const back = streams.find((s) => s.srcPort === echoPort && s.ssrc === run.session.ssrc);
    const out = streams.find((s) => s.dstPort === echoPort && s.ssrc === run.session.ssrc);
    expect(out, JSON.stringify(streams)).toBeDefined();
    expect(back, JSON.stringify(streams)).toBeDefined();
    expect(out!.packets).toBe(300);
    expect(back!.packets).toBe(st.received!.packets);
    expect(back!.lost).toBe(st.received!.lost);
    expect(back!.payload).toBe('g711U');
    const wire = rtpArrivals(capture.file, [echoPort], run.session.ssrc, run.localPort);
    expect(wire).toHaveLength(300);
    const replay = new SourceStatistics(run.session.ssrc, 8000, wire[0]!.seq);
    for (const p of wire) replay.update(p.seq, p.timestamp, p.arrivalMs, p.payloadBytes);
    const replayed = replay.toJSON();
    expect(replayed.maxJitterMs).toBeCloseTo(back!.maxJitterMs, 1);
    expect(replayed.meanJitterMs).toBeCloseTo(back!.meanJitterMs, 1);
    expect(st.received!.maxJitterMs).toBeLessThan(back!.maxJitterMs + LIVE_JITTER_BOUND_MS);
    // Our send side is paced by the media clock: 20 ms apart on average.
    expect(out!.meanDeltaMs).toBeCloseTo(20, 0);
  });

  it('RFC 4733 digits go out as tshark expects and come back as one event each, with their duration', async () => {
    const capture = await startCapture(join(dir, 'dtmf.pcapng'), [echoPort]);
    const run = await stream(150, { dtmf: '12#', dtmfAt: 10 });
    await capture.stop();
    const digits = run.events.flatMap((e) => (e.type === 'dtmf' ? [e.event] : []));
    expect(digits.map((d) => [d.digit, d.durationMs, d.endedBy])).toEqual([
      ['1', 100, 'end'],
      ['2', 100, 'end'],
      ['#', 100, 'end'],
    ]);
    const wire = rtpEvents(capture.file, [echoPort]).filter((e) => e.srcPort !== echoPort);
    // per digit: marker on the first packet only, one timestamp, end bit on the last three, 800 = 100 ms
    for (const [i, ev] of [1, 2, 11].entries()) {
      const pkts = wire.filter((w) => w.event === ev);
      expect(pkts.length, `digit ${i}`).toBe(5);
      expect(pkts.map((p) => p.marker)).toEqual([true, false, false, false, false]);
      expect(new Set(pkts.map((p) => p.timestamp)).size).toBe(1);
      expect(pkts.map((p) => p.end)).toEqual([false, false, true, true, true]);
      expect(pkts.map((p) => p.duration)).toEqual([160, 640, 800, 800, 800]);
      expect(pkts.every((p) => p.volume === 10)).toBe(true);
    }
  });
});
