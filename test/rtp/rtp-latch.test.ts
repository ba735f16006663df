/**
 * Strict latching against media hijack and bleed (the RTP bleed class,
 * Asterisk AST-2017-005), in virtual time: the attacks measured against
 * `shtoom serve echo`, replayed against an echoing RTP session, and the
 * latch's own rules.
 */
import { describe, expect, it } from 'vitest';
import { RtpLatch, type LatchMode } from '../../src/rtp/rtp-latch.js';
import { serializeRtp } from '../../src/rtp/rtp-packet.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpTransmit, TransportAddress } from '../../src/rtp/rtp-session-types.js';

/** The caller: its SDP names 192.0.2.10:5000, its INVITE came from 192.0.2.10. */
const CALLER: TransportAddress = { address: '192.0.2.10', port: 5000 };
/** The caller's packets leave its NAT from another port (the SDP port differs from the source port). */
const CALLER_NAT: TransportAddress = { address: '192.0.2.10', port: 61000 };
const ATTACKER_IP = '203.0.113.66';
const at = (address: string, port: number): TransportAddress => ({ address, port });

function packet(seq: number, ssrc: number, fill = 1): Uint8Array {
  return serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: (seq * 160) >>> 0,
    ssrc,
    csrcs: [],
    payload: new Uint8Array(160).fill(fill),
    padding: 0,
  });
}

/** An echo (reflect mode, as `serve echo` runs it), confirmed (ACKed), with the given latching. */
function echo(mode: LatchMode = 'strict'): RtpSession {
  let r = 7;
  const s = new RtpSession({
    remoteRtp: CALLER,
    payloadType: 0,
    clockRate: 8000,
    jitterBuffer: false,
    rtcpIntervalMs: 0,
    latch: { mode, trusted: [CALLER.address] },
    random: () => (r = (r * 16807) % 2147483647) / 2147483647,
    reflect: { samplesOf: (_pt, bytes) => bytes },
  });
  s.start(0);
  return s;
}

function drain(s: RtpSession): RtpTransmit[] {
  const out: RtpTransmit[] = [];
  for (let t = s.pollTransmit(); t; t = s.pollTransmit()) out.push(t);
  return out;
}

/** Where the echo's packets went: counts by `address:port`. */
function destinations(out: readonly RtpTransmit[]): Record<string, number> {
  const d: Record<string, number> = {};
  for (const t of out)
    if (t.channel === 'rtp') d[`${t.to.address}:${t.to.port}`] = (d[`${t.to.address}:${t.to.port}`] ?? 0) + 1;
  return d;
}

describe('media hijack: the caller’s SSRC and next sequence numbers from another address', () => {
  it.each(['strict', 'any'] as const)('%s: the attacker gets nothing and the caller keeps its echo', (mode) => {
    const s = echo(mode);
    const out: RtpTransmit[] = [];
    // The caller talks for 4 s; from 1 s on the attacker sends the caller's SSRC with the next sequence
    // numbers, twice as fast, from another address (198 packets in the measured attack).
    let attackSeq = 51;
    for (let i = 0; i < 200; i++) {
      const t = i * 20;
      s.handleDatagram(packet(i, 0xcafe), CALLER_NAT, t);
      if (i >= 50)
        for (let k = 0; k < 2; k++) s.handleDatagram(packet(attackSeq++, 0xcafe, 9), at(ATTACKER_IP, 40000), t + 5 + k);
      out.push(...drain(s));
    }
    const d = destinations(out);
    expect(d[`${ATTACKER_IP}:40000`]).toBeUndefined();
    expect(d[`${CALLER_NAT.address}:${CALLER_NAT.port}`]).toBeGreaterThanOrEqual(195);
    expect(s.remote).toEqual(CALLER_NAT);
    expect(s.stats().discarded.foreign).toBeGreaterThan(0);
  });

  it(
    'any: the attacker cannot take over either once the caller stops (too soon after the last move, ' + 'or the run)',
    () => {
      // In `any` mode a stream moves only after a run of in-sequence packets while the caller is silent;
      // a single packet, or a run interleaved with the caller's, moves nothing.
      const s = echo('any');
      for (let i = 0; i < 50; i++) s.handleDatagram(packet(i, 0xcafe), CALLER_NAT, i * 20);
      drain(s);
      // One packet with the next sequence number from elsewhere, while the caller is silent.
      s.handleDatagram(packet(50, 0xcafe, 9), at(ATTACKER_IP, 40000), 2000);
      expect(destinations(drain(s))[`${ATTACKER_IP}:40000`]).toBeUndefined();
      expect(s.remote).toEqual(CALLER_NAT);
    },
  );
});

