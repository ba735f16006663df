/**
 * Our side of an SDP negotiation: the formats our codecs give (plus RFC 4733
 * telephone-event), the address and ports to advertise, and the `o=` line
 * that stays the same for a call while its version counts up (RFC 3264 8).
 */
import type { Codec } from '../codecs/codec.js';
import type { MediaDirection } from '../rtp/rtp-session-types.js';
import type { MediaFormat } from '../sdp/media-format.js';
import type { LocalMedia, NegotiatedMedia } from '../sdp/offer-answer.js';
import type { RtpChannel } from '../rtp/rtp-channel.js';

/** telephone-event with the 16 DTMF events (RFC 4733 7.1.1: "0-15" at least; 16 is flash). */
export const TELEPHONE_EVENT: MediaFormat = { name: 'telephone-event', clockRate: 8000, fmtp: '0-16' };

/**
 * The SDP media format of a codec.
 *
 * @example
 * codecFormat(codecs.g722) // { name: 'G722', clockRate: 8000, payloadType: 9 }  →  a=rtpmap:9 G722/8000
 * codecFormat(codecs.opus) // { name: 'opus', clockRate: 48000, channels: 2, payloadType: 111, fmtp: '…' }
 */
export function codecFormat(codec: Codec): MediaFormat {
  return {
    name: codec.name,
    clockRate: codec.clockRate,
    ...(codec.channels !== 1 ? { channels: codec.channels } : {}),
    payloadType: codec.payloadType,
    ...(codec.fmtp !== undefined ? { fmtp: codec.fmtp } : {}),
  };
}

/**
 * The formats to offer or accept for codecs in order of preference, with
 * telephone-event at each of their RTP clock rates (RFC 4733 2.1: events
 * share the audio's clock; 8000 first, then 48000 for Opus).
 */
export function formatsFor(codecs: readonly Codec[]): MediaFormat[] {
  const rates = [...new Set(codecs.map((c) => c.clockRate))].sort((a, b) => a - b);
  if (rates.length === 0) rates.push(8000);
  return [...codecs.map(codecFormat), ...rates.map((clockRate) => ({ ...TELEPHONE_EVENT, clockRate }))];
}

/** The formats of a running call for a re-offer: the codec in use (with its payload type) and telephone-event. */
export function currentFormats(n: NegotiatedMedia): MediaFormat[] {
  const send = { name: n.send.name, clockRate: n.send.clockRate, payloadType: n.send.payloadType };
  const te = n.telephoneEvent;
  return te ? [send, { ...TELEPHONE_EVENT, clockRate: te.clockRate, payloadType: te.payloadType }] : [send];
}

/** Whether a bind address is a wildcard (`0.0.0.0`, `::`). */
export function isWildcard(a: string): boolean {
  return a === '0.0.0.0' || a === '::' || a === '';
}

/** The wildcard of an address's family: RTP binds `::` for a call whose SDP names an IPv6 address. */
export function wildcardOf(address: string): string {
  return address.includes(':') ? '::' : '0.0.0.0';
}

/**
 * Our side for screening an offer before a call (and its RTP sockets)
 * exists: the address family our media will have, so an offer the call
 * could not answer is refused at once (`connection-address.ts`).
 */
export function screeningMedia(
  media: { readonly address: string; readonly allowMulticast?: boolean },
  sdpAddress: string,
  formats: readonly MediaFormat[],
): LocalMedia {
  const address = isWildcard(media.address) ? sdpAddress : media.address;
  return { address, port: 9, formats, ...(media.allowMulticast ? { allowMulticast: true } : {}) };
}

/** The `o=` of one call: one session id, a version that grows with every description we send. */
export class SdpOrigin {
  private version: number;
  readonly sessionId: string;
  private readonly allowMulticast: boolean;

  constructor(random: () => number = Math.random, opts: { readonly allowMulticast?: boolean } = {}) {
    this.version = Math.floor(random() * 1e9);
    this.sessionId = String(this.version);
    this.allowMulticast = opts.allowMulticast ?? false;
  }

  /**
   * Our media description: the public mapping of the channel when STUN found
   * one, else its bound address (or `fallbackAddress` for a wildcard bind).
   */
  local(
    channel: RtpChannel,
    fallbackAddress: string,
    formats: readonly MediaFormat[],
    direction: MediaDirection,
    rtcpMux: boolean,
  ): LocalMedia {
    const m = channel.mapped;
    const address = m ? m.rtp.address : isWildcard(channel.address) ? fallbackAddress : channel.address;
    const port = m ? m.rtp.port : channel.port;
    // RFC 3605: say where RTCP is when it is not on the next port.
    const rtcp = m ? m.rtcp?.port : channel.rtcpPort;
    return {
      address,
      port,
      formats,
      direction,
      rtcpMux: rtcpMux || channel.rtcpPort === undefined,
      ...(rtcp !== undefined && rtcp !== port + 1 ? { rtcpPort: rtcp } : {}),
      username: 'shtoom',
      sessionId: this.sessionId,
      sessionVersion: String(this.version++),
      ...(this.allowMulticast ? { allowMulticast: true } : {}),
    };
  }
}
