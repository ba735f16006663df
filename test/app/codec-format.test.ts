/**
 * The SDP of each codec (rtpmap and fmtp), through the project's own offer
 * and answer code: what shtoom offers, and what it makes of the way other
 * phones (baresip, a browser) offer G.722 and Opus.
 */
import { describe, expect, it } from 'vitest';
import { G722 } from '../../src/codecs/g722.js';
import { PCMA, PCMU } from '../../src/codecs/g711.js';
import { GSM } from '../../src/codecs/gsm.js';
import { OPUS, opusCodec } from '../../src/codecs/opus.js';
import { registry } from '../../src/codecs/registry.js';
import { OPUS as OPUS_CTL } from '../../src/codecs/opus/libopus.js';
import type { OpusFrameEncoder } from '../../src/codecs/opus/index.js';
import { codecFormat } from '../../src/app/sdp-local.js';
import { formatsOf } from '../../src/sdp/media-format.js';
import { createAnswer, createOffer } from '../../src/sdp/offer-answer.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { serializeSdp } from '../../src/sdp/serialize.js';

const TE = { name: 'telephone-event', clockRate: 8000, fmtp: '0-16' };
const local = { address: '192.0.2.1', port: 40000, sessionId: '1', username: 'shtoom' };
const lines = (sdp: string) => sdp.split('\r\n');

function offerWith(media: string): string {
  return `v=0\r\no=them 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n${media}`;
}

