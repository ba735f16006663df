import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SdpParseError } from '../../src/sdp/errors.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { serializeSdp } from '../../src/sdp/serialize.js';
import type { SessionDescription } from '../../src/sdp/types.js';
import { directionOf, formatsOf, hasRtcpMux, ptimeOf, rtcpOf } from '../../src/sdp/media-format.js';
import { sdpVector, sdpVectorNames } from './support.js';

describe('SDP parse/serialize (RFC 8866)', () => {
  it.each([
    'rfc3264-10.1-offer.sdp',
    'rfc3264-10.1-answer.sdp',
    'rfc3264-10.2-answer.sdp',
    'rfc8866-5-example.sdp',
    'sipp-uas-rtp.sdp',
    'linphone-style-offer.sdp',
  ])('%s: text -> value -> text is exact', (name) => {
    const text = sdpVector(name);
    const d = parseSdp(text);
    expect(serializeSdp(d)).toBe(text);
    expect(parseSdp(serializeSdp(d))).toEqual(d);
  });

  it('reads every field of the RFC 8866 section 5 example', () => {
    const d = parseSdp(sdpVector('rfc8866-5-example.sdp'));
    expect(d.origin).toEqual({
      username: 'jdoe',
      sessionId: '3724394400',
      sessionVersion: '3724394405',
      netType: 'IN',
      addrType: 'IP4',
      address: '198.51.100.1',
    });
    expect(d.sessionName).toBe('Call to John Smith');
    expect(d.information).toBe('SDP Offer #1');
    expect(d.uri).toBe('http://www.jdoe.example.com/home.html');
    expect(d.emails).toEqual(['Jane Doe <jane@jdoe.example.com>']);
    expect(d.phones).toEqual(['+1 617 555-6011']);
    expect(d.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '198.51.100.1' });
    expect(d.timing).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(d.media.map((m) => [m.media, m.port, m.proto, m.formats])).toEqual([
      ['audio', 49170, 'RTP/AVP', ['0']],
      ['audio', 49180, 'RTP/AVP', ['0']],
      ['video', 51372, 'RTP/AVP', ['99']],
    ]);
    expect(d.media[2]!.connections).toEqual([{ netType: 'IN', addrType: 'IP6', address: '2001:db8::2' }]);
    expect(formatsOf(d.media[2]!)).toEqual([{ name: 'h263-1998', clockRate: 90000, payloadType: 99 }]);
  });

  it('resolves static payload types, rtpmap, fmtp and channels (a linphone-like offer)', () => {
    const m = parseSdp(sdpVector('linphone-style-offer.sdp')).media[0]!;
    expect(formatsOf(m)).toEqual([
      { name: 'opus', clockRate: 48000, channels: 2, payloadType: 96, fmtp: 'useinbandfec=1' },
      { name: 'speex', clockRate: 16000, payloadType: 97, fmtp: 'vbr=on' },
      { name: 'speex', clockRate: 8000, payloadType: 98, fmtp: 'vbr=on' },
      { name: 'PCMU', clockRate: 8000, payloadType: 0 },
      { name: 'PCMA', clockRate: 8000, payloadType: 8 },
      { name: 'G729', clockRate: 8000, payloadType: 18, fmtp: 'annexb=yes' },
      { name: 'telephone-event', clockRate: 48000, payloadType: 99 },
      { name: 'telephone-event', clockRate: 16000, payloadType: 100 },
      { name: 'telephone-event', clockRate: 8000, payloadType: 101 },
    ]);
    expect(directionOf(m)).toBe('sendrecv');
  });

  it('reads direction, ptime, rtcp (RFC 3605) and rtcp-mux (RFC 5761)', () => {
    const d = parseSdp(
      'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=recvonly\r\n' +
        'm=audio 4000 RTP/AVP 0\r\na=ptime:30\r\na=maxptime:60\r\na=rtcp:4005 IN IP4 10.0.0.9\r\na=rtcp-mux\r\n' +
        'm=audio 4010 RTP/AVP 0\r\na=inactive\r\na=rtcp:4011\r\n',
    );
    const [m1, m2] = d.media;
    expect(directionOf(m1!, d)).toBe('recvonly');
    expect(directionOf(m2!, d)).toBe('inactive');
    expect(ptimeOf(m1!)).toBe(30);
    expect(ptimeOf(m1!, 'maxptime')).toBe(60);
    expect(rtcpOf(m1!)).toEqual({ port: 4005, address: '10.0.0.9' });
    expect(rtcpOf(m2!)).toEqual({ port: 4011 });
    expect(hasRtcpMux(m1!)).toBe(true);
    expect(hasRtcpMux(m2!)).toBe(false);
  });

  it('accepts LF line ends and writes CRLF', () => {
    const lf = sdpVector('sipp-uas-rtp.sdp').replace(/\r\n/g, '\n');
    expect(serializeSdp(parseSdp(lf))).toBe(sdpVector('sipp-uas-rtp.sdp'));
  });

  it.each(sdpVectorNames('bad-'))('%s: SdpParseError (status 400) naming the line', (name) => {
    const line = Number(/line(\d+)/.exec(name)![1]);
    const text = sdpVector(name);
    let err: unknown;
    try {
      parseSdp(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SdpParseError);
    const e = err as SdpParseError;
    expect(e.status).toBe(400);
    expect(e.line).toBe(line);
    expect(e.text).toBe(text.split('\r\n')[line - 1]);
  });

  it('rejects descriptions missing required parts, without a line', () => {
    for (const text of [
      '',
      'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n',
      'v=0\r\no=- 1 1 IN IP4 a\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
    ])
      expect(() => parseSdp(text)).toThrow(SdpParseError);
  });

  const token = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,10}$/);
  const attr = fc.oneof(
    fc.record({ name: fc.constantFrom('sendrecv', 'recvonly', 'rtcp-mux', 'x-flag') }),
    fc.record({ name: fc.constantFrom('x-note', 'tool'), value: fc.stringMatching(/^[ -~]{0,20}$/) }),
    fc.integer({ min: 0, max: 127 }).map((pt) => ({ name: 'rtpmap', value: `${pt} codec${pt}/8000` })),
    fc.integer({ min: 1, max: 200 }).map((n) => ({ name: 'ptime', value: String(n) })),
  );
  const conn = fc.record({ netType: fc.constant('IN'), addrType: fc.constant('IP4'), address: fc.ipV4() });
  const media = fc.record({
    media: fc.constantFrom('audio', 'video', 'application'),
    port: fc.integer({ min: 0, max: 65535 }),
    proto: fc.constantFrom('RTP/AVP', 'RTP/SAVP'),
    formats: fc.array(fc.integer({ min: 0, max: 127 }).map(String), { minLength: 1, maxLength: 5 }),
    connections: fc.array(conn, { maxLength: 1 }),
    bandwidths: fc.array(fc.record({ type: fc.constantFrom('AS', 'TIAS'), value: fc.nat(100000) }), { maxLength: 1 }),
    attributes: fc.array(attr, { maxLength: 5 }),
  });
  const session: fc.Arbitrary<SessionDescription> = fc.record({
    version: fc.constant(0),
    origin: fc.record({
      username: token,
      sessionId: fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
      sessionVersion: fc.nat().map(String),
      netType: fc.constant('IN'),
      addrType: fc.constant('IP4'),
      address: fc.ipV4(),
    }),
    sessionName: fc.stringMatching(/^[ -~]{0,20}$/),
    emails: fc.constant([]),
    phones: fc.constant([]),
    connection: conn,
    bandwidths: fc.constant([]),
    timing: fc.array(fc.record({ start: fc.nat().map(String), stop: fc.nat().map(String), repeats: fc.constant([]) }), {
      minLength: 1,
      maxLength: 2,
    }),
    attributes: fc.array(attr, { maxLength: 3 }),
    media: fc.array(media, { maxLength: 3 }),
  });

  it('property: value -> text -> value is the identity', () => {
    fc.assert(
      fc.property(session, (d) => {
        expect(parseSdp(serializeSdp(d))).toEqual(d);
      }),
      { numRuns: 300 },
    );
  });

  it('property (fuzz): mutated descriptions parse or throw SdpParseError, never anything else', () => {
    const base = sdpVector('linphone-style-offer.sdp');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: base.length - 1 }),
        fc.string({ maxLength: 4 }),
        fc.integer({ min: 0, max: base.length }),
        (at, insert, cut) => {
          const text = (base.slice(0, at) + insert + base.slice(at + 1)).slice(0, Math.max(cut, 1));
          try {
            parseSdp(text);
          } catch (e) {
            expect(e).toBeInstanceOf(SdpParseError);
          }
        },
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseSdp(text);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpParseError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('control characters and bytes that are not UTF-8', () => {
  const sdp = (s: string, rtpmap = 'PCMU/8000') =>
    `v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=${s}\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n` +
    `a=rtpmap:0 ${rtpmap}\r\n`;

  it.each([
    ['a NUL', sdp('a\x00b'), 3, '0x00'],
    ['a lone CR', sdp('a\rb'), 3, '0x0d'],
    ['an escape sequence', sdp('x\x1b[2Jy'), 3, '0x1b'],
    ['a control character in a codec name', sdp('-', 'PC\x07MU/8000'), 7, '0x07'],
  ])('%s is refused (400), naming the line', (_what, text, line, code) => {
    let err: unknown;
    try {
      parseSdp(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SdpParseError);
    expect((err as SdpParseError).status).toBe(400);
    expect((err as SdpParseError).line).toBe(line);
    expect((err as SdpParseError).message).toContain(`control character ${code}`);
    // The offending line is quoted escaped: the error can be logged and sent in a Warning as it is.
    expect((err as SdpParseError).message).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f]/);
  });

  it('a tab is allowed; bytes that are not UTF-8 are read as U+FFFD and accepted', () => {
    expect(parseSdp(sdp('a\tb')).sessionName).toBe('a\tb');
    // A Latin-1 session name: é is the one byte 0xE9, not UTF-8.
    const bytes = Buffer.from(sdp('caf\u00e9'), 'latin1');
    expect(parseSdp(bytes.toString('utf8')).sessionName).toBe('caf\ufffd');
  });
});
