/**
 * The constant tables of GSM 06.10 §5.2 (Tables 5.1 to 5.6).
 */

/** Table 5.1: quantisation of the log-area ratios, per coefficient i = 1 … 8. */
export const LAR_A = Int32Array.of(20480, 20480, 20480, 20480, 13964, 15360, 8534, 9036);
export const LAR_B = Int32Array.of(0, 0, 2048, -2560, 94, -1792, -341, -1144);
export const LAR_MIC = Int32Array.of(-32, -32, -16, -16, -8, -8, -4, -4);
export const LAR_MAC = Int32Array.of(31, 31, 15, 15, 7, 7, 3, 3);

/** Table 5.2: 1/A[i], for decoding the log-area ratios. */
export const LAR_INVA = Int32Array.of(13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708);

/** Bits of each coded log-area ratio LARc[1 … 8] in the frame. */
export const LAR_BITS = Int32Array.of(6, 6, 5, 5, 4, 4, 3, 3);

/** Table 5.3a: decision levels of the LTP gain quantiser. */
export const DLB = Int32Array.of(6554, 16384, 26214, 32767);
/** Table 5.3b: quantisation levels of the LTP gain. */
export const QLB = Int32Array.of(3277, 11469, 21299, 32767);

/** Table 5.4, the RPE weighting filter H[0 … 10] = −134, −374, 0, 2054, 5741, 8192, …: written out in rpe.ts. */

/** Table 5.5: normalised inverse mantissa, for APCM quantisation. */
export const NRFAC = Int32Array.of(29128, 26215, 23832, 21846, 20165, 18725, 17476, 16384);

/** Table 5.6: normalised direct mantissa, for APCM inverse quantisation. */
export const FAC = Int32Array.of(18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767);

/** First sample of each of the four interpolation segments of a frame (§4.2.9), and the end. */
export const SEGMENT_START = Int32Array.of(0, 13, 27, 40, 160);
