/**
 * The address lookup every shtoom datagram socket uses. Destinations reach
 * `send` as IP addresses (names are resolved before, once), so they are
 * answered at once: Node's default (`dns.lookup`) defers every datagram by
 * a tick, through the resolver's code, to say that an IP is an IP — a
 * visible share of the CPU of a server sending 50 RTP packets a second per
 * call. Names still go to the system resolver.
 *
 * @example
 * const s = createSocket({ type: 'udp4', lookup: ipLookup });
 */
import type { SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';

type Answer = (err: Error | null, address: string, family: number) => void;

// Most datagrams go where the previous one went: remember the last IP seen.
let lastIp = '';
let lastFamily = 0;

function lookupIp(address: string, family: number, cb: Answer): void {
  if (address !== lastIp) {
    const f = isIP(address);
    if (f === 0) {
      dnsLookup(address, family, cb);
      return;
    }
    lastIp = address;
    lastFamily = f;
  }
  cb(null, address, lastFamily);
}

/** For `dgram.createSocket({ lookup })` (Node calls it as `(address, family, callback)`). */
export const ipLookup = lookupIp as unknown as SocketOptions['lookup'];
