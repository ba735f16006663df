import { describe, expect, it } from 'vitest';
import { FrameResampler, rateOf } from '../../src/audio/frame-resampler.js';
import { ToneBin } from '../../src/audio/dsp/tone-bin.js';

function sineFrames(freq: number, rate: number, frames: number): Int16Array[] {
  const n = rate / 50;
  return Array.from({ length: frames }, (_, k) =>
    Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * freq * (k * n + i)) / rate))),
  );
}

function amplitude(frames: Int16Array[], freq: number, rate: number): number {
  const x = new Int16Array(frames.length * frames[0]!.length);
  for (const [i, f] of frames.entries()) x.set(f, i * f.length);
  const bin = new ToneBin(freq, rate, x.length - 2 * (rate / 50));
  bin.measure(x, rate / 50);
  return bin.amplitude();
}

describe('FrameResampler', () => {
  it.each([
    [8000, 16000],
    [16000, 8000],
    [48000, 16000],
    [16000, 48000],
  ])('%i → %i Hz: one 20 ms frame out per frame in, a 1 kHz tone kept', (from, to) => {
    const conv = new FrameResampler(from, to);
    const out = sineFrames(1000, from, 25).map((f) => {
      const o = new Int16Array(to / 50);
      conv.convert(f, o);
      return o;
    });
    expect(amplitude(out, 1000, to)).toBeGreaterThan(7600);
  });

  it('16 → 8 kHz removes a 6 kHz tone (it cannot alias into the narrow band)', () => {
    const conv = new FrameResampler(16000, 8000);
    const out = sineFrames(6000, 16000, 25).map((f) => {
      const o = new Int16Array(160);
      conv.convert(f, o);
      return o;
    });
    for (const hz of [2000, 3000, 3500]) expect(amplitude(out, hz, 8000)).toBeLessThan(50);
  });

  it('refuses frames that are not 20 ms of the rates it converts, and says 8 kHz for a device that names none', () => {
    expect(() => new FrameResampler(8000, 16000).convert(new Int16Array(160), new Int16Array(160))).toThrow(
      /160 samples at 8000 Hz does not make 160 at 16000 Hz/,
    );
    expect(rateOf({})).toBe(8000);
    expect(rateOf({ rate: 16000 })).toBe(16000);
  });
});
