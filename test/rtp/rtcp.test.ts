import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RtcpParseError, RtpEncodeError } from '../../src/rtp/errors.js';
import { parseRtcp, serializeRtcp } from '../../src/rtp/rtcp-compound.js';
import type { RtcpPacket } from '../../src/rtp/rtcp-types.js';
import { compactNtp, ntpFromUnixMs, roundTripMs, unixMsFromNtp } from '../../src/rtp/ntp-time.js';
import { hex, vector } from './support/vectors.js';

describe('RTCP codec (RFC 3550 6)', () => {
  it('decodes an SR with one report block and an SDES CNAME, and encodes it back byte for byte', () => {
    const bytes = vector('rfc3550-6.4-sr-sdes.hex');
    const [sr, sdes, ...rest] = parseRtcp(bytes);
    expect(rest).toEqual([]);
    expect(sr).toEqual({
      type: 'sr',
      ssrc: 0x11223344,
      ntpSeconds: 0xe5d1a2b3,
      ntpFraction: 0x80000000,
      rtpTimestamp: 8000,
      packetCount: 50,
      octetCount: 8000,
      reports: [
        {
          ssrc: 0xcafebabe,
          fractionLost: 64,
          cumulativeLost: -2,
          highestSequence: 0x10005,
          jitter: 16,
          lastSr: 0xa2b38000,
          delaySinceLastSr: 0x8000,
        },
      ],
    });
    expect(sdes).toEqual({
      type: 'sdes',
      chunks: [{ ssrc: 0x11223344, items: [{ type: 1, text: 'alice@127.0.0.1' }] }],
    });
    expect(hex(serializeRtcp([sr!, sdes!]))).toBe(hex(bytes));
  });

  it('decodes an empty RR and a BYE with a reason (RFC 3550 6.6)', () => {
    const bytes = vector('rfc3550-6.6-rr-bye.hex');
    const packets = parseRtcp(bytes);
    expect(packets).toEqual([
      { type: 'rr', ssrc: 0x0a0b0c0d, reports: [] },
      { type: 'bye', ssrcs: [0x0a0b0c0d], reason: 'done' },
    ]);
    expect(hex(serializeRtcp(packets))).toBe(hex(bytes));
  });

  it.each(['rtcp-rr-truncated.hex', 'rtcp-starts-with-sdes.hex'])('rejects %s (RFC 3550 A.2)', (name) => {
    expect(() => parseRtcp(vector(name))).toThrow(RtcpParseError);
  });

  it('accepts a compound packet that does not start with a report when asked to (reduced size)', () => {
    expect(parseRtcp(vector('rtcp-starts-with-sdes.hex'), { requireReport: false })[0]!.type).toBe('sdes');
  });

  it('keeps padding only on the last packet and strips it', () => {
    const rr = Uint8Array.from([0xa0, 0xc9, 0x00, 0x02, 0, 0, 0, 9, 0, 0, 0, 4]);
    expect(parseRtcp(rr)).toEqual([{ type: 'rr', ssrc: 9, reports: [] }]);
    const bad = Uint8Array.from([0xa0, 0xc9, 0x00, 0x01, 0, 0, 0, 9, 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 9]);
    expect(() => parseRtcp(bad)).toThrow(RtcpParseError);
  });

  it('keeps unknown packet types (e.g. RTPFB 205) as bytes', () => {
    const bytes = serializeRtcp([
      { type: 'rr', ssrc: 1, reports: [] },
      { type: 'unknown', packetType: 205, count: 1, body: Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 2]) },
      { type: 'app', subtype: 3, ssrc: 1, name: 'shtm', data: Uint8Array.from([1, 2, 3, 4]) },
    ]);
    const back = parseRtcp(bytes);
    expect(back[1]).toMatchObject({ type: 'unknown', packetType: 205, count: 1 });
    expect(back[2]).toMatchObject({ type: 'app', subtype: 3, name: 'shtm' });
    expect(hex(serializeRtcp(back))).toBe(hex(bytes));
  });

  it('refuses to encode values that do not fit', () => {
    expect(() =>
      serializeRtcp([{ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'x'.repeat(256) }] }] }]),
    ).toThrow(RtpEncodeError);
    expect(() =>
      serializeRtcp([{ type: 'app', subtype: 0, ssrc: 1, name: 'toolong', data: new Uint8Array(0) }]),
    ).toThrow(RtpEncodeError);
    expect(() =>
      serializeRtcp([
        {
          type: 'rr',
          ssrc: 1,
          reports: [
            {
              ssrc: 2,
              fractionLost: 300,
              cumulativeLost: 0,
              highestSequence: 0,
              jitter: 0,
              lastSr: 0,
              delaySinceLastSr: 0,
            },
          ],
        },
      ]),
    ).toThrow(RtpEncodeError);
  });

  it('clamps cumulative lost to the signed 24-bit range', () => {
    const block = {
      ssrc: 2,
      fractionLost: 0,
      cumulativeLost: 1e9,
      highestSequence: 0,
      jitter: 0,
      lastSr: 0,
      delaySinceLastSr: 0,
    };
    const [rr] = parseRtcp(serializeRtcp([{ type: 'rr', ssrc: 1, reports: [block] }]));
    expect(rr?.type === 'rr' && rr.reports[0]!.cumulativeLost).toBe(0x7fffff);
  });

  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const block = fc.record({
    ssrc: u32,
    fractionLost: fc.integer({ min: 0, max: 255 }),
    cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
    highestSequence: u32,
    jitter: u32,
    lastSr: u32,
    delaySinceLastSr: u32,
  });
  const text = fc.string({ maxLength: 40 });
  const packet: fc.Arbitrary<RtcpPacket> = fc.oneof(
    fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports: fc.array(block, { maxLength: 4 }) }),
    fc.record({
      type: fc.constant('sr' as const),
      ssrc: u32,
      ntpSeconds: u32,
      ntpFraction: u32,
      rtpTimestamp: u32,
      packetCount: u32,
      octetCount: u32,
      reports: fc.array(block, { maxLength: 4 }),
    }),
    fc.record({
      type: fc.constant('sdes' as const),
      chunks: fc.array(
        fc.record({
          ssrc: u32,
          items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 8 }), text }), { maxLength: 3 }),
        }),
        { maxLength: 3 },
      ),
    }),
    fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 4 }) }),
    fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 4 }), reason: text }),
  );
  const compound = fc.tuple(
    fc.oneof(packet.filter((p) => p.type === 'sr' || p.type === 'rr')),
    fc.array(packet, { maxLength: 4 }),
  );

  it('property: packets -> bytes -> packets is the identity', () => {
    fc.assert(
      fc.property(compound, ([first, rest]) => {
        const packets = [first, ...rest];
        const bytes = serializeRtcp(packets);
        expect(parseRtcp(bytes)).toEqual(packets);
        expect(hex(serializeRtcp(parseRtcp(bytes)))).toBe(hex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('property (fuzz): any bytes either parse or throw RtcpParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        try {
          parseRtcp(b);
        } catch (e) {
          expect(e).toBeInstanceOf(RtcpParseError);
        }
      }),
      { numRuns: 2000 },
    );
    // Mutations of a valid compound packet reach deeper into the parsers.
    const valid = vector('rfc3550-6.4-sr-sdes.hex');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 1, max: valid.length }),
        (i, v, cut) => {
          const b = valid.slice(0, cut);
          if (i < b.length) b[i] = v;
          try {
            parseRtcp(b);
          } catch (e) {
            expect(e).toBeInstanceOf(RtcpParseError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('NTP timestamps and round-trip time (RFC 3550 4, 6.4.1)', () => {
  it('converts Unix milliseconds to NTP and back', () => {
    const t = ntpFromUnixMs(1_700_000_000_500);
    expect(t.seconds).toBe(1_700_000_000 + 2_208_988_800);
    expect(t.fraction).toBe(0x80000000);
    expect(unixMsFromNtp(t)).toBeCloseTo(1_700_000_000_500, 3);
  });

  it('takes the middle 32 bits for LSR', () => {
    expect(compactNtp({ seconds: 0xe5d1a2b3, fraction: 0x80000000 })).toBe(0xa2b38000);
  });

  it('computes A - LSR - DLSR (the RFC 3550 6.4.1 example: 0xb7050000 ... )', () => {
    // RFC 3550 6.4.1 figure: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
    // DLSR = 0x0005:4000 (5.250 s) -> delay 0x0006:2000 (6.125 s).
    expect(roundTripMs(0xb7108000, 0xb7052000, 0x00054000)).toBe(6125);
    expect(roundTripMs(0x12345678, 0, 0)).toBeUndefined();
  });
});
