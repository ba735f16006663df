/**
 * G.711 against its definition, on all 65,536 16-bit inputs and all 256
 * codes. The reference below is built from the segment tables of G.711
 * (Table 1a for A-law, Table 2a for µ-law: where each segment starts, its
 * step, and the code of each interval), searched interval by interval, and
 * shares nothing with the table-driven codec under test.
 */
import { describe, expect, it } from 'vitest';
import {
  alawDecode,
  alawDecodeSample,
  alawEncode,
  alawEncodeSample,
  alawMeanSquare,
  ALAW_TO_PCM,
} from '../../src/codecs/alaw.js';
import { CodecInputError } from '../../src/codecs/errors.js';
import {
  ulawDecode,
  ulawDecodeSample,
  ulawEncode,
  ulawEncodeSample,
  ulawMeanSquare,
  ULAW_TO_PCM,
} from '../../src/codecs/ulaw.js';

interface Interval {
  lower: number; // decision value x_n (inclusive)
  upper: number; // x_(n+1)
  output: number; // decoder output y_n
  n: number; // interval number, 0 at the origin
}

/** Intervals of the positive half from G.711's segment table: [start, step, count] per segment. */
function intervals(segments: [number, number, number][], zeroAtOrigin: boolean): Interval[] {
  const out: Interval[] = [];
  for (const [start, step, count] of segments) {
    for (let i = 0; i < count; i++) {
      const lower = start + i * step;
      const upper = lower + step;
      out.push({ lower, upper, output: zeroAtOrigin && out.length === 0 ? 0 : (lower + upper) / 2, n: out.length });
    }
  }
  return out;
}

// Table 2a/G.711 (µ-law, 14-bit scale): [0, 1) decodes to 0, then 15 steps
// of 2 to 31, then eight segments of 16 steps 4, 8, … 256 up to 8159.
const MU = intervals(
  [
    [0, 1, 1],
    [1, 2, 15],
    [31, 4, 16],
    [95, 8, 16],
    [223, 16, 16],
    [479, 32, 16],
    [991, 64, 16],
    [2015, 128, 16],
    [4063, 256, 16],
  ],
  true,
);
// Table 1a/G.711 (A-law, 13-bit scale, magnitudes 0 … 4096): 32 steps of 2,
// then six segments of 16 steps 4, 8, … 128.
const A = intervals(
  [
    [0, 2, 32],
    [64, 4, 16],
    [128, 8, 16],
    [256, 16, 16],
    [512, 32, 16],
    [1024, 64, 16],
    [2048, 128, 16],
  ],
  false,
);

function find(table: Interval[], magnitude: number): Interval {
  return table.find((t) => magnitude >= t.lower && magnitude < t.upper) ?? table[table.length - 1]!;
}

/**
 * The 16-bit sample on the uniform scale: nearest value (ties up,
 * saturating), as sox does. µ-law: magnitude of that value; A-law: negative
 * values v take |v| − 1 (the one's complement), the 4096 negative codes
 * mirroring the 4096 non-negative ones.
 */
function referenceUlaw(x: number): number {
  const v = Math.min(8191, Math.floor((x + 2) / 4));
  const t = find(MU, Math.abs(v));
  // Character signal (inverted): positive 0xFF − n, negative 0x7F − n.
  return v < 0 ? 0x7f - t.n : 0xff - t.n;
}

function referenceAlaw(x: number): number {
  const v = Math.min(4095, Math.floor((x + 4) / 8));
  const t = find(A, v < 0 ? -v - 1 : v);
  // Sign bit 1 for positive, then even bits inverted (XOR 0x55).
  return (v < 0 ? t.n : 0x80 | t.n) ^ 0x55;
}

