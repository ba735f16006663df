import { describe, expect, it } from 'vitest';
import { SdpAnswerError, SdpLocalError, SdpNegotiationError } from '../../src/sdp/errors.js';
import {
  createAnswer,
  createOffer,
  nextVersion,
  processAnswer,
  rtpSessionOptions,
  type LocalMedia,
} from '../../src/sdp/offer-answer.js';
import { directionOf, formatsOf, hasRtcpMux, type MediaFormat } from '../../src/sdp/media-format.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { serializeSdp } from '../../src/sdp/serialize.js';
import type { MediaDirection } from '../../src/rtp/rtp-session-types.js';
import { sdpVector } from './support.js';

const PCMU: MediaFormat = { name: 'PCMU', clockRate: 8000 };
const PCMA: MediaFormat = { name: 'PCMA', clockRate: 8000 };
const GSM: MediaFormat = { name: 'GSM', clockRate: 8000 };
const TE: MediaFormat = { name: 'telephone-event', clockRate: 8000, fmtp: '0-16' };
const bob = (formats: MediaFormat[], more: Partial<LocalMedia> = {}): LocalMedia => ({
  address: '192.0.2.20',
  port: 49174,
  formats,
  sessionId: '2808844564',
  username: 'bob',
  ...more,
});

/**
 * An RFC 3264 example with its host names replaced by documentation
 * addresses: shtoom refuses a host name as a connection address (see the
 * test "connection addresses").
 */
function literal(text: string): string {
  return text
    .replaceAll('host.atlanta.example.com', '192.0.2.101')
    .replaceAll('host.biloxi.example.com', '192.0.2.201');
}

function offerWith(media: string, session = ''): string {
  return `v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n${session}${media}`;
}

