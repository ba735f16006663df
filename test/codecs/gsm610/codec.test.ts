import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecFrameError, CodecInputError } from '../../../src/codecs/errors.js';
import {
  GSM_PARAMS,
  Gsm610Decoder,
  Gsm610Encoder,
  MC,
  NC,
  XMAXC,
  XMC,
  newFrameParams,
  packFrame,
  subframeAt,
  unpackFrame,
} from '../../../src/codecs/gsm610/index.js';
import { speechLike } from '../support/signals.js';

const WIDTHS = [6, 6, 5, 5, 4, 4, 3, 3, ...Array.from({ length: 4 }, () => [7, 2, 2, 6, ...Array(13).fill(3)]).flat()];

describe('GSM frame packing', () => {
  it('has 76 parameters and 260 bits', () => {
    expect(WIDTHS).toHaveLength(GSM_PARAMS);
    expect(WIDTHS.reduce((a, b) => a + b, 0)).toBe(260);
  });

  it('packs parameters most significant bit first after the 0xD signature', () => {
    const p = newFrameParams();
    p[0] = 0b101010; // LARc[1]
    p[1] = 0b111111; // LARc[2]
    p[subframeAt(3) + XMC + 12] = 0b101; // the very last 3 bits
    const b = new Uint8Array(33);
    packFrame(p, b, 0);
    expect(b[0]).toBe(0xd0 | 0b1010);
    expect(b[1]).toBe(0b10_111111);
    expect(b[32]).toBe(0b00000_101);
    expect(b.subarray(2, 32).every((x) => x === 0)).toBe(true);
  });

  it('unpack(pack(p)) = p for every parameter set (property)', () => {
    const params = fc.tuple(...WIDTHS.map((w) => fc.integer({ min: 0, max: (1 << w) - 1 })));
    fc.assert(
      fc.property(params, fc.nat({ max: 5 }), (values, at) => {
        const p = Int32Array.from(values);
        const bytes = new Uint8Array(33 + at);
        packFrame(p, bytes, at);
        expect(bytes[at]! >> 4).toBe(0xd);
        const q = newFrameParams();
        expect(unpackFrame(bytes, at, q)).toBe(true);
        expect([...q]).toEqual(values);
      }),
    );
  });

  it('pack(unpack(b)) = b for every frame with the signature (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 33, maxLength: 33 }), (raw) => {
        raw[0] = 0xd0 | (raw[0]! & 0x0f);
        const p = newFrameParams();
        expect(unpackFrame(raw, 0, p)).toBe(true);
        const again = new Uint8Array(33);
        packFrame(p, again, 0);
        expect([...again]).toEqual([...raw]);
      }),
    );
  });

  it('refuses a frame without the signature', () => {
    const b = new Uint8Array(33);
    b[0] = 0xc5;
    expect(unpackFrame(b, 0, newFrameParams())).toBe(false);
  });
});

describe('Gsm610Encoder', () => {
  it('makes 33 bytes per 160 samples, into the caller’s buffer when given', () => {
    const enc = new Gsm610Encoder();
    const pcm = speechLike(0.1, 1); // 5 frames
    expect(enc.encode(pcm.subarray(0, 160))).toHaveLength(33);
    const out = new Uint8Array(4 * 33);
    expect(enc.encode(pcm.subarray(160, 800), out)).toBe(out);
    const bigger = new Uint8Array(100);
    expect(enc.encode(pcm.subarray(0, 160), bigger).buffer).toBe(bigger.buffer);
  });

  it('rejects PCM that is not whole frames, and a buffer too small', () => {
    const enc = new Gsm610Encoder();
    expect(() => enc.encode(new Int16Array(100))).toThrow(CodecInputError);
    expect(() => enc.encode(new Int16Array(320), new Uint8Array(33))).toThrow(CodecInputError);
  });

  it('carries state from frame to frame, and reset() forgets it', () => {
    const pcm = speechLike(1, 2);
    const whole = new Gsm610Encoder().encode(pcm);
    const enc = new Gsm610Encoder();
    const pieces = new Uint8Array(whole.length);
    for (let f = 0; f < 50; f++) enc.encode(pcm.subarray(f * 160, f * 160 + 160), pieces.subarray(f * 33, f * 33 + 33));
    expect(pieces).toEqual(whole);
    // The same frame encoded with and without history differs.
    const fresh = new Gsm610Encoder().encode(pcm.subarray(25 * 160, 26 * 160));
    expect(fresh).not.toEqual(whole.subarray(25 * 33, 26 * 33));
    enc.reset();
    expect(enc.encode(pcm.subarray(0, 160))).toEqual(whole.subarray(0, 33));
  });

  it('keeps every parameter within its range for any input (property)', () => {
    const enc = new Gsm610Encoder();
    const p = newFrameParams();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 160, maxLength: 160 }), (samples) => {
        enc.analyse(Int16Array.from(samples), 0, p);
        for (let j = 0; j < 4; j++) {
          const sf = subframeAt(j);
          expect(p[sf + NC]).toBeGreaterThanOrEqual(40);
          expect(p[sf + NC]).toBeLessThanOrEqual(120);
          expect(p[sf + MC]).toBeLessThanOrEqual(3);
          expect(p[sf + XMAXC]).toBeLessThanOrEqual(63);
        }
        p.forEach((v, i) => {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(1 << WIDTHS[i]!);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('Gsm610Decoder', () => {
  it('makes 160 samples per frame, into the caller’s buffer when given', () => {
    const frames = new Gsm610Encoder().encode(speechLike(0.06, 3));
    const dec = new Gsm610Decoder();
    const out = new Int16Array(480);
    expect(dec.decode(frames, out)).toBe(out);
    expect(out.some((s) => s !== 0)).toBe(true);
    expect(out.every((s) => (s & 7) === 0)).toBe(true); // 13-bit output
  });

  it('names the frame whose signature is wrong, and rejects partial frames', () => {
    const frames = new Gsm610Encoder().encode(speechLike(0.08, 4));
    frames[2 * 33] = 0x15;
    const dec = new Gsm610Decoder();
    let err: unknown;
    try {
      dec.decode(frames);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodecFrameError);
    expect((err as CodecFrameError).frameIndex).toBe(2);
    expect(() => dec.decode(new Uint8Array(34))).toThrow(CodecFrameError);
  });

  it('decodes any frame with the signature without failing (property)', () => {
    const dec = new Gsm610Decoder();
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 33, maxLength: 33 * 3 }).filter((b) => b.length % 33 === 0),
        (b) => {
          for (let f = 0; f < b.length; f += 33) b[f] = 0xd0 | (b[f]! & 15);
          const pcm = dec.decode(b);
          expect(pcm).toHaveLength((b.length / 33) * 160);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reset() forgets the stream', () => {
    const frames = new Gsm610Encoder().encode(speechLike(0.2, 5));
    const dec = new Gsm610Decoder();
    const first = dec.decode(frames.subarray(0, 33)).slice();
    dec.decode(frames.subarray(33));
    dec.reset();
    expect(dec.decode(frames.subarray(0, 33))).toEqual(first);
  });
});
