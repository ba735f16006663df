/**
 * The SIP stack's edge: the bound transports (sockets) of a user agent and
 * the resolver, between the sans-I/O core and the network. Received bytes
 * go up as they come; each transmit goes to the transport its destination
 * names, to an address resolved from its host, and any failure — no such
 * transport, a name that does not resolve, a send that throws at once or
 * reports an error later — comes back once through `failed`, so the core
 * can end the transaction (RFC 3261 8.1.3.1: a transport error acts as a
 * 503).
 */
import type { Socket } from 'node:dgram';
import type { Clock } from '../clock/clock.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { SipUsageError } from '../sip/errors.js';
import type { ListenEntry } from '../sip/transport/listen.js';
import {
  formatEndpoint,
  type Endpoint,
  type Source,
  type Transmit,
  type TransportKind,
} from '../sip/transport/types.js';
import { advertisedAddress } from './local-address.js';
import { nodeTransports } from './sip-node-transports.js';
import { SipResolver, systemLookup, type HostLookup } from './sip-resolver.js';
import type { SipTransport, SipTransportFactory } from './sip-transport.js';
import { SipUdpTransport } from './sip-udp.js';

/** What the edge reports to the user agent. */
export interface SipEdgeEvents {
  /** A whole message arrived (UDP datagram, WebSocket message). */
  message(bytes: Uint8Array, source: Source): void;
  /** Bytes arrived on a stream connection (TCP, TLS). */
  stream(bytes: Uint8Array, source: Source): void;
  /** A stream connection opened (accepted, or connected by us): the core starts its idle deadline. */
  opened(source: Source): void;
  /** A stream connection closed. */
  closed(connectionId: string): void;
  /** A transmit could not be sent; called once per transmit, possibly before `transmit` returns. */
  failed(t: Transmit, error: Error): void;
}

export interface SipEdgeOptions {
  readonly listen: readonly ListenEntry[];
  /** Address to advertise for a wildcard bind (behind NAT, or on a host with several interfaces). */
  readonly publicAddress?: string;
  /** Bound transports (default: Node's UDP and TCP sockets). */
  readonly transports?: SipTransportFactory;
  /** Resolve a host name to an IP (default: the system resolver). */
  readonly lookup?: HostLookup;
  /** The time its name cache runs on. */
  readonly clock: Clock;
  readonly log?: Logger;
}

/**
 * @example
 * const edge = await SipEdge.bind({ listen: normalizeListen('127.0.0.1:0'), clock: realClock }, events);
 * edge.transmit({ destination: { transport: 'udp', host: 'pbx.example.com', port: 5060 }, bytes });
 * await edge.close();
 */
export class SipEdge {
  private readonly resolver: SipResolver;
  private closed = false;

  private constructor(
    private readonly transports: ReadonlyMap<TransportKind, SipTransport>,
    /** The address and port advertised in Via and Contact, per transport. */
    readonly local: Partial<Record<TransportKind, Endpoint>>,
    private readonly events: SipEdgeEvents,
    opts: SipEdgeOptions,
    private readonly log: Logger,
  ) {
    this.resolver = new SipResolver(opts.lookup ?? systemLookup, opts.clock);
  }

  /**
   * Bind every transport of every listen entry. UDP and TCP of one entry
   * share a port number: with port 0 the first bind picks it and the others
   * follow (new ports are picked when one is taken). A port in use, an
   * address not on this host or a port not permitted is a `SipUsageError`.
   */
  static bind(opts: SipEdgeOptions, events: SipEdgeEvents): Promise<SipEdge> {
    return SipEdge.bindAll(opts, events, 0);
  }