describe('media bleed: a port scan from another host', () => {
  /** One packet with a fresh SSRC to each of our "ports" (one session here), `n` times. */
  function scan(s: RtpSession, from: number, n: number): RtpTransmit[] {
    const out: RtpTransmit[] = [];
    for (let i = 0; i < n; i++) {
      // A scanner sends a few in-sequence packets per port, so a source validates (RFC 3550 A.1 probation).
      s.handleDatagram(packet(1000 + i, 0x5ca9 + i), at(ATTACKER_IP, 50000 + (i % 4) * 2), from + i);
      s.handleDatagram(packet(1001 + i, 0x5ca9 + i), at(ATTACKER_IP, 50000 + (i % 4) * 2), from + i);
      out.push(...drain(s));
    }
    return out;
  }

  it('before the caller’s first packet (its source port differs from its SDP port): nothing to the scanner', () => {
    const s = echo();
    const out = scan(s, 0, 50);
    expect(destinations(out)).toEqual({});
    // The caller's own stream then latches and is echoed.
    for (let i = 0; i < 50; i++) {
      s.handleDatagram(packet(i, 0xcafe), CALLER_NAT, 100 + i * 20);
      out.push(...drain(s));
    }
    expect(destinations(out)).toEqual({ [`${CALLER_NAT.address}:${CALLER_NAT.port}`]: 50 });
  });

  it('after the caller stops: nothing to the scanner, the stream stays the caller’s', () => {
    const s = echo();
    for (let i = 0; i < 50; i++) s.handleDatagram(packet(i, 0xcafe), CALLER_NAT, i * 20);
    drain(s);
    const out = scan(s, 5000, 200);
    expect(destinations(out)).toEqual({});
    expect(s.remote).toEqual(CALLER_NAT);
  });

  it('any: a scan before the first packet is what `any` gives up (documented): it latches to the scanner', () => {
    const s = echo('any');
    const out = scan(s, 0, 3);
    expect(Object.keys(destinations(out))).not.toEqual([]);
  });
});

describe('NAT rebinding still moves a stream, slowly', () => {
  it(
    'strict: the caller’s packets from a new port of its IP move the stream after a run, ' + 'once the old is silent',
    () => {
      const s = echo();
      for (let i = 0; i < 50; i++) s.handleDatagram(packet(i, 0xcafe), CALLER_NAT, i * 20);
      drain(s);
      while (s.pollEvent());
      const moved = at(CALLER.address, 62000);
      const out: RtpTransmit[] = [];
      const events: string[] = [];
      for (let i = 50; i < 100; i++) {
        s.handleDatagram(packet(i, 0xcafe), moved, i * 20);
        out.push(...drain(s));
        for (let e = s.pollEvent(); e; e = s.pollEvent()) if (e.type === 'latched') events.push(`${e.address.port}`);
      }
      expect(events).toEqual(['62000']);
      expect(s.remote).toEqual(moved);
      // The run (8 packets, then until the old port is 200 ms silent: packets 50-58) is not echoed; the rest
      // (59-99) is, to the new port.
      expect(destinations(out)).toEqual({ [`${CALLER.address}:62000`]: 41 });
    },
  );

  it('any: a new IP moves it the same way; a second move within 5 s waits', () => {
    const s = echo('any');
    for (let i = 0; i < 50; i++) s.handleDatagram(packet(i, 0xcafe), CALLER_NAT, i * 20);
    let seq = 50;
    for (let t = 1000; t < 2000; t += 20) s.handleDatagram(packet(seq++, 0xcafe), at('198.51.100.4', 7000), t);
    expect(s.remote).toEqual(at('198.51.100.4', 7000));
    for (let t = 2000; t < 3000; t += 20) s.handleDatagram(packet(seq++, 0xcafe), at('198.51.100.5', 7000), t);
    expect(s.remote).toEqual(at('198.51.100.4', 7000));
    for (let t = 3000; t < 7000; t += 20) s.handleDatagram(packet(seq++, 0xcafe), at('198.51.100.5', 7000), t);
    expect(s.remote).toEqual(at('198.51.100.5', 7000));
  });

  it('off: the stream goes to the SDP address whatever arrives', () => {
    const s = echo('off');
    const out: RtpTransmit[] = [];
    for (let i = 0; i < 20; i++) {
      s.handleDatagram(packet(i, 0xcafe), CALLER_NAT, i * 20);
      out.push(...drain(s));
    }
    expect(destinations(out)).toEqual({ [`${CALLER.address}:${CALLER.port}`]: 20 });
  });
});

