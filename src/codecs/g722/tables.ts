/**
 * The constants of ITU-T G.722 (11/1988 and later editions, §3 and §4) for
 * the 64 kbit/s mode (mode 1): quantiser decision levels and output levels,
 * the log-scale factor tables and the QMF coefficients.
 */

/**
 * QUANTL (§3.4.1, Table 6): the 30 positive decision levels of the 6-bit
 * low-band quantiser, scaled so that level·DETL >> 12 is the threshold.
 * Interval 0 is unused; the quantiser searches intervals 1–29 and takes 30
 * past the last.
 */
export const Q6 = Int32Array.from([
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339,
  1458, 1612, 1765, 1980, 2195, 2557, 2919,
]);

/** QUANTL (Table 6): the 6-bit code of interval 1–30 for a negative difference (ILN) and a positive one (ILP). */
export const ILN = Int32Array.from([
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
]);
export const ILP = Int32Array.from([
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33,
  32,
]);

/** INVQBL (§4.3.1, Table 7): the 6-bit inverse quantiser's outputs, by code, scaled by 2^15 relative to DETL. */
export const QM6 = Int32Array.from([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728, 24808,
  21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008,
  3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
]);

/** INVQAL (§3.4.2, Table 8): the 4-bit inverse quantiser of the predictor's loop, by the code's top 4 bits (ILr). */
export const QM4 = Int32Array.from([
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
]);

/** INVQAH (§3.6.2, Table 10): the 2-bit high-band inverse quantiser, by IH. */
export const QM2 = Int32Array.from([-7408, -1616, 7408, 1616]);

/**
 * LOGSCL (§3.5.1, Table 9): the low band's log-scale factor multiplier
 * W_L, by ILr (the code's top 4 bits, through the magnitude map RIL4).
 */
export const WL_BY_ILR = (() => {
  const ril4 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
  const wl = [-60, -30, 58, 172, 334, 538, 1198, 3042];
  return Int32Array.from(ril4, (m) => wl[m]!);
})();

/** LOGSCH (§3.7.1, Table 10): the high band's log-scale factor multiplier W_H, by IH. */
export const WH_BY_IH = Int32Array.from([798, -214, 798, -214]);

/**
 * SCALEL/SCALEH (§3.5.2): 2^(i/32) for i = 0–31, times 2^11, from which the
 * linear scale factor is built by shifting.
 */
export const ILB = Int32Array.from([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025,
  3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);

/** NBL's upper limit (§3.5.1) and NBH's (§3.7.1). */
export const NBL_MAX = 18432;
export const NBH_MAX = 22528;

/**
 * The 24 QMF coefficients h0…h23 of §2.2 / §4.4 (Table 11), symmetric
 * (h_i = h_{23−i}). The filters below are written out with them.
 */
export const QMF = Int32Array.from([
  3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32, -156, 12, 53, -11, -11, 3,
]);
