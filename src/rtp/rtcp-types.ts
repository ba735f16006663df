/**
 * RTCP packet values (RFC 3550 6). Each packet type's codec lives in its own
 * file (`rtcp-report.ts`, `rtcp-sdes.ts`, `rtcp-bye.ts`); `rtcp-compound.ts`
 * joins them into compound packets and applies the validity checks of
 * RFC 3550 A.2.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** One reception report block (RFC 3550 6.4.1), about one source we receive. */
export interface ReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the previous report, as a fixed-point number: lost/expected × 256, 0-255. */
  readonly fractionLost: number;
  /** Cumulative packets lost: signed 24-bit (duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  readonly highestSequence: number;
  /** Interarrival jitter in timestamp units (RFC 3550 A.8). */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from the source, 0 if none. */
  readonly lastSr: number;
  /** Delay since that SR, in units of 1/65536 s, 0 if none. */
  readonly delaySinceLastSr: number;
}

/** SR: sender report (RFC 3550 6.4.1). */
export interface SenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  /** NTP timestamp, seconds since 1900 (32 bits). */
  readonly ntpSeconds: number;
  /** NTP timestamp, fraction of a second (32 bits). */
  readonly ntpFraction: number;
  /** The same instant in the sender's RTP timestamp units. */
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly ReportBlock[];
  /** Profile-specific extension words after the report blocks, if any. */
  readonly extension?: Uint8Array;
}

/** RR: receiver report (RFC 3550 6.4.2). */
export interface ReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly ReportBlock[];
  readonly extension?: Uint8Array;
}

/** SDES item types (RFC 3550 6.5). */
export const SDES_CNAME = 1;
export const SDES_NAME = 2;
export const SDES_TOOL = 6;
export const SDES_NOTE = 7;

export interface SdesItem {
  /** 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV. */
  readonly type: number;
  /** Up to 255 bytes of UTF-8. */
  readonly text: string;
}

export interface SdesChunk {
  readonly ssrc: number;
  readonly items: readonly SdesItem[];
}

/** SDES: source description (RFC 3550 6.5). */
export interface SourceDescription {
  readonly type: 'sdes';
  readonly chunks: readonly SdesChunk[];
}

/** BYE: goodbye (RFC 3550 6.6). */
export interface Goodbye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

/** APP: application-defined (RFC 3550 6.7). */
export interface AppPacket {
  readonly type: 'app';
  readonly subtype: number;
  readonly ssrc: number;
  /** Four ASCII characters. */
  readonly name: string;
  readonly data: Uint8Array;
}

/** A packet type this codec does not interpret (RTPFB, PSFB, XR...): kept as bytes. */
export interface UnknownRtcp {
  readonly type: 'unknown';
  readonly packetType: number;
  /** The 5-bit count/subtype field. */
  readonly count: number;
  readonly body: Uint8Array;
}

export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | AppPacket | UnknownRtcp;
