/**
 * Media formats as offer/answer sees them, generic over codecs: a name, a
 * clock rate, channels, an optional static or dynamic payload type and
 * format parameters. RFC 4733 telephone-event is a format like any other.
 * Also the media-level facts read from an m= section (RFC 8866 6, RFC 3264,
 * RFC 3605, RFC 5761).
 */
import type { MediaDirection } from '../rtp/rtp-session-types.js';
import type { Attribute, Connection, MediaDescription, SessionDescription } from './types.js';

/** A media format: what the codec registry maps to and from. */
export interface MediaFormat {
  /** Encoding name as in `a=rtpmap` (`PCMU`, `GSM`, `telephone-event`); compared case-insensitively. */
  readonly name: string;
  readonly clockRate: number;
  /** Default 1. */
  readonly channels?: number;
  /** A static payload type (RFC 3551), or a preferred dynamic one. */
  readonly payloadType?: number;
  /** `a=fmtp` parameters (e.g. `0-16` for telephone-event). */
  readonly fmtp?: string;
}

/** A format bound to a payload type on one side of a negotiation. */
export interface RtpFormat extends MediaFormat {
  readonly payloadType: number;
}

/** RFC 3551 table 4: the static audio payload types. */
export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, MediaFormat> = new Map<number, MediaFormat>([
  [0, { name: 'PCMU', clockRate: 8000 }],
  [3, { name: 'GSM', clockRate: 8000 }],
  [4, { name: 'G723', clockRate: 8000 }],
  [5, { name: 'DVI4', clockRate: 8000 }],
  [6, { name: 'DVI4', clockRate: 16000 }],
  [7, { name: 'LPC', clockRate: 8000 }],
  [8, { name: 'PCMA', clockRate: 8000 }],
  [9, { name: 'G722', clockRate: 8000 }],
  [10, { name: 'L16', clockRate: 44100, channels: 2 }],
  [11, { name: 'L16', clockRate: 44100 }],
  [12, { name: 'QCELP', clockRate: 8000 }],
  [13, { name: 'CN', clockRate: 8000 }],
  [14, { name: 'MPA', clockRate: 90000 }],
  [15, { name: 'G728', clockRate: 8000 }],
  [16, { name: 'DVI4', clockRate: 11025 }],
  [17, { name: 'DVI4', clockRate: 22050 }],
  [18, { name: 'G729', clockRate: 8000 }],
]);

export const TELEPHONE_EVENT = 'telephone-event';

export function isTelephoneEvent(f: MediaFormat): boolean {
  return f.name.toLowerCase() === TELEPHONE_EVENT;
}

/** Same codec: name (any case), clock rate and channels. */
export function sameCodec(a: MediaFormat, b: MediaFormat): boolean {
  return (
    a.name.toLowerCase() === b.name.toLowerCase() &&
    a.clockRate === b.clockRate &&
    (a.channels ?? 1) === (b.channels ?? 1)
  );
}

/** `PCMU/8000`, `L16/44100/2`. */
export function formatLabel(f: MediaFormat): string {
  return `${f.name}/${f.clockRate}${(f.channels ?? 1) !== 1 ? `/${f.channels}` : ''}`;
}

function attrs(m: MediaDescription, name: string): Attribute[] {
  return m.attributes.filter((a) => a.name === name);
}

/**
 * The RTP formats of an m= line, in its order: `a=rtpmap` where given, else
 * the static table; a dynamic type without rtpmap cannot be used and is left
 * out.
 */
export function formatsOf(m: MediaDescription): RtpFormat[] {
  const maps = new Map<number, MediaFormat>();
  for (const a of attrs(m, 'rtpmap')) {
    const [pt, enc] = a.value!.split(' ') as [string, string];
    const [name, rate, ch] = enc.split('/') as [string, string, string | undefined];
    maps.set(Number(pt), { name, clockRate: Number(rate), ...(ch !== undefined ? { channels: Number(ch) } : {}) });
  }
  const fmtps = new Map<number, string>();
  for (const a of attrs(m, 'fmtp')) {
    const sp = a.value!.indexOf(' ');
    fmtps.set(Number(a.value!.slice(0, sp)), a.value!.slice(sp + 1));
  }
  const out: RtpFormat[] = [];
  for (const f of m.formats) {
    const pt = Number(f);
    const base = maps.get(pt) ?? STATIC_PAYLOAD_TYPES.get(pt);
    if (!base) continue;
    const fmtp = fmtps.get(pt);
    out.push({ ...base, payloadType: pt, ...(fmtp !== undefined ? { fmtp } : {}) });
  }
  return out;
}

const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** RFC 3264 5.1 / RFC 8866 6.7: the media-level direction attribute, else the session-level one, else sendrecv. */
export function directionOf(m: MediaDescription, s?: SessionDescription): MediaDirection {
  const find = (list: readonly Attribute[]) =>
    list.find((a) => (DIRECTIONS as readonly string[]).includes(a.name))?.name as MediaDirection | undefined;
  return find(m.attributes) ?? (s ? find(s.attributes) : undefined) ?? 'sendrecv';
}

/** The media-level c=, else the session-level one. */
export function connectionOf(m: MediaDescription, s: SessionDescription): Connection | undefined {
  return m.connections[0] ?? s.connection;
}

/** The connection address without a multicast TTL/count suffix. */
export function hostOf(c: Connection): string {
  return c.address.split('/')[0]!;
}

/** RFC 3264 8.4: the legacy hold address. */
export function isHoldAddress(c: Connection | undefined): boolean {
  return c !== undefined && (hostOf(c) === '0.0.0.0' || hostOf(c) === '::');
}

export function ptimeOf(m: MediaDescription, name: 'ptime' | 'maxptime' = 'ptime'): number | undefined {
  const a = attrs(m, name)[0];
  return a ? Number(a.value) : undefined;
}

/** RFC 3605: `a=rtcp:<port> [IN IP4 <address>]`. */
export function rtcpOf(m: MediaDescription): { port: number; address?: string } | undefined {
  const a = attrs(m, 'rtcp')[0];
  if (!a) return undefined;
  const f = a.value!.split(' ');
  return { port: Number(f[0]), ...(f.length === 4 ? { address: f[3]! } : {}) };
}

/** RFC 3605: the connection of `a=rtcp:<port> IN IP4 <address>`, when it names one. */
export function rtcpConnectionOf(m: MediaDescription): Connection | undefined {
  const a = attrs(m, 'rtcp')[0];
  const f = a?.value?.split(' ');
  return f?.length === 4 ? { netType: f[1]!, addrType: f[2]!, address: f[3]! } : undefined;
}

/** RFC 5761 5.1.1: `a=rtcp-mux`. */
export function hasRtcpMux(m: MediaDescription): boolean {
  return attrs(m, 'rtcp-mux').length > 0;
}
