/**
 * SDES (RFC 4568): `a=crypto` lines read and written, and the offer/answer
 * rules for SRTP (which line the answerer takes, RTP/SAVP, best effort on
 * RTP/AVP, 488 for what cannot be accepted), and the keys refused over
 * signalling that is not TLS.
 */
import { describe, expect, it } from 'vitest';
import { Negotiation, type SrtpSettings } from '../../src/app/negotiation.js';
import { PCMU } from '../../src/codecs/g711.js';
import type { RtpChannel } from '../../src/rtp/rtp-channel.js';
import { SdpAnswerError, SdpNegotiationError } from '../../src/sdp/errors.js';
import { createAnswer, createOffer, processAnswer, type LocalMedia } from '../../src/sdp/offer-answer.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { CryptoLineError, parseCryptoLine, serializeCryptoLine } from '../../src/sdp/sdes.js';
import { serializeSdp } from '../../src/sdp/serialize.js';

/** RFC 4568 9.1's example key: 40 bytes of base64 for 30 bytes of key and salt. */
const KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
const PCMU_F = { name: 'PCMU', clockRate: 8000 };

describe('a=crypto lines (RFC 4568 9.1)', () => {
  it('reads the RFC example, lifetime included, and writes it back without the options', () => {
    const line = parseCryptoLine(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20`);
    expect(line).toMatchObject({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80' });
    expect(line.keySalt).toHaveLength(30);
    expect(serializeCryptoLine(line)).toBe(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`);
    expect(parseCryptoLine(`2 AES_CM_128_HMAC_SHA1_32 inline:${KEY} WSH=128 KDR=0`)).toMatchObject({
      windowSizeHint: 128,
    });
  });

  it.each([
    ['no key', '1 AES_CM_128_HMAC_SHA1_80'],
    ['a bad tag', `x AES_CM_128_HMAC_SHA1_80 inline:${KEY}`],
    ['an unknown suite', `1 F8_128_HMAC_SHA1_80 inline:${KEY}`],
    ['a key of the wrong length', '1 AES_CM_128_HMAC_SHA1_80 inline:AAAA'],
    ['not base64', '1 AES_CM_128_HMAC_SHA1_80 inline:!!!!'],
    ['another key method', '1 AES_CM_128_HMAC_SHA1_80 uri:http://example.com/key'],
    ['an MKI', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`],
    ['two keys', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4;inline:${KEY}|2^20|2:4`],
    ['a key derivation rate', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY} KDR=24`],
    ['unencrypted SRTP', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY} UNENCRYPTED_SRTP`],
    ['a window under 64', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY} WSH=10`],
  ])('refuses %s', (_why, value) => {
    expect(() => parseCryptoLine(value)).toThrow(CryptoLineError);
  });
});

function offerText(proto: string, cryptoLines: string[]): string {
  return (
    'v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
    `m=audio 49170 ${proto} 0\r\na=rtpmap:0 PCMU/8000\r\n` +
    cryptoLines.map((l) => `a=crypto:${l}\r\n`).join('')
  );
}

const ourKey = new Uint8Array(30).fill(7);
const ourGcmKey = new Uint8Array(28).fill(9);
const bob = (srtp?: LocalMedia['srtp']): LocalMedia => ({
  address: '192.0.2.20',
  port: 40000,
  formats: [PCMU_F],
  ...(srtp ? { srtp } : {}),
});
const optional: LocalMedia['srtp'] = {
  mode: 'optional',
  keys: [
    { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: ourKey },
    { suite: 'AEAD_AES_128_GCM', keySalt: ourGcmKey },
  ],
};
const mandatory: LocalMedia['srtp'] = { ...optional, mode: 'mandatory' };

describe('SDES offer/answer (RFC 4568 7)', () => {
  it('answers RTP/SAVP with the first usable offered line: its tag and suite, our key', () => {
    const offer = parseSdp(
      offerText('RTP/SAVP', [`1 F8_128_HMAC_SHA1_80 inline:${KEY}`, `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]),
    );
    const { answer, media } = createAnswer(offer, bob(optional));
    expect(answer.media[0]!.proto).toBe('RTP/SAVP');
    const crypto = answer.media[0]!.attributes.filter((a) => a.name === 'crypto');
    expect(crypto).toHaveLength(1);
    expect(crypto[0]!.value).toBe(`2 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.from(ourKey).toString('base64')}`);
    expect(media.srtp).toMatchObject({ suite: 'AES_CM_128_HMAC_SHA1_80', local: ourKey });
    expect(Buffer.from(media.srtp!.remote).toString('base64')).toBe(KEY);
  });

  it('takes SRTP on RTP/AVP with crypto lines (best effort) when enabled; ignores them when off', () => {
    const offer = parseSdp(offerText('RTP/AVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]));
    expect(createAnswer(offer, bob(optional)).media.srtp?.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    const off = createAnswer(offer, bob());
    expect(off.media.srtp).toBeUndefined();
    expect(off.answer.media[0]!.attributes.some((a) => a.name === 'crypto')).toBe(false);
  });

  it.each([
    ['RTP/SAVP with SRTP off', offerText('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`]), undefined],
    ['RTP/SAVP without a=crypto', offerText('RTP/SAVP', []), optional],
    ['RTP/SAVP with only bad lines', offerText('RTP/SAVP', ['1 AES_CM_128_HMAC_SHA1_80 inline:AAAA']), optional],
    ['RTP/SAVP with an MKI', offerText('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`]), optional],
    ['mandatory SRTP and plain RTP/AVP', offerText('RTP/AVP', []), mandatory],
    [
      'a suite we do not allow',
      offerText('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_32 inline:${KEY}`]),
      { mode: 'optional' as const, keys: [{ suite: 'AES_CM_128_HMAC_SHA1_80' as const, keySalt: ourKey }] },
    ],
  ])('answers 488 to %s', (_why, text, srtp) => {
    expect(() => createAnswer(parseSdp(text), bob(srtp))).toThrow(SdpNegotiationError);
  });

  it('offers RTP/SAVP (mandatory) or RTP/AVP (optional) with a line per suite, and learns the answer', () => {
    const local = { ...bob(mandatory), address: '192.0.2.10' };
    const offer = createOffer(local);
    expect(offer.media[0]!.proto).toBe('RTP/SAVP');
    expect(offer.media[0]!.attributes.filter((a) => a.name === 'crypto').map((a) => a.value!.split(' ')[1])).toEqual([
      'AES_CM_128_HMAC_SHA1_80',
      'AEAD_AES_128_GCM',
    ]);
    expect(createOffer({ ...local, srtp: optional }).media[0]!.proto).toBe('RTP/AVP');
    const theirs = new Uint8Array(28).fill(3);
    const { answer } = createAnswer(parseSdp(serializeSdp(offer)), {
      ...bob({ mode: 'mandatory', keys: [{ suite: 'AEAD_AES_128_GCM', keySalt: theirs }] }),
    });
    const media = processAnswer(offer, parseSdp(serializeSdp(answer)));
    expect(media.srtp).toEqual({ suite: 'AEAD_AES_128_GCM', local: ourGcmKey, remote: theirs });
  });

  it('fails an answer without crypto to our RTP/SAVP, or with a tag we did not offer', () => {
    const offer = createOffer({ ...bob(mandatory), address: '192.0.2.10' });
    const plain = createAnswer(
      parseSdp(serializeSdp({ ...offer, media: [{ ...offer.media[0]!, proto: 'RTP/AVP' }] })),
      bob(),
    );
    expect(() => processAnswer(offer, plain.answer)).toThrow(SdpAnswerError);
    const { answer } = createAnswer(parseSdp(serializeSdp(offer)), bob(optional));
    const wrongTag = {
      ...answer,
      media: [
        {
          ...answer.media[0]!,
          attributes: answer.media[0]!.attributes.map((a) =>
            a.name === 'crypto' ? { ...a, value: a.value!.replace(/^1 /, '7 ') } : a,
          ),
        },
      ],
    };
    expect(() => processAnswer(offer, wrongTag)).toThrow(SdpAnswerError);
  });
});

function channel(address: string, port: number): RtpChannel {
  return {
    address,
    port,
    rtcpPort: port + 1,
    mapped: undefined,
    send: () => {},
    onDatagram: undefined,
    onError: undefined,
    close: async () => {},
  };
}

function negotiation(srtp: SrtpSettings, transport: string, address = '192.0.2.1') {
  let n = 0;
  return new Negotiation({
    channel: channel(address, 20000),
    address: () => address,
    rtcpMux: true,
    srtp,
    signalling: () => transport,
    randomBytes: (len) => new Uint8Array(len).fill(++n),
  });
}

const settings = (mode: SrtpSettings['mode'], allowInsecureKeys = false): SrtpSettings => ({
  mode,
  suites: ['AES_CM_128_HMAC_SHA1_80'],
  allowInsecureKeys,
});

describe('SDES keys only over TLS (RFC 4568 8.3)', () => {
  const hasCrypto = (sdp: ReturnType<Negotiation['offer']>) =>
    sdp.media[0]!.attributes.some((a) => a.name === 'crypto');

  it('offers keys over TLS, not over UDP or TCP without --srtp-allow-insecure-keys', () => {
    expect(hasCrypto(negotiation(settings('optional'), 'tls').offer([PCMU]))).toBe(true);
    expect(hasCrypto(negotiation(settings('optional'), 'udp').offer([PCMU]))).toBe(false);
    expect(hasCrypto(negotiation(settings('optional'), 'tcp').offer([PCMU]))).toBe(false);
    expect(hasCrypto(negotiation(settings('optional', true), 'udp').offer([PCMU]))).toBe(true);
    // Mandatory: no offer at all rather than keys in the clear.
    expect(() => negotiation(settings('mandatory'), 'udp').offer([PCMU])).toThrow(/TLS/);
  });

  it('answers a keyed offer over UDP with 488 when SRTP is mandatory, plain RTP when optional', () => {
    const caller = negotiation(settings('mandatory', true), 'udp', '192.0.2.2');
    const offer = parseSdp(serializeSdp(caller.offer([PCMU])));
    expect(() => negotiation(settings('mandatory'), 'udp').answerOffer(offer, [PCMU])).toThrow(SdpNegotiationError);
    const avp = parseSdp(serializeSdp(negotiation(settings('optional', true), 'udp', '192.0.2.2').offer([PCMU])));
    expect(negotiation(settings('optional'), 'udp').answerOffer(avp, [PCMU]).media.srtp).toBeUndefined();
    // An RTP/SAVP offer cannot fall back to plain RTP: 488, saying why.
    expect(() => negotiation(settings('optional'), 'udp').answerOffer(offer, [PCMU])).toThrow(
      /SRTP keys may not go over udp signalling/,
    );
  });

  it('a whole exchange over TLS agrees both keys; hold keeps them; a re-offer with a new key is refused', () => {
    const a = negotiation(settings('mandatory'), 'tls', '192.0.2.1');
    const b = negotiation(settings('mandatory'), 'tls', '192.0.2.2');
    const offer = a.offer([PCMU]);
    const { answer, media: bm } = b.answerOffer(parseSdp(serializeSdp(offer)), [PCMU]);
    const am = a.takeAnswer(Buffer.from(serializeSdp(answer)));
    expect(am.srtp!.local).toEqual(bm.srtp!.remote);
    expect(am.srtp!.remote).toEqual(bm.srtp!.local);
    const hold = a.reoffer('sendonly');
    expect(hold.media[0]!.proto).toBe('RTP/SAVP');
    const r = b.answerReoffer(parseSdp(serializeSdp(hold)));
    expect('answer' in r).toBe(true);
    if ('answer' in r) a.takeReanswer(Buffer.from(serializeSdp(r.answer)), 'sendonly');
    const rekey = serializeSdp(hold).replace(/inline:[^\r]+/, `inline:${KEY}`);
    expect(b.answerReoffer(parseSdp(rekey))).toMatchObject({ status: 488 });
  });
});

describe('property (fuzz): a=crypto values', () => {
  it('parse or throw CryptoLineError, never anything else', async () => {
    const fc = (await import('fast-check')).default;
    const good = `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20 WSH=64`;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 120 }),
          fc
            .tuple(fc.nat(good.length - 1), fc.string({ maxLength: 4 }))
            .map(([i, x]) => good.slice(0, i) + x + good.slice(i + 1)),
        ),
        (value) => {
          try {
            const line = parseCryptoLine(value);
            expect(parseCryptoLine(serializeCryptoLine(line))).toEqual({ ...line, windowSizeHint: undefined });
          } catch (e) {
            expect(e).toBeInstanceOf(CryptoLineError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
