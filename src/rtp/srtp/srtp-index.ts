/**
 * The packet index of an SRTP packet (RFC 3711 3.3.1): the 16-bit
 * sequence number extended with the rollover counter (ROC) by the
 * estimation of Appendix A, and the update of ROC and s_l once the packet
 * has been authenticated.
 */

/** The ROC and highest sequence number of one stream; `sl` is -1 before its first packet. */
export interface RolloverState {
  roc: number;
  sl: number;
}

/**
 * RFC 3711 Appendix A: the ROC `v` a packet with sequence number `seq`
 * belongs to. Returns -1 for a packet from before the first ROC (too old).
 *
 * ```
 * if (s_l < 32768)
 *   if (SEQ - s_l > 32768) set v to (ROC-1) mod 2^32
 *   else set v to ROC
 * else
 *   if (s_l - 32768 > SEQ) set v to (ROC+1) mod 2^32
 *   else set v to ROC
 * ```
 */
export function guessRoc(state: RolloverState, seq: number): number {
  const { roc, sl } = state;
  if (sl < 0) return roc;
  if (sl < 32768) return seq - sl > 32768 ? roc - 1 : roc;
  if (sl - 32768 > seq) return roc + 1 > 0xffffffff ? 0 : roc + 1;
  return roc;
}

/**
 * RFC 3711 3.3.1: "ROC needs to be updated ... if v = ROC + 1 ... SEQ
 * becomes the new s_l; s_l is also updated if v = ROC and SEQ > s_l".
 */
export function updateRoc(state: RolloverState, v: number, seq: number): void {
  if (state.sl < 0) {
    state.roc = v;
    state.sl = seq;
  } else if (v === state.roc + 1 || (v === 0 && state.roc === 0xffffffff)) {
    state.roc = v;
    state.sl = seq;
  } else if (v === state.roc && seq > state.sl) {
    state.sl = seq;
  }
}
