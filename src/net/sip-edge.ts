/**
 * The SIP stack's edge: the bound transports (sockets) of a user agent and
 * the resolver, between the sans-I/O core and the network. Received bytes
 * go up as they come; each transmit goes to the transport its destination
 * names, on the socket of the destination's address family, to an address
 * resolved from its host, and any failure — no such transport, a name that
 * does not resolve, a send that throws at once or reports an error later,
 * nothing listening there — comes back once through `failed`, so the core
 * can end the transaction (RFC 3261 8.1.3.1: a transport error acts as a
 * 503).
 *
 * A wildcard listen address (`0.0.0.0`, `::`) listens on both families, on
 * the same port: an IPv4 socket and an IPv6-only one (the second family is
 * skipped when this host has none). What such an edge advertises depends
 * on the destination: the address the kernel sends from towards it
 * (`local-address.ts`), unless a public address is configured.
 */
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Clock } from '../clock/clock.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { SipUsageError } from '../sip/errors.js';
import type { ListenEntry } from '../sip/transport/listen.js';
import {
  NO_MORE_SERVERS,
  formatEndpoint,
  type Endpoint,
  type Source,
  type Transmit,
  type TransportKind,
} from '../sip/transport/types.js';
import { advertisedAddress, isWildcard, RouteSources } from './local-address.js';
import { nodeTransports } from './sip-node-transports.js';
import type { LocatedTarget, SipDns } from './sip-locate.js';
import { nodeSipDns, SipResolver, systemLookup, type HostLookup } from './sip-resolver.js';
import type { SipTransport, SipTransportFactory } from './sip-transport.js';
import { SipUdpTransport } from './sip-udp.js';

/** The sockets of one transport: one per address family. */
interface Families {
  v4?: SipTransport;
  v6?: SipTransport;
}

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
  /**
   * The DNS for RFC 3263 (NAPTR, SRV, A/AAAA) of destinations without a
   * port (default: node's resolver, on `dnsServer` when given; none when
   * `lookup` is given alone: such names then resolve through it).
   */
  readonly dns?: SipDns;
  /** The DNS server to ask, `IP:PORT` (default: the system's). */
  readonly dnsServer?: string;
  /** The local source address per destination (default: the kernel's routes). */
  readonly routes?: RouteSources;
  /** The time its caches run on. */
  readonly clock: Clock;
  readonly log?: Logger;
}

/** The family slot of an IP address. */
function familyOf(address: string): keyof Families {
  return isIP(address) === 6 ? 'v6' : 'v4';
}

/** Errors that mean "this host has no such family" for the second family of a wildcard. */
const NO_FAMILY = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT', 'EINVAL']);

/**
 * @example
 * const edge = await SipEdge.bind({ listen: normalizeListen('127.0.0.1:0'), clock: realClock }, events);
 * edge.transmit({ destination: { transport: 'udp', host: 'pbx.example.com', port: 5060 }, bytes });
 * await edge.close();
 */
export class SipEdge {
  private readonly resolver: SipResolver;
  private readonly routes: RouteSources;
  /** Whether the address advertised depends on the destination (a wildcard bind, no public address). */
  private readonly perDestination: boolean;
  private closed = false;
  /** Transmits sent to a located target, with the original and the targets left to try (RFC 3263 4.3). */
  private readonly tries = new WeakMap<
    Transmit,
    { readonly original: Transmit; readonly address: string; readonly rest: LocatedTarget[] }
  >();

  private constructor(
    private readonly transports: ReadonlyMap<TransportKind, Families>,
    /** The address and port advertised in Via and Contact, per transport, when the destination is not known. */
    readonly local: Partial<Record<TransportKind, Endpoint>>,
    private readonly events: SipEdgeEvents,
    opts: SipEdgeOptions,
    private readonly log: Logger,
  ) {
    const dns = opts.dns ?? (opts.lookup && !opts.dnsServer ? undefined : nodeSipDns(opts.dnsServer));
    const lookup =
      opts.lookup ?? (opts.dnsServer && dns ? async (host: string) => (await dns.addresses(host))[0]! : systemLookup);
    this.resolver = new SipResolver(lookup, opts.clock, dns);
    this.routes = opts.routes ?? new RouteSources(opts.clock);
    this.perDestination = !opts.publicAddress && opts.listen.some((e) => isWildcard(e.address));
  }

