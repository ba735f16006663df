/**
 * Joins an `RtpSession` core to its `RtpChannel` through the shared
 * `Driver`: datagrams in, transmits out, one unref'ed timer for RTCP, RFC
 * 4733 and the RTP timeout. Calls run their media on it and the RTP tests
 * (unit and interop) run on it too: one path from the core to the sockets.
 *
 * The link borrows the channel: `close()` sends the RTCP BYE and lets go of
 * the channel; the channel's owner closes it. Per datagram it allocates
 * nothing (no closure, no event when the core emits none).
 */
import type { Clock } from '../clock/clock.js';
import { Driver } from '../clock/drive.js';
import type { TimerHost } from '../clock/timers.js';
import type { RtpChannel } from '../rtp/rtp-channel.js';
import type { RtpSession } from '../rtp/rtp-session.js';
import type { RtpSessionEvent, RtpTransmit } from '../rtp/rtp-session-types.js';

export interface RtpLinkOptions {
  readonly clock: Clock;
  readonly timers: TimerHost;
  /** Every session event (DTMF, latching, reports, BYE, timeout). */
  readonly onEvent?: (e: RtpSessionEvent) => void;
  /** A send failed or the socket reported an error (ICMP unreachable…); the session goes on. */
  readonly onError?: (err: Error) => void;
  /**
   * RTCP on the RTP socket (RFC 5761), whatever sockets the channel has:
   * the answer may ask for rtcp-mux on a channel opened with a pair.
   * Default: the session's own setting.
   */
  readonly rtcpMux?: boolean;
}

/**
 * @example
 * const channel = await openUdpRtpChannel({ address: '127.0.0.1', rtcpMux: true });
 * const link = new RtpLink(new RtpSession({ ...rtpSessionOptions(negotiated) }), channel,
 *   { clock: realClock, timers: realTimers, onEvent: (e) => console.log(e.type) });
 * media.add(({ now }) => link.sendFrame(encode(source.read()), now));
 * link.close('bye');
 * await channel.close();
 */
export class RtpLink {
  readonly driver: Driver<RtpTransmit, RtpSessionEvent>;
  private closed = false;

  constructor(
    readonly session: RtpSession,
    readonly channel: RtpChannel,
    opts: RtpLinkOptions,
  ) {
    const mux = opts.rtcpMux ?? session.rtcpMux;
    const onEvent = opts.onEvent;
    this.driver = new Driver(
      session,
      {
        transmit: (t) => channel.send(t.data, t.to, mux ? 'rtp' : t.channel),
        event: (e) => onEvent?.(e),
      },
      opts.clock,
      opts.timers,
      // The RTP timeout's deadline moves with every packet: an earlier armed timer is kept, not re-armed per packet.
      { keepEarlierTimer: true },
    );
    const driver = this.driver;
    const clock = opts.clock;
    // What `driver.input` does, without a closure per datagram: a closed session ignores
    // the datagram, a closed driver drains nothing (and the link stops listening at close).
    // An echo's packet goes straight back when the session says nothing else is due.
    channel.onDatagram = (data, from, kind) => {
      const now = clock.now();
      if (kind === 'rtp') {
        const out = session.reflectDirect(data, from, now);
        if (out !== undefined) {
          if (out !== null) channel.send(out, session.remote!, 'rtp');
          return;
        }
      }
      session.handleDatagram(data, from, now, kind);
      driver.drain();
    };
    channel.onError = opts.onError;
  }

  /** Give the session an input (`fn` calls one of its methods with `now`), then drain it. */
  input(fn: (now: number) => void): void {
    this.driver.input(fn);
  }

  /** One packet time: send `payload` (or an RFC 4733 event in its place, or nothing for silence). */
  sendFrame(payload: Uint8Array | undefined, now: number): void {
    if (this.closed) return;
    this.session.sendFrame(payload, now);
    this.driver.drain();
  }

  /** Queue RFC 4733 digits. */
  sendDtmf(digits: string): void {
    this.driver.input(() => this.session.sendDtmf(digits));
  }

  /** Send the RTCP BYE (RFC 3550 6.6), stop the timer and stop listening; the channel stays open for its owner. */
  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.driver.input((now) => this.session.close(now, reason));
    this.driver.close();
    if (this.channel.onDatagram !== undefined) this.channel.onDatagram = undefined;
    this.channel.onError = undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
