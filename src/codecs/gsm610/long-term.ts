/**
 * GSM 06.10 long-term prediction (LTP) on 40-sample subframes:
 * §4.2.12 – §4.2.13 in the encoder (lag and gain search, analysis filter)
 * and §4.3.2 in the decoder (synthesis filter).
 *
 * The reconstructed short-term residual lives in a 280-word array: words
 * 0 … 119 hold the last 120 samples of the previous frame, words 120 … 279
 * the four subframes of this one, so "dp[k − λ]" of the standard for
 * subframe j is `history[120 + 40j + k − λ]`.
 */
import { abs, mult, multR, norm, sub } from './arith.js';
import { DLB, QLB } from './tables.js';

/** Length of the residual history array (120 past + 160 current). */
export const HISTORY = 280;

/**
 * §4.2.12: the LTP lag Nc (40 … 120) and coded gain bc (0 … 3)
 * for the subframe d[at … at+39], against the history before `hist`.
 * Returns `Nc | bc << 8`. `wt` is 40 words of scratch.
 */
export function ltpParameters(d: Int16Array, at: number, history: Int16Array, hist: number, wt: Int16Array): number {
  let dmax = 0;
  for (let k = 0; k < 40; k++) {
    const a = abs(d[at + k]!);
    if (a > dmax) dmax = a;
  }
  const temp = dmax === 0 ? 0 : norm(dmax << 16);
  const scal = temp > 6 ? 0 : 6 - temp;
  for (let k = 0; k < 40; k++) wt[k] = d[at + k]! >> scal;

  // Cross-correlation with every lag; the first maximum wins. |wt| < 2^9
  // after scaling and |dp| ≤ 2^15, so a sum of 40 products stays below 2^30:
  // exact in 32-bit integers. Lags go four at a time and samples two at a
  // time, sharing each load (x1 … x3 slide along the history); lag 120 last.
  let lMax = 0;
  let nc = 40;
  for (let lambda = 40; lambda < 120; lambda += 4) {
    const base = hist - lambda;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let x1 = history[base - 1]!;
    let x2 = history[base - 2]!;
    let x3 = history[base - 3]!;
    for (let k = 0; k < 40; k += 2) {
      const wa = wt[k]!;
      const wb = wt[k + 1]!;
      const xa = history[base + k]!;
      const xb = history[base + k + 1]!;
      s0 = (s0 + Math.imul(wa, xa) + Math.imul(wb, xb)) | 0;
      s1 = (s1 + Math.imul(wa, x1) + Math.imul(wb, xa)) | 0;
      s2 = (s2 + Math.imul(wa, x2) + Math.imul(wb, x1)) | 0;
      s3 = (s3 + Math.imul(wa, x3) + Math.imul(wb, x2)) | 0;
      x3 = x1;
      x2 = xa;
      x1 = xb;
    }
    if (s0 > lMax) {
      nc = lambda;
      lMax = s0;
    }
    if (s1 > lMax) {
      nc = lambda + 1;
      lMax = s1;
    }
    if (s2 > lMax) {
      nc = lambda + 2;
      lMax = s2;
    }
    if (s3 > lMax) {
      nc = lambda + 3;
      lMax = s3;
    }
  }
  let s120 = 0;
  for (let k = 0, base = hist - 120; k < 40; k++) s120 = (s120 + Math.imul(wt[k]!, history[base + k]!)) | 0;
  if (s120 > lMax) {
    nc = 120;
    lMax = s120;
  }
  // L_mult doubles each product; then undo the scaling of wt.
  lMax = Math.floor((lMax * 2) / (1 << (6 - scal)));

  let lPower = 0;
  for (let k = 0; k < 40; k++) {
    const v = history[hist - nc + k]! >> 3;
    lPower += v * v;
  }
  lPower *= 2;

  if (lMax <= 0) return nc;
  if (lMax >= lPower) return nc | (3 << 8);
  const t = norm(lPower);
  const r = (lMax << t) >> 16;
  const s = (lPower << t) >> 16;
  let bc = 0;
  while (bc <= 2 && r > mult(s, DLB[bc]!)) bc++;
  return nc | (bc << 8);
}

/**
 * §4.2.13: the long-term analysis filter. Writes the prediction
 * dpp = bp · dp[k − Nc] into `history[hist … hist+39]` and the LTP residual
 * e = d − dpp into e[eAt … eAt+39].
 */
export function ltpAnalysisFilter(
  bc: number,
  nc: number,
  d: Int16Array,
  at: number,
  history: Int16Array,
  hist: number,
  e: Int16Array,
  eAt: number,
): void {
  const bp = QLB[bc]!;
  for (let k = 0; k < 40; k++) {
    const dpp = multR(bp, history[hist - nc + k]!);
    history[hist + k] = dpp;
    e[eAt + k] = sub(d[at + k]!, dpp);
  }
}

/**
 * §4.3.2: the long-term synthesis filter: history[hist + k] = erp[k] +
 * br · history[hist + k − Nr]. A lag outside 40 … 120 (not a valid frame, but
 * the bits allow 0 … 39 and 121 … 127) reuses the previous lag, as the
 * standard says. Returns the lag used.
 */
export function ltpSynthesisFilter(
  bcr: number,
  ncr: number,
  previousLag: number,
  erp: Int16Array,
  history: Int16Array,
  hist: number,
): number {
  const nr = ncr < 40 || ncr > 120 ? previousLag : ncr;
  const brp = QLB[bcr]!;
  for (let k = 0; k < 40; k++) {
    const v = erp[k]! + multR(brp, history[hist - nr + k]!);
    history[hist + k] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return nr;
}
