/**
 * UDP sockets for RTP and RTCP: an even port in the configured range for
 * RTP and the next one for RTCP (RFC 3550 11: "RTP SHOULD use an even
 * destination port number and the corresponding RTCP stream SHOULD use the
 * next higher (odd) destination port number"), or one port with rtcp-mux.
 */
import { createSocket, type Socket } from 'node:dgram';
import { ipLookup } from './ip-lookup.js';
import { MediaStateError } from '../rtp/errors.js';

export interface RtpPortOptions {
  /** Local address to bind. Default 0.0.0.0 (`::` style addresses bind IPv6). */
  readonly address?: string;
  readonly portMin?: number;
  readonly portMax?: number;
  /** One socket for RTP and RTCP (RFC 5761). */
  readonly rtcpMux?: boolean;
  /** Ports to try before giving up. Default 50. */
  readonly attempts?: number;
  /** Uniform in [0, 1), to pick ports. Default Math.random. */
  readonly random?: () => number;
}

/** Bound RTP (and RTCP) sockets. */
export interface RtpPorts {
  readonly rtp: Socket;
  readonly rtcp?: Socket;
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

function bind(socket: Socket, port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = () => resolve(false);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(true);
    });
  });
}

function closeSocket(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/**
 * Bind an even RTP port (and RTCP on the next) in the range.
 *
 * @throws MediaStateError when no pair is free after `attempts` tries.
 * @example
 * const ports = await bindRtpPorts({ address: '127.0.0.1', portMin: 16384, portMax: 32767 });
 * const offer = createOffer({ address: '127.0.0.1', port: ports.port, formats });
 */
export async function bindRtpPorts(opts: RtpPortOptions = {}): Promise<RtpPorts> {
  const address = opts.address ?? '0.0.0.0';
  const type = address.includes(':') ? 'udp6' : 'udp4';
  const min = opts.portMin ?? 16384;
  const max = opts.portMax ?? 32767;
  const mux = opts.rtcpMux ?? false;
  const random = opts.random ?? Math.random;
  const first = min + (min % 2);
  const pairs = Math.floor((max - (mux ? 0 : 1) - first) / 2) + 1;
  if (pairs < 1)
    throw new MediaStateError(`RTP port range ${min}-${max} holds no ${mux ? 'even port' : 'even/odd pair'}`);
  const attempts = Math.min(opts.attempts ?? 50, pairs);
  const start = Math.floor(random() * pairs);
  for (let i = 0; i < attempts; i++) {
    const port = first + 2 * ((start + i) % pairs);
    const rtp = createSocket({ type, reuseAddr: false, lookup: ipLookup });
    if (!(await bind(rtp, port, address))) {
      await closeSocket(rtp);
      continue;
    }
    let rtcp: Socket | undefined;
    if (!mux) {
      rtcp = createSocket({ type, reuseAddr: false, lookup: ipLookup });
      if (!(await bind(rtcp, port + 1, address))) {
        await Promise.all([closeSocket(rtp), closeSocket(rtcp)]);
        continue;
      }
    }
    return {
      rtp,
      ...(rtcp ? { rtcp } : {}),
      address,
      port,
      close: async () => {
        await Promise.all([closeSocket(rtp), ...(rtcp ? [closeSocket(rtcp)] : [])]);
      },
    };
  }
  throw new MediaStateError(`no free RTP port ${mux ? '' : 'pair '}in ${min}-${max} after ${attempts} tries`);
}
