import { describe, expect, it } from 'vitest';
import { CodecInputError } from '../../../src/codecs/errors.js';
import { G722 } from '../../../src/codecs/g722.js';
import { G722Decoder, G722Encoder } from '../../../src/codecs/g722/index.js';
import { Random } from '../../../src/sim/random.js';

const RATE = 16000;
const tone = (hz: number, n: number, amp = 8000) =>
  Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / RATE)));

/** Power of `x` at `hz` (Goertzel), per sample. */
function powerAt(x: Int16Array, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s = v + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / x.length;
}

describe('the G.722 codec', () => {
  it('has the RTP facts of RFC 3551 4.5.2: PT 9, G722/8000, 16 kHz audio, 20 ms = 320 samples = 160 bytes', () => {
    expect([G722.name, G722.id, G722.payloadType, G722.dynamicPayloadType]).toEqual(['G722', 'g722', 9, false]);
    expect([G722.clockRate, G722.sampleRate, G722.channels]).toEqual([8000, 16000, 1]);
    expect([G722.samplesPerFrame, G722.ticksPerFrame, G722.bytesPerFrame, G722.frameMs]).toEqual([320, 160, 160, 20]);
    expect(G722.sampleBased).toBe(true);
    expect(G722.payloadSamples(160)).toBe(320);
    expect(G722.payloadSamples(-1)).toBeUndefined();
    expect(G722.samplesIn(new Uint8Array(80))).toBe(160);
    expect(G722.unavailable()).toBeUndefined();
    expect([G722.ie, G722.bpl]).toEqual([13, 4.3]);
  });

  it('encodes into the caller buffer and decodes into the caller buffer (nothing allocated per frame)', () => {
    const enc = G722.createEncoder();
    const dec = G722.createDecoder();
    const payload = new Uint8Array(160);
    const pcm = new Int16Array(320);
    expect(enc.encode(tone(1000, 320), payload)).toBe(payload);
    expect(dec.decode(payload, pcm)).toBe(pcm);
    const bigger = new Uint8Array(200);
    expect(enc.encode(tone(1000, 320), bigger).buffer).toBe(bigger.buffer);
    expect(() => enc.encode(tone(1000, 320), new Uint8Array(100))).toThrow(CodecInputError);
    expect(() => dec.decode(payload, new Int16Array(100))).toThrow(CodecInputError);
  });

  it('refuses an odd number of samples (each code word is a pair)', () => {
    expect(() => new G722Encoder().encode(new Int16Array(321))).toThrow(/321 samples are not whole sample pairs/);
  });

  it('carries its state across calls: frame by frame equals all at once, for the encoder and the decoder', () => {
    const rnd = new Random(5);
    const pcm = Int16Array.from({ length: 16000 }, (_, i) => (i % 2000) * 7 - 7000 + rnd.int(2001) - 1000);
    const whole = new G722Encoder().encode(pcm);
    const enc = new G722Encoder();
    const parts = new Uint8Array(8000);
    // Uneven pieces: 1, 3, 5 … sample pairs.
    for (let at = 0, step = 1; at < 8000; at += step, step += 2) {
      const end = Math.min(8000, at + step);
      parts.set(enc.encode(pcm.subarray(2 * at, 2 * end)), at);
    }
    expect(parts).toEqual(whole);
    const out = new G722Decoder().decode(whole);
    const dec = new G722Decoder();
    const pieces = new Int16Array(16000);
    for (let at = 0; at < 8000; at += 160) pieces.set(dec.decode(whole.subarray(at, at + 160)), 2 * at);
    expect(pieces).toEqual(out);
  });

  it('keeps speech-band tones: 1 kHz comes back at over 25 dB SNR after the codec delay', () => {
    const x = tone(1000, 16000);
    const y = new G722Decoder().decode(new G722Encoder().encode(x));
    // The two QMFs delay the signal; compare at the best alignment.
    let best = { delay: 0, snr: -Infinity };
    for (let delay = 0; delay < 64; delay++) {
      let sig = 0;
      let err = 0;
      for (let i = 4000; i < 16000; i++) {
        sig += x[i - delay]! ** 2;
        err += (y[i]! - x[i - delay]!) ** 2;
      }
      const snr = 10 * Math.log10(sig / err);
      if (snr > best.snr) best = { delay, snr };
    }
    expect(best.snr).toBeGreaterThan(25);
  });

  it('is wideband: a 6 kHz tone (beyond any 8 kHz codec) comes back within 3 dB', () => {
    const at6k = new G722Decoder().decode(new G722Encoder().encode(tone(6000, 16000)));
    const ratio6k = powerAt(at6k.subarray(4000), 6000) / powerAt(tone(6000, 12000), 6000);
    expect(10 * Math.log10(ratio6k)).toBeGreaterThan(-3);
    expect(10 * Math.log10(ratio6k)).toBeLessThan(3);
  });

  it('decodes every byte value (G.722 has no invalid code word)', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(new G722Decoder().decode(all)).toHaveLength(512);
  });
});
