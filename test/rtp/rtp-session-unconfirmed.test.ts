/**
 * Media that cannot be turned against a third party, and calls that cannot
 * hold a slot by staying silent:
 * - an `unconfirmed` session (the callee's, before the ACK of its 2xx) sends
 *   nothing, RTP or RTCP, to the address the SDP names — only to where the
 *   peer's own valid packets came from — until `confirm()`;
 * - `start()` starts the RTP timeout, so a call that never receives a
 *   packet still times out (an echo has no tick to start it).
 */
import { describe, expect, it } from 'vitest';
import { parseRtcp } from '../../src/rtp/rtcp-compound.js';
import { serializeRtp } from '../../src/rtp/rtp-packet.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpSessionOptions, RtpTransmit, TransportAddress } from '../../src/rtp/rtp-session-types.js';

const VICTIM: TransportAddress = { address: '198.51.100.7', port: 40000 };
const CALLER: TransportAddress = { address: '203.0.113.5', port: 30000 };

function session(extra: Partial<RtpSessionOptions> = {}): RtpSession {
  let r = 1;
  return new RtpSession({
    payloadType: 0,
    clockRate: 8000,
    remoteRtp: VICTIM,
    rtcpIntervalMs: 1000,
    random: () => (r = (r * 16807) % 2147483647) / 2147483647,
    ...extra,
  });
}

function drain(s: RtpSession): RtpTransmit[] {
  const out: RtpTransmit[] = [];
  for (let t = s.pollTransmit(); t; t = s.pollTransmit()) out.push(t);
  return out;
}

/** `n` PCMU packets of the caller's stream from `seq` on. */
function packets(n: number, seq = 1, ssrc = 0x1234): Uint8Array[] {
  return Array.from({ length: n }, (_, i) =>
    serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber: seq + i,
      timestamp: (seq + i) * 160,
      ssrc,
      csrcs: [],
      payload: new Uint8Array(160).fill(i),
      padding: 0,
    }),
  );
}

/** Run `ms` of 20 ms ticks (a frame each) with the timers; every transmit. */
function tick(s: RtpSession, from: number, ms: number, send = true): RtpTransmit[] {
  const out: RtpTransmit[] = [];
  for (let t = from; t < from + ms; t += 20) {
    if (send) s.sendFrame(new Uint8Array(160), t);
    const due = s.pollTimeout();
    if (due !== undefined && due <= t) s.handleTimeout(t);
    out.push(...drain(s));
  }
  return out;
}

describe('an unconfirmed RTP session (before the ACK)', () => {
  it('sends the SDP address one packet (to open our NAT), then nothing, RTP or RTCP, until confirmed', () => {
    const s = session({ unconfirmed: true });
    s.start(0);
    const before = tick(s, 0, 32_000);
    expect(before.map((t) => [t.channel, t.to.address])).toEqual([['rtp', VICTIM.address]]);
    expect(s.remote).toBeUndefined();
    s.confirm();
    const after = tick(s, 32_000, 3000);
    expect(after.filter((t) => t.channel === 'rtp').length).toBe(150);
    expect(after.every((t) => t.to.address === VICTIM.address)).toBe(true);
    expect(after.some((t) => t.channel === 'rtcp')).toBe(true);
  });

  it('sends to where the peer’s own valid stream comes from, and nowhere else', () => {
    const s = session({ unconfirmed: true });
    s.start(0);
    expect(tick(s, 0, 200)).toHaveLength(1); // the one packet that opens our NAT
    for (const [i, p] of packets(3).entries()) s.handleDatagram(p, CALLER, 200 + i * 20);
    const out = tick(s, 260, 3000);
    expect(out.filter((t) => t.channel === 'rtp').length).toBe(150);
    expect(out.every((t) => t.to.address === CALLER.address && t.to.port === CALLER.port)).toBe(true);
    // RTCP (no rtcp-mux): the peer's reports have not told us where it hears them: none yet.
    expect(out.filter((t) => t.channel === 'rtcp')).toEqual([]);
  });

  it('an echo reflects the caller’s packets to the caller, never to the SDP address', () => {
    const s = session({ unconfirmed: true, jitterBuffer: false, reflect: { samplesOf: () => 160 } });
    s.start(0);
    const back: RtpTransmit[] = [];
    for (const [i, p] of packets(50).entries()) {
      s.handleDatagram(p, CALLER, i * 20);
      back.push(...drain(s));
    }
    expect(back.length).toBe(50); // the first waited for the second (RFC 3550 A.1 probation), then both went
    expect(back.every((t) => t.to.address === CALLER.address)).toBe(true);
  });

  it('with rtcp-mux, RTCP goes where RTP goes: to the latched caller only', () => {
    const s = session({ unconfirmed: true, rtcpMux: true });
    s.start(0);
    for (const [i, p] of packets(3).entries()) s.handleDatagram(p, CALLER, i * 20);
    const rtcp = tick(s, 60, 5000).filter((t) => t.channel === 'rtcp');
    expect(rtcp.length).toBeGreaterThan(0);
    expect(rtcp.every((t) => t.to.address === CALLER.address)).toBe(true);
    expect(parseRtcp(rtcp[0]!.data)[0]!.type).toBe('sr');
  });
});

describe('the RTP timeout counts from start()', () => {
  it('an echo session that never hears a packet times out after rtpTimeoutMs', () => {
    const s = session({ jitterBuffer: false, reflect: { samplesOf: () => 160 }, rtpTimeoutMs: 30_000 });
    s.start(1000);
    expect(s.pollTimeout()).toBeLessThanOrEqual(31_000);
    const events = [];
    for (let t = s.pollTimeout(); t !== undefined && t <= 31_000; t = s.pollTimeout()) {
      s.handleTimeout(t);
      drain(s);
      for (let e = s.pollEvent(); e; e = s.pollEvent()) events.push(e);
    }
    expect(events.filter((e) => e.type === 'timeout')).toEqual([{ type: 'timeout', silentMs: 30_000 }]);
  });
});
