/**
 * Pure IP address helpers shared by the SIP core and the network edge: the
 * groups of an IPv6 address, and the "source" a peer counts as for
 * per-source limits (an IPv4 address, or an IPv6 /64; an IPv4-mapped IPv6
 * address counts as its IPv4 address).
 *
 * @example
 * sourceKey('2001:db8:0:1::5'); // '2001:db8:0:1::/64'
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The groups of an IPv6 address as eight numbers (an embedded IPv4 tail converted), or undefined. */
export function ipv6Groups(address: string): number[] | undefined {
  const a = address.split('%')[0]!;
  if (!isIPv6(a)) return undefined;
  let text = a;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const b = tail[1]!.split('.').map(Number);
    const hi = ((b[0]! << 8) | b[1]!).toString(16);
    const lo = ((b[2]! << 8) | b[3]!).toString(16);
    text = `${text.slice(0, -tail[1]!.length)}${hi}:${lo}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 ? groups : undefined;
}

/** The source a connection from `address` counts against (see the file comment). */
export function sourceKey(address: string): string {
  if (isIPv4(address)) return address;
  const g = ipv6Groups(address);
  if (!g) return address;
  // ::ffff:a.b.c.d
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
