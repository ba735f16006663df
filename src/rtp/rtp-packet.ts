/**
 * RTP data packets (RFC 3550 5.1): a pure, symmetric codec.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      defined by profile       |            length             |   (X=1, RFC 3550 5.3.1)
 * |                        header extension                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       payload  ...  | padding | padding count |   (P=1)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * `parseRtp` never copies: `payload` and `extension.data` are views into the
 * input bytes. `serializeRtp(parseRtp(b))` gives back exactly `b`.
 */
import { RtpEncodeError, RtpParseError } from './errors.js';

/** An RTP header extension (RFC 3550 5.3.1): a profile-defined 16-bit id and whole 32-bit words. */
export interface RtpExtension {
  readonly profile: number;
  /** Length must be a multiple of 4 bytes. */
  readonly data: Uint8Array;
}

/** One RTP data packet. */
export interface RtpPacket {
  readonly marker: boolean;
  /** 0-127. */
  readonly payloadType: number;
  /** 16-bit, wraps. */
  readonly sequenceNumber: number;
  /** 32-bit, in the payload format's clock rate. */
  readonly timestamp: number;
  readonly ssrc: number;
  /** Up to 15 contributing sources. */
  readonly csrcs: readonly number[];
  readonly extension?: RtpExtension;
  readonly payload: Uint8Array;
  /** Bytes of padding after the payload (including the count byte); 0 for none. */
  readonly padding: number;
}

export const RTP_VERSION = 2;
/** The fixed header, without CSRCs or extension. */
export const RTP_HEADER_SIZE = 12;

const NO_CSRCS: readonly number[] = Object.freeze([]);

/**
 * Decode one RTP packet.
 *
 * @throws RtpParseError when the bytes are not an RTP version 2 packet.
 * @example
 * const p = parseRtp(datagram);
 * if (p.payloadType === 0) decodeUlaw(p.payload);
 */
export function parseRtp(bytes: Uint8Array): RtpPacket {
  const n = bytes.length;
  if (n < RTP_HEADER_SIZE)
    throw new RtpParseError(`RTP packet too short: ${n} bytes, the header needs ${RTP_HEADER_SIZE}`);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const version = b0 >> 6;
  if (version !== RTP_VERSION) throw new RtpParseError(`RTP version ${version}, expected 2`);
  const cc = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + 4 * cc;
  if (offset > n) throw new RtpParseError(`RTP packet of ${n} bytes cannot hold its ${cc} CSRCs`);
  let csrcs = NO_CSRCS;
  if (cc > 0) {
    const list: number[] = [];
    for (let i = 0; i < cc; i++) list.push(readU32(bytes, RTP_HEADER_SIZE + 4 * i));
    csrcs = list;
  }
  let extension: RtpExtension | undefined;
  if (b0 & 0x10) {
    if (offset + 4 > n) throw new RtpParseError(`RTP packet of ${n} bytes ends inside its extension header`);
    const profile = (bytes[offset]! << 8) | bytes[offset + 1]!;
    const words = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
    const end = offset + 4 + 4 * words;
    if (end > n) throw new RtpParseError(`RTP extension of ${words} words runs past the end of a ${n}-byte packet`);
    extension = { profile, data: bytes.subarray(offset + 4, end) };
    offset = end;
  }
  let padding = 0;
  if (b0 & 0x20) {
    // RFC 3550 5.1: "The last octet of the padding contains a count of how
    // many padding octets should be ignored, including itself."
    padding = bytes[n - 1]!;
    if (padding === 0 || offset + padding > n)
      throw new RtpParseError(`RTP padding count ${padding} does not fit a payload of ${n - offset} bytes`);
  }
  const payload = bytes.subarray(offset, n - padding);
  const marker = (b1 & 0x80) !== 0;
  const sequenceNumber = (bytes[2]! << 8) | bytes[3]!;
  const timestamp = readU32(bytes, 4);
  const ssrc = readU32(bytes, 8);
  // Two literals of fixed shapes, not a spread: this runs for every packet received.
  if (extension !== undefined)
    return { marker, payloadType: b1 & 0x7f, sequenceNumber, timestamp, ssrc, csrcs, extension, payload, padding };
  return { marker, payloadType: b1 & 0x7f, sequenceNumber, timestamp, ssrc, csrcs, payload, padding };
}