  private static async bindAll(opts: SipEdgeOptions, events: SipEdgeEvents, retry: number): Promise<SipEdge> {
    const factory = opts.transports ?? nodeTransports;
    const log = (opts.log ?? silentLogger).child('sip');
    const bound = new Map<TransportKind, SipTransport>();
    const local: Partial<Record<TransportKind, Endpoint>> = {};
    let edge: SipEdge | undefined;
    const handlers = {
      message: (b: Uint8Array, s: Source) => edge?.received(b, s, false),
      stream: (b: Uint8Array, s: Source) => edge?.received(b, s, true),
      opened: (s: Source) => edge?.events.opened(s),
      closed: (id: string) => edge?.events.closed(id),
      failed: (t: Transmit, e: Error) => edge?.failed(t, e),
    };
    try {
      for (const e of opts.listen) {
        let port = e.port;
        for (const kind of e.transports) {
          if (bound.has(kind)) throw new SipUsageError(`listening twice on ${kind}`);
          let t: SipTransport | undefined;
          while (!t) {
            try {
              t = await factory.bind({ transport: kind, address: e.address, port }, handlers);
            } catch (err) {
              if (e.port !== 0 || retry > 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
              // The port the first transport picked is taken for this one: start again with new ports.
              for (const b of bound.values()) await b.close();
              return SipEdge.bindAll(opts, events, retry + 1);
            }
          }
          bound.set(kind, t);
          port = t.local.port;
          local[kind] = { address: advertisedAddress(t.local.address, opts.publicAddress), port: t.local.port };
        }
      }
    } catch (err) {
      for (const b of bound.values()) await b.close();
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE')
        throw new SipUsageError(`cannot listen: ${e.message.replace(/^listen |^bind /, '')} (address in use)`);
      if (e.code === 'EADDRNOTAVAIL') throw new SipUsageError(`cannot listen: address not available (${e.message})`);
      if (e.code === 'EACCES') throw new SipUsageError(`cannot listen: permission denied (${e.message})`);
      throw err;
    }
    edge = new SipEdge(bound, local, events, opts, log);
    return edge;
  }

  /** The transports bound, in the order they were bound, with their real ports. */
  get bound(): readonly { readonly transport: TransportKind; readonly port: number }[] {
    return [...this.transports.entries()].map(([transport, t]) => ({ transport, port: t.local.port }));
  }

  has(transport: TransportKind): boolean {
    return this.transports.has(transport);
  }

  /**
   * The UDP socket SIP listens on (undefined without UDP, or on a simulated
   * network), so that STUN can learn and keep its NAT mapping.
   */
  udpSocket(): Socket | undefined {
    const t = this.transports.get('udp');
    return t instanceof SipUdpTransport ? t.socket : undefined;
  }

  /** Send `t`; a failure comes back through `failed` (at once when it is known at once). */
  transmit(t: Transmit): void {
    if (this.closed) return;
    const transport = this.transports.get(t.destination.transport);
    if (!transport) {
      this.failed(t, new Error(`no ${t.destination.transport} transport: listen on one to send over it`));
      return;
    }
    const host = t.destination.host;
    const address = this.resolver.cached(host);
    if (address !== undefined) return this.send(transport, t, address);
    this.resolver.resolve(host).then(
      (a) => this.send(transport, t, a),
      (err: Error) => this.failed(t, err),
    );
  }

  /** Close every transport (later transmits are dropped). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.transports.values()].map((t) => t.close()));
  }

  private send(transport: SipTransport, t: Transmit, address: string): void {
    if (this.closed) return;
    if (this.log.enabled('trace') && t.bytes.length > 0) {
      const conn =
        t.destination.connectionId !== undefined ? ` (connection ${t.destination.connectionId} if open)` : '';
      const to = formatEndpoint({ address, port: t.destination.port });
      this.log.trace(`sent ${t.bytes.length} bytes to ${t.destination.transport}:${to}${conn}`, {
        message: Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength).toString('utf8'),
      });
    }
    try {
      transport.send(t, address);
    } catch (err) {
      // A send that fails at once (a connect refused synchronously, a bad address) is a transport error too.
      this.failed(t, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private received(bytes: Uint8Array, source: Source, stream: boolean): void {
    if (this.closed) return;
    if (this.log.enabled('trace')) {
      this.log.trace(`received ${bytes.length} bytes from ${source.transport}:${formatEndpoint(source.remote)}`, {
        message: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
      });
    }
    if (stream) this.events.stream(bytes, source);
    else this.events.message(bytes, source);
  }

  private failed(t: Transmit, error: Error): void {
    const d = t.destination;
    this.log.debug(
      `cannot send to ${d.transport}:${formatEndpoint({ address: d.host, port: d.port })}: ${error.message}`,
    );
    if (!this.closed) this.events.failed(t, error);
  }
}
