/**
 * Log-mel spectral features of 8 kHz audio for comparing a received prompt
 * with a reference recording: 24 mel bands from 200 to 3600 Hz (inside
 * every telephone codec's band), a 32 ms Hann window every 10 ms.
 *
 * Tolerance is built in: each band's mean over the clip's active frames is
 * taken off (so a level change or a codec's steady tilt cancels out), and
 * every frame is floored 45 dB under the clip's loudest, so codec noise in
 * the pauses reads the same as digital silence.
 */
import { Fft } from './fft.js';

export const FEATURE_HOP_MS = 10;
const RATE = 8000;
const WIN = 256;
const HOP = 80;
const BANDS = 24;
const LOW_HZ = 200;
const HIGH_HZ = 3600;
const FLOOR_DB = 45;

const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
const imel = (m: number) => 700 * (10 ** (m / 2595) - 1);

let shared: { fft: Fft; window: Float64Array; filters: { lo: number; weights: Float64Array }[] } | undefined;

function tables() {
  if (shared) return shared;
  const window = Float64Array.from({ length: WIN }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / WIN));
  const edges = Array.from({ length: BANDS + 2 }, (_, i) =>
    imel(mel(LOW_HZ) + ((mel(HIGH_HZ) - mel(LOW_HZ)) * i) / (BANDS + 1)),
  );
  const bin = (f: number) => (f * WIN) / RATE;
  const filters = Array.from({ length: BANDS }, (_, b) => {
    const [l, c, h] = [bin(edges[b]!), bin(edges[b + 1]!), bin(edges[b + 2]!)];
    const lo = Math.ceil(l);
    const hi = Math.floor(h);
    const weights = new Float64Array(Math.max(1, hi - lo + 1));
    for (let k = lo; k <= hi; k++) weights[k - lo] = k <= c ? (k - l) / (c - l) : (h - k) / (h - c);
    return { lo, weights };
  });
  shared = { fft: new Fft(WIN), window, filters };
  return shared;
}

/** Features of a clip: `frames` rows of `bands` values, row-major, plus each frame's level. */
export interface SpectralFeatures {
  readonly frames: number;
  readonly bands: number;
  /** Mean-removed log-mel energies, dB. */
  readonly values: Float64Array;
  /** Each frame's total level, dB relative to the loudest frame (≤ 0). */
  readonly level: Float64Array;
  /**
   * Frames left out of every comparison (1): audio the receiver made up
   * itself (a concealed or stretched stretch, `crawl/holes.ts`). Absent: all count.
   */
  readonly masked?: Uint8Array;
}

/**
 * Compute the features of 8 kHz PCM.
 *
 * @example
 * const f = spectralFeatures(prompt); // f.frames ≈ prompt.length / 80
 */
export function spectralFeatures(pcm: Int16Array): SpectralFeatures {
  const { fft, window, filters } = tables();
  const frames = Math.max(0, Math.floor((pcm.length - WIN) / HOP) + 1);
  const raw = new Float64Array(frames * BANDS);
  const level = new Float64Array(frames);
  const re = new Float64Array(WIN);
  const im = new Float64Array(WIN);
  for (let f = 0; f < frames; f++) {
    const at = f * HOP;
    for (let i = 0; i < WIN; i++) {
      re[i] = pcm[at + i]! * window[i]!;
      im[i] = 0;
    }
    fft.transform(re, im);
    let total = 0;
    for (let b = 0; b < BANDS; b++) {
      const { lo, weights } = filters[b]!;
      let e = 0;
      for (let k = 0; k < weights.length; k++) e += weights[k]! * (re[lo + k]! ** 2 + im[lo + k]! ** 2);
      raw[f * BANDS + b] = e;
      total += e;
    }
    level[f] = 10 * Math.log10(total + 1e-3);
  }
  let loudest = -Infinity;
  for (let f = 0; f < frames; f++) loudest = Math.max(loudest, level[f]!);
  // Floor every band at FLOOR_DB under the loudest frame's mean band energy.
  const floor = loudest - FLOOR_DB - 10 * Math.log10(BANDS);
  const values = new Float64Array(frames * BANDS);
  for (let i = 0; i < values.length; i++) values[i] = Math.max(floor, 10 * Math.log10(raw[i]! + 1e-3));
  for (let f = 0; f < frames; f++) level[f] = level[f]! - loudest;
  // Take off each band's mean over the active frames (within 35 dB of the loudest).
  const mean = new Float64Array(BANDS);
  let active = 0;
  for (let f = 0; f < frames; f++) {
    if (level[f]! < -35) continue;
    active++;
    for (let b = 0; b < BANDS; b++) mean[b] = mean[b]! + values[f * BANDS + b]!;
  }
  if (active > 0) for (let b = 0; b < BANDS; b++) mean[b] = mean[b]! / active;
  for (let f = 0; f < frames; f++)
    for (let b = 0; b < BANDS; b++) values[f * BANDS + b] = values[f * BANDS + b]! - mean[b]!;
  return { frames, bands: BANDS, values, level };
}
