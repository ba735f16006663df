import { describe, expect, it } from 'vitest';
import { DtmfDetector } from '../../../src/audio/dsp/dtmf-detector.js';
import { DtmfGenerator } from '../../../src/audio/dsp/dtmf-generator.js';
import { dtmfFrequencies } from '../../../src/audio/dsp/dtmf.js';
import { dbm0OfSineAmplitude } from '../../../src/audio/dsp/level.js';
import { DspMisuseError } from '../../../src/audio/errors.js';
import { SineFit } from '../../../src/audio/dsp/sine-fit.js';
import { soxCodec } from '../support/sox.js';

/** Levels (dBm0) of two sines fitted together to x[from..to). */
function levels(x: Int16Array, from: number, to: number, f1: number, f2: number): [number, number] {
  const fit = new SineFit(2);
  const share = fit.residualShare(x, from, to, [f1 / 8000, f2 / 8000]);
  expect(share).toBeLessThan(1e-6);
  const a = new Float64Array(2);
  fit.amplitudes(a);
  return [dbm0OfSineAmplitude(a[0]!), dbm0OfSineAmplitude(a[1]!)];
}

function render(gen: DtmfGenerator, frames: number): Int16Array {
  const out = new Int16Array(frames * 160);
  for (let f = 0; f < frames; f++) gen.fill(out.subarray(f * 160, f * 160 + 160));
  return out;
}

describe('DtmfGenerator', () => {
  it('sends each key at the configured levels: low −9 dBm0, high −7 dBm0 (twist +2 dB)', () => {
    for (const d of ['1', '5', '9', '0', '#', 'D'] as const) {
      const gen = new DtmfGenerator();
      gen.send(d);
      const x = render(gen, 10);
      const [fl, fh] = dtmfFrequencies(d);
      // Fit inside the 100 ms tone, away from the ramps.
      const [low, high] = levels(x, 40, 760, fl, fh);
      expect(low).toBeCloseTo(-9, 2);
      expect(high).toBeCloseTo(-7, 2);
      // And nothing after the tone but the pause.
      expect(x.subarray(800, 1600).every((v) => v === 0)).toBe(true);
    }
  });

  it('honours other levels, twist, tone and pause lengths', () => {
    const gen = new DtmfGenerator({ lowDbm0: -20, twistDb: -3, toneMs: 60, pauseMs: 40 });
    gen.send('7');
    const x = render(gen, 5);
    const [low, high] = levels(x, 40, 440, 852, 1209);
    expect(low).toBeCloseTo(-20, 2);
    expect(high).toBeCloseTo(-23, 2);
    expect(x[479]).not.toBe(0);
    expect(x.subarray(480, 800).every((v) => v === 0)).toBe(true);
    expect(gen.busy).toBe(false);
  });

  it('round-trips every key through the detector: 60 ms keys clean and through G.711, 100 ms through GSM', () => {
    const keys = '0123456789*#ABCD';
    const run = (toneMs: number) => {
      const gen = new DtmfGenerator({ toneMs, pauseMs: toneMs });
      gen.send(keys);
      return render(gen, Math.ceil((keys.length * 2 * toneMs) / 20) + 2);
    };
    const short = run(60);
    for (const y of [short, soxCodec(short, 'ulaw'), soxCodec(short, 'alaw'), soxCodec(run(100), 'gsm')]) {
      const det = new DtmfDetector();
      for (let i = 0; i < y.length; i += 160) det.process(y.subarray(i, i + 160));
      det.flush();
      let got = '';
      for (let e; (e = det.pollEvent()); ) if (e.type === 'start') got += e.digit;
      expect(got).toBe(keys);
    }
  });

  it('mixes into existing audio with saturation, and is phase-continuous across frames', () => {
    const gen = new DtmfGenerator({ lowDbm0: 0, twistDb: 0 });
    gen.send('1');
    const frame = new Int16Array(160).fill(30000);
    expect(gen.fill(frame, true)).toBe(true);
    expect(Math.max(...frame)).toBe(32767);
    const a = new DtmfGenerator();
    a.send('3');
    const whole = render(a, 5);
    const b = new DtmfGenerator();
    b.send('3');
    const parts = new Int16Array(800);
    for (let i = 0; i < 800; i += 37) b.fill(parts.subarray(i, Math.min(800, i + 37)));
    expect(Array.from(parts)).toEqual(Array.from(whole));
  });

  it('refuses what is not a key and levels above 0 dBm0', () => {
    const gen = new DtmfGenerator();
    expect(() => gen.send('12x')).toThrow(DspMisuseError);
    expect(gen.busy).toBe(false);
    expect(() => new DtmfGenerator({ lowDbm0: -1, twistDb: 3 })).toThrow(DspMisuseError);
    gen.send('a');
    expect(gen.pending).toBe(1);
    gen.cancel();
    expect(gen.busy).toBe(false);
  });
});
