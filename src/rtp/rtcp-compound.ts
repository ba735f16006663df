/**
 * Compound RTCP packets (RFC 3550 6.1) with the validity checks of
 * RFC 3550 A.2, and the common RTCP header:
 *
 * ```
 * |V=2|P|  count  |       PT      |  length (32-bit words - 1)    |
 * ```
 *
 * `parseRtcp(serializeRtcp(packets))` gives back `packets`, and
 * `serializeRtcp(parseRtcp(bytes))` gives back `bytes` for every unpadded
 * compound packet.
 */
import { RtcpParseError, RtpEncodeError } from './errors.js';
import { appBodySize, byeBodySize, parseApp, parseBye, writeAppBody, writeByeBody } from './rtcp-bye.js';
import { parseReport, reportBodySize, writeReportBody } from './rtcp-report.js';
import { parseSdes, sdesBodySize, writeSdesBody } from './rtcp-sdes.js';
import { RTCP_APP, RTCP_BYE, RTCP_RR, RTCP_SDES, RTCP_SR, type RtcpPacket } from './rtcp-types.js';

export interface ParseRtcpOptions {
  /**
   * Apply RFC 3550 A.2 strictly: the first packet must be an SR or RR (and
   * unpadded). Default true; false accepts reduced-size RTCP (RFC 5506).
   */
  readonly requireReport?: boolean;
}

/**
 * Decode a compound RTCP packet into its packets.
 *
 * @throws RtcpParseError when the compound packet fails RFC 3550 A.2.
 * @example
 * for (const p of parseRtcp(datagram)) if (p.type === 'sr') noteSenderReport(p);
 */
export function parseRtcp(bytes: Uint8Array, opts: ParseRtcpOptions = {}): RtcpPacket[] {
  const out: RtcpPacket[] = [];
  let o = 0;
  if (bytes.length < 4) throw new RtcpParseError(`RTCP packet too short: ${bytes.length} bytes`);
  while (o < bytes.length) {
    if (o + 4 > bytes.length)
      throw new RtcpParseError(`RTCP compound packet has ${bytes.length - o} stray bytes at the end`);
    const b0 = bytes[o]!;
    const version = b0 >> 6;
    if (version !== 2) throw new RtcpParseError(`RTCP version ${version}, expected 2 (packet ${out.length + 1})`);
    const padded = (b0 & 0x20) !== 0;
    const count = b0 & 0x1f;
    const pt = bytes[o + 1]!;
    const size = 4 * (((bytes[o + 2]! << 8) | bytes[o + 3]!) + 1);
    if (o + size > bytes.length)
      throw new RtcpParseError(
        `RTCP packet ${out.length + 1} (type ${pt}) claims ${size} bytes; only ${bytes.length - o} remain`,
      );
    if (out.length === 0 && (opts.requireReport ?? true)) {
      // RFC 3550 A.2: "the payload type field of the first RTCP packet in a
      // compound packet must be equal to SR or RR" and its padding bit zero.
      if (pt !== RTCP_SR && pt !== RTCP_RR)
        throw new RtcpParseError(`compound RTCP must start with SR or RR, starts with type ${pt}`);
      if (padded && o + size < bytes.length)
        throw new RtcpParseError('only the last packet of a compound RTCP packet may be padded');
    }
    let end = o + size;
    if (padded) {
      // RFC 3550 A.2: "padding should only be applied ... to the last packet".
      if (end !== bytes.length) throw new RtcpParseError(`RTCP packet ${out.length + 1} is padded but is not the last`);
      const pad = bytes[end - 1]!;
      if (pad === 0 || pad > size - 4)
        throw new RtcpParseError(`RTCP padding count ${pad} does not fit a ${size}-byte packet`);
      end -= pad;
    }
    const body = bytes.subarray(o + 4, end);
    out.push(parseOne(pt, count, body));
    o += size;
  }
  return out;
}

function parseOne(pt: number, count: number, body: Uint8Array): RtcpPacket {
  switch (pt) {
    case RTCP_SR:
    case RTCP_RR:
      return parseReport(pt, count, body);
    case RTCP_SDES:
      return parseSdes(count, body);
    case RTCP_BYE:
      return parseBye(count, body);
    case RTCP_APP:
      return parseApp(count, body);
    default:
      return { type: 'unknown', packetType: pt, count, body };
  }
}

function bodySize(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
    case 'rr':
      return reportBodySize(p);
    case 'sdes':
      return sdesBodySize(p);
    case 'bye':
      return byeBodySize(p);
    case 'app':
      return appBodySize(p);
    case 'unknown':
      return p.body.length;
  }
}

function packetType(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      return RTCP_SR;
    case 'rr':
      return RTCP_RR;
    case 'sdes':
      return RTCP_SDES;
    case 'bye':
      return RTCP_BYE;
    case 'app':
      return RTCP_APP;
    case 'unknown':
      return p.packetType;
  }
}

/**
 * Encode packets into one compound RTCP packet (no padding).
 *
 * @example
 * const bytes = serializeRtcp([{ type: 'rr', ssrc, reports: [] }, { type: 'sdes', chunks: [{ ssrc, items: [{ type: 1,
 * text: cname }] }] }]);
 */
export function serializeRtcp(packets: readonly RtcpPacket[]): Uint8Array {
  const sizes = packets.map((p) => {
    const n = bodySize(p);
    if (n % 4 !== 0) throw new RtpEncodeError(`RTCP ${p.type} body of ${n} bytes is not whole 32-bit words`);
    if (n / 4 > 0xffff) throw new RtpEncodeError(`RTCP ${p.type} packet is too long`);
    return n;
  });
  const out = new Uint8Array(sizes.reduce((a, n) => a + 4 + n, 0));
  let o = 0;
  packets.forEach((p, i) => {
    const n = sizes[i]!;
    let count: number;
    switch (p.type) {
      case 'sr':
      case 'rr':
        count = writeReportBody(p, out, o + 4);
        break;
      case 'sdes':
        count = writeSdesBody(p, out, o + 4);
        break;
      case 'bye':
        count = writeByeBody(p, out, o + 4);
        break;
      case 'app':
        count = writeAppBody(p, out, o + 4);
        break;
      case 'unknown':
        if (p.count < 0 || p.count > 31) throw new RtpEncodeError(`RTCP count ${p.count} is not in 0-31`);
        out.set(p.body, o + 4);
        count = p.count;
        break;
    }
    out[o] = 0x80 | count;
    out[o + 1] = packetType(p);
    out[o + 2] = (n / 4) >> 8;
    out[o + 3] = (n / 4) & 0xff;
    o += 4 + n;
  });
  return out;
}
