import { describe, expect, it } from 'vitest';
import { TtsFailedError } from '../../src/tts/errors.js';
import { MonoTo8k, speak, to8kMono } from '../../src/tts/speak.js';

describe('speak', () => {
  it('renders flite and espeak-ng speech as 8 kHz PCM of a plausible length', async () => {
    for (const engine of ['flite', 'espeak-ng'] as const) {
      const pcm = await speak('For sales, press one. For support, press two.', { engine });
      const seconds = pcm.length / 8000;
      expect(seconds, engine).toBeGreaterThan(1.5);
      expect(seconds, engine).toBeLessThan(6);
      let peak = 0;
      for (const v of pcm) peak = Math.max(peak, Math.abs(v));
      expect(peak, engine).toBeGreaterThan(3000);
    }
  });

  it('keeps the last sentence (flite drops one with no line end after it)', async () => {
    const one = await speak('Thank you for calling.', { voice: 'kal16' });
    const two = await speak('Thank you for calling. Goodbye.', { voice: 'kal16' });
    expect(two.length - one.length).toBeGreaterThan(0.4 * 8000);
  });

  it('follows the speaking rate', async () => {
    const slow = await speak('please enter your account number', { engine: 'espeak-ng', wordsPerMinute: 110 });
    const fast = await speak('please enter your account number', { engine: 'espeak-ng', wordsPerMinute: 220 });
    expect(slow.length).toBeGreaterThan(1.5 * fast.length);
  });

  it('refuses an unknown engine with a clear error', async () => {
    await expect(speak('x', { engine: 'festival' as never })).rejects.toBeInstanceOf(TtsFailedError);
  });

  it('mixes to mono and resamples to 8 kHz', () => {
    const stereo = new Int16Array(32000);
    for (let i = 0; i < 16000; i++) {
      stereo[2 * i] = 1000;
      stereo[2 * i + 1] = 3000;
    }
    const out = to8kMono(stereo, 16000, 2, 16000);
    expect(out.length).toBe(8000);
    expect(out[4000]).toBeCloseTo(2000, -1);
  });

  it('resampled in slices (as a rendering yields to the event loop) gives the same samples as at once', () => {
    for (const [rate, channels] of [
      [22050, 1],
      [16000, 2],
      [48000, 1],
    ] as const) {
      const frames = Math.round(rate * 0.7);
      const pcm = new Int16Array(frames * channels);
      for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(9000 * Math.sin(i / 5.3) + 3000 * Math.sin(i / 1.7));
      const whole = to8kMono(pcm, frames, channels, rate);
      const job = new MonoTo8k(pcm, frames, channels, rate);
      let steps = 1;
      while (!job.step(777)) steps++;
      expect(steps).toBeGreaterThan(5);
      expect(job.result()).toEqual(whole);
      expect(whole.length).toBe(Math.round((frames * 8000) / rate));
    }
  });
});
