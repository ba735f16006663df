/**
 * Host names of SIP destinations to IP addresses (the A/AAAA part of RFC
 * 3263), with a small cache on an injected clock. An IP address is its
 * own answer, at once; a name is looked up once a minute at most.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { realClock, type Clock } from '../clock/clock.js';

/** Resolve a host name to an IP address (rejects when it cannot). */
export type HostLookup = (host: string) => Promise<string>;

/** The system resolver (A and AAAA through getaddrinfo). */
export const systemLookup: HostLookup = async (host) => (await lookup(host)).address;

/** How long an answer is kept, ms. */
const TTL_MS = 60_000;
/** Names kept at most (the oldest is dropped first). */
const MAX_NAMES = 256;

/**
 * @example
 * const r = new SipResolver(systemLookup, realClock);
 * const ip = r.cached('127.0.0.1') ?? (await r.resolve('pbx.example.com'));
 */
export class SipResolver {
  private readonly names = new Map<string, { readonly address: string; readonly until: number }>();
  /** The last destination found to be an IP address (most transmits go where the previous one went). */
  private lastIp = '';

  constructor(
    private readonly lookupHost: HostLookup = systemLookup,
    private readonly clock: Clock = realClock,
  ) {}

  /** The address of `host` when known without asking: an IP address, or a name answered recently. */
  cached(host: string): string | undefined {
    if (host === this.lastIp) return host;
    if (isIP(host)) {
      this.lastIp = host;
      return host;
    }
    const hit = this.names.get(host);
    return hit && hit.until > this.clock.now() ? hit.address : undefined;
  }

  /** Look `host` up (rejects with a one-line error naming it). */
  async resolve(host: string): Promise<string> {
    const known = this.cached(host);
    if (known !== undefined) return known;
    let address: string;
    try {
      address = await this.lookupHost(host);
    } catch (err) {
      throw new Error(`cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (this.names.size >= MAX_NAMES) this.names.delete(this.names.keys().next().value!);
    this.names.set(host, { address, until: this.clock.now() + TTL_MS });
    return address;
  }
}
