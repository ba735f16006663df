/**
 * A call's RTP and RTCP sockets: a pair of UDP sockets (or one, with
 * rtcp-mux) behind the `RtpChannel` interface, with STUN on them when
 * asked. Production calls and the RTP tests both run on this channel.
 */
import type { RemoteInfo } from 'node:dgram';
import { bindRtpPorts, type RtpPorts } from './rtp-socket.js';
import { StunSocket } from './stun-socket.js';
import type { DatagramHandler, RtpChannel, RtpChannelKind } from '../rtp/rtp-channel.js';
import type { TransportAddress } from '../rtp/rtp-session-types.js';
import type { TransportAddress as StunAddress } from '../stun/ip-address.js';
import type { KeepAliveEvent } from '../stun/keepalive.js';

export interface UdpRtpChannelOptions {
  readonly address?: string;
  readonly portMin?: number;
  readonly portMax?: number;
  /** Bind one socket only (the peer asked for rtcp-mux and we know it already). Default false: a pair. */
  readonly rtcpMux?: boolean;
  /** Learn the sockets' public mapping from this STUN server, and keep it open. */
  readonly stun?: {
    readonly server: StunAddress;
    readonly keepAliveMs: number;
    readonly rto?: number;
    readonly rc?: number;
  };
  /** Hears keep-alive losses and mapping changes. */
  readonly onStun?: (e: KeepAliveEvent, channel: RtpChannelKind) => void;
}

class UdpRtpChannel implements RtpChannel {
  onDatagram: DatagramHandler | undefined;
  /** Node gives every received datagram a Buffer of its own. */
  readonly ownDatagrams = true;
  onError: ((err: Error) => void) | undefined;
  mapped: RtpChannel['mapped'];
  private readonly stun: Partial<Record<RtpChannelKind, StunSocket>> = {};
  private readonly stops: (() => void)[] = [];
  private closed = false;

  constructor(private readonly ports: RtpPorts) {
    this.listen(ports.rtp, 'rtp');
    if (ports.rtcp) this.listen(ports.rtcp, 'rtcp');
  }

  get address(): string {
    return this.ports.address;
  }
  get port(): number {
    return this.ports.port;
  }
  get rtcpPort(): number | undefined {
    return this.ports.rtcp ? this.ports.port + 1 : undefined;
  }

  private listen(socket: RtpPorts['rtp'], channel: RtpChannelKind): void {
    const stun = this.stun;
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      // STUN only once discovery started (never, for most calls).
      const s = channel === 'rtp' ? stun.rtp : stun.rtcp;
      if (s?.handleDatagram(msg, rinfo)) return;
      // A Buffer is a Uint8Array, and rinfo has `address` and `port`: both go as they are (no allocation per packet).
      this.onDatagram?.(msg, rinfo, channel);
    });
    socket.on('error', (err) => this.onError?.(err));
  }

  send(data: Uint8Array, to: TransportAddress, channel: RtpChannelKind): void {
    if (this.closed) return;
    const socket = channel === 'rtcp' && this.ports.rtcp ? this.ports.rtcp : this.ports.rtp;
    // No callback: a send error comes as the socket's 'error' event (see listen), and
    // completion tracking per datagram costs more than the rest of an echo's work.
    socket.send(data, to.port, to.address);
  }

  /** STUN Binding on each socket (RFC 5389), then keep-alives; `mapped` holds what it learnt. */
  async discover(o: NonNullable<UdpRtpChannelOptions['stun']>, onStun: UdpRtpChannelOptions['onStun']): Promise<void> {
    const sockets: [RtpChannelKind, RtpPorts['rtp']][] = [['rtp', this.ports.rtp]];
    if (this.ports.rtcp) sockets.push(['rtcp', this.ports.rtcp]);
    const found: Partial<Record<RtpChannelKind, TransportAddress>> = {};
    await Promise.all(
      sockets.map(async ([kind, socket]) => {
        const s = new StunSocket(socket, {
          ...(o.rto !== undefined ? { rto: o.rto } : {}),
          ...(o.rc !== undefined ? { rc: o.rc } : {}),
        });
        this.stun[kind] = s;
        try {
          const r = await s.binding(o.server);
          found[kind] = { address: r.mapped.address, port: r.mapped.port };
        } catch {
          return; // no answer: the local address is advertised
        }
        this.stops.push(s.keepAlive(o.server, { interval: o.keepAliveMs }, (e) => onStun?.(e, kind)));
      }),
    );
    if (found.rtp) this.mapped = { rtp: found.rtp, ...(found.rtcp ? { rtcp: found.rtcp } : {}) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Sends go out through a lookup on the next tick: let the last ones (an RTCP BYE) leave first.
    await new Promise<void>((r) => setImmediate(r));
    for (const stop of this.stops) stop();
    this.stun.rtp?.close();
    this.stun.rtcp?.close();
    await this.ports.close();
  }
}

/**
 * Bind an RTP/RTCP port pair (or one port with rtcp-mux) and, with `stun`,
 * learn its public mapping.
 *
 * @example
 * const ch = await openUdpRtpChannel({ address: '0.0.0.0', portMin: 16384, portMax: 32767 });
 * const link = new RtpLink(session, ch, { clock, timers, onEvent });
 * ch.send(packet, { address: '192.0.2.7', port: 4000 }, 'rtp');
 * await ch.close();
 */
export async function openUdpRtpChannel(o: UdpRtpChannelOptions = {}): Promise<RtpChannel> {
  const ports = await bindRtpPorts({
    ...(o.address !== undefined ? { address: o.address } : {}),
    ...(o.portMin !== undefined ? { portMin: o.portMin } : {}),
    ...(o.portMax !== undefined ? { portMax: o.portMax } : {}),
    rtcpMux: o.rtcpMux ?? false,
  });
  const ch = new UdpRtpChannel(ports);
  if (o.stun) await ch.discover(o.stun, o.onStun);
  return ch;
}
