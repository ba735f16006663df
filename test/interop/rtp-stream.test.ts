/**
 * shtoom receives SIPp's `rtp_stream` play: a tiny hand-written UAC (not a
 * SIP stack) makes the call so that SIPp starts streaming a file of known
 * bytes; shtoom negotiates with its own SDP offer/answer, receives on the
 * real media clock, and must get exactly the file's bytes, in order, with
 * statistics that agree with a tshark capture of the same stream.
 *
 * After the stream SIPp plays its own RFC 2833 captures of digits 1 and 2
 * (another SSRC, end packets repeated with one sequence number): shtoom must
 * report each digit once, with the duration of its end packet.
 *
 * Packets and loss compared exactly. Jitter on content: our RFC 3550
 * estimator fed tshark's kernel arrival times gives tshark's figures; the
 * live figure (arrivals stamped in our event loop) only within a loose bound.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../src/clock/clock.js';
import { realTimers } from '../../src/clock/timers.js';
import { openUdpRtpChannel } from '../../src/net/rtp-channel.js';
import { RtpLink } from '../../src/net/rtp-link.js';
import { PreciseMediaScheduler } from '../../src/net/rtp-media-clock.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import type { DtmfEvent } from '../../src/rtp/rtp-session-types.js';
import { createOffer, processAnswer, rtpSessionOptions } from '../../src/sdp/offer-answer.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { serializeSdp } from '../../src/sdp/serialize.js';
import { freeSipPort, freeUdpPort, isListening, startPeer, stopAllPeers, waitFor } from './support/peers.js';
import { MiniUac } from './support/rtp-sip-fixture.js';
import { rtpArrivals, rtpStreams, startCapture } from './support/rtp-tshark.js';
import { SourceStatistics } from '../../src/rtp/source-stats.js';
import { uasRtpStream } from './support/rtp-sipp-scenarios.js';

const FRAMES = 150; // 3 s of PCMU
const PCAPS = ['/usr/share/sip-tester/dtmf_2833_1.pcap', '/usr/share/sip-tester/dtmf_2833_2.pcap'];
/** How far above the wire's max jitter our live figure may be (event-loop lateness on a loaded machine). */
const LIVE_JITTER_BOUND_MS = 20;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-rtp-stream-'));
});
afterAll(async () => {
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

/** The file SIPp streams: frame k, byte i = (7k + i) mod 256, so every byte is checkable. */
function fileBytes(): Uint8Array {
  const b = new Uint8Array(FRAMES * 160);
  for (let k = 0; k < FRAMES; k++) for (let i = 0; i < 160; i++) b[k * 160 + i] = (7 * k + i) & 0xff;
  return b;
}

describe("RTP against SIPp's rtp_stream", () => {
  it("receives the file byte for byte, statistics agreeing with tshark, then SIPp's digits once each", async () => {
    const file = fileBytes();
    writeFileSync(join(dir, 'stream.ulaw'), file);
    for (const p of PCAPS) expect(existsSync(p), `${p} (package sip-tester)`).toBe(true);
    writeFileSync(join(dir, 'uas.xml'), uasRtpStream('stream.ulaw', PCAPS));
    const sipPort = await freeSipPort();
    const sippMedia = await freeUdpPort(true);
    const sipp = startPeer(
      'sipp',
      [
        '-sf',
        'uas.xml',
        '-i',
        '127.0.0.1',
        '-mi',
        '127.0.0.1',
        '-p',
        String(sipPort),
        '-mp',
        String(sippMedia),
        '-m',
        '1',
        '-nostdin',
        '-timeout',
        '40',
        '-timeout_error',
      ],
      { cwd: dir, timeoutSec: 50 },
    );
    await waitFor(() => isListening(sipPort, 'udp'), `SIPp on UDP ${sipPort}`);

    const ports = await openUdpRtpChannel({ address: '127.0.0.1', portMin: 30000, portMax: 39999 });
    const capture = await startCapture(join(dir, 'stream.pcapng'), [ports.port, sippMedia]);
    const offer = createOffer({
      address: '127.0.0.1',
      port: ports.port,
      formats: [
        { name: 'PCMU', clockRate: 8000 },
        { name: 'telephone-event', clockRate: 8000, fmtp: '0-16' },
      ],
      rtcpMux: false,
    });
    const uac = await MiniUac.open(sipPort);
    const ok = await uac.invite(serializeSdp(offer));
    expect(ok.status).toBe(200);
    const negotiated = processAnswer(offer, parseSdp(ok.body));
    expect(negotiated).toMatchObject({
      send: { name: 'PCMU', payloadType: 0 },
      telephoneEvent: { payloadType: 101 },
      direction: 'sendrecv',
    });
    expect(negotiated.remoteRtp).toEqual({ address: '127.0.0.1', port: sippMedia });

    const received: RtpPacket[] = [];
    const digits: DtmfEvent[] = [];
    const session = new RtpSession({
      ...rtpSessionOptions(negotiated),
      emitPackets: true,
      wallClockOffsetMs: Date.now() - performance.now(),
    });
    // The production path: the call's channel and link.
    const ep = new RtpLink(session, ports, {
      clock: realClock,
      timers: realTimers,
      onEvent: (e) => {
        if (e.type === 'rtp' && e.kind === 'audio') received.push(e.packet);
        if (e.type === 'dtmf') digits.push(e.event);
      },
    });
    // Our side of the call: silence frames to SIPp, and the playout pulled every 20 ms.
    // the product defaults (rtp.clock-realtime, rtp.clock-priority)
    const media = new PreciseMediaScheduler({ realtime: 10, priority: -10 });
    const played: number[] = [];
    media.add(({ now }) => {
      ep.sendFrame(new Uint8Array(160).fill(0xff), now);
      const f = session.jitterBuffer!.pull(now);
      if (f.kind === 'audio') played.push(f.packet.payload[0]!);
    });
    await waitFor(() => received.length >= FRAMES, `${FRAMES} packets from SIPp`, 20_000);
    await waitFor(() => digits.length >= 2, 'the two RFC 2833 digits from SIPp', 10_000);
    await new Promise((r) => setTimeout(r, 400)); // let the playout drain and any stray packet show up
    media.close();
    const bye = await uac.bye();
    expect(bye.status).toBe(200);
    ep.close();
    await ports.close();
    await uac.close();
    expect(await sipp.exited).toBe(0);
    await capture.stop();

    // Content: exactly the file, in order.
    expect(received).toHaveLength(FRAMES);
    const bytes = new Uint8Array(received.reduce((n, p) => n + p.payload.length, 0));
    let o = 0;
    for (const p of received) {
      bytes.set(p.payload, o);
      o += p.payload.length;
    }
    expect(Buffer.from(bytes).equals(Buffer.from(file))).toBe(true);
    expect(received.every((p) => p.payloadType === 0)).toBe(true);
    // The playout: each frame once, in order (first byte of frame k is 7k mod 256).
    const expectedFirst = [...Array(FRAMES).keys()].map((k) => (7 * k) & 0xff);
    const jb = session.stats().jitterBuffer!;
    expect(played.length + jb.dropped + jb.late).toBe(FRAMES);
    let at = 0;
    for (const b of played) {
      at = expectedFirst.indexOf(b, at);
      expect(at).toBeGreaterThanOrEqual(0);
      at++;
    }

    // SIPp's captured digits: one event each, the end packet's duration (2240 = 280 ms), their own SSRC.
    expect(digits.map((d) => [d.digit, d.duration, d.endedBy, d.ssrc])).toEqual([
      ['1', 2240, 'end', 0x0e05384e],
      ['2', 2240, 'end', 0x0e05384e],
    ]);

    const st = session.stats();
    expect(st.received).toMatchObject({ packets: FRAMES, expected: FRAMES, lost: 0, duplicates: 0 });
    const streams = rtpStreams(capture.file, [ports.port, sippMedia]);
    const fromSipp = streams.find(
      (s) => s.srcPort === sippMedia && s.dstPort === ports.port && s.ssrc === st.remoteSsrc,
    );
    expect(fromSipp, JSON.stringify(streams)).toBeDefined();
    expect(fromSipp!.ssrc).toBe(st.remoteSsrc);
    expect(fromSipp!.packets).toBe(st.received!.packets);
    expect(fromSipp!.lost).toBe(st.received!.lost);
    // The jitter estimator on content, not timing: fed tshark's own kernel arrival times, our RFC 3550
    // estimator must give tshark's figures within 0.05 ms (our arrival times are whole timestamp units,
    // RFC 3550 A.8; tshark's are not). The live figures (arrivals stamped in our event loop, late on a busy
    // machine) only get a loose sanity bound.
    const wire = rtpArrivals(capture.file, [ports.port, sippMedia], st.remoteSsrc!, ports.port);
    expect(wire).toHaveLength(FRAMES);
    const replay = new SourceStatistics(st.remoteSsrc!, 8000, wire[0]!.seq);
    for (const p of wire) replay.update(p.seq, p.timestamp, p.arrivalMs, p.payloadBytes);
    const replayed = replay.toJSON();
    expect(replayed.maxJitterMs).toBeCloseTo(fromSipp!.maxJitterMs, 1);
    expect(replayed.meanJitterMs).toBeCloseTo(fromSipp!.meanJitterMs, 1);
    expect(st.received!.maxJitterMs).toBeLessThan(fromSipp!.maxJitterMs + LIVE_JITTER_BOUND_MS);
    // and SIPp received our stream on the negotiated port
    const toSipp = streams.find((s) => s.srcPort === ports.port && s.dstPort === sippMedia);
    expect(toSipp!.ssrc).toBe(session.ssrc);
    expect(toSipp!.lost).toBe(0);
  });
});
