/** Node's SIP transports on real sockets: UDP, TCP and TLS (WebSocket would be added here). */
import { SipTcpTransport, type SipTcpOptions } from './sip-tcp.js';
import { SipUdpTransport } from './sip-udp.js';
import type { SipTransportFactory } from './sip-transport.js';
import { tlsContexts, type TlsContexts } from './tls-settings.js';

/**
 * Real sockets, TCP and TLS with these limits; TLS with `tls` (default:
 * the system's CAs, peers verified, no certificate of ours: TLS connects
 * out only).
 */
export function nodeTransportsWith(tcp: SipTcpOptions, tls?: TlsContexts): SipTransportFactory {
  let contexts = tls;
  return {
    async bind(spec, h) {
      if (spec.transport === 'udp') return SipUdpTransport.bind(spec, h);
      if (spec.transport === 'tcp') return SipTcpTransport.bind(spec, h, tcp);
      if (spec.transport === 'tls') {
        contexts ??= tlsContexts();
        return SipTcpTransport.bind(spec, h, tcp, contexts);
      }
      throw new Error(`SIP transport ${spec.transport} is not available in this version (udp, tcp and tls are)`);
    },
  };
}

/** Real sockets with the default limits. */
export const nodeTransports: SipTransportFactory = nodeTransportsWith({});
