/**
 * The GSM 06.10 full-rate encoder (RPE-LTP, 13 kbit/s): 160 samples of
 * 8 kHz 16-bit PCM in, one 33-byte frame out, state carried from frame to
 * frame. Follows GSM 06.10 §4.2 and its fixed-point arithmetic exactly, so
 * its frames are bit-identical to libgsm's (`toast`, `sox -t gsm`).
 */
import { byteOutput } from '../buffers.js';
import { CodecInputError } from '../errors.js';
import { add } from './arith.js';
import {
  BC,
  GSM_FRAME_BYTES,
  GSM_FRAME_SAMPLES,
  MC,
  NC,
  XMAXC,
  newFrameParams,
  packFrame,
  subframeAt,
} from './frame.js';
import { LpcWork, lpcAnalysis } from './lpc-analysis.js';
import { HISTORY, ltpAnalysisFilter, ltpParameters } from './long-term.js';
import { newPreprocessState, preprocess } from './preprocess.js';
import { RpeWork, rpeEncode } from './rpe.js';
import { LarHistory, analysisFilter, filterFrame } from './short-term.js';

/**
 * One stream's GSM 06.10 encoder.
 *
 * @example
 * const enc = new Gsm610Encoder();
 * const frame = enc.encode(pcm160);            // Uint8Array(33)
 * enc.encode(pcm320, scratch66);               // two frames into a caller's buffer
 */
export class Gsm610Encoder {
  private readonly pre = newPreprocessState();
  private readonly lars = new LarHistory();
  /** Memory of the short-term analysis lattice. */
  private readonly u = new Int16Array(8);
  /** Reconstructed short-term residual: 120 past samples, then this frame. */
  private readonly history = new Int16Array(HISTORY);
  /** LTP residual of a subframe with 5 zero words either side (for the weighting filter). */
  private readonly e = new Int16Array(50);
  private readonly s = new Int16Array(GSM_FRAME_SAMPLES);
  private readonly wt = new Int16Array(40);
  private readonly lpc = new LpcWork();
  private readonly rpe = new RpeWork();
  private readonly params = newFrameParams();

  /**
   * Encode whole 160-sample frames of `pcm` into 33-byte frames, into `out`
   * when given.
   */
  encode(pcm: Int16Array, out?: Uint8Array): Uint8Array {
    if (pcm.length % GSM_FRAME_SAMPLES !== 0) {
      throw new CodecInputError('GSM', `${pcm.length} samples are not whole 160-sample frames`);
    }
    const frames = pcm.length / GSM_FRAME_SAMPLES;
    const dst = byteOutput(out, frames * GSM_FRAME_BYTES, 'GSM');
    for (let f = 0; f < frames; f++) {
      this.analyse(pcm, f * GSM_FRAME_SAMPLES, this.params);
      packFrame(this.params, dst, f * GSM_FRAME_BYTES);
    }
    return dst;
  }

  /** Analyse the frame pcm[at … at+159] into its 76 parameters `p` (what `encode` packs; see frame.ts). */
  analyse(pcm: Int16Array, at: number, p: Int32Array): void {
    const { s, history, e } = this;
    preprocess(this.pre, pcm, at, s);
    lpcAnalysis(s, p, this.lpc);
    this.lars.decode(p);
    filterFrame(this.lars, this.u, s, 0, analysisFilter);
    for (let j = 0; j < 4; j++) {
      const hist = 120 + 40 * j;
      const lagGain = ltpParameters(s, 40 * j, history, hist, this.wt);
      const nc = lagGain & 0xff;
      const bc = lagGain >> 8;
      const sf = subframeAt(j);
      p[sf + NC] = nc;
      p[sf + BC] = bc;
      ltpAnalysisFilter(bc, nc, s, 40 * j, history, hist, e, 5);
      const ampGrid = rpeEncode(e, p, sf, this.rpe);
      p[sf + XMAXC] = ampGrid & 0xff;
      p[sf + MC] = ampGrid >> 8;
      // §4.2.19: the reconstructed short-term residual dp = ep + dpp.
      for (let k = 0; k < 40; k++) history[hist + k] = add(e[5 + k]!, history[hist + k]!);
    }
    history.copyWithin(0, 160, HISTORY);
  }

  /** Forget all state (a new stream). */
  reset(): void {
    Object.assign(this.pre, newPreprocessState());
    this.lars.prev.fill(0);
    this.lars.cur.fill(0);
    this.u.fill(0);
    this.history.fill(0);
    this.e.fill(0);
  }
}
