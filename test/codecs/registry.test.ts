import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { codecs, CodecFrameError, type Codec } from '../../src/index.js';
import { CodecUnavailableError } from '../../src/codecs/errors.js';
import { ALL_CODEC_IDS, CODEC_IDS, CodecRegistry, WIDEBAND_MEDIA } from '../../src/codecs/registry.js';
import { OPUS, OPUS_16K } from '../../src/codecs/opus.js';

const facts = (c: Codec) => [
  c.name,
  c.id,
  c.payloadType,
  c.clockRate,
  c.sampleRate,
  c.channels,
  c.samplesPerFrame,
  c.ticksPerFrame,
  c.bytesPerFrame,
  c.frameMs,
];

describe('the codec registry', () => {
  it('knows five codecs with their RTP facts, in order of preference: G.722 and Opus before G.711', () => {
    expect(codecs.known.map(facts)).toEqual([
      ['G722', 'g722', 9, 8000, 16000, 1, 320, 160, 160, 20],
      ['opus', 'opus', 111, 48000, 16000, 2, 320, 960, 1277, 20],
      ['PCMU', 'pcmu', 0, 8000, 8000, 1, 160, 160, 160, 20],
      ['PCMA', 'pcma', 8, 8000, 8000, 1, 160, 160, 160, 20],
      ['GSM', 'gsm', 3, 8000, 8000, 1, 160, 160, 33, 20],
    ]);
    expect(ALL_CODEC_IDS).toEqual(['g722', 'opus', 'pcmu', 'pcma', 'gsm']);
  });

  it('offers G.722 and Opus first (WIDEBAND_MEDIA is on); a narrowband registry refuses them by name', () => {
    expect(WIDEBAND_MEDIA).toBe(true);
    expect(codecs.all).toEqual([codecs.g722, codecs.opus, codecs.pcmu, codecs.pcma, codecs.gsm]);
    expect(CODEC_IDS).toEqual(['g722', 'opus', 'pcmu', 'pcma', 'gsm']);
    expect(codecs.refusal(codecs.g722)).toBeUndefined();
    const narrow = new CodecRegistry(codecs.known, { wideband: false });
    expect(narrow.all.map((c) => c.id)).toEqual(['pcmu', 'pcma', 'gsm']);
    expect(narrow.refusal(codecs.g722)).toBe(
      'g722: wideband calls are turned off here: G722 is 16 kHz audio and this registry takes 8 kHz codecs only; ' +
        'use pcmu, pcma, gsm',
    );
    expect(() => narrow.select(['g722'])).toThrow(UsageError);
    expect(() => narrow.select(['pcmu', 'opus'])).toThrow(/opus: wideband calls are turned off here: opus is 16 kHz/);
  });

  it('calls use Opus at 16 kHz PCM (the library keeps 48 kHz Opus as OPUS)', () => {
    expect(codecs.opus).toBe(OPUS_16K);
    expect([OPUS_16K.sampleRate, OPUS_16K.clockRate, OPUS_16K.samplesPerFrame]).toEqual([16000, 48000, 320]);
    expect(OPUS.sampleRate).toBe(48000);
  });

  it('with wideband media on, offers G.722 and Opus first and selects them by name', () => {
    const wide = new CodecRegistry(codecs.known, { wideband: true });
    expect(wide.all.map((c) => c.id)).toEqual(['g722', 'opus', 'pcmu', 'pcma', 'gsm']);
    expect(wide.select(['opus', 'g722', 'pcmu']).map((c) => c.id)).toEqual(['opus', 'g722', 'pcmu']);
  });

  it('leaves out, and refuses by name, a codec whose package is missing, saying what to install', () => {
    const missing = 'Opus needs the optional package @evan/opus (libopus as WebAssembly): npm install @evan/opus';
    const noOpus: Codec = {
      ...codecs.opus,
      unavailable: () => missing,
      createEncoder: () => {
        throw new CodecUnavailableError('opus', missing);
      },
    };
    const wide = new CodecRegistry([codecs.g722, noOpus, codecs.pcmu], { wideband: true });
    expect(wide.all.map((c) => c.id)).toEqual(['g722', 'pcmu']);
    expect(() => wide.select(['opus'])).toThrow(`opus: ${missing}`);
    expect(() => noOpus.createEncoder()).toThrow(UsageError);
  });

  it('carries the E-model factors: G.113 for G.711, GSM and G.722 (Ie,wb), none known for Opus', () => {
    expect([codecs.pcmu.ie, codecs.pcmu.bpl]).toEqual([0, 4.3]);
    expect([codecs.pcma.ie, codecs.pcma.bpl]).toEqual([0, 4.3]);
    expect(codecs.gsm.ie).toBe(20);
    expect(codecs.g722.ie).toBe(13);
    expect(Number.isNaN(codecs.opus.ie)).toBe(true);
  });

  it('finds codecs by SDP name (any case, with RTP clock rate and channels), payload type and id', () => {
    expect(codecs.byName('gsm', 8000)).toBe(codecs.gsm);
    expect(codecs.byName('PCMU')).toBe(codecs.pcmu);
    expect(codecs.byName('PCMU', 16000)).toBeUndefined();
    expect(codecs.byName('PCMU', 8000, 2)).toBeUndefined();
    expect(codecs.byName('g722', 8000)).toBe(codecs.g722);
    expect(codecs.byName('OPUS', 48000, 2)).toBe(codecs.opus);
    expect(codecs.byPayloadType(8)).toBe(codecs.pcma);
    expect(codecs.byPayloadType(9)).toBe(codecs.g722);
    expect(codecs.byPayloadType(18)).toBeUndefined();
    expect(codecs.byId('GSM')).toBe(codecs.gsm);
    expect(codecs.select(['gsm', ' pcmu'])).toEqual([codecs.gsm, codecs.pcmu]);
    expect(() => codecs.select(['pcmu', 'g729'])).toThrow(UsageError);
    expect(() => codecs.select(['g729'])).toThrow(/unknown codec "g729"; known: g722, opus, pcmu, pcma, gsm/);
  });

  it('says how many samples a payload carries', () => {
    expect(codecs.pcmu.payloadSamples(240)).toBe(240);
    expect(codecs.gsm.payloadSamples(66)).toBe(320);
    expect(codecs.gsm.payloadSamples(40)).toBeUndefined();
    expect(codecs.pcma.payloadSamples(-1)).toBeUndefined();
    expect(codecs.g722.payloadSamples(160)).toBe(320);
    expect(codecs.gsm.samplesIn(new Uint8Array(33))).toBe(160);
    expect(codecs.pcmu.samplesIn(new Uint8Array(80))).toBe(80);
  });

  it.each(['pcmu', 'pcma', 'gsm', 'g722', 'opus'] as const)(
    '%s: encoders and decoders per stream round-trip a frame',
    (id) => {
      const codec = codecs.byId(id)!;
      const n = codec.samplesPerFrame;
      const rate = codec.sampleRate;
      const pcm = Int16Array.from({ length: 4 * n }, (_, i) =>
        Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)),
      );
      const enc = codec.createEncoder();
      const dec = codec.createDecoder();
      const out = new Int16Array(4 * n);
      for (let f = 0; f < 4; f++) {
        const payload = enc.encode(pcm.subarray(f * n, f * n + n), new Uint8Array(codec.bytesPerFrame));
        expect(codec.samplesIn(payload)).toBe(n);
        out.set(dec.decode(payload), f * n);
      }
      // The last frame (after the codec's delay and GSM's predictors settle) holds the tone's energy.
      let sig = 0;
      let got = 0;
      for (let i = 3 * n; i < 4 * n; i++) {
        sig += pcm[i]! ** 2;
        got += out[i]! ** 2;
      }
      expect(Math.abs(10 * Math.log10(got / sig))).toBeLessThan(2);
    },
  );

  it('a GSM decoder refuses what is not a GSM payload', () => {
    expect(() => codecs.gsm.createDecoder().decode(new Uint8Array(33))).toThrow(CodecFrameError);
  });
});