describe('codecs in SDP', () => {
  it('gives each codec its rtpmap, and Opus its fmtp (RFC 3551 4.5.2, RFC 7587 7)', () => {
    expect(codecFormat(PCMU)).toEqual({ name: 'PCMU', clockRate: 8000, payloadType: 0 });
    expect(codecFormat(GSM)).toEqual({ name: 'GSM', clockRate: 8000, payloadType: 3 });
    expect(codecFormat(G722)).toEqual({ name: 'G722', clockRate: 8000, payloadType: 9 });
    expect(codecFormat(OPUS)).toEqual({
      name: 'opus',
      clockRate: 48000,
      channels: 2,
      payloadType: 111,
      fmtp: 'maxplaybackrate=48000; sprop-maxcapturerate=48000; stereo=0; sprop-stereo=0; useinbandfec=1',
    });
  });

  it('offers G.722 and Opus before G.711: m= line, rtpmap, fmtp and ptime', () => {
    const formats = [G722, OPUS, PCMU, PCMA, GSM].map(codecFormat);
    const sdp = lines(serializeSdp(createOffer({ ...local, formats: [...formats, TE] })));
    expect(sdp).toContain('m=audio 40000 RTP/AVP 9 111 0 8 3 101');
    expect(sdp).toContain('a=rtpmap:9 G722/8000');
    expect(sdp).toContain('a=rtpmap:111 opus/48000/2');
    expect(sdp).toContain(
      'a=fmtp:111 maxplaybackrate=48000; sprop-maxcapturerate=48000; stereo=0; sprop-stereo=0; useinbandfec=1',
    );
    expect(sdp).toContain('a=rtpmap:0 PCMU/8000');
    expect(sdp).toContain('a=ptime:20');
    expect(sdp.filter((l) => l.startsWith('a=fmtp:'))).toHaveLength(2);
  });

  it('a 16 kHz Opus says so in its fmtp', () => {
    const sdp = lines(
      serializeSdp(createOffer({ ...local, formats: [codecFormat(opusCodec({ sampleRate: 16000 }))] })),
    );
    expect(sdp).toContain(
      'a=fmtp:111 maxplaybackrate=16000; sprop-maxcapturerate=16000; stereo=0; sprop-stereo=0; useinbandfec=1',
    );
  });

  it(
    "finds the codecs of another phone's offer in the registry: Opus on any dynamic type, G.722 by rtpmap or by PT " +
      '9 alone',
    () => {
      const offer = parseSdp(
        offerWith(
          'm=audio 5000 RTP/AVP 96 9 0 101\r\n' +
            'a=rtpmap:96 opus/48000/2\r\n' +
            'a=fmtp:96 stereo=1;sprop-stereo=1;useinbandfec=1\r\n' +
            'a=rtpmap:101 telephone-event/8000\r\n',
        ),
      );
      const found = formatsOf(offer.media[0]!).map((f) => registry.byName(f.name, f.clockRate, f.channels ?? 1)?.id);
      expect(found).toEqual(['opus', 'g722', 'pcmu', undefined]);
      // Payload type 111 is only our preference: it finds nothing without an rtpmap.
      expect(registry.byPayloadType(111)).toBeUndefined();
      expect(registry.byPayloadType(9)).toBe(G722);
    },
  );

  it('answers an Opus offer on the offerer payload type with opus/48000/2, and G.722 as G722/8000', () => {
    const offer = parseSdp(
      offerWith('m=audio 5000 RTP/AVP 96 9\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:9 G722/8000\r\n'),
    );
    const opus = createAnswer(offer, { ...local, formats: [codecFormat(OPUS), codecFormat(G722)] });
    expect(opus.media.send).toMatchObject({ name: 'opus', clockRate: 48000, channels: 2, payloadType: 96 });
    expect(lines(serializeSdp(opus.answer))).toContain('a=rtpmap:96 opus/48000/2');
    const g722 = createAnswer(offer, { ...local, formats: [codecFormat(G722)] });
    expect(g722.media.send).toMatchObject({ name: 'G722', clockRate: 8000, payloadType: 9 });
    expect(lines(serializeSdp(g722.answer))).toContain('a=rtpmap:9 G722/8000');
  });

  it('answers Opus with our own receive parameters, and still sends as the offerer’s receiver asks', () => {
    const offer = parseSdp(
      offerWith(
        'm=audio 5000 RTP/AVP 96 9\r\na=rtpmap:96 opus/48000/2\r\n' +
          'a=fmtp:96 maxplaybackrate=8000;stereo=1;sprop-stereo=1;useinbandfec=0;maxaveragebitrate=20000\r\n' +
          'a=rtpmap:9 G722/8000\r\n',
      ),
    );
    const opus16k = opusCodec({ sampleRate: 16000 });
    const { answer, media } = createAnswer(offer, { ...local, formats: [codecFormat(opus16k), codecFormat(G722)] });
    const sdp = lines(serializeSdp(answer));
    expect(sdp.filter((l) => l.startsWith('a=fmtp:'))).toEqual([
      'a=fmtp:96 maxplaybackrate=16000; sprop-maxcapturerate=16000; stereo=0; sprop-stereo=0; useinbandfec=1',
    ]);
    expect(media.receive.get(96)?.fmtp).toBe(opus16k.fmtp);
    // The encoder follows the offer: the peer renders 8 kHz at most, wants no FEC and at most 20 kbit/s.
    expect(media.send.fmtp).toBe('maxplaybackrate=8000;stereo=1;sprop-stereo=1;useinbandfec=0;maxaveragebitrate=20000');
    const settings = (opus16k.createEncoder(media.send.fmtp) as OpusFrameEncoder).settings;
    expect(settings).toMatchObject({ fec: false, bitrate: 20000, maxBandwidth: OPUS_CTL.BANDWIDTH_NARROWBAND });
  });

  it('keeps an offer’s fmtp for a codec we give none (G.722 with a parameter we do not interpret)', () => {
    const offer = parseSdp(offerWith('m=audio 5000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\na=fmtp:9 bitrate=64000\r\n'));
    const { answer } = createAnswer(offer, { ...local, formats: [codecFormat(G722)] });
    expect(lines(serializeSdp(answer))).toContain('a=fmtp:9 bitrate=64000');
  });

  it('does not take G722/16000 (the wrong clock) for G.722', () => {
    expect(registry.byName('G722', 16000)).toBeUndefined();
    expect(registry.byName('opus', 48000, 1)).toBeUndefined();
  });
});
