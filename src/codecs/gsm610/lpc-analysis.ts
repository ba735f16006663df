/**
 * GSM 06.10 §4.2.4 – §4.2.7: LPC analysis of one preprocessed frame:
 * autocorrelation, reflection coefficients by the Schur recursion, their
 * transformation to log-area ratios, and the quantisation of those.
 */
import { abs, add, div, mult, multR, norm } from './arith.js';
import { LAR_A, LAR_B, LAR_MAC, LAR_MIC } from './tables.js';

/** Scratch arrays, reused frame after frame. */
export class LpcWork {
  readonly lAcf = new Float64Array(9);
  readonly acf = new Int32Array(9);
  readonly p = new Int32Array(9);
  readonly k = new Int32Array(9);
  readonly r = new Int32Array(8);
}

/**
 * §4.2.4 Autocorrelation L_ACF[0 … 8] of s[0 … 159], with the dynamic
 * scaling the standard prescribes. The standard scales s in place and then
 * shifts it back, so the short-term analysis afterwards sees the signal with
 * its low bits lost (and a value rounded up to 2^15 wrapping, as a 16-bit
 * word does): that is kept here.
 */
function autocorrelation(s: Int16Array, lAcf: Float64Array): void {
  let smax = 0;
  for (let k = 0; k < 160; k++) {
    const a = abs(s[k]!);
    if (a > smax) smax = a;
  }
  const scalauto = smax === 0 ? 0 : 4 - norm(smax << 16);
  if (scalauto > 0) {
    const f = 16384 >> (scalauto - 1);
    for (let k = 0; k < 160; k++) s[k] = multR(s[k]!, f);
  }
  // |s| ≤ 2^11 now: 160 products of ≤ 2^22, doubled, stay below 2^31, so
  // integer arithmetic is exact. Three lags per pass share the loads of s.
  for (let lag = 0; lag <= 6; lag += 3) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let a = 0; // s[i − lag]
    let b = 0; // s[i − lag − 1]
    let c = 0; // s[i − lag − 2]
    for (let i = 0; i < 160; i++) {
      c = b;
      b = a;
      a = i >= lag ? s[i - lag]! : 0;
      const x = s[i]!;
      s0 = (s0 + Math.imul(x, a)) | 0;
      s1 = (s1 + Math.imul(x, b)) | 0;
      s2 = (s2 + Math.imul(x, c)) | 0;
    }
    lAcf[lag] = 2 * s0;
    lAcf[lag + 1] = 2 * s1;
    lAcf[lag + 2] = 2 * s2;
  }
  if (scalauto > 0) for (let k = 0; k < 160; k++) s[k] = s[k]! << scalauto;
}

/** §4.2.5 Reflection coefficients r[1 … 8] (in r[0 … 7]) by the Schur recursion. */
function reflectionCoefficients(w: LpcWork): void {
  const { lAcf, acf, p, k: kk, r } = w;
  r.fill(0);
  if (lAcf[0] === 0) return;
  const temp = norm(lAcf[0]!);
  // |L_ACF[i]| ≤ L_ACF[0] < 2^31, so the normalised values fit 32 bits.
  for (let i = 0; i <= 8; i++) acf[i] = (lAcf[i]! << temp) >> 16;
  for (let i = 1; i <= 7; i++) kk[i] = acf[i]!;
  for (let i = 0; i <= 8; i++) p[i] = acf[i]!;
  for (let n = 1; n <= 8; n++) {
    const p1 = abs(p[1]!);
    if (p[0]! < p1) return; // the remaining r[n … 8] stay 0
    let rn = div(p1, p[0]!);
    if (p[1]! > 0) rn = -rn;
    r[n - 1] = rn;
    if (n === 8) return;
    p[0] = add(p[0]!, multR(p[1]!, rn));
    for (let m = 1; m <= 8 - n; m++) {
      const pm1 = p[m + 1]!;
      p[m] = add(pm1, multR(kk[m]!, rn));
      kk[m] = add(kk[m]!, multR(pm1, rn));
    }
  }
}

/**
 * §4.2.6 – §4.2.7 Log-area ratios from the reflection coefficients, by the
 * standard's piecewise-linear approximation, then quantised and coded into
 * `larc` (each made non-negative by subtracting its MIC).
 */
function codeLogAreaRatios(r: Int32Array, larc: Int32Array): void {
  for (let i = 0; i < 8; i++) {
    const ri = r[i]!;
    let t = abs(ri);
    if (t < 22118) t >>= 1;
    else if (t < 31130) t -= 11059;
    else t = (t - 26112) << 2;
    const lar = ri < 0 ? -t : t;
    const q = add(add(mult(LAR_A[i]!, lar), LAR_B[i]!), 256) >> 9;
    const mac = LAR_MAC[i]!;
    const mic = LAR_MIC[i]!;
    larc[i] = (q > mac ? mac : q < mic ? mic : q) - mic;
  }
}

/**
 * LPC analysis of the preprocessed frame `s` (which it rescales, as the
 * standard does): the coded log-area ratios LARc[1 … 8] into `larc`.
 */
export function lpcAnalysis(s: Int16Array, larc: Int32Array, w: LpcWork): void {
  autocorrelation(s, w.lAcf);
  reflectionCoefficients(w);
  codeLogAreaRatios(w.r, larc);
}
