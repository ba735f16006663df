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
 * lacks). Then the reference's 300 ms blocks may each slip by up to
 * ±120 ms around the best lag, 20 ms at most from one block to the next —
 * the drop or stretch of a packet by a receiver's adaptive jitter buffer —
 * when that aligns it better. The score is the correlation of the best
 * alignment (correlation) times the share of the reference's speech that
 * met speech in the received clip (coverage): a prompt cut short in its
 * quiet tail still correlates well with what is left, but lacks coverage.
 * The offset is the best single lag's. Frames masked in either clip
 * (`SpectralFeatures.masked`: audio the receiver concealed) count in
 * neither the correlation nor the coverage.
 */
import { FEATURE_HOP_MS, spectralFeatures, type SpectralFeatures } from './spectral-features.js';

export interface MatchResult {
  /** `correlation × coverage`, −1..1 (1: the same audio): what the `matches` threshold applies to. */
  readonly score: number;
  /** Pearson correlation of the features at the best alignment, −1..1. */
  readonly correlation: number;
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

/** Blocks of the reference that may slip against each other: 300 ms. */
const BLOCK = 30;
/** How far a block may slip from the best single lag: ±120 ms. */
const SLIP = 12;
/** How far neighbouring blocks' lags may differ: 20 ms, one packet. */
const STEP = 2;

export function matchFeatures(x: SpectralFeatures, r: SpectralFeatures, options: MatchOptions = {}): MatchResult {
  const B = r.bands;
  if (r.frames === 0 || x.frames === 0) return { score: 0, correlation: 0, offsetMs: 0, coverage: 0 };
  const slack = Math.round((options.maxOffsetMs ?? 500) / FEATURE_HOP_MS);
  // The value a missing received frame takes: the received clip's floor in every band.
  const silence = new Float64Array(B).fill(Infinity);
  for (let i = 0; i < x.values.length; i++) silence[i % B] = Math.min(silence[i % B]!, x.values[i]!);
  const rMask = r.masked;
  const xMask = x.masked;
  const xAt = (u: number, b: number) => (u >= 0 && u < x.frames ? x.values[u * B + b]! : silence[b]!);
  /** Pearson correlation of reference frames [from, to) with the received frames `lagOf(t)` later. */
  const correlate = (from: number, to: number, lagOf: (t: number) => number): number => {
    let xSum = 0;
    let xSq = 0;
    let rSum = 0;
    let rSq = 0;
    let cross = 0;
    let n = 0;
    for (let t = from; t < to; t++) {
      const u = t + lagOf(t);
      if (rMask?.[t] === 1 || (u >= 0 && u < x.frames && xMask?.[u] === 1)) continue;
      n += B;
      for (let b = 0; b < B; b++) {
        const xv = xAt(u, b);
        const rv = r.values[t * B + b]!;
        xSum += xv;
        xSq += xv * xv;
        rSum += rv;
        rSq += rv * rv;
        cross += xv * rv;
      }
    }
    if (n === 0) return 0;
    const xVar = xSq - (xSum * xSum) / n;
    const rVar = rSq - (rSum * rSum) / n;
    return xVar > 0 && rVar > 0 ? (cross - (xSum * rSum) / n) / Math.sqrt(xVar * rVar) : 0;
  };
  // 1. The best single lag.
  let score = -1;
  let lag = 0;
  const minLag = -slack;
  // A received clip shorter than the reference still gets every lag from −slack to +slack.
  const maxLag = Math.max(minLag, x.frames - r.frames) + slack;
  for (let l = minLag; l <= maxLag; l++) {
    const c = correlate(0, r.frames, () => l);
    if (c > score) {
      score = c;
      lag = l;
    }
  }
  // 2. Let blocks of the reference slip a little against each other: a
  // receiver's jitter buffer drops or stretches a packet here and there to
  // change its delay, which shifts the rest of the prompt by 20 ms. The
  // blocks' lags stay within SLIP of the best single lag and move by at
  // most STEP from block to block (a dynamic programme over the blocks,
  // each block scored by its own correlation weighted by its reference
  // energy); the whole warped alignment is then scored as one correlation.
  const blocks = Math.ceil(r.frames / BLOCK);
  const lags: number[] = [];
  if (blocks > 1) {
    const L = 2 * SLIP + 1;
    const weight = Array.from({ length: blocks }, (_, k) => {
      let e = 0;
      for (let t = k * BLOCK; t < Math.min(r.frames, (k + 1) * BLOCK); t++) e += Math.max(0, r.level[t]! + 45);
      return e;
    });
    const total = new Float64Array(blocks * L).fill(-Infinity);
    const from = new Int32Array(blocks * L);
    for (let k = 0; k < blocks; k++) {
      for (let j = 0; j < L; j++) {
        const l = lag - SLIP + j;
        const here = weight[k]! * correlate(k * BLOCK, Math.min(r.frames, (k + 1) * BLOCK), () => l);
        if (k === 0) {
          total[j] = here;
          continue;
        }
        for (let i = Math.max(0, j - STEP); i <= Math.min(L - 1, j + STEP); i++) {
          const v = total[(k - 1) * L + i]! + here;
          if (v > total[k * L + j]!) {
            total[k * L + j] = v;
            from[k * L + j] = i;
          }
        }
      }
    }
    let j = 0;
    for (let i = 1; i < L; i++) if (total[(blocks - 1) * L + i]! > total[(blocks - 1) * L + j]!) j = i;
    for (let k = blocks - 1; k >= 0; k--) {
      lags[k] = lag - SLIP + j;
      j = from[k * L + j]!;
    }
    const warped = correlate(0, r.frames, (t) => lags[Math.floor(t / BLOCK)]!);
    if (warped > score) score = warped;
    else lags.length = 0;
  }
  const lagAt = (t: number) => lags[Math.floor(t / BLOCK)] ?? lag;
  let active = 0;
  let met = 0;
  for (let t = 0; t < r.frames; t++) {
    const u = t + lagAt(t);
    if (r.level[t]! < -35 || rMask?.[t] === 1 || (u >= 0 && u < x.frames && xMask?.[u] === 1)) continue;
    active++;
    if (u >= 0 && u < x.frames && x.level[u]! >= -35) met++;
  }
  const coverage = active ? met / active : 0;
  return { score: score * coverage, correlation: score, offsetMs: lag * FEATURE_HOP_MS, coverage };
}
