/**
 * GSM 06.10 regular pulse excitation (RPE) on 40-sample subframes:
 * §4.2.14 weighting filter, §4.2.15 grid selection, §4.2.16 APCM
 * quantisation, §4.2.17 inverse quantisation and §4.2.18 grid positioning
 * (encoder); §4.3.1 decoding (decoder).
 */
import { abs, add, mult, multR } from './arith.js';
import { XMC } from './frame.js';
import { FAC, NRFAC } from './tables.js';

/** Scratch arrays, reused subframe after subframe. */
export class RpeWork {
  readonly x = new Int16Array(40);
  readonly xM = new Int16Array(13);
  readonly xMp = new Int16Array(13);
}

/**
 * §4.2.16 (the part the decoder shares): exponent and normalised mantissa of
 * the coded block amplitude xmaxc. Returns `exp` (−4 … 6) and `mant`
 * (0 … 7) as `(exp + 4) | mant << 4`.
 */
function expMant(xmaxc: number): number {
  let exp = xmaxc > 15 ? (xmaxc >> 3) - 1 : 0;
  let mant = xmaxc - (exp << 3);
  if (mant === 0) {
    exp = -4;
    mant = 7;
  } else {
    while (mant <= 7) {
      mant = (mant << 1) | 1;
      exp--;
    }
    mant -= 8;
  }
  return (exp + 4) | (mant << 4);
}

/**
 * §4.2.17 APCM inverse quantisation of 13 coded pulses `xmc[at …]` and
 * §4.2.18 their positioning on grid `mc` of the 40-sample `ep[epAt …]`.
 */
function reconstruct(
  xmaxc: number,
  mc: number,
  xmc: Int32Array,
  at: number,
  xMp: Int16Array,
  ep: Int16Array,
  epAt: number,
): void {
  const em = expMant(xmaxc);
  const exp = (em & 0x0f) - 4;
  const mant = em >> 4;
  const fac = FAC[mant]!;
  const shift = 6 - exp; // 0 … 10
  const round = shift > 0 ? 1 << (shift - 1) : 0;
  for (let i = 0; i < 13; i++) {
    const signed = ((xmc[at + i]! << 1) - 7) << 12; // restore the sign: −7·2^12 … 7·2^12
    xMp[i] = add(multR(fac, signed), round) >> shift;
  }
  for (let k = 0; k < 40; k++) ep[epAt + k] = 0;
  for (let i = 0; i < 13; i++) ep[epAt + mc + 3 * i] = xMp[i]!;
}

/**
 * RPE-encode the LTP residual e[5 … 44] (words 0 … 4 and 45 … 49 are zero)
 * of the subframe whose parameters start at `p[sf]`, then replace e[5 … 44]
 * with the reconstructed excitation ep that the decoder will see.
 * Returns `xmaxc | mc << 8`; the 13 pulses go to p[sf + XMC …].
 */
export function rpeEncode(e: Int16Array, p: Int32Array, sf: number, w: RpeWork): number {
  const { x, xM, xMp } = w;
  // §4.2.14 Weighting filter: x = H * e, rounded, ×4 with saturation, which
  // is (sum + 4096) >> 13 clamped to a word. H (Table 5.4) is symmetric,
  // with H[2] = H[8] = 0: five products per sample. The sum stays below
  // 2^30 (Σ|H| · 2^15), so integer arithmetic is exact.
  for (let k = 0; k < 40; k++) {
    const sum =
      4096 +
      8192 * e[k + 5]! +
      5741 * (e[k + 4]! + e[k + 6]!) +
      2054 * (e[k + 3]! + e[k + 7]!) -
      374 * (e[k + 1]! + e[k + 9]!) -
      134 * (e[k]! + e[k + 10]!);
    const v = sum >> 13;
    x[k] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  // §4.2.15 Grid selection: the candidate sequence x[m + 3i] with the most energy.
  let em = 0;
  let mc = 0;
  for (let m = 0; m < 4; m++) {
    let energy = 0;
    for (let i = m; i <= m + 36; i += 3) {
      const v = x[i]! >> 2;
      energy += v * v;
    }
    if (m === 0 || energy > em) {
      em = energy;
      mc = m;
    }
  }
  let xmax = 0;
  for (let i = 0; i < 13; i++) {
    const v = x[mc + 3 * i]!;
    xM[i] = v;
    const a = abs(v);
    if (a > xmax) xmax = a;
  }
  // §4.2.16 Quantisation of the block maximum: 3-bit mantissa, exponent.
  let exp = 0;
  let t = xmax >> 9;
  let itest = false;
  for (let i = 0; i <= 5; i++) {
    itest ||= t <= 0;
    t >>= 1;
    if (!itest) exp++;
  }
  const xmaxc = add(xmax >> (exp + 5), exp << 3);
  // …and of the 13 pulses, normalised by the decoded block maximum.
  const emq = expMant(xmaxc);
  const shift = 6 - ((emq & 0x0f) - 4);
  const inv = NRFAC[emq >> 4]!;
  const o = sf + XMC;
  for (let i = 0; i < 13; i++) {
    const scaled = ((xM[i]! << shift) << 16) >> 16; // a word, as the standard's temp
    p[o + i] = (mult(scaled, inv) >> 12) + 4;
  }
  reconstruct(xmaxc, mc, p, o, xMp, e, 5);
  return xmaxc | (mc << 8);
}

/** §4.3.1: RPE decoding of the subframe whose parameters start at `p[sf]` into the 40-sample excitation `erp`. */
export function rpeDecode(xmaxc: number, mc: number, p: Int32Array, sf: number, erp: Int16Array, w: RpeWork): void {
  reconstruct(xmaxc, mc & 3, p, sf + XMC, w.xMp, erp, 0);
}
