/**
 * The G.722 encoder (ITU-T G.722 §3), 64 kbit/s: 16 kHz 16-bit PCM in, one
 * byte per pair of samples out (6 bits of low band, 2 of high band, high
 * band in the top bits as RFC 3551 4.5.2 sends them). Bit-exact with
 * spandsp's `g722_encode` (the G.722 of baresip and FreeSWITCH): the
 * transmit QMF's sums are shifted down by 14 — 12 for the filters' DC gain
 * of 4096, one for adding two filters, one to make the standard's 15-bit
 * input of a 16-bit sample.
 */
import { byteOutput } from '../buffers.js';
import { CodecInputError } from '../errors.js';
import { G722Band, sat16 } from './band.js';
import { ILN, ILP, Q6, QM2, QM4 } from './tables.js';

/** QUANTL (§3.4.1): the interval 1–30 of |el| (one's complement for negative el) at scale `det`. */
function lowInterval(wd: number, det: number): number {
  // The thresholds (Q6[i]·det) >> 12 never decrease with i, so the first one above wd is found by halving.
  let lo = 1;
  let hi = 30;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (wd < (Q6[mid]! * det) >> 12) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * One stream's G.722 encoder.
 *
 * @example
 * const enc = new G722Encoder();
 * const payload = enc.encode(pcm320);       // Uint8Array(160): 20 ms
 * enc.encode(pcm320, scratch160);           // into a caller's buffer
 */
export class G722Encoder {
  private readonly low = new G722Band(32);
  private readonly high = new G722Band(8);
  /** The transmit QMF's input history, even and odd samples, each written twice so any 12 in a row are contiguous. */
  private readonly xe = new Int32Array(24);
  private readonly xo = new Int32Array(24);
  private at = 0;

  /** Encode an even number of samples into half as many bytes, into `out` when given. */
  encode(pcm: Int16Array, out?: Uint8Array): Uint8Array {
    if (pcm.length % 2 !== 0) throw new CodecInputError('G722', `${pcm.length} samples are not whole sample pairs`);
    const n = pcm.length >> 1;
    const dst = byteOutput(out, n, 'G722');
    const xe = this.xe;
    const xo = this.xo;
    const low = this.low;
    const high = this.high;
    let at = this.at;
    for (let k = 0; k < n; k++) {
      // Transmit QMF (§3.2): the newest pair goes in; w is the oldest of the 12 pairs it filters.
      const e = pcm[2 * k]!;
      const o = pcm[2 * k + 1]!;
      xe[at] = e;
      xe[at + 12] = e;
      xo[at] = o;
      xo[at + 12] = o;
      at = at === 11 ? 0 : at + 1;
      const w = at;
      const sumA =
        3 * xe[w]! -
        11 * xe[w + 1]! +
        12 * xe[w + 2]! +
        32 * xe[w + 3]! -
        210 * xe[w + 4]! +
        951 * xe[w + 5]! +
        3876 * xe[w + 6]! -
        805 * xe[w + 7]! +
        362 * xe[w + 8]! -
        156 * xe[w + 9]! +
        53 * xe[w + 10]! -
        11 * xe[w + 11]!;
      const sumB =
        -11 * xo[w]! +
        53 * xo[w + 1]! -
        156 * xo[w + 2]! +
        362 * xo[w + 3]! -
        805 * xo[w + 4]! +
        3876 * xo[w + 5]! +
        951 * xo[w + 6]! -
        210 * xo[w + 7]! +
        32 * xo[w + 8]! +
        12 * xo[w + 9]! -
        11 * xo[w + 10]! +
        3 * xo[w + 11]!;
      // |sumA ± sumB| ≤ 32768 · Σ|h| = 32768 · 12964, so both fit 16 bits after the shift (≤ 25928).
      const xl = (sumB + sumA) >> 14;
      const xh = (sumB - sumA) >> 14;

      // Low band: SUBTRA, QUANTL, INVQAL, LOGSCL/SCALEL, block 4.
      const el = sat16(xl - low.s);
      const mil = lowInterval(el >= 0 ? el : -el - 1, low.det);
      const il = el < 0 ? ILN[mil]! : ILP[mil]!;
      const ilr = il >> 2;
      const dl = (low.det * QM4[ilr]!) >> 15;
      low.scaleLow(ilr);
      low.adapt(dl);

      // High band: SUBTRA, QUANTH, INVQAH, LOGSCH/SCALEH, block 4.
      const eh = sat16(xh - high.s);
      const big = (eh >= 0 ? eh : -eh - 1) >= (564 * high.det) >> 12;
      const ih = eh < 0 ? (big ? 0 : 1) : big ? 2 : 3;
      const dh = (high.det * QM2[ih]!) >> 15;
      high.scaleHigh(ih);
      high.adapt(dh);

      dst[k] = (ih << 6) | il;
    }
    this.at = at;
    return dst;
  }
}