describe('RtpLatch', () => {
  const sdp = at('192.0.2.10', 5000);

  it('strict and off accept the SDP and signalling IPs only; any accepts all', () => {
    for (const mode of ['strict', 'off'] as const) {
      const l = new RtpLatch({ mode, trusted: ['198.51.100.1'] }, sdp);
      expect(l.eligible(at('192.0.2.10', 1))).toBe(true);
      expect(l.eligible(at('198.51.100.1', 1))).toBe(true);
      expect(l.eligible(at('192.0.2.11', 5000))).toBe(false);
    }
    expect(new RtpLatch({ mode: 'any' }, sdp).eligible(at('192.0.2.11', 5000))).toBe(true);
    const l = new RtpLatch({}, sdp);
    l.setSdp(at('192.0.2.99', 1));
    expect(l.eligible(at('192.0.2.10', 5000))).toBe(false);
  });

  it('a move needs moveRun consecutive packets of one SSRC from one address; a gap or another SSRC restarts it', () => {
    const l = new RtpLatch({ moveRun: 3, quietMs: 0, moveIntervalMs: 0 }, sdp);
    l.first(sdp);
    const b = at('192.0.2.10', 6000);
    expect(l.offer(b, 1, 10, 0, undefined)).toBe(false);
    expect(l.offer(b, 1, 11, 0, undefined)).toBe(false);
    expect(l.offer(b, 1, 13, 0, undefined)).toBe(false); // a gap
    expect(l.offer(b, 2, 14, 0, undefined)).toBe(false); // another SSRC
    expect(l.offer(b, 2, 15, 0, undefined)).toBe(false);
    expect(l.offer(at('192.0.2.10', 6002), 2, 16, 0, undefined)).toBe(false); // another address
    expect(l.offer(b, 2, 17, 0, undefined)).toBe(false);
    expect(l.offer(b, 2, 18, 0, undefined)).toBe(false);
    expect(l.offer(b, 2, 19, 0, undefined)).toBe(true);
    expect(l.latched).toEqual(b);
    expect(l.refusedMoves).toBe(4);
  });

  it('a move waits for the latched address to be quiet, and for the interval since the last move', () => {
    const l = new RtpLatch({ moveRun: 2, quietMs: 200, moveIntervalMs: 5000 }, sdp);
    l.first(sdp);
    const b = at('192.0.2.10', 6000);
    l.offer(b, 1, 1, 1000, 990);
    expect(l.offer(b, 1, 2, 1020, 1010)).toBe(false); // the caller spoke 10 ms ago
    expect(l.offer(b, 1, 3, 1240, 1010)).toBe(true);
    const c = at('192.0.2.10', 6002);
    l.offer(c, 1, 4, 2000, 1240);
    expect(l.offer(c, 1, 5, 2500, 1240)).toBe(false); // 1.26 s after the move
    expect(l.offer(c, 1, 6, 6240, 1240)).toBe(true);
    expect(l.moves).toBe(2);
  });

  it('off never latches', () => {
    const l = new RtpLatch({ mode: 'off' }, sdp);
    expect(l.first(sdp)).toBeUndefined();
    expect(l.offer(sdp, 1, 1, 0, undefined)).toBe(false);
  });
});
