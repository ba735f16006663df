/**
 * The GSM 06.10 full-rate decoder: one 33-byte frame in, 160 samples of
 * 8 kHz 16-bit PCM out, state carried from frame to frame. Follows
 * GSM 06.10 §4.3 exactly, so its output is bit-identical to libgsm's
 * (`untoast`, `sox` reading `.gsm`).
 */
import { sampleOutput } from '../buffers.js';
import { CodecFrameError } from '../errors.js';
import { add, multR } from './arith.js';
import {
  BC,
  GSM_FRAME_BYTES,
  GSM_FRAME_SAMPLES,
  MC,
  NC,
  XMAXC,
  newFrameParams,
  subframeAt,
  unpackFrame,
} from './frame.js';
import { HISTORY, ltpSynthesisFilter } from './long-term.js';
import { RpeWork, rpeDecode } from './rpe.js';
import { LarHistory, filterFrame, synthesisFilter } from './short-term.js';

/**
 * One stream's GSM 06.10 decoder.
 *
 * @example
 * const dec = new Gsm610Decoder();
 * const pcm = dec.decode(payload33);           // Int16Array(160)
 * dec.decode(payload66, scratch320);           // two frames into a caller's buffer
 */
export class Gsm610Decoder {
  private readonly lars = new LarHistory();
  /** Memory of the short-term synthesis lattice. */
  private readonly v = new Int16Array(8);
  /** Reconstructed short-term residual: 120 past samples, then this frame. */
  private readonly history = new Int16Array(HISTORY);
  private readonly erp = new Int16Array(40);
  private readonly rpe = new RpeWork();
  private readonly params = newFrameParams();
  /** The last valid LTP lag (§4.3.2). */
  private nrp = 40;
  /** De-emphasis memory (§4.3.5). */
  private msr = 0;

  /**
   * Decode whole 33-byte frames into 160 samples each, into `out` when given.
   * Throws `CodecFrameError` for a length that is not whole frames or a
   * frame whose signature nibble is not 0xD (naming the frame); frames
   * before a bad one have been decoded.
   */
  decode(payload: Uint8Array, out?: Int16Array): Int16Array {
    if (payload.length % GSM_FRAME_BYTES !== 0) {
      throw new CodecFrameError('GSM', undefined, `${payload.length} bytes are not whole 33-byte frames`);
    }
    const frames = payload.length / GSM_FRAME_BYTES;
    const dst = sampleOutput(out, frames * GSM_FRAME_SAMPLES, 'GSM');
    for (let f = 0; f < frames; f++) {
      if (!unpackFrame(payload, f * GSM_FRAME_BYTES, this.params)) {
        const nibble = payload[f * GSM_FRAME_BYTES]! >> 4;
        throw new CodecFrameError('GSM', f, `frame ${f}: signature 0x${nibble.toString(16)} is not 0xd`);
      }
      this.synthesise(this.params, dst, f * GSM_FRAME_SAMPLES);
    }
    return dst;
  }

  /** Synthesise the frame with the 76 parameters `p` (see frame.ts) into out[at … at+159]. */
  synthesise(p: Int32Array, out: Int16Array, at: number): void {
    const { history, erp } = this;
    for (let j = 0; j < 4; j++) {
      const sf = subframeAt(j);
      rpeDecode(p[sf + XMAXC]!, p[sf + MC]!, p, sf, erp, this.rpe);
      this.nrp = ltpSynthesisFilter(p[sf + BC]!, p[sf + NC]!, this.nrp, erp, history, 120 + 40 * j);
    }
    for (let k = 0; k < GSM_FRAME_SAMPLES; k++) out[at + k] = history[120 + k]!;
    this.lars.decode(p);
    filterFrame(this.lars, this.v, out, at, synthesisFilter);
    // §4.3.5 Postprocessing: de-emphasis, upscaling, truncation to 13 bits.
    let msr = this.msr;
    for (let k = at; k < at + GSM_FRAME_SAMPLES; k++) {
      msr = add(out[k]!, multR(msr, 28180));
      out[k] = add(msr, msr) & 0xfff8;
    }
    this.msr = msr;
    history.copyWithin(0, 160, HISTORY);
  }

  /** Forget all state (a new stream). */
  reset(): void {
    this.lars.prev.fill(0);
    this.lars.cur.fill(0);
    this.v.fill(0);
    this.history.fill(0);
    this.nrp = 40;
    this.msr = 0;
  }
}
