/** Node's SIP transports on real sockets: UDP and TCP (TLS and WebSocket would be added here). */
import { SipTcpTransport, type SipTcpOptions } from './sip-tcp.js';
import { SipUdpTransport } from './sip-udp.js';
import type { SipTransportFactory } from './sip-transport.js';

/** Real sockets, TCP with these limits. */
export function nodeTransportsWith(tcp: SipTcpOptions): SipTransportFactory {
  return {
    async bind(spec, h) {
      if (spec.transport === 'udp') return SipUdpTransport.bind(spec, h);
      if (spec.transport === 'tcp') return SipTcpTransport.bind(spec, h, tcp);
      throw new Error(`SIP transport ${spec.transport} is not available in this version (udp and tcp are)`);
    },
  };
}

/** Real sockets with the default limits. */
export const nodeTransports: SipTransportFactory = nodeTransportsWith({});
