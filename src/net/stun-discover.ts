/**
 * NAT discovery at the edge: resolve the server, open the two UDP sockets
 * the RFC 5780 tests need, run the `NatDiscovery` core on them, close them.
 * This is what `shtoom stun` runs.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { realClock, type Clock } from '../clock/clock.js';
import { realTimers, type TimerHost } from '../clock/timers.js';
import { RemoteError } from '../errors.js';
import { DEFAULT_STUN_PORT } from '../stun/constants.js';
import type { TransportAddress } from '../stun/ip-address.js';
import {
  NatDiscovery,
  type NatDiscoveryEvent,
  type NatDiscoveryOptions,
  type NatDiscoveryResult,
  type NatDiscoveryTransmit,
  type NatSocket,
  type NatTestRecord,
} from '../stun/nat-discovery.js';
import { Driver } from '../clock/drive.js';
import { fromRemoteInfo } from './stun-socket.js';

/** A server name that does not resolve. */
export class StunResolveError extends RemoteError {}

/**
 * The transport address of a STUN server named by host and port (default 3478).
 *
 * @example await resolveStunServer('stun.example.org') // { family: 'IPv4', address: '…', port: 3478 }
 */
export async function resolveStunServer(host: string, port = DEFAULT_STUN_PORT): Promise<TransportAddress> {
  try {
    const r = await lookup(host);
    return { family: r.family === 6 ? 'IPv6' : 'IPv4', address: r.address, port };
  } catch (err) {
    throw new StunResolveError(
      `cannot resolve STUN server ${host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

export interface DiscoverOptions extends Omit<NatDiscoveryOptions, 'local'> {
  /** Local port of the primary socket (0: any). */
  readonly localPort?: number;
  /** Local address to bind (default: all). */
  readonly localAddress?: string;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly timers?: TimerHost;
  /** Hears each test as it completes (for logging). */
  readonly onTest?: (record: NatTestRecord) => void;
  /** Hears each request as it goes out, retransmissions included (for progress). */
  readonly onTransmit?: (t: { readonly socket: NatSocket; readonly to: TransportAddress }) => void;
}

function bind(family: 'IPv4' | 'IPv6', port: number, address: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(family === 'IPv6' ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(port, address, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/** The local address the routing table picks to reach `server` (a connected probe socket, never sent on). */
async function routeSource(server: TransportAddress): Promise<string | undefined> {
  const s = createSocket(server.family === 'IPv6' ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.connect(server.port, server.address, () => resolve());
    });
    return s.address().address;
  } catch {
    return undefined;
  } finally {
    s.close();
  }
}

/**
 * Run RFC 5780 discovery against `server`. Rejects with a
 * `StunTransactionError` when the server does not answer or answers with an
 * error, and with an `AbortError` when `signal` fires.
 *
 * @example
 * const r = await discoverNat(await resolveStunServer('198.51.100.2'));
 * console.log(r.mapped, r.natType, r.rtt);
 */
export async function discoverNat(
  server: TransportAddress,
  options: DiscoverOptions = {},
): Promise<NatDiscoveryResult> {
  const sockets: Partial<Record<NatSocket, Socket>> = {};
  try {
    const bindAddress = options.localAddress ?? (server.family === 'IPv6' ? '::' : '0.0.0.0');
    sockets.primary = await bind(server.family, options.localPort ?? 0, bindAddress);
    sockets.filter = await bind(server.family, 0, bindAddress);
    const port = sockets.primary.address().port;
    const isWildcard = bindAddress === '0.0.0.0' || bindAddress === '::';
    const localIp = isWildcard ? await routeSource(server) : bindAddress;
    const local: TransportAddress | undefined = localIp ? { family: server.family, address: localIp, port } : undefined;
    const core = new NatDiscovery(server, { ...options, local });
    return await new Promise<NatDiscoveryResult>((resolve, reject) => {
      let driver!: Driver<NatDiscoveryTransmit, NatDiscoveryEvent>;
      const onAbort = () => {
        driver.close();
        reject(options.signal!.reason ?? new DOMException('aborted', 'AbortError'));
      };
      driver = new Driver(
        core,
        {
          transmit: (t) => {
            sockets[t.socket]!.send(t.bytes, t.to.port, t.to.address);
            options.onTransmit?.(t);
          },
          event: (e) => {
            if (e.type === 'test') return options.onTest?.(e.record);
            options.signal?.removeEventListener('abort', onAbort);
            driver.close();
            if (e.type === 'done') resolve(e.result);
            else reject(e.error);
          },
        },
        options.clock ?? realClock,
        options.timers ?? realTimers,
      );
      for (const name of ['primary', 'filter'] as const) {
        const s = sockets[name]!;
        s.on('message', (msg, rinfo) =>
          driver.input((now) => core.handleDatagram(name, msg, fromRemoteInfo(rinfo), now)),
        );
        // A send to an unreachable address is as good as a lost datagram: the retransmissions
        // and the final timeout decide.
        s.on('error', () => {});
      }
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // The bound sockets keep the process alive while the (unref'ed) timer waits.
      driver.input((now) => core.start(now));
    });
  } finally {
    for (const s of Object.values(sockets)) s?.close();
  }
}
