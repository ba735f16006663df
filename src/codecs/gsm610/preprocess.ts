/**
 * GSM 06.10 §4.2.1 – §4.2.3: the encoder's preprocessing of each 160-sample
 * frame: downscaling to 13 bits, offset compensation (a notch filter that
 * removes DC) and pre-emphasis.
 */
import { add, lAdd, multR } from './arith.js';

/** What preprocessing carries from one frame to the next. */
export interface PreprocessState {
  /** Offset compensation: previous downscaled input sample. */
  z1: number;
  /** Offset compensation: the filter's 32-bit memory. */
  lz2: number;
  /** Pre-emphasis: previous offset-free sample. */
  mp: number;
}

export function newPreprocessState(): PreprocessState {
  return { z1: 0, lz2: 0, mp: 0 };
}

/** Preprocess `input[at … at+159]` into `so[0 … 159]`. */
export function preprocess(st: PreprocessState, input: Int16Array, at: number, so: Int16Array): void {
  let { z1, lz2, mp } = st;
  for (let k = 0; k < 160; k++) {
    // §4.2.1 Downscaling: the 13 most significant bits, scaled by 2^-1.
    const so0 = (input[at + k]! >> 3) << 2;
    // §4.2.2 Offset compensation: s1 = so − z1 cannot overflow (|so| ≤ 16384).
    const s1 = so0 - z1;
    z1 = so0;
    // 31-bit precision for the recursive part: L_z2 = s1·2^15 + L_z2·32735/32768.
    const msp = lz2 >> 15;
    const lsp = lz2 - msp * 32768;
    const ls2 = s1 * 32768 + multR(lsp, 32735);
    lz2 = lAdd(msp * 32735, ls2);
    // §4.2.3 Pre-emphasis: s = sof − 0.86 · sof(k−1), sof rounded from L_z2.
    const sof = lAdd(lz2, 16384) >> 15;
    so[k] = add(sof, multR(mp, -28180));
    mp = sof;
  }
  st.z1 = z1;
  st.lz2 = lz2;
  st.mp = mp;
}