  /**
   * Bind every transport of every listen entry, a wildcard on both address
   * families. The sockets of one entry share a port number: with port 0 the
   * first bind picks it and the others follow (new ports are picked when one
   * is taken). A port in use, an address not on this host or a port not
   * permitted is a `SipUsageError`.
   */
  static bind(opts: SipEdgeOptions, events: SipEdgeEvents): Promise<SipEdge> {
    return SipEdge.bindAll(opts, events, 0);
  }

  private static async bindAll(opts: SipEdgeOptions, events: SipEdgeEvents, retry: number): Promise<SipEdge> {
    const factory = opts.transports ?? nodeTransports;
    const log = (opts.log ?? silentLogger).child('sip');
    const bound = new Map<TransportKind, Families>();
    const all: SipTransport[] = [];
    const local: Partial<Record<TransportKind, Endpoint>> = {};
    let edge: SipEdge | undefined;
    const handlers = {
      message: (b: Uint8Array, s: Source) => edge?.received(b, s, false),
      stream: (b: Uint8Array, s: Source) => edge?.received(b, s, true),
      opened: (s: Source) => edge?.events.opened(s),
      closed: (id: string) => edge?.events.closed(id),
      failed: (t: Transmit, e: Error) => edge?.failed(t, e),
    };
    const closeAll = async () => {
      for (const b of all) await b.close();
    };
    try {
      for (const e of opts.listen) {
        let port = e.port;
        // A wildcard listens on both families: the one given first, then the other (skipped when absent here).
        const addresses = isWildcard(e.address)
          ? [e.address || '0.0.0.0', e.address === '::' ? '0.0.0.0' : '::']
          : [e.address];
        for (const kind of e.transports) {
          if (bound.has(kind)) throw new SipUsageError(`listening twice on ${kind}`);
          const families: Families = {};
          for (const [i, address] of addresses.entries()) {
            let t: SipTransport | undefined;
            try {
              t = await factory.bind({ transport: kind, address, port }, handlers);
            } catch (err) {
              const code = (err as NodeJS.ErrnoException).code ?? '';
              if (i > 0 && NO_FAMILY.has(code)) {
                log.debug(`${kind}: not listening on ${address} (${code}): this host has no such address family`);
                continue;
              }
              if (e.port !== 0 || retry > 20 || code !== 'EADDRINUSE') throw err;
              // The port the first socket picked is taken for this one: start again with new ports.
              await closeAll();
              return SipEdge.bindAll(opts, events, retry + 1);
            }
            all.push(t);
            families[familyOf(address)] = t;
            port = t.local.port;
            local[kind] ??= { address: advertisedAddress(t.local.address, opts.publicAddress), port: t.local.port };
          }
          bound.set(kind, families);
        }
      }
    } catch (err) {
      await closeAll();
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

  /**
   * The transports listening, in the order they were bound, with their real
   * ports (not a TLS transport that only connects out).
   */
  get bound(): readonly { readonly transport: TransportKind; readonly port: number }[] {
    return [...this.transports.entries()]
      .filter(([, f]) => (f.v4 ?? f.v6)!.listening !== false)
      .map(([transport, f]) => ({ transport, port: (f.v4 ?? f.v6)!.local.port }));
  }

  /** Every listening socket: transport, the address it is bound to, and its port. */
  get sockets(): readonly { readonly transport: TransportKind; readonly address: string; readonly port: number }[] {
    return [...this.transports.entries()].flatMap(([transport, f]) =>
      [f.v4, f.v6].filter((t) => t !== undefined && t.listening !== false).map((t) => ({ transport, ...t!.local })),
    );
  }

  has(transport: TransportKind): boolean {
    return this.transports.has(transport);
  }

  /**
   * The UDP socket SIP listens on (IPv4 when there is one; undefined
   * without UDP, or on a simulated network), so that STUN can learn and
   * keep its NAT mapping.
   */
  udpSocket(): Socket | undefined {
    const f = this.transports.get('udp');
    const t = f?.v4 ?? f?.v6;
    return t instanceof SipUdpTransport ? t.socket : undefined;
  }

  /**
   * The address to advertise towards `host` (an IP, or a name resolved
   * before): the one the kernel sends from towards it. Undefined when the
   * advertised address does not depend on the destination (a specific bind,
   * a public address) or the name is not resolved yet.
   */
  localAddressFor(host: string): string | undefined {
    if (!this.perDestination) return undefined;
    const ip = this.resolver.cached(host);
    return ip === undefined ? undefined : this.routes.for(ip);
  }

  /** Resolve `host` now, so that `localAddressFor` knows it (a name that does not resolve fails later, at the send). */
  async prepare(host: string): Promise<void> {
    if (this.resolver.cached(host) !== undefined) return;
    await this.resolver.resolve(host).catch(() => undefined);
  }

  /** Whether `host` is an IP address or a name resolved recently. */
  knows(host: string): boolean {
    return this.resolver.cached(host) !== undefined;
  }

  /** Send `t`; a failure comes back through `failed` (at once when it is known at once). */
  transmit(t: Transmit): void {
    if (this.closed) return;
    const families = this.transports.get(t.destination.transport);
    if (!families) {
      this.failed(t, new Error(`no ${t.destination.transport} transport: listen on one to send over it`));
      return;
    }
    const host = t.destination.host;
    if (t.destination.locate && !isIP(host)) {
      const d = t.destination;
      this.resolver
        .locate({
          host,
          transport: d.transport,
          naptr: d.locate!.naptr,
        })
        .then(
          (targets) => {
            // After a 503 or a timeout the core asks for the servers after those it tried (RFC 3263 4.3).
            const left = targets.slice(d.locate!.skip ?? 0);
            if (left.length > 0) return this.sendToTarget(families, t, left);
            const e = new Error(`every server found for ${host} was tried (${targets.length})`);
            this.failed(t, Object.assign(e, { code: NO_MORE_SERVERS }));
          },
          (err: Error) => this.failed(t, err),
        );
      return;
    }
    const address = this.resolver.cached(host);
    if (address !== undefined) return this.send(families, t, address);
    this.resolver.resolve(host).then(
      (a) => this.send(families, t, a),
      (err: Error) => this.failed(t, err),
    );
  }

  /** Close every transport (later transmits are dropped). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      [...this.transports.values()].flatMap((f) => [f.v4, f.v6]).map((t) => t?.close() ?? Promise.resolve()),
    );
  }

  private send(families: Families, t: Transmit, address: string): void {
    if (this.closed) return;
    const family = familyOf(address);
    const transport = families[family];
    if (!transport) {
      const which = family === 'v6' ? 'IPv6' : 'IPv4';
      const bound = (families.v4 ?? families.v6)!.local.address;
      this.failed(
        t,
        new Error(
          `cannot send to the ${which} address ${address}: ${t.destination.transport} listens on ${bound} only`,
        ),
      );
      return;
    }
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

  /** Send `original` to the first of `targets`; a failure there moves on to the next (`failed`). */
  private sendToTarget(families: Families, original: Transmit, targets: readonly LocatedTarget[]): void {
    const [first, ...rest] = targets;
    if (!first) return;
    const t: Transmit = { ...original, destination: { ...original.destination, port: first.port } };
    this.tries.set(t, { original, address: first.address, rest });
    this.log.debug(`${original.destination.host}: trying ${formatEndpoint(first)} (${first.how})`);
    this.send(families, t, first.address);
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
    const tried = this.tries.get(t);
    if (tried) {
      this.tries.delete(t);
      const d = t.destination;
      this.resolver.markDown(tried.address, d.port);
      const families = this.transports.get(d.transport);
      if (tried.rest.length > 0 && families && !this.closed) {
        this.log.info(`${d.host}: ${error.message}; trying the next server (RFC 3263)`);
        return this.sendToTarget(families, tried.original, tried.rest);
      }
      t = tried.original;
    }
    const d = t.destination;
    this.log.debug(
      `cannot send to ${d.transport}:${formatEndpoint({ address: d.host, port: d.port })}: ${error.message}`,
    );
    if (!this.closed) this.events.failed(t, error);
  }
}
