/**
 * One sub-band's ADPCM state, shared by encoder and decoder (ITU-T G.722
 * §3.5–3.8 and §4.3): the log-scale factor adaptation (LOGSCL/SCALEL for
 * the low band, LOGSCH/SCALEH for the high band) and the adaptive
 * predictor of block 4 (RECONS, PARREC, UPPOL2, UPPOL1, FILTEP, UPZERO,
 * DELAYA, FILTEZ, PREDIC), in the standard's 16-bit fixed point: every
 * `>> 15` is its multiplication by a Q15 factor, `sat16` its saturating
 * 16-bit addition.
 */
import { ILB, NBH_MAX, NBL_MAX, WH_BY_IH, WL_BY_ILR } from './tables.js';

/** The standard's saturating 16-bit result. */
export function sat16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** LIMIT (§4.3.2): the reconstructed signal is kept within 15 bits. */
export function sat15(v: number): number {
  return v > 16383 ? 16383 : v < -16384 ? -16384 : v;
}

/** SCALEL/SCALEH (§3.5.2, §3.7.2): the linear scale factor from the log one, `base` 8 (low) or 10 (high). */
function scaleFactor(nb: number, base: number): number {
  const mantissa = ILB[(nb >> 6) & 31]!;
  const shift = base - (nb >> 11);
  return (shift < 0 ? mantissa << -shift : mantissa >> shift) << 2;
}

export class G722Band {
  /** NBL/NBH: the log-scale factor. */
  nb = 0;
  /** DETL/DETH: the quantiser scale factor. */
  det: number;
  /** SL/SH: the signal estimate for the next sample. */
  s = 0;
  /** SZL/SZH: the zero section's part of it. */
  sz = 0;
  /** RLT1: the previous reconstructed signal. */
  private r1 = 0;
  /** PLT1, PLT2: the partially reconstructed signal one and two samples back. */
  private p1 = 0;
  private p2 = 0;
  /** AL1, AL2: the pole section's coefficients. */
  private a1 = 0;
  private a2 = 0;
  /** BL1…BL6: the zero section's coefficients. */
  private b1 = 0;
  private b2 = 0;
  private b3 = 0;
  private b4 = 0;
  private b5 = 0;
  private b6 = 0;
  /** DLT1…DLT6: the quantised difference signal one to six samples back. */
  private d1 = 0;
  private d2 = 0;
  private d3 = 0;
  private d4 = 0;
  private d5 = 0;
  private d6 = 0;

  /** §6.1 (reset): DETL starts at 32, DETH at 8; everything else at 0. */
  constructor(det: number) {
    this.det = det;
  }

  /** LOGSCL and SCALEL (§3.5): adapt the low band's scale factor to the code's top 4 bits `ilr`. */
  scaleLow(ilr: number): void {
    let nb = ((this.nb * 127) >> 7) + WL_BY_ILR[ilr]!;
    if (nb < 0) nb = 0;
    else if (nb > NBL_MAX) nb = NBL_MAX;
    this.nb = nb;
    this.det = scaleFactor(nb, 8);
  }

  /** LOGSCH and SCALEH (§3.7): adapt the high band's scale factor to its 2-bit code `ih`. */
  scaleHigh(ih: number): void {
    let nb = ((this.nb * 127) >> 7) + WH_BY_IH[ih]!;
    if (nb < 0) nb = 0;
    else if (nb > NBH_MAX) nb = NBH_MAX;
    this.nb = nb;
    this.det = scaleFactor(nb, 10);
  }

  /**
   * Block 4 (§3.6): update the predictor with the quantised difference `d`
   * and compute the next estimate. The sign tests are written without
   * branches (`sign(x, y)` is −1 where x and y have different signs, else 1,
   * zero counting as positive as in the standard): speech makes them
   * unpredictable, and a mispredicted branch costs more than the arithmetic.
   */
  adapt(d: number): void {
    // RECONS and PARREC: reconstructed and partially reconstructed signal.
    const r = sat16(this.s + d);
    const p = sat16(this.sz + d);

    // UPPOL2: a2 leaks by 2^-7 and moves 2^-7·(sgn p·sgn p2 − 4·a1·sgn p·sgn p1); |a2| ≤ 0.375.
    const sign1 = ((p ^ this.p1) >> 31) | 1;
    let wd2 = -sign1 * sat16(this.a1 * 4);
    if (wd2 > 32767) wd2 = 32767;
    let a2 = (((p ^ this.p2) >> 31) | 1) * 128 + (wd2 >> 7) + ((this.a2 * 32512) >> 15);
    if (a2 > 12288) a2 = 12288;
    else if (a2 < -12288) a2 = -12288;

    // UPPOL1: a1 leaks by 2^-8 and moves 3·2^-8 with sgn p·sgn p1; |a1| ≤ 1 − 2^-4 − a2. With |a1| ≤ 27648
    // (the limit below at its widest) the sum stays within 16 bits, so the standard's saturation never acts.
    let a1 = sign1 * 192 + ((this.a1 * 32640) >> 15);
    const limit = 15360 - a2;
    if (a1 > limit) a1 = limit;
    else if (a1 < -limit) a1 = -limit;

    // FILTEP: the pole section's estimate.
    const sp = sat16(((a1 * sat16(r + r)) >> 15) + ((a2 * sat16(this.r1 + this.r1)) >> 15));
    this.r1 = r;
    this.a1 = a1;
    this.a2 = a2;
    this.p2 = this.p1;
    this.p1 = p;

    // UPZERO: b_i leaks by 2^-8 and moves 2^-7 with sgn d·sgn d_i (not at all when d is 0).
    const g = d === 0 ? 0 : 128;
    const b1 = sat16((((this.d1 ^ d) >> 31) | 1) * g + ((this.b1 * 32640) >> 15));
    const b2 = sat16((((this.d2 ^ d) >> 31) | 1) * g + ((this.b2 * 32640) >> 15));
    const b3 = sat16((((this.d3 ^ d) >> 31) | 1) * g + ((this.b3 * 32640) >> 15));
    const b4 = sat16((((this.d4 ^ d) >> 31) | 1) * g + ((this.b4 * 32640) >> 15));
    const b5 = sat16((((this.d5 ^ d) >> 31) | 1) * g + ((this.b5 * 32640) >> 15));
    const b6 = sat16((((this.d6 ^ d) >> 31) | 1) * g + ((this.b6 * 32640) >> 15));
    // FILTEZ over d(n)…d(n−5), then DELAYA shifts the history.
    const sz = sat16(
      ((b1 * sat16(d + d)) >> 15) +
        ((b2 * sat16(this.d1 + this.d1)) >> 15) +
        ((b3 * sat16(this.d2 + this.d2)) >> 15) +
        ((b4 * sat16(this.d3 + this.d3)) >> 15) +
        ((b5 * sat16(this.d4 + this.d4)) >> 15) +
        ((b6 * sat16(this.d5 + this.d5)) >> 15),
    );
    this.b1 = b1;
    this.b2 = b2;
    this.b3 = b3;
    this.b4 = b4;
    this.b5 = b5;
    this.b6 = b6;
    this.d6 = this.d5;
    this.d5 = this.d4;
    this.d4 = this.d3;
    this.d3 = this.d2;
    this.d2 = this.d1;
    this.d1 = d;

    // PREDIC: the next signal estimate.
    this.sz = sz;
    this.s = sat16(sp + sz);
  }
}
