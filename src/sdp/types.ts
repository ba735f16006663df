/**
 * Session descriptions (RFC 8866, formerly RFC 4566) as plain values.
 *
 * ```
 * v=0                                       version
 * o=- 2890844526 2890844526 IN IP4 10.0.0.1 origin
 * s=-                                       session name
 * c=IN IP4 10.0.0.1                         connection (session or media level)
 * t=0 0                                     timing
 * a=...                                     session attributes
 * m=audio 49170 RTP/AVP 0 8 101             media: type, port, proto, formats
 * a=rtpmap:101 telephone-event/8000         media attributes
 * ```
 * `parseSdp(serializeSdp(d))` equals `d`; `serializeSdp(parseSdp(text))`
 * equals `text` for canonical (CRLF, RFC 8866 order) input.
 */

export interface Origin {
  readonly username: string;
  /** Numeric strings: they may exceed 2^53. */
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

export interface Connection {
  readonly netType: string;
  /** `IP4` or `IP6`. */
  readonly addrType: string;
  /** Address, with `/ttl[/count]` for multicast kept as written. */
  readonly address: string;
}

export interface Bandwidth {
  readonly type: string;
  readonly value: number;
}

export interface Timing {
  readonly start: string;
  readonly stop: string;
  /** `r=` lines, as written. */
  readonly repeats: readonly string[];
}

export interface Attribute {
  readonly name: string;
  /** Absent for property attributes (`a=sendrecv`). */
  readonly value?: string;
}

export interface MediaDescription {
  /** `audio`, `video`, `application`, ... */
  readonly media: string;
  readonly port: number;
  readonly portCount?: number;
  /** `RTP/AVP`, `RTP/SAVP`, `udp`, ... */
  readonly proto: string;
  /** Format identifiers (RTP payload type numbers for RTP/AVP). */
  readonly formats: readonly string[];
  readonly information?: string;
  readonly connections: readonly Connection[];
  readonly bandwidths: readonly Bandwidth[];
  readonly key?: string;
  readonly attributes: readonly Attribute[];
}

export interface SessionDescription {
  readonly version: number;
  readonly origin: Origin;
  readonly sessionName: string;
  readonly information?: string;
  readonly uri?: string;
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly connection?: Connection;
  readonly bandwidths: readonly Bandwidth[];
  readonly timing: readonly Timing[];
  readonly timeZones?: string;
  readonly key?: string;
  readonly attributes: readonly Attribute[];
  readonly media: readonly MediaDescription[];
}