/** The encoded size of a packet. */
export function rtpSize(p: RtpPacket): number {
  return (
    RTP_HEADER_SIZE +
    4 * p.csrcs.length +
    (p.extension ? 4 + p.extension.data.length : 0) +
    p.payload.length +
    p.padding
  );
}

/**
 * Encode one RTP packet into new bytes.
 *
 * @throws RtpEncodeError when a field does not fit (PT > 127, 16 CSRCs, ...).
 * @example
 * const bytes = serializeRtp({ marker: true, payloadType: 0, sequenceNumber: 1, timestamp: 160,
 *   ssrc: 0x1234, csrcs: [], payload: ulawFrame, padding: 0 });
 */
export function serializeRtp(p: RtpPacket): Uint8Array {
  const out = new Uint8Array(rtpSize(p));
  writeRtp(p, out, 0);
  return out;
}

/** Encode into `out` at `offset` (no allocation); returns the number of bytes written. */
export function writeRtp(p: RtpPacket, out: Uint8Array, offset: number): number {
  const cc = p.csrcs.length;
  if (cc > 15) throw new RtpEncodeError(`RTP packets carry at most 15 CSRCs, got ${cc}`);
  if (!Number.isInteger(p.payloadType) || p.payloadType < 0 || p.payloadType > 127)
    throw new RtpEncodeError(`RTP payload type ${p.payloadType} is not in 0-127`);
  if (p.padding < 0 || p.padding > 255 || !Number.isInteger(p.padding))
    throw new RtpEncodeError(`RTP padding ${p.padding} is not in 0-255`);
  if (p.extension && p.extension.data.length % 4 !== 0)
    throw new RtpEncodeError(`RTP extension data must be whole 32-bit words, got ${p.extension.data.length} bytes`);
  const size = rtpSize(p);
  if (offset + size > out.length) throw new RtpEncodeError(`RTP packet of ${size} bytes does not fit the buffer`);
  out[offset] = (RTP_VERSION << 6) | (p.padding ? 0x20 : 0) | (p.extension ? 0x10 : 0) | cc;
  out[offset + 1] = (p.marker ? 0x80 : 0) | p.payloadType;
  out[offset + 2] = (p.sequenceNumber >> 8) & 0xff;
  out[offset + 3] = p.sequenceNumber & 0xff;
  writeU32(out, offset + 4, p.timestamp);
  writeU32(out, offset + 8, p.ssrc);
  let o = offset + RTP_HEADER_SIZE;
  for (let i = 0; i < cc; i++, o += 4) writeU32(out, o, p.csrcs[i]!);
  if (p.extension) {
    const words = p.extension.data.length / 4;
    out[o] = (p.extension.profile >> 8) & 0xff;
    out[o + 1] = p.extension.profile & 0xff;
    out[o + 2] = (words >> 8) & 0xff;
    out[o + 3] = words & 0xff;
    out.set(p.extension.data, o + 4);
    o += 4 + p.extension.data.length;
  }
  out.set(p.payload, o);
  o += p.payload.length;
  if (p.padding) {
    out.fill(0, o, o + p.padding - 1);
    out[o + p.padding - 1] = p.padding;
    o += p.padding;
  }
  return o - offset;
}

/**
 * Whether a datagram on a multiplexed port is RTCP rather than RTP.
 *
 * RFC 5761 4: "if the value of the second octet is in the range 192 to 223
 * (inclusive), the packet is RTCP" — RTP payload types 64-95 are avoided for
 * exactly this reason.
 */
export function isRtcpPacket(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[1]! >= 192 && bytes[1]! <= 223;
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}