describe('RFC 3264 offer/answer', () => {
  it('RFC 3264 10.1: answers the audio with PCMU and rejects the video stream (port 0, formats kept)', () => {
    const offer = parseSdp(literal(sdpVector('rfc3264-10.1-offer.sdp')));
    const { answer, media } = createAnswer(offer, bob([PCMU]));
    expect(answer.media).toHaveLength(2);
    const [audio, video] = answer.media;
    expect(audio).toMatchObject({ media: 'audio', port: 49174, proto: 'RTP/AVP', formats: ['0'] });
    expect(audio!.attributes).toContainEqual({ name: 'rtpmap', value: '0 PCMU/8000' });
    expect(video).toEqual({
      media: 'video',
      port: 0,
      proto: 'RTP/AVP',
      formats: ['31', '32'],
      connections: [],
      bandwidths: [],
      attributes: [],
    });
    expect(media).toMatchObject({
      index: 0,
      remoteRtp: { address: '192.0.2.101', port: 49170 },
      remoteRtcp: { address: '192.0.2.101', port: 49171 },
      send: { name: 'PCMU', clockRate: 8000, payloadType: 0 },
      direction: 'sendrecv',
      remoteHold: false,
      rtcpMux: false,
    });
    // and Alice, processing the RFC's own answer, sends PCMU
    expect(processAnswer(offer, parseSdp(literal(sdpVector('rfc3264-10.1-answer.sdp')))).send).toEqual({
      name: 'PCMU',
      clockRate: 8000,
      payloadType: 0,
    });
  });

  it('RFC 3264 10.2: one of N codec selection with a dynamic payload type', () => {
    const offer = parseSdp(literal(sdpVector('rfc3264-10.1-offer.sdp')));
    const { answer } = createAnswer(offer, bob([{ name: 'iLBC', clockRate: 8000 }]));
    const expected = parseSdp(literal(sdpVector('rfc3264-10.2-answer.sdp'))).media[0]!;
    expect(answer.media[0]!.formats).toEqual(expected.formats);
    expect(formatsOf(answer.media[0]!)).toEqual(formatsOf(expected));
    const alice = processAnswer(
      parseSdp(serializeSdp({ ...offer, media: [offer.media[0]!] })),
      parseSdp(literal(sdpVector('rfc3264-10.2-answer.sdp'))),
    );
    expect(alice.send).toEqual({ name: 'iLBC', clockRate: 8000, payloadType: 97 });
    expect(alice.receive.get(97)).toMatchObject({ name: 'iLBC' });
  });

  it("lists the common codecs in the answerer's preference order, with the offer's payload types", () => {
    const offer = parseSdp(offerWith('m=audio 4000 RTP/AVP 0 8 3\r\n'));
    const { answer, media } = createAnswer(offer, bob([GSM, PCMA, { name: 'pcmu', clockRate: 8000 }]));
    expect(answer.media[0]!.formats).toEqual(['3', '8', '0']);
    expect(media.send).toMatchObject({ name: 'GSM', payloadType: 3 });
    expect(media.formats.map((f) => f.payloadType)).toEqual([3, 8, 0]);
  });

  it('no common codec: SdpNegotiationError with status 488 and a reason naming both sides', () => {
    const offer = parseSdp(offerWith('m=audio 4000 RTP/AVP 9 18\r\na=rtpmap:9 G722/8000\r\n'));
    let err: unknown;
    try {
      createAnswer(offer, bob([PCMU, GSM]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SdpNegotiationError);
    expect((err as SdpNegotiationError).status).toBe(488);
    expect((err as SdpNegotiationError).reason).toBe(
      'no common codec: offered G722/8000, G729/8000; supported PCMU/8000, GSM/8000',
    );
  });

  it('no audio, or only encrypted audio: 488 with the reason', () => {
    expect(() => createAnswer(parseSdp(offerWith('m=video 4000 RTP/AVP 31\r\n')), bob([PCMU]))).toThrow(
      /no audio stream offered/,
    );
    expect(() => createAnswer(parseSdp(offerWith('m=audio 4000 RTP/SAVP 0\r\n')), bob([PCMU]))).toThrow(
      /RTP\/SAVP offered but SRTP is off/,
    );
  });

  it('answers the first usable audio stream and rejects the rest (disabled, encrypted, or a second audio)', () => {
    const offer = parseSdp(
      offerWith(
        'm=audio 0 RTP/AVP 0\r\nm=audio 4000 RTP/SAVP 0\r\nm=audio 4002 RTP/AVP 0\r\nm=audio 4004 RTP/AVP 0\r\n',
      ),
    );
    const { answer, media } = createAnswer(offer, bob([PCMU]));
    expect(answer.media.map((m) => m.port)).toEqual([0, 0, 49174, 0]);
    expect(media.index).toBe(2);
    expect(media.remoteRtp).toEqual({ address: '192.0.2.10', port: 4002 });
  });

  it('telephone-event on a dynamic payload type, at the rate of the audio codec (RFC 4733)', () => {
    const offer = parseSdp(sdpVector('linphone-style-offer.sdp'));
    const { answer, media } = createAnswer(offer, bob([PCMA, PCMU, TE]));
    expect(answer.media[0]!.formats).toEqual(['8', '0', '101']);
    expect(answer.media[0]!.attributes).toContainEqual({ name: 'fmtp', value: '101 0-16' });
    expect(media.telephoneEvent).toMatchObject({ payloadType: 101, clockRate: 8000 });
    const opts = rtpSessionOptions(media);
    expect(opts).toMatchObject({
      payloadType: 8,
      clockRate: 8000,
      telephoneEventPayloadType: 101,
      rtcpMux: false,
      direction: 'sendrecv',
    });
    expect([...opts.receivePayloadTypes]).toEqual([
      [8, 'audio'],
      [0, 'audio'],
      [101, 'telephone-event'],
    ]);
    // a peer that offers telephone-event only at another rate gets none
    const other = parseSdp(offerWith('m=audio 4000 RTP/AVP 0 100\r\na=rtpmap:100 telephone-event/16000\r\n'));
    expect(createAnswer(other, bob([PCMU, TE])).media.telephoneEvent).toBeUndefined();
    // and a dynamic number other than 101 is kept
    const dyn = parseSdp(
      offerWith('m=audio 4000 RTP/AVP 0 96\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n'),
    );
    expect(createAnswer(dyn, bob([PCMU, TE])).media.telephoneEvent).toMatchObject({ payloadType: 96 });
  });

  const table: [MediaDirection, MediaDirection, MediaDirection][] = [
    ['sendrecv', 'sendrecv', 'sendrecv'],
    ['sendonly', 'sendrecv', 'recvonly'],
    ['recvonly', 'sendrecv', 'sendonly'],
    ['inactive', 'sendrecv', 'inactive'],
    ['sendrecv', 'recvonly', 'recvonly'],
    ['sendrecv', 'sendonly', 'sendonly'],
    ['sendonly', 'sendonly', 'inactive'],
    ['recvonly', 'recvonly', 'inactive'],
  ];
  it.each(table)('RFC 3264 6.1: offer %s, we want %s -> answer %s', (offered, wanted, answered) => {
    const offer = parseSdp(offerWith(`m=audio 4000 RTP/AVP 0\r\na=${offered}\r\n`));
    const { answer, media } = createAnswer(offer, bob([PCMU], { direction: wanted }));
    expect(directionOf(answer.media[0]!, answer)).toBe(answered);
    expect(media.direction).toBe(answered);
    expect(media.remoteHold).toBe(offered === 'sendonly' || offered === 'inactive');
  });

  it('takes the session-level direction when the media has none', () => {
    const offer = parseSdp(offerWith('m=audio 4000 RTP/AVP 0\r\n', 'a=sendonly\r\n'));
    expect(createAnswer(offer, bob([PCMU])).media.direction).toBe('recvonly');
  });

  it('legacy hold (c=0.0.0.0, RFC 3264 8.4): we do not send, and there is no address to send to', () => {
    const offer = parseSdp(
      'v=0\r\no=alice 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
    );
    const { media } = createAnswer(offer, bob([PCMU]));
    expect(media.remoteHold).toBe(true);
    expect(media.direction).toBe('recvonly');
    expect(media.remoteRtp).toBeUndefined();
    expect(rtpSessionOptions(media).remoteRtp).toBeUndefined();
  });

  it('rtcp-mux (RFC 5761) when offered, and a=rtcp (RFC 3605) otherwise', () => {
    const mux = parseSdp(offerWith('m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n'));
    const a = createAnswer(mux, bob([PCMU]));
    expect(hasRtcpMux(a.answer.media[0]!)).toBe(true);
    expect(a.media.rtcpMux).toBe(true);
    expect(a.media.remoteRtcp).toEqual({ address: '192.0.2.10', port: 4000 });
    const noMux = createAnswer(mux, bob([PCMU], { rtcpMux: false }));
    expect(hasRtcpMux(noMux.answer.media[0]!)).toBe(false);
    const rtcp = parseSdp(offerWith('m=audio 4000 RTP/AVP 0\r\na=rtcp:5003 IN IP4 192.0.2.99\r\n'));
    expect(createAnswer(rtcp, bob([PCMU])).media.remoteRtcp).toEqual({ address: '192.0.2.99', port: 5003 });
    const ours = createAnswer(rtcp, bob([PCMU], { rtcpPort: 50001 })).answer.media[0]!;
    expect(ours.attributes).toContainEqual({ name: 'rtcp', value: '50001 IN IP4 192.0.2.20' });
  });

  it('createOffer assigns static and dynamic payload types, and our answer to it negotiates back', () => {
    const offer = createOffer({
      address: '10.0.0.1',
      port: 40000,
      formats: [PCMU, GSM, { name: 'speex', clockRate: 8000 }, TE],
      sessionId: '42',
    });
    const text = serializeSdp(offer);
    expect(text).toBe(
      'v=0\r\no=- 42 42 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n' +
        'm=audio 40000 RTP/AVP 0 3 96 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:3 GSM/8000\r\na=rtpmap:96 ' +
        'speex/8000\r\na=rtpmap:101 telephone-event/8000\r\n' +
        'a=fmtp:101 0-16\r\na=ptime:20\r\na=rtcp-mux\r\na=sendrecv\r\n',
    );
    const { answer, media: bobSide } = createAnswer(parseSdp(text), bob([GSM, TE], { rtcpMux: false }));
    const aliceSide = processAnswer(offer, parseSdp(serializeSdp(answer)));
    expect(aliceSide.send).toMatchObject({ name: 'GSM', payloadType: 3 });
    expect(bobSide.send).toMatchObject({ name: 'GSM', payloadType: 3 });
    expect(aliceSide.telephoneEvent).toMatchObject({ payloadType: 101 });
    expect(aliceSide.rtcpMux).toBe(false);
    expect(aliceSide.remoteRtp).toEqual({ address: '192.0.2.20', port: 49174 });
    expect(aliceSide.ptime).toBe(20);
    expect(() => createOffer({ address: '10.0.0.1', port: 1, formats: [] })).toThrow(SdpLocalError);
    expect(() =>
      createOffer({
        address: '10.0.0.1',
        port: 1,
        formats: [
          { ...PCMU, payloadType: 0 },
          { ...PCMA, payloadType: 0 },
        ],
      }),
    ).toThrow(SdpLocalError);
  });

  it("processAnswer applies the answer's direction and hold", () => {
    const offer = createOffer({ address: '10.0.0.1', port: 40000, formats: [PCMU] });
    const answer = (dir: string, c = '192.0.2.20') =>
      parseSdp(`v=0\r\no=b 1 1 IN IP4 ${c}\r\ns=-\r\nc=IN IP4 ${c}\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=${dir}\r\n`);
    expect(processAnswer(offer, answer('recvonly')).direction).toBe('sendonly');
    expect(processAnswer(offer, answer('sendonly'))).toMatchObject({ direction: 'recvonly', remoteHold: true });
    expect(processAnswer(offer, answer('sendrecv', '0.0.0.0'))).toMatchObject({
      direction: 'recvonly',
      remoteHold: true,
    });
  });

  it('processAnswer rejects answers that do not fit the offer', () => {
    const offer = createOffer({ address: '10.0.0.1', port: 40000, formats: [PCMU, TE] });
    const base = 'v=0\r\no=b 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n';
    expect(() => processAnswer(offer, parseSdp(base + 'm=audio 5000 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n'))).toThrow(
      SdpAnswerError,
    );
    expect(() => processAnswer(offer, parseSdp(base + 'm=audio 0 RTP/AVP 0\r\n'))).toThrow(/rejected the audio/);
    expect(() => processAnswer(offer, parseSdp(base + 'm=audio 5000 RTP/AVP 8\r\n'))).toThrow(
      /none of the answer's codecs \(PCMA\/8000\)/,
    );
  });

  it("processes SIPp's uas_rtp answer: PCMU and telephone-event 101", () => {
    const offer = createOffer({ address: '127.0.0.1', port: 40000, formats: [PCMU, TE] });
    const media = processAnswer(offer, parseSdp(sdpVector('sipp-uas-rtp.sdp')));
    expect(media).toMatchObject({
      send: { name: 'PCMU', payloadType: 0 },
      telephoneEvent: { payloadType: 101 },
      remoteRtp: { address: '127.0.0.1', port: 16000 },
    });
  });

  it('nextVersion increments the o= version, also beyond 2^53', () => {
    const offer = createOffer({
      address: '10.0.0.1',
      port: 4,
      formats: [PCMU],
      sessionId: '1',
      sessionVersion: '18446744073709551615',
    });
    expect(nextVersion(offer).origin.sessionVersion).toBe('18446744073709551616');
  });
});

describe('connection addresses: only IP literals of our family, no multicast or broadcast', () => {
  /** The reason of the 488 `createAnswer` throws for `offer`. */
  function refusal(offer: string, local: Partial<LocalMedia> = {}): string {
    try {
      createAnswer(parseSdp(offer), bob([PCMU], local));
    } catch (e) {
      expect(e).toBeInstanceOf(SdpNegotiationError);
      expect((e as SdpNegotiationError).status).toBe(488);
      return (e as SdpNegotiationError).reason;
    }
    throw new Error('the offer was accepted');
  }
  const audio = 'm=audio 4000 RTP/AVP 0\r\n';
  const at = (c: string, media = audio) => `v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=${c}\r\nt=0 0\r\n${media}`;

  it('RFC 3264 10.1 as written (c= holds a host name) is refused: no DNS lookup on the media path', () => {
    expect(refusal(sdpVector('rfc3264-10.1-offer.sdp'))).toBe(
      'audio stream 1: connection address "host.atlanta.example.com" is a host name: only IP addresses are accepted',
    );
    expect(refusal(at('IN IP4 attacker.example'))).toMatch(/"attacker\.example" is a host name/);
    // A host name in the media-level c= overrides a good session-level one.
    expect(refusal(at('IN IP4 192.0.2.10', `${audio}c=IN IP4 media.example\r\n`))).toMatch(/"media\.example"/);
  });

  it('the RTCP address of RFC 3605 is checked too, unless RTCP shares the RTP port', () => {
    const rtcp = `${audio}a=rtcp:4001 IN IP4 rtcp.example\r\n`;
    expect(refusal(at('IN IP4 192.0.2.10', rtcp))).toBe(
      'audio stream 1: a=rtcp: connection address "rtcp.example" is a host name: only IP addresses are accepted',
    );
    const muxed = createAnswer(parseSdp(at('IN IP4 192.0.2.10', `${rtcp}a=rtcp-mux\r\n`)), bob([PCMU]));
    expect(muxed.media.remoteRtcp).toEqual({ address: '192.0.2.10', port: 4000 });
  });

  it('an offer of the other IP family than our media address: 488 (no media could flow)', () => {
    expect(refusal(at('IN IP6 2001:db8::10'))).toBe(
      'audio stream 1: the connection address 2001:db8::10 is IPv6, our media address 192.0.2.20 is IPv4',
    );
    expect(refusal(at('IN IP4 192.0.2.10'), { address: '2001:db8::20' })).toMatch(/is IPv4, our media .* is IPv6/);
    // The declared type must match the literal.
    expect(refusal(at('IN IP6 192.0.2.10'))).toMatch(/192\.0\.2\.10 is not an IP6 address/);
    const v6 = createAnswer(parseSdp(at('IN IP6 2001:db8::10')), bob([PCMU], { address: '2001:db8::20' }));
    expect(v6.media.remoteRtp).toEqual({ address: '2001:db8::10', port: 4000 });
    expect(serializeSdp(v6.answer)).toMatch(/^c=IN IP6 2001:db8::20\r$/m);
  });

  it('multicast only when allowed; the broadcast address never; the hold address always', () => {
    expect(refusal(at('IN IP4 239.1.2.3/127'))).toBe(
      'audio stream 1: connection address 239.1.2.3 is multicast (not allowed)',
    );
    expect(refusal(at('IN IP6 ff0e::101'), { address: '2001:db8::20' })).toMatch(/ff0e::101 is multicast/);
    const group = createAnswer(parseSdp(at('IN IP4 239.1.2.3/127')), bob([PCMU], { allowMulticast: true }));
    expect(group.media.remoteRtp).toEqual({ address: '239.1.2.3', port: 4000 });
    expect(refusal(at('IN IP4 255.255.255.255'), { allowMulticast: true })).toMatch(/is the broadcast address/);
    const held = createAnswer(parseSdp(at('IN IP4 0.0.0.0')), bob([PCMU]));
    expect(held.media.remoteHold).toBe(true);
  });

  it('a later audio stream with a usable address is taken when the first has none', () => {
    const offer = at('IN IP4 192.0.2.10', `m=audio 4000 RTP/AVP 0\r\nc=IN IP4 bad.example\r\n${audio}`);
    const { answer, media } = createAnswer(parseSdp(offer), bob([PCMU]));
    expect(media.index).toBe(1);
    expect(answer.media.map((m) => m.port)).toEqual([0, 49174]);
  });

  it('an answer naming a host name, the other family or a multicast group fails the call with the reason', () => {
    const offer = createOffer(bob([PCMU]));
    const answer = (c: string) => parseSdp(`v=0\r\no=b 1 1 IN IP4 192.0.2.30\r\ns=-\r\nc=${c}\r\nt=0 0\r\n${audio}`);
    expect(() => processAnswer(offer, answer('IN IP4 evil.example'))).toThrow(SdpAnswerError);
    expect(() => processAnswer(offer, answer('IN IP4 evil.example'))).toThrow(
      `the answer's audio stream: connection address "evil.example" is a host name: only IP addresses are accepted`,
    );
    expect(() => processAnswer(offer, answer('IN IP6 2001:db8::30'))).toThrow(/is IPv6, our media .* is IPv4/);
    expect(() => processAnswer(offer, answer('IN IP4 224.0.1.1'))).toThrow(/multicast/);
    expect(processAnswer(offer, answer('IN IP4 192.0.2.30')).remoteRtp).toEqual({ address: '192.0.2.30', port: 4000 });
  });
});
