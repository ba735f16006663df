/** Node's SIP transports on real sockets: UDP and TCP (TLS and WebSocket would be added here). */
import { SipTcpTransport } from './sip-tcp.js';
import { SipUdpTransport } from './sip-udp.js';
import type { SipTransportFactory } from './sip-transport.js';

export const nodeTransports: SipTransportFactory = {
  async bind(spec, h) {
    if (spec.transport === 'udp') return SipUdpTransport.bind(spec, h);
    if (spec.transport === 'tcp') return SipTcpTransport.bind(spec, h);
    throw new Error(`SIP transport ${spec.transport} is not available in this version (udp and tcp are)`);
  },
};
