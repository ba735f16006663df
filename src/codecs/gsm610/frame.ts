/**
 * One GSM 06.10 frame: its 76 parameters (GSM 06.10 Table 1.1) and their
 * packing into the 33-byte frame libgsm, toast and sox use: a 4-bit
 * signature 0xD, then the 260 parameter bits most significant bit first.
 *
 * ```
 * 0xD (4) | LARc[1..8]: 6 6 5 5 4 4 3 3
 * 4 × (Nc 7 | bc 2 | Mc 2 | xmaxc 6 | xMc[0..12] 3 each)       = 4 + 36 + 4 × 56 = 264 bits
 * ```
 *
 * The parameters live in one `Int32Array(76)` in that order, so packing is
 * a loop over a table of widths and nothing is allocated per frame.
 */
import { LAR_BITS } from './tables.js';

/** PCM samples in a frame (20 ms at 8 kHz). */
export const GSM_FRAME_SAMPLES = 160;
/** Bytes in a packed frame. */
export const GSM_FRAME_BYTES = 33;
/** The top nibble of every frame. */
export const GSM_SIGNATURE = 0xd;
/** Number of parameters in a frame. */
export const GSM_PARAMS = 76;

/** Index of subframe j's first parameter (its LTP lag Nc); LARc[1 … 8] are indexes 0 … 7. */
export function subframeAt(j: number): number {
  return 8 + 17 * j;
}
/** Offsets within a subframe's 17 parameters. */
export const NC = 0;
export const BC = 1;
export const MC = 2;
export const XMAXC = 3;
/** The 13 RPE pulses xMc[0 … 12] follow from here. */
export const XMC = 4;

/** Bit width of each of the 76 parameters, in frame order. */
const WIDTHS = new Uint8Array(GSM_PARAMS);
WIDTHS.set(LAR_BITS, 0);
for (let j = 0; j < 4; j++) WIDTHS.set([7, 2, 2, 6, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], subframeAt(j));

/**
 * The 76 parameters of a frame, in frame order (see `subframeAt`, `NC` …).
 *
 * @example
 * const p = newFrameParams();
 * unpackFrame(bytes, 0, p);
 * const lagOfSubframe2 = p[subframeAt(2) + NC];
 */
export function newFrameParams(): Int32Array {
  return new Int32Array(GSM_PARAMS);
}

/** Write the parameters `p` as a 33-byte frame at `out[at]`. */
export function packFrame(p: Int32Array, out: Uint8Array, at: number): void {
  let acc = GSM_SIGNATURE;
  let bits = 4;
  let o = at;
  for (let i = 0; i < GSM_PARAMS; i++) {
    const w = WIDTHS[i]!;
    acc = (acc << w) | (p[i]! & ((1 << w) - 1));
    bits += w;
    // At most 7 bits wait and a field has at most 7: one byte out at most.
    if (bits >= 8) {
      bits -= 8;
      out[o++] = acc >> bits;
      acc &= (1 << bits) - 1;
    }
  }
}

/**
 * Read the 33-byte frame at `bytes[at]` into `p`. Returns false (leaving
 * `p` untouched) when its signature nibble is not 0xD.
 */
export function unpackFrame(bytes: Uint8Array, at: number, p: Int32Array): boolean {
  if (bytes[at]! >> 4 !== GSM_SIGNATURE) return false;
  let acc = bytes[at]! & 0x0f;
  let bits = 4;
  let o = at + 1;
  for (let i = 0; i < GSM_PARAMS; i++) {
    const w = WIDTHS[i]!;
    if (bits < w) {
      acc = (acc << 8) | bytes[o++]!;
      bits += 8;
    }
    bits -= w;
    p[i] = acc >> bits;
    acc &= (1 << bits) - 1;
  }
  return true;
}
