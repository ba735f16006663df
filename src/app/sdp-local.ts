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

/** The formats to offer or accept for codecs in order of preference. */
export function formatsFor(codecs: readonly Codec[]): MediaFormat[] {
  return [
    ...codecs.map((c) => ({ name: c.name, clockRate: c.clockRate, payloadType: c.payloadType })),
    TELEPHONE_EVENT,
  ];
}

/** The formats of a running call for a re-offer: the codec in use (with its payload type) and telephone-event. */
export function currentFormats(n: NegotiatedMedia): MediaFormat[] {
  const send = { name: n.send.name, clockRate: n.send.clockRate, payloadType: n.send.payloadType };
  return n.telephoneEvent ? [send, { ...TELEPHONE_EVENT, payloadType: n.telephoneEvent.payloadType }] : [send];
}

function isWildcard(a: string): boolean {
  return a === '0.0.0.0' || a === '::' || a === '';
}

/** The `o=` of one call: one session id, a version that grows with every description we send. */
export class SdpOrigin {
  private version: number;
  readonly sessionId: string;

  constructor(random: () => number = Math.random) {
    this.version = Math.floor(random() * 1e9);
    this.sessionId = String(this.version);
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
    };
  }
}
