/** How long a tone sounds in a recording: what the calls interop tests assert on. */
import { ToneDetector } from '../../../src/audio/dsp/tone-detector.js';
import { readWavFile } from '../../../src/audio/formats/wav.js';
import { ToneBin } from '../../../src/audio/dsp/tone-bin.js';
import { toMono8k } from '../../../src/audio/to-mono-8k.js';

/** Seconds during which `freq` (Hz) sounds alone in 8 kHz samples (the tone detector). */
export function toneSeconds(samples: Int16Array, freq: number): number {
  const det = new ToneDetector([{ name: 'f', freqs: [freq] }]);
  det.process(samples);
  det.flush();
  let s = 0;
  for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'end') s += (e.duration ?? 0) / 8000;
  return s;
}

/** `toneSeconds` of a WAV file (any rate and channels: made 8 kHz mono). */
export function wavToneSeconds(file: string, freq: number): number {
  const w = readWavFile(file);
  return toneSeconds(toMono8k(w.samples, w.format.channels, w.format.sampleRate), freq);
}

/**
 * Seconds (in 50 ms blocks) during which `freq` is present at an amplitude
 * of at least `min` in a WAV (any rate and channels: made 8 kHz mono),
 * whatever else sounds with it: for mixes, where the tone detector (which
 * wants one clean tone) hears nothing.
 */
export function wavPresence(file: string, freq: number, min = 1000, from = 0, to = Infinity): number {
  const w = readWavFile(file);
  return presence(toMono8k(w.samples, w.format.channels, w.format.sampleRate), freq, min, from, to);
}

/** `wavPresence` of 8 kHz samples. */
export function presence(x: Int16Array, freq: number, min = 1000, from = 0, to = Infinity): number {
  const bin = new ToneBin(freq, 8000, 400);
  let blocks = 0;
  const end = Math.min(x.length, to * 8000);
  for (let i = Math.round(from * 8000); i + 400 <= end; i += 400) {
    bin.measure(x, i);
    if (bin.amplitude() >= min) blocks++;
  }
  return blocks * 0.05;
}
