import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { codecs, CodecFrameError, type Codec } from '../../src/index.js';

describe('the codec registry', () => {
  it('is exported from the package with the three codecs and their RTP facts', () => {
    const facts = (c: Codec) => [
      c.name,
      c.id,
      c.payloadType,
      c.clockRate,
      c.channels,
      c.samplesPerFrame,
      c.bytesPerFrame,
      c.frameMs,
    ];
    expect(codecs.all.map(facts)).toEqual([
      ['PCMU', 'pcmu', 0, 8000, 1, 160, 160, 20],
      ['PCMA', 'pcma', 8, 8000, 1, 160, 160, 20],
      ['GSM', 'gsm', 3, 8000, 1, 160, 33, 20],
    ]);
    expect([codecs.pcmu, codecs.pcma, codecs.gsm]).toEqual(codecs.all);
  });

  it('carries the G.113 E-model factors', () => {
    expect([codecs.pcmu.ie, codecs.pcmu.bpl]).toEqual([0, 4.3]);
    expect([codecs.pcma.ie, codecs.pcma.bpl]).toEqual([0, 4.3]);
    expect(codecs.gsm.ie).toBe(20);
  });

  it('finds codecs by SDP name (any case, with rate and channels), payload type and id', () => {
    expect(codecs.byName('gsm', 8000)).toBe(codecs.gsm);
    expect(codecs.byName('PCMU')).toBe(codecs.pcmu);
    expect(codecs.byName('PCMU', 16000)).toBeUndefined();
    expect(codecs.byName('PCMU', 8000, 2)).toBeUndefined();
    expect(codecs.byName('opus', 48000, 2)).toBeUndefined();
    expect(codecs.byPayloadType(8)).toBe(codecs.pcma);
    expect(codecs.byPayloadType(18)).toBeUndefined();
    expect(codecs.byId('GSM')).toBe(codecs.gsm);
    expect(codecs.select(['gsm', ' pcmu'])).toEqual([codecs.gsm, codecs.pcmu]);
    expect(() => codecs.select(['pcmu', 'g729'])).toThrow(UsageError);
    expect(() => codecs.select(['g729'])).toThrow(/unknown codec "g729"; known: pcmu, pcma, gsm/);
  });

  it('says how many samples a payload carries', () => {
    expect(codecs.pcmu.payloadSamples(240)).toBe(240);
    expect(codecs.gsm.payloadSamples(66)).toBe(320);
    expect(codecs.gsm.payloadSamples(40)).toBeUndefined();
    expect(codecs.pcma.payloadSamples(-1)).toBeUndefined();
  });

  it.each(['pcmu', 'pcma', 'gsm'] as const)('%s: encoders and decoders per stream round-trip a frame', (id) => {
    const codec = codecs.byId(id)!;
    const pcm = Int16Array.from({ length: 320 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const enc = codec.createEncoder();
    const dec = codec.createDecoder();
    const payload = new Uint8Array(2 * codec.bytesPerFrame);
    expect(enc.encode(pcm, payload)).toBe(payload);
    const out = new Int16Array(320);
    expect(dec.decode(payload, out)).toBe(out);
    // The second frame (the first primes GSM's predictors) comes back close.
    let err = 0;
    let sig = 0;
    for (let i = 160; i < 320; i++) {
      err += (out[i]! - pcm[i]!) ** 2;
      sig += pcm[i]! ** 2;
    }
    expect(10 * Math.log10(sig / err)).toBeGreaterThan(id === 'gsm' ? 5 : 30);
  });

  it('a GSM decoder refuses what is not a GSM payload', () => {
    expect(() => codecs.gsm.createDecoder().decode(new Uint8Array(33))).toThrow(CodecFrameError);
  });
});
