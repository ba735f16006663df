/**
 * Compares a received prompt with a reference recording, so a changed or
 * truncated prompt is caught without speech recognition.
 *
 * Theory of operation. Both clips become log-mel features (`spectral-
 * features.ts`: level and codec tilt taken off). The reference slides over
 * the received clip in 10 ms steps, from `maxOffsetMs` before its start to
 * `maxOffsetMs` past the point where it would end with the received clip;
 * at each lag the score is the Pearson correlation of the reference's
 * feature matrix with the received frames under it (frames the received
 * clip lacks count as silence, so a truncated prompt loses the part it
 * lacks). The best lag wins: its score, the offset, and the share of the
 * reference's speech that met speech in the received clip (coverage).
 */
import { FEATURE_HOP_MS, spectralFeatures, type SpectralFeatures } from './spectral-features.js';

export interface MatchResult {
  /** Pearson correlation at the best alignment, −1..1 (1: the same audio). */
  readonly score: number;
  /** Where the reference starts in the received clip, ms (negative: before its start). */
  readonly offsetMs: number;
  /** Share of the reference's active frames that met active frames in the received clip, 0..1. */
  readonly coverage: number;
}

export interface MatchOptions {
  /** How far outside the received clip the reference may start or end, ms (default 500). */
  readonly maxOffsetMs?: number;
}

/**
 * Score how well `received` holds `reference` (both 8 kHz PCM).
 *
 * @example
 * const { score, offsetMs } = matchReference(heardClip, readWavFile('prompts/welcome.wav').samples);
 * if (score < 0.7) console.log('the prompt changed');
 */
export function matchReference(received: Int16Array, reference: Int16Array, options: MatchOptions = {}): MatchResult {
  const r = spectralFeatures(reference);
  const x = spectralFeatures(received);
  return matchFeatures(x, r, options);
}

export function matchFeatures(x: SpectralFeatures, r: SpectralFeatures, options: MatchOptions = {}): MatchResult {
  const B = r.bands;
  if (r.frames === 0 || x.frames === 0) return { score: 0, offsetMs: 0, coverage: 0 };
  const slack = Math.round((options.maxOffsetMs ?? 500) / FEATURE_HOP_MS);
  // The value a missing received frame takes: the received clip's floor in every band.
  const silence = new Float64Array(B).fill(Infinity);
  for (let i = 0; i < x.values.length; i++) silence[i % B] = Math.min(silence[i % B]!, x.values[i]!);
  // Reference statistics (fixed over lags).
  const n = r.frames * B;
  let rSum = 0;
  let rSq = 0;
  for (let i = 0; i < n; i++) {
    rSum += r.values[i]!;
    rSq += r.values[i]! ** 2;
  }
  const rVar = rSq - (rSum * rSum) / n;
  let best: MatchResult = { score: -1, offsetMs: 0, coverage: 0 };
  const minLag = -slack;
  const maxLag = Math.max(minLag, x.frames - r.frames + slack);
  for (let lag = minLag; lag <= maxLag; lag++) {
    let xSum = 0;
    let xSq = 0;
    let cross = 0;
    for (let t = 0; t < r.frames; t++) {
      const u = t + lag;
      const inside = u >= 0 && u < x.frames;
      for (let b = 0; b < B; b++) {
        const xv = inside ? x.values[u * B + b]! : silence[b]!;
        const rv = r.values[t * B + b]!;
        xSum += xv;
        xSq += xv * xv;
        cross += xv * rv;
      }
    }
    const xVar = xSq - (xSum * xSum) / n;
    const cov = cross - (xSum * rSum) / n;
    const score = xVar > 0 && rVar > 0 ? cov / Math.sqrt(xVar * rVar) : 0;
    if (score > best.score) best = { score, offsetMs: lag * FEATURE_HOP_MS, coverage: 0 };
  }
  const lag = best.offsetMs / FEATURE_HOP_MS;
  let active = 0;
  let met = 0;
  for (let t = 0; t < r.frames; t++) {
    if (r.level[t]! < -35) continue;
    active++;
    const u = t + lag;
    if (u >= 0 && u < x.frames && x.level[u]! >= -35) met++;
  }
  return { ...best, coverage: active ? met / active : 0 };
}
