/**
 * Where a user agent listens: `127.0.0.1:5060` (UDP and TCP), `udp:0.0.0.0:0`,
 * `tcp:[::1]:5070`, `tls:127.0.0.1:5061`, or objects. (Which address a
 * wildcard bind advertises is the edge's business: `src/net/local-address.ts`.)
 * The transports of one entry share its port: a TLS transport without a
 * certificate (it only connects out) goes in an entry with UDP and TCP
 * (`{ transports: ['udp', 'tcp', 'tls'] }`) and advertises their port.
 */
import { isIP } from 'node:net';
import { SipUsageError } from '../errors.js';
import type { TransportKind } from './types.js';

export interface ListenOption {
  /** `udp`, `tcp` or `tls`; UDP and TCP when left out. */
  readonly transport?: TransportKind;
  /** Several transports on one port (instead of `transport`), bound in this order. */
  readonly transports?: readonly TransportKind[];
  /** Local IP (default 0.0.0.0). */
  readonly address?: string;
  /** Local port (default 5060; 0 picks a free one). */
  readonly port?: number;
}

export interface ListenEntry {
  readonly transports: readonly TransportKind[];
  readonly address: string;
  readonly port: number;
}

/** Parse one listen string: `[udp:|tcp:]host:port`, `[::1]:5060`, `host`. */
export function parseListen(text: string): ListenEntry {
  let s = text.trim();
  let transports: TransportKind[] = ['udp', 'tcp'];
  const m = /^(udp|tcp|tls|ws|wss):(?!\d+$)(.*)$/i.exec(s);
  if (m) {
    transports = [m[1]!.toLowerCase() as TransportKind];
    s = m[2]!;
  }
  let address: string;
  let port = 5060;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new SipUsageError(`listen address ${JSON.stringify(text)}: "[" without "]"`);
    address = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest) {
      if (!/^:\d+$/.test(rest)) throw new SipUsageError(`listen address ${JSON.stringify(text)}: bad port`);
      port = Number(rest.slice(1));
    }
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const [h, p] = s.split(':');
    if (!/^\d+$/.test(p!)) throw new SipUsageError(`listen address ${JSON.stringify(text)}: bad port`);
    address = h!;
    port = Number(p);
  } else address = s;
  if (!isIP(address))
    throw new SipUsageError(`listen address ${JSON.stringify(text)}: ${JSON.stringify(address)} is not an IP address`);
  if (port > 65535) throw new SipUsageError(`listen address ${JSON.stringify(text)}: port ${port} is out of range`);
  return { transports, address, port };
}

export function normalizeListen(
  l: string | ListenOption | readonly (string | ListenOption)[] | undefined,
): ListenEntry[] {
  if (l === undefined) return [{ transports: ['udp', 'tcp'], address: '0.0.0.0', port: 5060 }];
  const list = Array.isArray(l) ? l : [l];
  return list.map((x: string | ListenOption) =>
    typeof x === 'string'
      ? parseListen(x)
      : {
          transports: x.transports ? [...x.transports] : x.transport ? [x.transport] : ['udp', 'tcp'],
          address: x.address ?? '0.0.0.0',
          port: x.port ?? 5060,
        },
  );
}
