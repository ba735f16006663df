/**
 * Which address to advertise for a socket bound to a wildcard address: the
 * configured public address, else the first non-internal interface address
 * of the same family, else loopback.
 */
import { networkInterfaces } from 'node:os';

function isWildcard(a: string): boolean {
  return a === '0.0.0.0' || a === '::' || a === '';
}

/**
 * The address to put in Via and Contact for a socket bound to `bound`: the
 * bound address itself, or for a wildcard the configured public address,
 * else the first non-internal interface address of the same family, else
 * loopback.
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
