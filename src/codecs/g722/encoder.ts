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

/** Q6 padded to 32 entries with a level above every other, for the search below. */
const Q6_32 = Int32Array.from({ length: 32 }, (_, i) => Q6[i] ?? 32767);
/** The 6-bit code of interval `mil`, at `mil` for a positive difference and `mil + 31` for a negative one. */
const IL = Int32Array.from([...ILP, ...ILN]);

/**
 * QUANTL (§3.4.1): the interval 1–30 of `wd` (|el|, one's complement for
 * negative el) at scale `det`: the first i whose threshold
 * (Q6[i]·det) >> 12 exceeds wd, or 30. The thresholds never decrease with
 * i, so the number of them at or below wd is found by a branch-free binary
 * search (each step adds its size when the threshold at the next position
 * is ≤ wd); 16 + 8 + 4 + 2 + 1 reaches the padding at 30 and 31, capped.
 */
function lowInterval(wd: number, det: number): number {
  let at = 0;
  at += ((((Q6_32[at + 16]! * det) >> 12) - wd - 1) >>> 31) << 4;
  at += ((((Q6_32[at + 8]! * det) >> 12) - wd - 1) >>> 31) << 3;
  at += ((((Q6_32[at + 4]! * det) >> 12) - wd - 1) >>> 31) << 2;
  at += ((((Q6_32[at + 2]! * det) >> 12) - wd - 1) >>> 31) << 1;
  at += (((Q6_32[at + 1]! * det) >> 12) - wd - 1) >>> 31;
  return at < 29 ? at + 1 : 30;
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
      // el ^ (el >> 31) is el, or its one's complement −el − 1 when negative.
      const il = IL[lowInterval(el ^ (el >> 31), low.det) + ((el >> 31) & 31)]!;
      const ilr = il >> 2;
      const dl = (low.det * QM4[ilr]!) >> 15;
      low.scaleLow(ilr);
      low.adapt(dl);

      // High band: SUBTRA, QUANTH, INVQAH, LOGSCH/SCALEH, block 4.
      const eh = sat16(xh - high.s);
      // QUANTH: IH is 3 (positive, small), 2 (positive, big), 1 (negative, small) or 0 (negative, big).
      const big = (((564 * high.det) >> 12) - (eh ^ (eh >> 31)) - 1) >>> 31;
      const ih = 3 - ((eh >>> 31) << 1) - big;
      const dh = (high.det * QM2[ih]!) >> 15;
      high.scaleHigh(ih);
      high.adapt(dh);

      dst[k] = (ih << 6) | il;
    }
    this.at = at;
    return dst;
  }
}
