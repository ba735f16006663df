/**
 * Joins an `RtpSession` core to its UDP sockets through the shared `Driver`:
 * datagrams in, transmits out, one unref'ed timer for RTCP and timeouts.
 */
import type { Socket } from 'node:dgram';
import { realClock, type Clock } from '../clock/clock.js';
import { realTimers, type TimerHost } from '../clock/timers.js';
import type { RtpSession } from '../rtp/rtp-session.js';
import type { RtpSessionEvent, RtpTransmit } from '../rtp/rtp-session-types.js';
import { Driver } from '../clock/drive.js';
import type { RtpPorts } from './rtp-socket.js';

export interface RtpEndpointOptions {
  readonly clock?: Clock;
  readonly timers?: TimerHost;
  /** Every session event (DTMF, latching, reports, BYE, timeout). */
  readonly onEvent?: (e: RtpSessionEvent) => void;
  /** A send failed (e.g. no route); the call goes on. */
  readonly onSendError?: (err: Error) => void;
}

/**
 * @example
 * const ports = await bindRtpPorts({ address: '127.0.0.1', rtcpMux: false });
 * const ep = new RtpEndpoint(new RtpSession({ ...rtpSessionOptions(media) }), ports, { onEvent: (e) => log(e) });
 * media.add(({ now }) => ep.sendFrame(encode(source.read()), now));
 * await ep.close('bye');
 */
export class RtpEndpoint {
  readonly driver: Driver<RtpTransmit, RtpSessionEvent>;
  private readonly clock: Clock;
  private closed = false;
  private inflight = 0;
  private flushed: (() => void) | undefined;

  constructor(
    readonly session: RtpSession,
    readonly ports: RtpPorts,
    private readonly opts: RtpEndpointOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.driver = new Driver(
      session,
      {
        transmit: (t) => this.transmit(t),
        event: (e) => opts.onEvent?.(e),
      },
      this.clock,
      opts.timers ?? realTimers,
    );
    this.listen(ports.rtp, 'rtp');
    if (ports.rtcp) this.listen(ports.rtcp, 'rtcp');
  }

  private listen(socket: Socket, channel: 'rtp' | 'rtcp'): void {
    socket.on('message', (msg, rinfo) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      this.driver.input((now) =>
        this.session.handleDatagram(bytes, { address: rinfo.address, port: rinfo.port }, now, channel),
      );
    });
    // ICMP errors and the like must not end the process.
    socket.on('error', (err) => this.opts.onSendError?.(err));
  }

  private transmit(t: RtpTransmit): void {
    const socket = t.channel === 'rtcp' && this.ports.rtcp ? this.ports.rtcp : this.ports.rtp;
    this.inflight++;
    socket.send(t.data, t.to.port, t.to.address, (err) => {
      if (err) this.opts.onSendError?.(err);
      if (--this.inflight === 0) this.flushed?.();
    });
  }

  /** One packet time: send `payload` (or an RFC 4733 event in its place, or nothing for silence). */
  sendFrame(payload: Uint8Array | undefined, now = this.clock.now()): void {
    if (this.closed) return;
    this.driver.input(() => this.session.sendFrame(payload, now));
  }

  sendDtmf(digits: string): void {
    this.driver.input(() => this.session.sendDtmf(digits));
  }

  /** Send RTCP BYE, stop the timer and close the sockets. */
  async close(reason?: string): Promise<void> {
    if (this.closed) return;
    this.driver.input((now) => this.session.close(now, reason));
    this.closed = true;
    this.driver.close();
    // Let the BYE leave before the sockets close (bounded: a send never hangs for long on UDP).
    if (this.inflight > 0)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        this.flushed = () => {
          clearTimeout(t);
          resolve();
        };
      });
    await this.ports.close();
  }
}
