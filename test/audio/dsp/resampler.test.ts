import { describe, expect, it } from 'vitest';
import { DspMisuseError } from '../../../src/audio/errors.js';
import { Resampler } from '../../../src/audio/dsp/resampler.js';
import { db, fitSine, rms, sine, toInt16 } from '../support/signal.js';

/** Run a whole signal through a fresh resampler (float path), in 20 ms chunks. */
function runFloat(from: number, to: number, x: Float64Array, chunk = from / 50): Float64Array {
  const r = new Resampler(from, to);
  const out = new Float64Array(r.maxOutput(x.length) + 16);
  const tmp = new Float64Array(r.maxOutput(chunk));
  let n = 0;
  for (let i = 0; i < x.length; i += chunk) {
    const got = r.processFloat(x.subarray(i, Math.min(x.length, i + chunk)), tmp);
    out.set(tmp.subarray(0, got), n);
    n += got;
  }
  return out.subarray(0, n);
}

const PAIRS: [number, number][] = [
  [8000, 16000],
  [16000, 8000],
  [8000, 44100],
  [44100, 8000],
  [8000, 48000],
  [48000, 8000],
];

describe('Resampler: measured response', () => {
  it.each(PAIRS)(
    '%i → %i Hz: passband 0–3.5 kHz flat within 0.01 dB, clean of images/aliases to -78 dB',
    (from, to) => {
      const seconds = 0.5;
      const gains: number[] = [];
      for (let f = 100; f <= 3500; f += 200) {
        const y = runFloat(from, to, sine(from * seconds, from, f, 10000));
        // Skip the start-up transient (the filter's delay, twice over).
        const fit = fitSine(y, to, f, Math.ceil(to * 0.05), y.length - Math.ceil(to * 0.02));
        gains.push(db(fit.amplitude / 10000));
        // What is not the tone: images (up) or aliases (down), and rounding.
        expect(db(fit.residualRms / (10000 / Math.SQRT2)), `residual at ${f} Hz`).toBeLessThan(-78);
      }
      const ripple = Math.max(...gains) - Math.min(...gains);
      expect(ripple).toBeLessThan(0.01);
      expect(Math.max(...gains.map(Math.abs))).toBeLessThan(0.01);
    },
  );

  it.each([
    [16000, 8000],
    [44100, 8000],
    [48000, 8000],
  ])('%i → %i Hz: stopband (≥ 4 kHz) attenuated by at least 80 dB', (from, to) => {
    const top = from / 2 - 200;
    for (const f of [4000, 4300, 5000, 6000, 7900, 11000, top]) {
      if (f >= from / 2) continue;
      const y = runFloat(from, to, sine(from * 0.5, from, f, 10000));
      const level = rms(y, Math.ceil(to * 0.05), y.length - Math.ceil(to * 0.02)) / (10000 / Math.SQRT2);
      expect(db(level), `${f} Hz`).toBeLessThan(-80);
    }
  });

  it('SNR of 1 kHz through 8k → 48k → 8k (16-bit all the way) is at least 60 dB', () => {
    const x = toInt16(sine(8000, 8000, 1000, 0.7 * 32767, 0.3));
    const up = new Resampler(8000, 48000);
    const down = new Resampler(48000, 8000);
    const mid = new Int16Array(up.maxOutput(160));
    const back = new Int16Array(down.maxOutput(mid.length));
    const y = new Int16Array(8000);
    let n = 0;
    for (let i = 0; i < x.length; i += 160) {
      const m = up.process(x.subarray(i, i + 160), mid);
      expect(m).toBe(960);
      const b = down.process(mid.subarray(0, m), back);
      y.set(back.subarray(0, b), n);
      n += b;
    }
    expect(n).toBe(8000);
    const fit = fitSine(y, 8000, 1000, 400, 8000);
    const snr = db(fit.amplitude / Math.SQRT2 / fit.residualRms);
    expect(snr).toBeGreaterThanOrEqual(60);
    expect(Math.abs(db(fit.amplitude / (0.7 * 32767)))).toBeLessThan(0.01);
  });
});

describe('Resampler: streaming', () => {
  it('gives the same output whatever the chunking', () => {
    const x = sine(4410, 44100, 1234, 8000);
    const whole = runFloat(44100, 8000, x, x.length);
    const frames = runFloat(44100, 8000, x, 882);
    const odd = runFloat(44100, 8000, x, 37);
    expect(frames.length).toBe(whole.length);
    expect(odd.length).toBe(whole.length);
    expect(Array.from(frames)).toEqual(Array.from(whole));
    expect(Array.from(odd)).toEqual(Array.from(whole));
  });

  it('8 kHz → 44.1 kHz gives 882 samples per 20 ms frame on average, exactly', () => {
    const r = new Resampler(8000, 44100);
    const out = new Int16Array(r.maxOutput(160));
    const frame = new Int16Array(160);
    let total = 0;
    for (let i = 0; i < 100; i++) total += r.process(frame, out);
    // 100 frames = 2 s; outputs lag the filter by at most one input sample.
    expect(Math.abs(total - 88200)).toBeLessThanOrEqual(Math.ceil(44100 / 8000));
  });

  it('has the linear-phase delay it reports (impulse peak), under 6 ms', () => {
    const r = new Resampler(8000, 48000);
    expect(r.up).toBe(6);
    expect(r.down).toBe(1);
    const x = new Float64Array(160);
    x[0] = 1;
    const y = new Float64Array(r.maxOutput(160));
    const n = r.processFloat(x, y);
    let peak = 0;
    for (let i = 1; i < n; i++) if (y[i]! > y[peak]!) peak = i;
    expect(Math.abs(peak - r.delay * 6)).toBeLessThanOrEqual(0.5);
    expect(r.delay / 8000).toBeLessThan(0.006);
  });

  it('reset() forgets history', () => {
    const r = new Resampler(8000, 16000);
    const a = new Float64Array(400);
    const x = sine(160, 8000, 700, 5000);
    const n1 = r.processFloat(x, a);
    const first = Array.from(a.subarray(0, n1));
    r.processFloat(sine(160, 8000, 300, 9000), a);
    r.reset();
    const n2 = r.processFloat(x, a);
    expect(Array.from(a.subarray(0, n2))).toEqual(first);
  });

  it('refuses bad rates and undersized output', () => {
    expect(() => new Resampler(0, 8000)).toThrow(DspMisuseError);
    expect(() => new Resampler(8000, 7999.5)).toThrow(DspMisuseError);
    expect(() => new Resampler(8000, 44101)).toThrow(DspMisuseError);
    const r = new Resampler(8000, 48000);
    expect(() => r.process(new Int16Array(160), new Int16Array(100))).toThrow(DspMisuseError);
  });
});
