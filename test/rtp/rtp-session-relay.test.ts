/**
 * `RtpSession.relay`: an echo re-originates each received packet at once,
 * under its own SSRC and sequence numbers, keeping the packet's timing.
 */
import { describe, expect, it } from 'vitest';
import { parseRtp, serializeRtp, type RtpPacket } from '../../src/rtp/rtp-packet.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpSessionEvent } from '../../src/rtp/rtp-session-types.js';
import { serializeTelephoneEvent } from '../../src/rtp/telephone-event.js';
import { Random } from '../../src/sim/random.js';

const A = { address: '10.0.0.1', port: 4000 };

function echoSession(seed: number): RtpSession {
  const r = new Random(seed);
  return new RtpSession({
    remoteRtp: A,
    payloadType: 0,
    clockRate: 8000,
    telephoneEventPayloadType: 101,
    jitterBuffer: false,
    rtcpIntervalMs: 0,
    random: () => r.next(),
  });
}

function packet(seq: number, ts: number, opts: Partial<RtpPacket> = {}): Uint8Array {
  return serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: ts,
    ssrc: 0x1234,
    csrcs: [],
    payload: new Uint8Array(160).fill(seq & 0xff),
    padding: 0,
    ...opts,
  });
}

/** Feed datagrams into the echo and relay every accepted packet as an echo app does; return what it sent. */
function run(echo: RtpSession, datagrams: Uint8Array[]): RtpPacket[] {
  const out: RtpPacket[] = [];
  let now = 0;
  for (const d of datagrams) {
    now += 20;
    echo.handleDatagram(d, A, now, 'rtp');
    for (let e: RtpSessionEvent | undefined = echo.pollEvent(); e; e = echo.pollEvent()) {
      if (e.type === 'rtp') echo.relay(e.packet, e.kind, e.kind === 'audio' ? e.packet.payload.length : 0, now);
    }
    for (let t = echo.pollTransmit(); t; t = echo.pollTransmit()) {
      expect(t.to).toEqual(A);
      out.push(parseRtp(t.data));
    }
  }
  return out;
}

describe('RtpSession.relay (echo without added delay)', () => {
  it('re-originates audio: own SSRC, consecutive sequence numbers, the sender’s timing and payload', () => {
    const echo = echoSession(3);
    const sent = [
      packet(100, 8000, { marker: true }),
      packet(101, 8160),
      packet(102, 8320),
      packet(103, 16000, { marker: true }),
      packet(104, 16160),
    ];
    const got = run(echo, sent);
    // The first packet is held for probation and delivered with the second: all five come back.
    expect(got).toHaveLength(5);
    expect(new Set(got.map((p) => p.ssrc))).toEqual(new Set([echo.ssrc]));
    for (let i = 1; i < got.length; i++) expect(got[i]!.sequenceNumber).toBe((got[i - 1]!.sequenceNumber + 1) & 0xffff);
    const ts = got.map((p) => p.timestamp - got[0]!.timestamp);
    expect(ts).toEqual([0, 160, 320, 8000, 8160]);
    expect(got.map((p) => p.marker)).toEqual([true, false, false, true, false]);
    expect(got.map((p) => p.payload[0])).toEqual([100, 101, 102, 103, 104]);
    expect(echo.stats().sent.packets).toBe(5);
  });

  it('reflects RFC 4733 events as events, on the audio timeline, without moving the media clock', () => {
    const echo = echoSession(4);
    const ev = (end: boolean, duration: number) => serializeTelephoneEvent({ event: 5, end, volume: 10, duration });
    const sent = [
      packet(1, 1000),
      packet(2, 1160),
      packet(3, 1320, { payloadType: 101, marker: true, payload: ev(false, 160) }),
      packet(4, 1320, { payloadType: 101, payload: ev(false, 320) }),
      packet(5, 1320, { payloadType: 101, payload: ev(true, 800) }),
      packet(6, 2120),
    ];
    const got = run(echo, sent);
    expect(got.map((p) => p.payloadType)).toEqual([0, 0, 101, 101, 101, 0]);
    const base = got[0]!.timestamp;
    expect(got.map((p) => p.timestamp - base)).toEqual([0, 160, 320, 320, 320, 1120]);
    expect(got[2]!.marker).toBe(true);
    expect([...got[4]!.payload]).toEqual([...ev(true, 800)]);
    expect(echo.stats().sent.dtmfEvents).toBe(1);
    // A sender report's RTP time follows the relayed audio.
    expect(echo.timestamp).toBe((got[5]!.timestamp + 160) >>> 0);
  });

  it('sends nothing while on hold (recvonly) and throws once closed', () => {
    const echo = echoSession(5);
    echo.setDirection('recvonly');
    expect(run(echo, [packet(1, 0), packet(2, 160), packet(3, 320)])).toHaveLength(0);
    echo.close(0);
    expect(() => echo.relay(parseRtp(packet(4, 480)), 'audio', 160, 100)).toThrow(/closed/);
  });
});
