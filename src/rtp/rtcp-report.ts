/**
 * RTCP sender and receiver reports (RFC 3550 6.4).
 *
 * ```
 * SR:  |V=2|P|    RC   |   PT=SR=200   |             length            |
 *      |                         SSRC of sender                        |
 *      |              NTP timestamp, most significant word             |
 *      |             NTP timestamp, least significant word             |
 *      |                         RTP timestamp                         |
 *      |                     sender's packet count                     |
 *      |                      sender's octet count                     |
 *      |                 report block 1 ... RC (24 bytes each)         |
 * RR:  |V=2|P|    RC   |   PT=RR=201   |             length            |
 *      |                     SSRC of packet sender                     |
 *      |                 report block 1 ... RC                         |
 * block:
 *      |                 SSRC_1 (SSRC of first source)                 |
 *      | fraction lost |       cumulative number of packets lost       |
 *      |           extended highest sequence number received           |
 *      |                      interarrival jitter                      |
 *      |                         last SR (LSR)                         |
 *      |                   delay since last SR (DLSR)                  |
 * ```
 */
import { RtcpParseError, RtpEncodeError } from './errors.js';
import { readU32, writeU32 } from './rtp-packet.js';
import { RTCP_RR, RTCP_SR, type ReceiverReport, type ReportBlock, type SenderReport } from './rtcp-types.js';

export const REPORT_BLOCK_SIZE = 24;

/** Decode the body (after the 4-byte header) of an SR or RR. */
export function parseReport(packetType: number, count: number, body: Uint8Array): SenderReport | ReceiverReport {
  const fixed = packetType === RTCP_SR ? 24 : 4;
  const need = fixed + count * REPORT_BLOCK_SIZE;
  if (body.length < need)
    throw new RtcpParseError(
      `RTCP ${packetType === RTCP_SR ? 'SR' : 'RR'} with ${count} report blocks needs ${need + 4} bytes, has ` +
        `${body.length + 4}`,
    );
  const ssrc = readU32(body, 0);
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++) reports.push(parseReportBlock(body, fixed + i * REPORT_BLOCK_SIZE));
  const ext = body.length > need ? { extension: body.subarray(need) } : {};
  if (packetType === RTCP_RR) return { type: 'rr', ssrc, reports, ...ext };
  return {
    type: 'sr',
    ssrc,
    ntpSeconds: readU32(body, 4),
    ntpFraction: readU32(body, 8),
    rtpTimestamp: readU32(body, 12),
    packetCount: readU32(body, 16),
    octetCount: readU32(body, 20),
    reports,
    ...ext,
  };
}

function parseReportBlock(b: Uint8Array, o: number): ReportBlock {
  // Cumulative lost is a signed 24-bit number.
  let lost = (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!;
  if (lost & 0x800000) lost -= 0x1000000;
  return {
    ssrc: readU32(b, o),
    fractionLost: b[o + 4]!,
    cumulativeLost: lost,
    highestSequence: readU32(b, o + 8),
    jitter: readU32(b, o + 12),
    lastSr: readU32(b, o + 16),
    delaySinceLastSr: readU32(b, o + 20),
  };
}

/** The body size (without the 4-byte header) of an SR or RR. */
export function reportBodySize(p: SenderReport | ReceiverReport): number {
  return (p.type === 'sr' ? 24 : 4) + p.reports.length * REPORT_BLOCK_SIZE + (p.extension?.length ?? 0);
}

/** Encode the body of an SR or RR into `out` at `o`; returns the 5-bit count. */
export function writeReportBody(p: SenderReport | ReceiverReport, out: Uint8Array, o: number): number {
  if (p.reports.length > 31)
    throw new RtpEncodeError(`an RTCP report carries at most 31 blocks, got ${p.reports.length}`);
  if (p.extension && p.extension.length % 4 !== 0)
    throw new RtpEncodeError('RTCP report extension must be whole 32-bit words');
  writeU32(out, o, p.ssrc);
  let at = o + 4;
  if (p.type === 'sr') {
    writeU32(out, at, p.ntpSeconds);
    writeU32(out, at + 4, p.ntpFraction);
    writeU32(out, at + 8, p.rtpTimestamp);
    writeU32(out, at + 12, p.packetCount);
    writeU32(out, at + 16, p.octetCount);
    at += 20;
  }
  for (const r of p.reports) {
    if (r.fractionLost < 0 || r.fractionLost > 255)
      throw new RtpEncodeError(`fraction lost ${r.fractionLost} is not in 0-255`);
    // RFC 3550 6.4.1: cumulative lost is clamped to the 24-bit signed range.
    const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(r.cumulativeLost))) & 0xffffff;
    writeU32(out, at, r.ssrc);
    out[at + 4] = r.fractionLost;
    out[at + 5] = (lost >> 16) & 0xff;
    out[at + 6] = (lost >> 8) & 0xff;
    out[at + 7] = lost & 0xff;
    writeU32(out, at + 8, r.highestSequence);
    writeU32(out, at + 12, r.jitter);
    writeU32(out, at + 16, r.lastSr);
    writeU32(out, at + 20, r.delaySinceLastSr);
    at += REPORT_BLOCK_SIZE;
  }
  if (p.extension) out.set(p.extension, at);
  return p.reports.length;
}
