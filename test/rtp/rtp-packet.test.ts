import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RtpEncodeError, RtpParseError } from '../../src/rtp/errors.js';
import { isRtcpPacket, parseRtp, serializeRtp, type RtpPacket } from '../../src/rtp/rtp-packet.js';
import { RtpSender } from '../../src/rtp/rtp-sender.js';
import { hex, vector } from './support/vectors.js';

describe('RTP packet codec (RFC 3550 5.1)', () => {
  it('decodes the fixed header with the marker bit', () => {
    const bytes = vector('rfc3550-5.1-pcmu-marker.hex');
    const p = parseRtp(bytes);
    expect(p).toMatchObject({
      marker: true,
      payloadType: 0,
      sequenceNumber: 0x1234,
      timestamp: 160,
      ssrc: 0xdeadbeef,
      padding: 0,
    });
    expect(p.csrcs).toEqual([]);
    expect(p.extension).toBeUndefined();
    expect(hex(p.payload)).toBe('fffefdfc7f7e7d7c');
    expect(hex(serializeRtp(p))).toBe(hex(bytes));
  });

  it('decodes CSRCs, a header extension and padding, and encodes them back byte for byte', () => {
    const bytes = vector('rfc3550-5.1-csrc-extension-padding.hex');
    const p = parseRtp(bytes);
    expect(p).toMatchObject({
      marker: false,
      payloadType: 101,
      sequenceNumber: 0xffff,
      timestamp: 0xfffffff0,
      ssrc: 0x01020304,
      padding: 4,
    });
    expect(p.csrcs).toEqual([0x11111111, 0x22222222]);
    expect(p.extension!.profile).toBe(0xbede);
    expect(hex(p.extension!.data)).toBe('10aa0000');
    expect(hex(p.payload)).toBe('058a0320');
    expect(hex(serializeRtp(p))).toBe(hex(bytes));
  });

  it.each(['rtp-truncated-csrc.hex', 'rtp-padding-overrun.hex', 'rtp-version-1.hex'])(
    'rejects %s with RtpParseError',
    (name) => {
      expect(() => parseRtp(vector(name))).toThrow(RtpParseError);
    },
  );

  it('rejects packets shorter than the header and extensions running past the end', () => {
    expect(() => parseRtp(new Uint8Array(11))).toThrow(RtpParseError);
    const ext = Uint8Array.from([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 2, 1, 2, 3, 4]);
    expect(() => parseRtp(ext)).toThrow(RtpParseError);
  });

  it('refuses to encode fields that do not fit', () => {
    const base: RtpPacket = {
      marker: false,
      payloadType: 0,
      sequenceNumber: 0,
      timestamp: 0,
      ssrc: 0,
      csrcs: [],
      payload: new Uint8Array(0),
      padding: 0,
    };
    expect(() => serializeRtp({ ...base, payloadType: 128 })).toThrow(RtpEncodeError);
    expect(() => serializeRtp({ ...base, csrcs: new Array(16).fill(1) })).toThrow(RtpEncodeError);
    expect(() => serializeRtp({ ...base, extension: { profile: 1, data: new Uint8Array(3) } })).toThrow(RtpEncodeError);
    expect(() => serializeRtp({ ...base, padding: 256 })).toThrow(RtpEncodeError);
  });

  it('tells RTCP from RTP on a multiplexed port (RFC 5761 4)', () => {
    expect(isRtcpPacket(vector('rfc3550-6.4-sr-sdes.hex'))).toBe(true);
    expect(isRtcpPacket(vector('rfc3550-5.1-pcmu-marker.hex'))).toBe(false);
    expect(isRtcpPacket(Uint8Array.from([0x80, 0x00 | 101]))).toBe(false);
  });

  const packet = fc.record({
    marker: fc.boolean(),
    payloadType: fc.integer({ min: 0, max: 127 }),
    sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    ssrc: fc.integer({ min: 0, max: 0xffffffff }),
    csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
    extension: fc.option(
      fc.record({
        profile: fc.integer({ min: 0, max: 0xffff }),
        data: fc.uint8Array({ maxLength: 16 }).map((d) => d.subarray(0, d.length & ~3)),
      }),
      { nil: undefined },
    ),
    payload: fc.uint8Array({ maxLength: 200 }),
    padding: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
  });

  it('property: value -> bytes -> value is the identity', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const { extension, ...rest } = p;
        const v: RtpPacket = extension ? { ...rest, extension } : rest;
        const bytes = serializeRtp(v);
        const back = parseRtp(bytes);
        const plain = (x: RtpPacket) => ({
          ...x,
          payload: hex(x.payload),
          extension: x.extension && { profile: x.extension.profile, data: hex(x.extension.data) },
        });
        expect(plain(back)).toEqual(plain(v));
        expect(hex(serializeRtp(back))).toBe(hex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('property (fuzz): any bytes either parse or throw RtpParseError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        try {
          const p = parseRtp(b);
          // Padding octets other than the count are not kept, so compare up to the padding.
          const keep = b.length - p.padding;
          expect(hex(serializeRtp(p).subarray(0, keep))).toBe(hex(b.subarray(0, keep)));
        } catch (e) {
          expect(e).toBeInstanceOf(RtpParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('RtpSender.packet', () => {
  it('writes what serializeRtp writes for the same fields, for any payload type, marker and payload', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 127 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (pt, marker, payload, ssrc) => {
          const sender = new RtpSender(ssrc, 8000, () => 0.37);
          const seq = sender.sequenceNumber;
          const ts = sender.timestamp;
          const bytes = sender.packet(pt, payload, { marker, now: 0 });
          const expected = serializeRtp({
            marker,
            payloadType: pt,
            sequenceNumber: seq,
            timestamp: ts,
            ssrc,
            csrcs: [],
            payload,
            padding: 0,
          });
          expect(bytes).toEqual(expected);
          expect(parseRtp(bytes)).toMatchObject({ payloadType: pt, marker, sequenceNumber: seq, ssrc });
        },
      ),
    );
  });

  it('refuses a payload type that does not fit seven bits', () => {
    const sender = new RtpSender(1, 8000, () => 0.5);
    expect(() => sender.packet(128, new Uint8Array(4), { now: 0 })).toThrow(RtpEncodeError);
    expect(() => sender.packet(-1, new Uint8Array(4), { now: 0 })).toThrow(RtpEncodeError);
  });
});
