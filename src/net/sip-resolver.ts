/**
 * Host names of SIP destinations to IP addresses, with a small cache on an
 * injected clock: the A/AAAA lookups of a destination whose URI names a
 * port (`resolve`), and RFC 3263 server location, NAPTR then SRV then
 * A/AAAA (`locate`, the order in `sip-locate.ts`), through the system's
 * DNS servers or one named (`--dns-server IP:PORT`). An IP address is its
 * own answer, at once; a name is looked up once a minute at most, and a
 * target that failed goes last for a while.
 */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { realClock, type Clock } from '../clock/clock.js';
import { DEFAULT_PORT } from '../sip/transport/types.js';
import { locateSipServer, type LocatedTarget, type LocateQuery, type SipDns } from './sip-locate.js';

/** Resolve a host name to an IP address (rejects when it cannot). */
export type HostLookup = (host: string) => Promise<string>;

/** The system resolver (A and AAAA through getaddrinfo). */
export const systemLookup: HostLookup = async (host) => (await lookup(host)).address;

/** DNS answers with no records (the name exists without them, or does not exist): an empty list, not an error. */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND', 'ENONAME', 'NXDOMAIN', 'ESERVFAIL', 'EREFUSED', 'ENOTIMP']);

/** The records `q` finds: none when there are none, or (`orNone`) when the DNS cannot be asked at all. */
async function records<T>(q: () => Promise<T[]>, orNone = false): Promise<T[]> {
  try {
    return await q();
  } catch (err) {
    if (orNone || NO_RECORDS.has((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw err;
  }
}

/**
 * The DNS of RFC 3263 through node: the system's servers, or `server`
 * (`IP:PORT`, `[IPv6]:PORT`, or an IP on port 53). A and AAAA come from
 * getaddrinfo without a server (so /etc/hosts counts), from it with one.
 */
export function nodeSipDns(server?: string): SipDns {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  if (server) r.setServers([server]);
  // With the system's servers, a DNS that cannot be reached (an isolated network, a lab on loopback) leaves the
  // name to getaddrinfo (/etc/hosts), as before RFC 3263 lookups: `sip:bob@localhost` keeps working there.
  const orNone = !server;
  return {
    naptr: (name) => records(() => r.resolveNaptr(name), orNone),
    srv: (name) => records(() => r.resolveSrv(name), orNone),
    addresses: async (name) => {
      if (!server) return (await lookup(name, { all: true })).map((a) => a.address);
      const all = [...(await records(() => r.resolve4(name))), ...(await records(() => r.resolve6(name)))];
      if (all.length === 0) throw Object.assign(new Error(`no A or AAAA record`), { code: 'ENODATA' });
      return all;
    },
  };
}

/** How long a target that failed goes last, ms. */
const DOWN_MS = 30_000;

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
  private readonly located = new Map<string, { readonly targets: LocatedTarget[]; readonly until: number }>();
  /** Targets (`address port`) that failed, until when. */
  private readonly down = new Map<string, number>();
  /** The last destination found to be an IP address (most transmits go where the previous one went). */
  private lastIp = '';

  constructor(
    private readonly lookupHost: HostLookup = systemLookup,
    private readonly clock: Clock = realClock,
    private readonly dns?: SipDns,
  ) {}

  /**
   * The targets of an RFC 3263 lookup for `q`, in the order to try them
   * (those that failed lately last); rejects with a one-line error naming
   * the host. Without a DNS (`dns` not given), the A/AAAA answer only.
   */
  async locate(q: LocateQuery): Promise<LocatedTarget[]> {
    const key = `${q.transport} ${q.host} ${q.port ?? ''} ${q.naptr}`;
    const now = this.clock.now();
    let hit = this.located.get(key);
    if (!hit || hit.until <= now) {
      let targets: LocatedTarget[];
      try {
        targets = this.dns
          ? await locateSipServer(this.dns, q)
          : [
              {
                address: await this.lookupHost(q.host),
                port: q.port ?? DEFAULT_PORT[q.transport],
                how: `A/AAAA ${q.host}`,
              },
            ];
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new Error(
          `cannot resolve ${q.host}: ${e.message.startsWith('cannot resolve') ? e.message : (e.code ?? e.message)}`,
        );
      }
      if (targets.length === 0) throw new Error(`cannot resolve ${q.host}: no address`);
      if (this.located.size >= MAX_NAMES) this.located.delete(this.located.keys().next().value!);
      hit = { targets, until: this.clock.now() + TTL_MS };
      this.located.set(key, hit);
    }
    const isDown = (t: LocatedTarget) => (this.down.get(`${t.address} ${t.port}`) ?? 0) > now;
    return [...hit.targets.filter((t) => !isDown(t)), ...hit.targets.filter(isDown)];
  }

  /** `address:port` failed (refused, unreachable): it goes last for a while. */
  markDown(address: string, port: number): void {
    if (this.down.size >= MAX_NAMES) this.down.delete(this.down.keys().next().value!);
    this.down.set(`${address} ${port}`, this.clock.now() + DOWN_MS);
  }

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