describe('G.711 µ-law', () => {
  it('has 128 intervals per sign ending at 8159', () => {
    expect(MU).toHaveLength(128);
    expect(MU[127]!.upper).toBe(8159);
  });

  it('encodes all 65,536 inputs as the G.711 table says', () => {
    for (let x = -32768; x <= 32767; x++) {
      const want = referenceUlaw(x);
      if (ulawEncodeSample(x) !== want) expect({ x, code: ulawEncodeSample(x) }).toEqual({ x, code: want });
    }
  });

  it('decodes all 256 codes to the interval midpoints (×4 for 16 bits)', () => {
    for (let c = 0; c < 256; c++) {
      const t = MU[(c & 0x80 ? 0xff : 0x7f) - c]!;
      expect(ulawDecodeSample(c)).toBe((c & 0x80 ? 1 : -1) * t.output * 4 || 0);
    }
    expect(ULAW_TO_PCM[0xff]).toBe(0);
    expect(ULAW_TO_PCM[0x80]).toBe(32124);
    expect(ULAW_TO_PCM[0x00]).toBe(-32124);
  });

  it('re-encodes every decoded value to its own code (−0 becomes +0)', () => {
    for (let c = 0; c < 256; c++) expect(ulawEncodeSample(ulawDecodeSample(c))).toBe(c === 0x7f ? 0xff : c);
  });

  it('block functions match the sample functions and use the caller’s buffers', () => {
    const pcm = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const codes = ulawEncode(pcm);
    expect(codes.every((c, i) => c === ulawEncodeSample(i - 32768))).toBe(true);
    const out = new Uint8Array(160);
    expect(ulawEncode(pcm.subarray(0, 160), out)).toBe(out);
    const pcmOut = new Int16Array(256);
    expect(
      ulawDecode(
        Uint8Array.from({ length: 256 }, (_, i) => i),
        pcmOut,
      ),
    ).toBe(pcmOut);
    expect([...pcmOut]).toEqual([...ULAW_TO_PCM]);
    expect(() => ulawEncode(pcm.subarray(0, 160), new Uint8Array(10))).toThrow(CodecInputError);
  });
});

describe('G.711 A-law', () => {
  it('has 128 intervals per sign ending at 4096', () => {
    expect(A).toHaveLength(128);
    expect(A[127]!.upper).toBe(4096);
  });

  it('encodes all 65,536 inputs as the G.711 table says', () => {
    for (let x = -32768; x <= 32767; x++) {
      const want = referenceAlaw(x);
      if (alawEncodeSample(x) !== want) expect({ x, code: alawEncodeSample(x) }).toEqual({ x, code: want });
    }
  });

  it('decodes all 256 codes to the interval midpoints (×8 for 16 bits)', () => {
    for (let c = 0; c < 256; c++) {
      const v = c ^ 0x55;
      const t = A[v & 0x7f]!;
      expect(alawDecodeSample(c)).toBe((v & 0x80 ? 1 : -1) * t.output * 8);
    }
    expect(ALAW_TO_PCM[0xd5]).toBe(8);
    expect(ALAW_TO_PCM[0xaa]).toBe(32256);
    expect(ALAW_TO_PCM[0x2a]).toBe(-32256);
  });

  it('re-encodes every decoded value to its own code', () => {
    for (let c = 0; c < 256; c++) expect(alawEncodeSample(alawDecodeSample(c))).toBe(c);
  });

  it('block functions match the sample functions and use the caller’s buffers', () => {
    const pcm = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const codes = alawEncode(pcm);
    expect(codes.every((c, i) => c === alawEncodeSample(i - 32768))).toBe(true);
    const out = new Int16Array(300);
    const got = alawDecode(
      Uint8Array.from({ length: 256 }, (_, i) => i),
      out,
    );
    expect(got.buffer).toBe(out.buffer);
    expect([...got]).toEqual([...ALAW_TO_PCM]);
  });
});

describe('G.711 power without decoding', () => {
  for (const [name, decode, meanSquare] of [
    ['µ-law', ulawDecode, ulawMeanSquare],
    ['A-law', alawDecode, alawMeanSquare],
  ] as const) {
    it(`${name}: the mean square of the bytes is that of the PCM they decode to`, () => {
      // Every code alone, then random payloads of a frame and of odd lengths.
      let seed = 7;
      const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      const payloads = [
        ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b)),
        ...[160, 80, 7, 1].map((n) => Uint8Array.from({ length: n }, rnd)),
      ];
      for (const p of payloads) {
        const pcm = decode(p);
        let sum = 0;
        for (const v of pcm) sum += v * v;
        expect(meanSquare(p)).toBeCloseTo(sum / pcm.length, 6);
      }
      expect(meanSquare(new Uint8Array(0))).toBe(0);
    });
  }
});
