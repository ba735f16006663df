/**
 * Where one RTP session's datagrams go in and out: its RTP and RTCP
 * sockets. A pair of UDP sockets in production (`src/net/rtp-channel.ts`),
 * a simulated network in tests; the media code sees only this interface,
 * so the same code runs on both. Whoever opens a channel owns it and
 * closes it; what runs media on it (an `RtpLink`) only borrows it.
 */
import type { TransportAddress } from './rtp-session-types.js';

export type RtpChannelKind = 'rtp' | 'rtcp';

export type DatagramHandler = (data: Uint8Array, from: TransportAddress, channel: RtpChannelKind) => void;

/** The sockets of one call's media. */
export interface RtpChannel {
  /** The local address and RTP port bound (RTCP on `rtcpPort`). */
  readonly address: string;
  readonly port: number;
  readonly rtcpPort: number | undefined;
  /**
   * The public mapping of the RTP (and RTCP) port that STUN found, to put in
   * the SDP instead of the local address; undefined without STUN.
   */
  readonly mapped: { readonly rtp: TransportAddress; readonly rtcp?: TransportAddress } | undefined;
  /** Send a datagram; `rtcp` goes out of the RTCP socket (or the RTP one when there is none). */
  send(data: Uint8Array, to: TransportAddress, channel: RtpChannelKind): void;
  /** Who hears received datagrams (one listener). */
  onDatagram: DatagramHandler | undefined;
  /**
   * Each datagram handed to `onDatagram` is a buffer of its own that the
   * channel never reads again: the listener may keep it or write into it
   * (a UDP socket's are; a simulated network may hand one buffer to
   * several listeners).
   */
  readonly ownDatagrams?: boolean;
  /** A send failed or the socket reported an error (ICMP unreachable…); the call goes on. */
  onError: ((err: Error) => void) | undefined;
  close(): Promise<void>;
}
