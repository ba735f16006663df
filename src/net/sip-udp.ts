/**
 * SIP over UDP (RFC 3261 18): one datagram socket, a message per datagram.
 * A request to a port where nothing listens fails within a fraction of a
 * second instead of after Timer B/F (`udp-port-probe.ts`).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Transmit } from '../sip/transport/types.js';
import { ipLookup } from './ip-lookup.js';
import type { ListenSpec, SipTransport, SipTransportHandlers } from './sip-transport.js';
import { PortProbes } from './udp-port-probe.js';

export class SipUdpTransport implements SipTransport {
  readonly kind = 'udp' as const;
  private closed = false;
  /** Tells requests to a dead port so (ICMP port unreachable, through a connected socket). */
  private readonly probes = new PortProbes({}, (t, err) => this.handlers.failed(t, err));

  private constructor(
    /** The bound socket, for protocols that must share it (STUN keep-alives, RFC 5389). */
    readonly socket: Socket,
    readonly local: { address: string; port: number },
  ) {}

  static bind(spec: ListenSpec, h: SipTransportHandlers): Promise<SipUdpTransport> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({
        type: isIPv6(spec.address) ? 'udp6' : 'udp4',
        // `::` is IPv6 only: the edge binds 0.0.0.0 beside it for IPv4 (no IPv4-mapped addresses to undo).
        ipv6Only: isIPv6(spec.address),
        lookup: ipLookup,
      });
      socket.once('error', reject);
      socket.bind(spec.port, spec.address, () => {
        socket.off('error', reject);
        // Bursts of requests (a busy UAS, a load test) overflow the default ~200 KB buffer: ask for 4 MB
        // (the kernel caps it at net.core.rmem_max / wmem_max).
        for (const set of [(n: number) => socket.setRecvBufferSize(n), (n: number) => socket.setSendBufferSize(n)]) {
          try {
            set(4 << 20);
          } catch {
            /* not allowed here: keep the default */
          }
        }
        const a = socket.address();
        const t = new SipUdpTransport(socket, { address: a.address, port: a.port });
        // Errors after binding (e.g. ICMP unreachable on Linux) must not kill the process.
        socket.on('error', () => {});
        socket.on('message', (msg, rinfo) => {
          t.probes.heard(rinfo.address, rinfo.port);
          h.message(msg, { transport: 'udp', remote: { address: rinfo.address, port: rinfo.port }, local: t.local });
        });
        t.handlers = h;
        resolve(t);
      });
    });
  }

  private handlers!: SipTransportHandlers;

  send(t: Transmit, address: string): void {
    if (this.closed) return;
    if (t.bytes.length === 0) return;
    this.socket.send(t.bytes, t.destination.port, address, (err) => {
      if (err) this.handlers.failed(t, err);
    });
    this.probes.sent(t, address);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.probes.close();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
