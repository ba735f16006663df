/**
 * Demultiplexing one UDP socket shared by STUN and SIP, or by STUN and
 * RTP/RTCP, so the mapping STUN discovers is the mapping the protocol uses.
 *
 * RFC 7983 7 (updating RFC 5764 5.1.2) sorts by the first byte:
 * ```
 *   [0..3]     -> STUN          [16..19]  -> ZRTP        [20..63] -> DTLS
 *   [64..79]   -> TURN Channel  [128..191] -> RTP/RTCP
 * ```
 * To that shtoom adds: STUN must also carry the magic cookie and a length
 * that matches the datagram (RFC 5389 6 makes the cookie the test); SIP is
 * text that starts with a letter (a method or "SIP/2.0"); a datagram of only
 * CR and LF is a RFC 5626 3.5.1 keep-alive (CRLFCRLF ping, CRLF pong).
 * RTCP is told from RTP by its packet type 192–223 in the second byte
 * (RFC 5761 4). shtoom does no TURN, so bytes 64–79 are the letters A–O of
 * SIP, not ChannelData.
 */
import { looksLikeStun } from './parse.js';

export type DatagramKind = 'stun' | 'sip' | 'keepalive' | 'rtp' | 'rtcp' | 'dtls' | 'zrtp' | 'unknown';

/**
 * What a datagram on a shared socket is.
 *
 * @example
 * socket.on('message', (msg, rinfo) => {
 *   if (classifyDatagram(msg) === 'stun') stun.handleDatagram(msg, rinfo);
 *   else sip.handleDatagram(msg, rinfo);
 * });
 */
export function classifyDatagram(b: Uint8Array): DatagramKind {
  if (b.length === 0) return 'unknown';
  const first = b[0]!;
  if (first <= 3) return looksLikeStun(b) ? 'stun' : 'unknown';
  if (first === 0x0d || first === 0x0a) {
    for (const c of b) if (c !== 0x0d && c !== 0x0a) return 'unknown';
    return 'keepalive';
  }
  if (first >= 16 && first <= 19) return 'zrtp';
  if (first >= 20 && first <= 63) return 'dtls';
  if ((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a)) return 'sip';
  if (first >= 128 && first <= 191) {
    if (b.length < 4) return 'unknown';
    // RFC 5761 4: RTCP packet types 192-223 sit where RTP has marker bit + payload type.
    const pt = b[1]!;
    if (pt >= 192 && pt <= 223) return b.length >= 8 ? 'rtcp' : 'unknown';
    return b.length >= 12 ? 'rtp' : 'unknown';
  }
  return 'unknown';
}
