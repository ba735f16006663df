import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MediaStateError } from '../../src/rtp/errors.js';
import { parseRtcp } from '../../src/rtp/rtcp-compound.js';
import { parseRtp, serializeRtp } from '../../src/rtp/rtp-packet.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpSessionEvent } from '../../src/rtp/rtp-session-types.js';
import { Random } from '../../src/sim/random.js';
import { SimCall, frame } from './support/sim-call.js';

const ofType = <T extends RtpSessionEvent['type']>(events: RtpSessionEvent[], type: T) =>
  events.filter((e): e is Extract<RtpSessionEvent, { type: T }> => e.type === type);

function strictlyIncreasing(xs: number[]): boolean {
  return xs.every((x, i) => i === 0 || x > xs[i - 1]!);
}

describe('RtpSession over a simulated network (virtual time)', () => {
  it('a clean 10 s call: every frame arrives and plays once, statistics and RTT from RTCP', () => {
    const call = new SimCall({ profile: { delayMs: 30 } });
    call.start(500);
    call.run(10_000 + 1000);
    for (const side of [call.a, call.b]) {
      const st = side.session.stats();
      expect(st.sent.packets).toBe(500);
      expect(st.received).toMatchObject({ packets: 500, expected: 500, lost: 0, duplicates: 0 });
      expect(st.received!.jitterMs).toBe(0);
      const played = side.played.filter((x) => x >= 0);
      expect(strictlyIncreasing(played)).toBe(true);
      expect(played.length + st.jitterBuffer!.dropped).toBe(500);
      // RTCP every 2-6 s: SRs both ways, RTT = 2 x 30 ms
      expect(st.sent.rtcp).toBeGreaterThanOrEqual(2);
      expect(st.rtt!.lastMs).toBeCloseTo(60, 0);
      expect(st.remoteReport).toMatchObject({ fractionLost: 0, cumulativeLost: 0 });
      expect(ofType(side.events, 'source')).toHaveLength(1);
      expect(st.latched).toBe(true);
    }
    call.stop();
    expect(call.vs.pending).toBe(0);
  });

  it(
    '10,000 frames at 5 % random loss: the loss statistic is 5 % +- 0.6 %, what the peer reports agrees, no frame ' +
      'plays twice',
    () => {
      const call = new SimCall({ profile: { delayMs: 25, loss: 0.05 }, seed: 3 });
      call.start(10_000);
      call.run(200_000 + 1000);
      const rx = call.b.session.stats().received!;
      expect(rx.expected).toBeGreaterThan(9_990);
      expect(rx.lossRate).toBeGreaterThan(0.044);
      expect(rx.lossRate).toBeLessThan(0.056);
      const linkLost = call.net.link('10.0.0.1', '10.0.0.2').stats.lost;
      // every RTP packet lost on the link is counted (RTCP packets share the link, so allow them)
      expect(rx.lost).toBeLessThanOrEqual(linkLost);
      expect(rx.lost).toBeGreaterThan(linkLost - 60);
      // B's receiver reports reach A: A's view of its own stream's loss
      const remote = call.a.session.stats().remoteReport!;
      expect(remote.cumulativeLost).toBeGreaterThan(rx.lost - 30);
      expect(remote.cumulativeLost).toBeLessThanOrEqual(rx.lost);
      const played = call.b.played.filter((x) => x >= 0);
      expect(strictlyIncreasing(played)).toBe(true);
      expect(new Set(played).size).toBe(played.length);
      call.stop();
    },
  );

  it('reordering, duplication and jitter up to 100 ms: duplicates and reordering counted, order kept', () => {
    const call = new SimCall({ profile: { delayMs: 20, jitterMs: 100, duplicate: 0.05 }, seed: 8 });
    call.start(5_000);
    call.run(100_000 + 1000);
    const st = call.b.session.stats();
    expect(st.received!.duplicates).toBeGreaterThan(150);
    expect(st.received!.reordered).toBeGreaterThan(1000);
    expect(st.received!.lost).toBe(0);
    // RFC 3550 A.8 on uniform 0-100 ms jitter, 20 ms spacing
    expect(st.received!.jitterMs).toBeGreaterThan(15);
    expect(st.received!.jitterMs).toBeLessThan(45);
    const played = call.b.played.filter((x) => x >= 0);
    expect(strictlyIncreasing(played)).toBe(true);
    expect(played.length / 5_000).toBeGreaterThan(0.96);
    expect(st.jitterBuffer!.targetDelayMs).toBeGreaterThan(80);
    call.stop();
  });

  it('symmetric RTP: sends to where the peer really is once its packets arrive (RFC 4961)', () => {
    // A's SDP says B is at 10.0.0.2:5000; B is really behind a NAT at 10.0.0.9:5000.
    const call = new SimCall({ bHost: '10.0.0.9', aRemote: { address: '10.0.0.2', port: 5000 } });
    call.start(200);
    call.run(5_000);
    const latched = ofType(call.a.events, 'latched').filter((e) => e.channel === 'rtp');
    expect(latched.map((e) => e.address)).toEqual([{ address: '10.0.0.9', port: 5000 }]);
    expect(call.a.session.stats().remote).toBe('10.0.0.9:5000');
    // the first two frames went to the SDP address (lost); everything after reaches B
    expect(call.b.session.stats().received!.packets).toBeGreaterThan(195);
    call.stop();
  });

  it('a stray or injected stream cannot take the call over', () => {
    const call = new SimCall();
    call.start(300);
    call.run(2_000);
    // an attacker learns A's port and sends a valid-looking stream with another SSRC
    const evil = call.net.bind('10.0.0.66', 6666, () => {});
    let seq = 100;
    for (let i = 0; i < 50; i++)
      call.vs.at(2_000 + i * 20, () =>
        evil.send(
          serializeRtp({
            marker: false,
            payloadType: 0,
            sequenceNumber: seq++,
            timestamp: i * 160,
            ssrc: 0xbad,
            csrcs: [],
            payload: frame(999_999),
            padding: 0,
          }),
          { address: '10.0.0.1', port: 4000 },
        ),
      );
    // and from the right address, a payload type that was not negotiated
    call.vs.at(2_500, () =>
      call.b.rtp.send(
        serializeRtp({
          marker: false,
          payloadType: 18,
          sequenceNumber: 1,
          timestamp: 0,
          ssrc: 0xbad2,
          csrcs: [],
          payload: frame(1),
          padding: 0,
        }),
        {
          address: '10.0.0.1',
          port: 4000,
        },
      ),
    );
    call.run(5_000);
    const st = call.a.session.stats();
    expect(st.discarded.foreign).toBe(50);
    expect(st.discarded.unknownPayloadType).toBe(1);
    expect(st.remote).toBe('10.0.0.2:5000');
    expect(st.remoteSsrc).toBe(call.b.session.ssrc);
    expect(call.a.played).not.toContain(999_999);
    call.stop();
  });

  it('follows an SSRC change of the peer (restarted stream) and keeps playing', () => {
    const call = new SimCall();
    call.start(400);
    call.run(3_000);
    const oldSsrc = call.b.session.ssrc;
    const rng = new Random(99);
    call.replaceSession(call.b, {
      remoteRtp: { address: '10.0.0.1', port: 4000 },
      payloadType: 0,
      clockRate: 8000,
      random: () => rng.next(),
    });
    call.run(6_000);
    const sources = ofType(call.a.events, 'source');
    expect(sources).toHaveLength(2);
    expect(sources[1]).toMatchObject({ ssrc: call.b.session.ssrc, previous: oldSsrc, kind: 'audio' });
    const st = call.a.session.stats();
    expect(st.sourceChanges).toBe(1);
    expect(st.jitterBuffer!.resyncs).toBe(1);
    expect(st.remoteSsrc).toBe(call.b.session.ssrc);
    // frames from the new stream play after the change
    // frames 150-399 come from the new stream (same media clock): they play after the change
    expect(call.a.played.filter((x) => x >= 155).length).toBeGreaterThan(230);
    call.stop();
  });

  it('RFC 4733 DTMF end to end over a lossy, duplicating link: each digit once, with its duration', () => {
    const call = new SimCall({ profile: { delayMs: 20, jitterMs: 15, loss: 0.1, duplicate: 0.1 }, seed: 12 });
    call.start(250);
    call.a.session.sendDtmf('123#');
    call.run(6_000);
    const digits = ofType(call.b.events, 'dtmf').map((e) => e.event);
    expect(digits.map((d) => d.digit).join('')).toBe('123#');
    for (const d of digits.filter((d) => d.endedBy === 'end')) expect(d.durationMs).toBe(100);
    expect(call.a.session.stats().sent.dtmfEvents).toBe(4);
    // audio was held back while digits were sent; the audio played around them stays in order
    expect(strictlyIncreasing(call.b.played.filter((x) => x >= 0))).toBe(true);
    expect(() => new RtpSession({ payloadType: 0, clockRate: 8000 }).sendDtmf('1')).toThrow(MediaStateError);
    call.stop();
  });

  it('rtcp-mux (RFC 5761): RTP and RTCP on one port, RTT measured', () => {
    const call = new SimCall({ rtcpMux: true, profile: { delayMs: 15 } });
    call.start(500);
    call.run(11_000);
    for (const side of [call.a, call.b]) {
      const st = side.session.stats();
      expect(st.received!.packets).toBe(500);
      expect(st.rtcpReceived).toBeGreaterThanOrEqual(2);
      expect(st.rtt!.lastMs).toBeCloseTo(30, 0);
    }
    expect(() => new RtpSession({ payloadType: 72, clockRate: 8000, rtcpMux: true })).toThrow(MediaStateError);
    call.stop();
  });

  it('sends BYE with a reason on close', () => {
    const call = new SimCall();
    call.start(100);
    call.run(1_000);
    call.a.driver.input((now) => call.a.session.close(now, 'hang up'));
    call.run(500);
    expect(ofType(call.b.events, 'bye')).toEqual([{ type: 'bye', ssrc: call.a.session.ssrc, reason: 'hang up' }]);
    call.stop();
  });

  it('reports an RTP timeout when the peer stops sending', () => {
    const call = new SimCall({ a: { rtpTimeoutMs: 3000 } });
    call.start(100); // B sends for 2 s only
    call.run(10_000);
    const t = ofType(call.a.events, 'timeout');
    expect(t).toHaveLength(1);
    expect(t[0]!.silentMs).toBeGreaterThanOrEqual(3000);
    call.stop();
  });

  it('hold: a recvonly side sends nothing but keeps receiving and reporting', () => {
    const call = new SimCall();
    call.a.session.setDirection('recvonly');
    call.start(300);
    call.run(7_000);
    expect(call.a.session.stats().sent.packets).toBe(0);
    expect(call.a.session.stats().received!.packets).toBe(300);
    expect(call.a.session.stats().sent.rtcp).toBeGreaterThanOrEqual(1);
    expect(call.b.session.stats().rtcpReceived).toBeGreaterThanOrEqual(1);
    call.stop();
  });

  it('marks the first packet of each talkspurt and advances timestamps through silence', () => {
    const rng = new Random(5);
    const s = new RtpSession({
      remoteRtp: { address: '10.0.0.2', port: 5000 },
      payloadType: 8,
      clockRate: 8000,
      random: () => rng.next(),
      rtcpIntervalMs: 0,
    });
    const sent = [];
    for (let i = 0; i < 10; i++) {
      s.sendFrame(i >= 3 && i < 6 ? undefined : frame(i), i * 20);
      for (let t = s.pollTransmit(); t; t = s.pollTransmit()) sent.push(parseRtp(t.data));
    }
    expect(sent.map((p) => p.marker)).toEqual([true, false, false, true, false, false, false]);
    const ts0 = sent[0]!.timestamp;
    expect(sent.map((p) => (p.timestamp - ts0) >>> 0)).toEqual([0, 160, 320, 960, 1120, 1280, 1440]);
    const seq0 = sent[0]!.sequenceNumber;
    expect(sent.map((p) => (p.sequenceNumber - seq0) & 0xffff)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sent.every((p) => p.ssrc === s.ssrc && p.payloadType === 8)).toBe(true);
    expect(s.pollTimeout()).toBeUndefined();
  });

  it('draws SSRC, sequence and timestamp bases at random (RFC 3550 5.1)', () => {
    const bases = new Set<string>();
    for (let k = 0; k < 20; k++) {
      const s = new RtpSession({ remoteRtp: { address: '10.0.0.2', port: 5000 }, payloadType: 0, clockRate: 8000 });
      s.sendFrame(frame(0), 0);
      const p = parseRtp(s.pollTransmit()!.data);
      bases.add(`${p.ssrc}/${p.sequenceNumber}/${p.timestamp}`);
    }
    expect(bases.size).toBe(20);
  });

  it('the first RTCP packet is a compound RR/SR + SDES CNAME, sent after the RFC 3550 initial interval', () => {
    const rng = new Random(1);
    const s = new RtpSession({
      remoteRtp: { address: '10.0.0.2', port: 5000 },
      payloadType: 0,
      clockRate: 8000,
      cname: 'alice@test',
      random: () => rng.next(),
    });
    s.sendFrame(frame(0), 0);
    s.pollTransmit();
    const due = s.pollTimeout()!;
    // initial: 2.5 s x [0.5, 1.5] / (e - 1.5)
    expect(due).toBeGreaterThan(1020);
    expect(due).toBeLessThan(3080);
    s.handleTimeout(due);
    const t = s.pollTransmit()!;
    expect(t.channel).toBe('rtcp');
    expect(t.to).toEqual({ address: '10.0.0.2', port: 5001 });
    const [sr, sdes] = parseRtcp(t.data);
    expect(sr).toMatchObject({ type: 'sr', ssrc: s.ssrc, packetCount: 1, octetCount: 160 });
    expect(sdes).toEqual({ type: 'sdes', chunks: [{ ssrc: s.ssrc, items: [{ type: 1, text: 'alice@test' }] }] });
    // the next one 5 s x [0.5, 1.5] / (e - 1.5) later
    const next = s.pollTimeout()! - due;
    expect(next).toBeGreaterThan(2050);
    expect(next).toBeLessThan(6160);
  });

  it('property (fuzz): any datagram is absorbed without an exception', () => {
    const s = new RtpSession({
      remoteRtp: { address: '10.0.0.2', port: 5000 },
      payloadType: 0,
      clockRate: 8000,
      telephoneEventPayloadType: 101,
      rtcpMux: true,
    });
    let now = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (b, rtcp) => {
        if (b.length > 1 && !rtcp) b[0] = 0x80 | (b[0]! & 0x3f); // mostly version 2
        s.handleDatagram(b, { address: '10.0.0.2', port: 5000 }, (now += 20), rtcp ? 'rtcp' : 'rtp');
        for (let e = s.pollEvent(); e; e = s.pollEvent());
      }),
      { numRuns: 3000 },
    );
    const st = s.stats();
    expect(st.discarded.malformed + st.discarded.unknownPayloadType + st.discarded.rtcpMalformed).toBeGreaterThan(100);
  });
});
