/**
 * Locating a SIP server (RFC 3263 4): the order of DNS lookups and of the
 * targets they give, with the DNS itself injected (`SipDns`), so that the
 * logic runs against a fake in the tests. For a host name without a port:
 * NAPTR (when the URI names no transport) for the records of our transport,
 * then SRV (`_sip._udp`, `_sip._tcp`, `_sips._tcp`), then A/AAAA with the
 * transport's default port. A port in the URI skips NAPTR and SRV (4.2).
 *
 * @example
 * const targets = await locateSipServer(dns, { host: 'example.com', transport: 'tcp', naptr: true });
 * // [{ address: '192.0.2.1', port: 5070, how: 'SRV _sip._tcp.example.com → sip1.example.com:5070' }, …]
 */
import { isIP } from 'node:net';
import { DEFAULT_PORT, type TransportKind } from '../sip/transport/types.js';

export interface SrvRecord {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly name: string;
}

export interface NaptrRecord {
  readonly order: number;
  readonly preference: number;
  readonly flags: string;
  readonly service: string;
  readonly replacement: string;
}

/** The DNS lookups locating needs; each resolves with no records (never rejects) when the name has none. */
export interface SipDns {
  naptr(name: string): Promise<readonly NaptrRecord[]>;
  srv(name: string): Promise<readonly SrvRecord[]>;
  /** A then AAAA records of `name`; rejects when it has neither, with the reason. */
  addresses(name: string): Promise<readonly string[]>;
}

export interface LocateQuery {
  /** A host name or an IP address (an IP is its own answer). */
  readonly host: string;
  readonly transport: TransportKind;
  /** The URI's port: NAPTR and SRV are skipped (RFC 3263 4.2). */
  readonly port?: number;
  /** Whether NAPTR may choose the records (the URI names no transport: 4.1). */
  readonly naptr: boolean;
}

export interface LocatedTarget {
  readonly address: string;
  readonly port: number;
  /** How it was found, for logs: `SRV _sip._tcp.example.com → sip1.example.com:5070`. */
  readonly how: string;
}

/** Targets kept at most (every address of every SRV target, in order). */
export const MAX_TARGETS = 16;
/** NAPTR records followed at most. */
const MAX_NAPTR = 8;

/** The NAPTR service (RFC 3263 4.1) and SRV prefix (4.2) of each transport. */
const SERVICE: Partial<Record<TransportKind, { readonly naptr: string; readonly srv: string }>> = {
  udp: { naptr: 'SIP+D2U', srv: '_sip._udp' },
  tcp: { naptr: 'SIP+D2T', srv: '_sip._tcp' },
  tls: { naptr: 'SIPS+D2T', srv: '_sips._tcp' },
};

/**
 * SRV records in the order to try them (RFC 2782): by priority, lowest
 * first; within a priority, a weighted random order (`random` in [0, 1)).
 * A single record with target "." means the service is not offered there.
 */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const usable = records.filter((r) => r.name !== '' && r.name !== '.');
  const priorities = [...new Set(usable.map((r) => r.priority))].sort((a, b) => a - b);
  const out: SrvRecord[] = [];
  for (const p of priorities) {
    // Zero weights first, as RFC 2782 asks, so they keep a small chance when others have weight.
    const left = usable.filter((r) => r.priority === p).sort((a, b) => a.weight - b.weight);
    while (left.length > 0) {
      const total = left.reduce((s, r) => s + r.weight, 0);
      const pick = random() * (total + 1);
      let sum = 0;
      let i = left.findIndex((r) => (sum += r.weight) >= pick);
      if (i < 0) i = left.length - 1;
      out.push(left.splice(i, 1)[0]!);
    }
  }
  return out;
}

function strip(name: string): string {
  return name.replace(/\.$/, '');
}

/**
 * The targets to try for `q`, in order (at most `MAX_TARGETS`); rejects,
 * naming the host, when there is none.
 */
export async function locateSipServer(
  dns: SipDns,
  q: LocateQuery,
  random: () => number = Math.random,
): Promise<LocatedTarget[]> {
  const host = strip(q.host.replace(/^\[|\]$/g, ''));
  const port = q.port ?? DEFAULT_PORT[q.transport];
  if (isIP(host)) return [{ address: host, port, how: 'IP address' }];
  const service = SERVICE[q.transport];
  if (q.port !== undefined || !service) {
    const addresses = await dns.addresses(host);
    return addresses.slice(0, MAX_TARGETS).map((address) => ({ address, port, how: `A/AAAA ${host}` }));
  }
  // 4.1: NAPTR records of our transport's service, with the "s" flag, in order then preference.
  const srvNames: { name: string; how: string }[] = [];
  if (q.naptr) {
    const records = (await dns.naptr(host))
      .filter((r) => r.flags.toLowerCase() === 's' && r.service.toUpperCase() === service.naptr && r.replacement)
      .sort((a, b) => a.order - b.order || a.preference - b.preference)
      .slice(0, MAX_NAPTR);
    for (const r of records)
      srvNames.push({
        name: strip(r.replacement),
        how: `NAPTR ${host} ${service.naptr} → SRV ${strip(r.replacement)}`,
      });
  }
  // 4.2: without a usable NAPTR record, the SRV name of the transport.
  if (srvNames.length === 0) srvNames.push({ name: `${service.srv}.${host}`, how: `SRV ${service.srv}.${host}` });
  const targets: LocatedTarget[] = [];
  let anySrv = false;
  for (const s of srvNames) {
    const records = await dns.srv(s.name);
    if (records.length > 0) anySrv = true;
    for (const r of orderSrv(records, random)) {
      let addresses: readonly string[];
      try {
        addresses = await dns.addresses(strip(r.name));
      } catch {
        continue; // A target without an address: the next one.
      }
      for (const address of addresses)
        targets.push({ address, port: r.port, how: `${s.how} → ${strip(r.name)}:${r.port}` });
      if (targets.length >= MAX_TARGETS) return targets.slice(0, MAX_TARGETS);
    }
  }
  if (targets.length > 0) return targets;
  if (anySrv) throw new Error(`cannot resolve ${host}: no SRV target of ${srvNames[0]!.name} has an address`);
  // 4.2: no SRV records: the host's own A/AAAA records, on the default port.
  const addresses = await dns.addresses(host);
  return addresses.slice(0, MAX_TARGETS).map((address) => ({ address, port, how: `A/AAAA ${host}` }));
}
