/**
 * GSM 06.10 short-term (LPC) filtering, shared by encoder and decoder:
 * §4.2.8 decoding of the coded log-area ratios, §4.2.9 their interpolation
 * over four segments of the frame, §4.2.10 conversion back to reflection
 * coefficients, and the lattice filters: §4.2.11 analysis (encoder) and
 * §4.3.4 synthesis (decoder).
 */
import { abs, add, multR, sat, sub } from './arith.js';
import { LAR_B, LAR_INVA, LAR_MIC, SEGMENT_START } from './tables.js';

/** The decoded log-area ratios of the previous and the current frame. */
export class LarHistory {
  prev = new Int16Array(8);
  cur = new Int16Array(8);
  readonly rp = new Int16Array(8);

  /** §4.2.8: decode `larc` into the current frame's LARpp (the old current becomes previous). */
  decode(larc: Int32Array): void {
    const t = this.prev;
    this.prev = this.cur;
    this.cur = t;
    for (let i = 0; i < 8; i++) {
      let v = (larc[i]! + LAR_MIC[i]!) << 10;
      v = sub(v, LAR_B[i]! << 1);
      v = multR(LAR_INVA[i]!, v);
      t[i] = add(v, v);
    }
  }

  /**
   * §4.2.9 – §4.2.10: the reflection coefficients rp[1 … 8] for segment
   * `seg` (0: samples 0 … 12, 1: 13 … 26, 2: 27 … 39, 3: 40 … 159), from
   * LARpp interpolated between the previous and the current frame.
   */
  coefficients(seg: number): Int16Array {
    const { prev, cur, rp } = this;
    for (let i = 0; i < 8; i++) {
      const a = prev[i]!;
      const b = cur[i]!;
      let lar: number;
      if (seg === 0) lar = add(add(a >> 2, b >> 2), a >> 1);
      else if (seg === 1) lar = add(a >> 1, b >> 1);
      else if (seg === 2) lar = add(add(a >> 2, b >> 2), b >> 1);
      else lar = b;
      const t = abs(lar);
      const r = t < 11059 ? t << 1 : t < 20070 ? t + 11059 : add(t >> 2, 26112);
      rp[i] = lar < 0 ? -r : r;
    }
    return rp;
  }
}

// The two lattices below are unrolled over their 8 stages with the
// coefficients and the memory in locals: 2.8 times faster than the loop over
// typed arrays (bench/codec-gsm.bench.ts). mult_r is inlined as
// (r·x + 2^14) >> 15: |r| ≤ 32767 (§4.2.10 saturates), so the product fits
// 31 bits and the −32768 · −32768 case cannot occur.

/**
 * §4.2.11: the lattice analysis filter over s[from … to−1], in place; `u`
 * is its memory. Stage i: d_i = d_(i−1) + r_i·u_(i−1)(k−1),
 * u_i(k) = u_(i−1)(k−1) + r_i·d_(i−1), with d_0 = u_0 = s.
 */
export function analysisFilter(rp: Int16Array, u: Int16Array, s: Int16Array, from: number, to: number): void {
  const r0 = rp[0]!, r1 = rp[1]!, r2 = rp[2]!, r3 = rp[3]!, r4 = rp[4]!, r5 = rp[5]!, r6 = rp[6]!, r7 = rp[7]!;
  let u0 = u[0]!, u1 = u[1]!, u2 = u[2]!, u3 = u[3]!, u4 = u[4]!, u5 = u[5]!, u6 = u[6]!, u7 = u[7]!;
  for (let k = from; k < to; k++) {
    let di = s[k]!;
    let sav = di;
    let t: number;
    t = u0; u0 = sav; sav = sat(t + ((Math.imul(r0, di) + 16384) >> 15)); di = sat(di + ((Math.imul(r0, t) + 16384) >> 15));
    t = u1; u1 = sav; sav = sat(t + ((Math.imul(r1, di) + 16384) >> 15)); di = sat(di + ((Math.imul(r1, t) + 16384) >> 15));
    t = u2; u2 = sav; sav = sat(t + ((Math.imul(r2, di) + 16384) >> 15)); di = sat(di + ((Math.imul(r2, t) + 16384) >> 15));
    t = u3; u3 = sav; sav = sat(t + ((Math.imul(r3, di) + 16384) >> 15)); di = sat(di + ((Math.imul(r3, t) + 16384) >> 15));
    t = u4; u4 = sav; sav = sat(t + ((Math.imul(r4, di) + 16384) >> 15)); di = sat(di + ((Math.imul(r4, t) + 16384) >> 15));
    t = u5; u5 = sav; sav = sat(t + ((Math.imul(r5, di) + 16384) >> 15)); di = sat(di + ((Math.imul(r5, t) + 16384) >> 15));
    t = u6; u6 = sav; sav = sat(t + ((Math.imul(r6, di) + 16384) >> 15)); di = sat(di + ((Math.imul(r6, t) + 16384) >> 15));
    t = u7;
    u7 = sav;
    di = sat(di + ((Math.imul(r7, t) + 16384) >> 15));
    s[k] = di;
  }
  u[0] = u0; u[1] = u1; u[2] = u2; u[3] = u3; u[4] = u4; u[5] = u5; u[6] = u6; u[7] = u7;
}

