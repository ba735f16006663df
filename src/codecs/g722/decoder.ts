/**
 * The G.722 decoder (ITU-T G.722 §4), 64 kbit/s (mode 1): each byte gives
 * two samples of 16 kHz 16-bit PCM. Bit-exact with spandsp 0.0.6's
 * `g722_decode`: the receive QMF's sums are shifted down by 11 (12 for the
 * filters' gain, less one to turn the standard's 15-bit output into 16
 * bits) and wrapped, not saturated, to 16 bits, as that release does (later
 * spandsp releases saturate instead: the two differ only where the output is beyond full scale).
 */
import { sampleOutput } from '../buffers.js';
import { G722Band, sat15 } from './band.js';
import { QM2, QM4, QM6 } from './tables.js';

/**
 * One stream's G.722 decoder. Every byte is a valid code word, so decoding
 * never fails.
 *
 * @example
 * const dec = new G722Decoder();
 * const pcm = dec.decode(payload160);        // Int16Array(320)
 */
export class G722Decoder {
  private readonly low = new G722Band(32);
  private readonly high = new G722Band(8);
  /** The receive QMF's history of sum and difference signals, each written twice as in the encoder. */
  private readonly xs = new Int32Array(24);
  private readonly xd = new Int32Array(24);
  private at = 0;

  /** Decode `payload` into twice as many samples, into `out` when given. */
  decode(payload: Uint8Array, out?: Int16Array): Int16Array {
    const n = payload.length;
    const dst = sampleOutput(out, 2 * n, 'G722');
    const xs = this.xs;
    const xd = this.xd;
    const low = this.low;
    const high = this.high;
    let at = this.at;
    for (let k = 0; k < n; k++) {
      const code = payload[k]!;
      const il = code & 0x3f;
      const ih = code >> 6;

      // Low band: INVQBL and RECONS/LIMIT give the output; INVQAL, LOGSCL/SCALEL and block 4 adapt.
      const ilr = il >> 2;
      const rl = sat15(low.s + ((low.det * QM6[il]!) >> 15));
      const dl = (low.det * QM4[ilr]!) >> 15;
      low.scaleLow(ilr);
      low.adapt(dl);

      // High band: INVQAH, RECONS/LIMIT, LOGSCH/SCALEH, block 4.
      const dh = (high.det * QM2[ih]!) >> 15;
      const rh = sat15(dh + high.s);
      high.scaleHigh(ih);
      high.adapt(dh);

      // Receive QMF (§4.4).
      const s = rl + rh;
      const d = rl - rh;
      xs[at] = s;
      xs[at + 12] = s;
      xd[at] = d;
      xd[at + 12] = d;
      at = at === 11 ? 0 : at + 1;
      const w = at;
      const even =
        -11 * xd[w]! +
        53 * xd[w + 1]! -
        156 * xd[w + 2]! +
        362 * xd[w + 3]! -
        805 * xd[w + 4]! +
        3876 * xd[w + 5]! +
        951 * xd[w + 6]! -
        210 * xd[w + 7]! +
        32 * xd[w + 8]! +
        12 * xd[w + 9]! -
        11 * xd[w + 10]! +
        3 * xd[w + 11]!;
      const odd =
        3 * xs[w]! -
        11 * xs[w + 1]! +
        12 * xs[w + 2]! +
        32 * xs[w + 3]! -
        210 * xs[w + 4]! +
        951 * xs[w + 5]! +
        3876 * xs[w + 6]! -
        805 * xs[w + 7]! +
        362 * xs[w + 8]! -
        156 * xs[w + 9]! +
        53 * xs[w + 10]! -
        11 * xs[w + 11]!;
      // The Int16Array store wraps to 16 bits as spandsp's (int16_t) cast does.
      dst[2 * k] = even >> 11;
      dst[2 * k + 1] = odd >> 11;
    }
    this.at = at;
    return dst;
  }
}
