/**
 * Which connection addresses (`c=`, and the address of RFC 3605 `a=rtcp`)
 * shtoom sends media to. RFC 8866 5.7 allows a host name there; resolving
 * it would put a DNS lookup, to a name the peer chose, on the media path
 * (one per packet, where the socket resolves names itself). Most stacks
 * refuse names, and so does shtoom:
 *
 * - the address must be an IP literal of the family its address type names
 *   (`IN IP4 192.0.2.1`, `IN IP6 2001:db8::1`);
 * - of our own media address's family: an IPv4 socket cannot reach an IPv6
 *   peer, and answering 200 would make a call in which no media can flow;
 * - not multicast (224.0.0.0/4, ff00::/8) unless allowed, and never the
 *   IPv4 broadcast address (a subnet's directed broadcast is refused by the
 *   kernel: sending to it needs SO_BROADCAST, which RTP sockets do not set).
 *
 * The RFC 3264 8.4 hold address (0.0.0.0, or :: for IPv6) passes: no media
 * is sent to it.
 *
 * @example
 * const why = connectionProblem({ netType: 'IN', addrType: 'IP4', address: 'evil.example' }, '192.0.2.1', false);
 * // 'connection address "evil.example" is a host name: only IP addresses are accepted'
 */
import { isIP } from 'node:net';
import type { Connection } from './types.js';

function isMulticast(ip: string, family: 4 | 6): boolean {
  if (family === 4) {
    const first = Number(ip.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return /^ff[0-9a-f]{2}:/i.test(ip);
}

/**
 * Why media cannot be sent to `c` from a socket of `localAddress`'s family,
 * or undefined when it can.
 */
export function connectionProblem(c: Connection, localAddress: string, allowMulticast: boolean): string | undefined {
  if (c.netType !== 'IN') return `network type "${c.netType}" is not IN`;
  const host = c.address.split('/')[0]!;
  const family = isIP(host);
  if (family === 0) {
    return `connection address ${JSON.stringify(host.slice(0, 64))} is a host name: only IP addresses are accepted`;
  }
  const declared = c.addrType === 'IP6' ? 6 : 4;
  if (family !== declared) return `connection address ${host} is not an ${c.addrType} address`;
  const ours = isIP(localAddress);
  if (ours !== 0 && ours !== family) {
    return `the connection address ${host} is IPv${family}, our media address ${localAddress} is IPv${ours}`;
  }
  if (family === 4 && host === '255.255.255.255') return `connection address ${host} is the broadcast address`;
  if (isMulticast(host, family) && !allowMulticast) return `connection address ${host} is multicast (not allowed)`;
  return undefined;
}