/**
 * §4.3.4: the lattice synthesis filter over s[from … to−1], in place; `v`
 * (8 words) is its memory. Stage i from 8 down to 1:
 * sr_(i−1) = sr_i − r_i·v_(i−1), v_i = v_(i−1) + r_i·sr_(i−1); then v_0 = sr_0.
 */
export function synthesisFilter(rrp: Int16Array, v: Int16Array, s: Int16Array, from: number, to: number): void {
  const r0 = rrp[0]!, r1 = rrp[1]!, r2 = rrp[2]!, r3 = rrp[3]!, r4 = rrp[4]!, r5 = rrp[5]!, r6 = rrp[6]!, r7 = rrp[7]!;
  let v0 = v[0]!, v1 = v[1]!, v2 = v[2]!, v3 = v[3]!, v4 = v[4]!, v5 = v[5]!, v6 = v[6]!, v7 = v[7]!;
  for (let k = from; k < to; k++) {
    let sri = s[k]!;
    sri = sat(sri - ((Math.imul(r7, v7) + 16384) >> 15));
    sri = sat(sri - ((Math.imul(r6, v6) + 16384) >> 15));
    v7 = sat(v6 + ((Math.imul(r6, sri) + 16384) >> 15));
    sri = sat(sri - ((Math.imul(r5, v5) + 16384) >> 15));
    v6 = sat(v5 + ((Math.imul(r5, sri) + 16384) >> 15));
    sri = sat(sri - ((Math.imul(r4, v4) + 16384) >> 15));
    v5 = sat(v4 + ((Math.imul(r4, sri) + 16384) >> 15));
    sri = sat(sri - ((Math.imul(r3, v3) + 16384) >> 15));
    v4 = sat(v3 + ((Math.imul(r3, sri) + 16384) >> 15));
    sri = sat(sri - ((Math.imul(r2, v2) + 16384) >> 15));
    v3 = sat(v2 + ((Math.imul(r2, sri) + 16384) >> 15));
    sri = sat(sri - ((Math.imul(r1, v1) + 16384) >> 15));
    v2 = sat(v1 + ((Math.imul(r1, sri) + 16384) >> 15));
    sri = sat(sri - ((Math.imul(r0, v0) + 16384) >> 15));
    v1 = sat(v0 + ((Math.imul(r0, sri) + 16384) >> 15));
    v0 = sri;
    s[k] = sri;
  }
  v[0] = v0; v[1] = v1; v[2] = v2; v[3] = v3; v[4] = v4; v[5] = v5; v[6] = v6; v[7] = v7;
}

/** Run `filter` over the four segments of the 160-sample frame s[at …] with interpolated coefficients. */
export function filterFrame(
  lars: LarHistory,
  memory: Int16Array,
  s: Int16Array,
  at: number,
  filter: typeof analysisFilter,
): void {
  for (let seg = 0; seg < 4; seg++) {
    filter(lars.coefficients(seg), memory, s, at + SEGMENT_START[seg]!, at + SEGMENT_START[seg + 1]!);
  }
}
