/**
 * SRTP at the edge of a call's media: an `RtpChannel` that protects what
 * the RTP session sends and unprotects what arrives before the session
 * sees it, on top of the channel with the sockets. Everything that runs
 * media on a channel (calls in every command, the echo, the phone) gets
 * SRTP through it, and the session core stays as it is.
 *
 * A datagram that fails (not authentic, replayed, unreadable) never
 * reaches the session: it moves no latch, starts no source and is never
 * decoded; `srtp.stats()` counts it.
 */
import { isRtcpPacket } from '../rtp-packet.js';
import type { DatagramHandler, RtpChannel, RtpChannelKind } from '../rtp-channel.js';
import type { TransportAddress } from '../rtp-session-types.js';
import type { SrtpSession } from './srtp-session.js';

export class SrtpChannel implements RtpChannel {
  onDatagram: DatagramHandler | undefined;
  onError: ((err: Error) => void) | undefined;
  /** Each unprotected datagram is a new buffer. */
  readonly ownDatagrams = true;

  private readonly listener: DatagramHandler;

  /**
   * @param inner the channel with the sockets (borrowed: closing this closes it).
   * @param rtcpMux RTCP shares the RTP port: it is told apart by its packet type (RFC 5761 4).
   * @param onFirstAuthFailure told once, at the first packet that fails authentication (a wrong key?).
   */
  constructor(
    private readonly inner: RtpChannel,
    readonly srtp: SrtpSession,
    private readonly rtcpMux: boolean,
    onFirstAuthFailure?: (from: TransportAddress) => void,
  ) {
    let warned = false;
    this.listener = (data, from, kind) => {
      const plain = this.isRtcp(data, kind) ? srtp.unprotectRtcp(data) : srtp.unprotectRtp(data);
      if (plain) this.onDatagram?.(plain, from, kind);
      else if (!warned && srtp.authFailures > 0) {
        warned = true;
        onFirstAuthFailure?.({ address: from.address, port: from.port });
      }
    };
    inner.onDatagram = this.listener;
    inner.onError = (err) => this.onError?.(err);
  }

  private isRtcp(data: Uint8Array, kind: RtpChannelKind): boolean {
    return kind === 'rtcp' || (this.rtcpMux && isRtcpPacket(data));
  }

  get address(): string {
    return this.inner.address;
  }
  get port(): number {
    return this.inner.port;
  }
  get rtcpPort(): number | undefined {
    return this.inner.rtcpPort;
  }
  get mapped(): RtpChannel['mapped'] {
    return this.inner.mapped;
  }

  send(data: Uint8Array, to: TransportAddress, channel: RtpChannelKind): void {
    const out = this.isRtcp(data, channel) ? this.srtp.protectRtcp(data) : this.srtp.protectRtp(data);
    this.inner.send(out, to, channel);
  }

  /** Stop listening to the inner channel (its owner closes it). */
  detach(): void {
    // Another SRTP channel may have taken the sockets since (media restarted on them): leave it be.
    if (this.inner.onDatagram !== this.listener) return;
    this.inner.onDatagram = undefined;
    this.inner.onError = undefined;
  }

  close(): Promise<void> {
    this.detach();
    return this.inner.close();
  }
}
