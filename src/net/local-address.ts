/**
 * Which local address to advertise (Via, Contact, From, SDP) for a socket
 * bound to a wildcard address: the one the kernel sends from towards each
 * destination. A UDP socket connected to the destination learns it
 * (connect(2) on a datagram socket picks the route and the source address
 * and sends nothing); loopback destinations get loopback, a LAN peer the
 * LAN address, the rest the address of the default route. Without a route
 * (no IPv6 default route, say) the first interface address of the family
 * stands in.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ipLookup } from './ip-lookup.js';
import { realClock, type Clock } from '../clock/clock.js';

/** Whether an address is a wildcard (`0.0.0.0`, `::`): a socket bound to it listens on every address. */
export function isWildcard(a: string): boolean {
  return a === '0.0.0.0' || a === '::' || a === '';
}

/** The wildcard of an address's family (`::` for IPv6, else `0.0.0.0`). */
export function wildcardOf(address: string): string {
  return isIP(address) === 6 ? '::' : '0.0.0.0';
}

/**
 * The address to put in Via and Contact for a socket bound to `bound`
 * when the destination is not known: the bound address itself, or for a
 * wildcard the configured public address, else the first non-internal
 * interface address of the same family, else loopback.
 *
 * @example
 * advertisedAddress('0.0.0.0'); // '192.0.2.2' on a host with that interface
 */
export function advertisedAddress(bound: string, publicAddress?: string): string {
  if (!isWildcard(bound)) return bound;
  if (publicAddress) return publicAddress;
  const v6 = bound === '::';
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.internal) continue;
      if (v6 ? i.family === 'IPv6' && !i.address.startsWith('fe80') : i.family === 'IPv4') return i.address;
    }
  }
  return v6 ? '::1' : '127.0.0.1';
}

/**
 * The local address the kernel would send from towards `ip`, by connecting
 * a UDP socket to it (nothing is sent); undefined when there is no route.
 * Node binds and connects a datagram socket at once when the lookup answers
 * at once (it does here); should that ever take a tick, `later` hears the
 * answer and undefined is returned now.
 *
 * @example
 * routeSource('127.0.0.1'); // '127.0.0.1'
 * routeSource('198.51.100.7'); // '192.0.2.2' (the default route's interface)
 */
export function routeSource(ip: string, later?: (address: string | undefined) => void): string | undefined {
  const family = isIP(ip);
  if (family === 0) return undefined;
  let s: Socket;
  try {
    s = createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: ipLookup });
  } catch {
    return undefined; // no such family here
  }
  let failed = false;
  s.on('error', () => {
    failed = true;
  });
  const read = (): string | undefined => {
    try {
      s.remoteAddress(); // throws unless connected
      const a = s.address().address;
      return isWildcard(a) ? undefined : a;
    } catch {
      return undefined;
    }
  };
  const close = () => {
    try {
      s.close();
    } catch {
      /* closed already */
    }
  };
  try {
    s.connect(9, ip);
  } catch {
    close();
    return undefined;
  }
  const now = read();
  if (now !== undefined || failed || !later) {
    close();
    return now;
  }
  // Not connected yet and no error: a Node that connects on a later tick.
  s.once('connect', () => {
    later(read());
    close();
  });
  s.once('error', () => {
    later(undefined);
    close();
  });
  return undefined;
}

/** How long a route's source address is kept, ms (interfaces and routes change rarely, but they do). */
const TTL_MS = 60_000;
/** Destinations kept at most (the oldest is dropped first). */
const MAX_ENTRIES = 512;

/**
 * The source address per destination IP, kept a minute on an injected
 * clock, with the first interface address of the family when there is no
 * route.
 *
 * @example
 * const sources = new RouteSources(realClock);
 * sources.for('127.0.0.1'); // '127.0.0.1'
 * sources.for('::1');       // '::1'
 */
export class RouteSources {
  private readonly known = new Map<string, { readonly address: string; readonly until: number }>();

  constructor(
    private readonly clock: Clock = realClock,
    private readonly probe: typeof routeSource = routeSource,
  ) {}

  /** The local address towards `ip` (an IP address). */
  for(ip: string): string {
    const now = this.clock.now();
    const hit = this.known.get(ip);
    if (hit && hit.until > now) return hit.address;
    const found = this.probe(ip, (a) => a !== undefined && this.keep(ip, a, this.clock.now()));
    const address = found ?? advertisedAddress(wildcardOf(ip));
    if (found !== undefined) this.keep(ip, found, now);
    return address;
  }

  private keep(ip: string, address: string, now: number): void {
    this.known.delete(ip);
    if (this.known.size >= MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
    this.known.set(ip, { address, until: now + TTL_MS });
  }
}
