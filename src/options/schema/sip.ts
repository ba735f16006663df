/** Options of the SIP user agent (`[sip]` in the ini file). */
import { opt } from '../define.js';

export const sipOptions = [
  opt.string('sip.address', {
    help:
      'local IP address the SIP transports bind (0.0.0.0 or ::: every address, IPv4 and IPv6; each destination ' +
      'is then told the address we send from towards it)',
    default: '0.0.0.0',
    argName: 'ip',
  }),
  opt.int('sip.port', {
    help: 'local SIP port for UDP and TCP (0 picks a free port)',
    default: 5060,
    min: 0,
    max: 65535,
    argName: 'port',
  }),
  opt.enum('sip.transport', {
    help: 'transport for outgoing requests when the URI does not name one (tls: see --tls-ca)',
    choices: ['udp', 'tcp', 'tls'],
    default: 'udp',
    argName: 'proto',
  }),
  opt.string('sip.dns-server', {
    help:
      'DNS server for locating SIP servers (RFC 3263: NAPTR, SRV, then A/AAAA, for a host name without a ' +
      'port), IP:PORT or an IP (port 53); default the system resolver',
    flag: 'dns-server',
    argName: 'ip:port',
  }),
  opt.string('sip.public-address', {
    help: 'address to advertise in Via, Contact and SDP towards every destination (behind a NAT)',
    argName: 'ip',
  }),
  opt.string('sip.outbound-proxy', {
    help: 'send requests outside dialogs through this proxy URI (pre-loaded Route), e.g. sip:proxy.example.com;lr',
    argName: 'uri',
  }),
  opt.string('sip.user-agent', {
    help: 'User-Agent and Server header value; {version} becomes the version; empty: no such header',
    default: 'shtoom',
    argName: 'text',
    // RFC 3261 25.1: a header value has no control characters (a CR or LF would start a header of its own).
    validate: (v) => (/[\x00-\x1f\x7f]/.test(v) ? 'has a control character' : undefined),
  }),
  opt.duration('sip.t1', {
    help: 'RFC 3261 timer T1, the round-trip estimate that paces retransmissions (64*T1 is the transaction timeout)',
    unit: 'ms',
    default: 500,
    min: 1,
    max: 60_000,
  }),
  opt.duration('sip.t2', {
    help: 'RFC 3261 timer T2, the longest retransmission interval for non-INVITE requests and INVITE responses',
    unit: 'ms',
    default: 4000,
    min: 1,
    max: 600_000,
  }),
  opt.duration('sip.t4', {
    help: 'RFC 3261 timer T4, how long a message may stay in the network',
    unit: 'ms',
    default: 5000,
    min: 1,
    max: 600_000,
  }),
  opt.bool('sip.force-rport', {
    help: 'answer UDP requests to their source address and port even without rport in the Via (NAT-friendly)',
    default: false,
  }),
  opt.int('sip.max-message-size', {
    help: 'largest SIP message accepted, in bytes (larger ones get 513)',
    default: 65535,
    min: 1024,
    max: 1_048_576,
    argName: 'bytes',
  }),
  opt.int('sip.tcp-max-connections', {
    help: 'TCP connections open at once, accepted and ours (capped at half the open-files limit)',
    default: 4096,
    min: 1,
    max: 1_000_000,
    argName: 'n',
  }),
  opt.int('sip.tcp-max-connections-per-source', {
    help: 'TCP connections accepted at once from one IPv4 address or IPv6 /64',
    default: 512,
    min: 1,
    max: 1_000_000,
    argName: 'n',
  }),
  opt.duration('sip.tcp-idle-timeout', {
    help: 'close a TCP connection that carries no SIP message and no CRLF keep-alive for this long; 0 never',
    unit: 's',
    default: 300_000,
    min: 0,
    max: 86_400_000,
  }),
  opt.duration('sip.tcp-message-timeout', {
    help:
      'close a TCP connection whose message is not whole this long after its first byte, or that leaves ' +
      'what we send it unread this long',
    unit: 's',
    default: 30_000,
    min: 1000,
    max: 3_600_000,
  }),
  opt.duration('sip.tcp-keepalive', {
    help: 'TCP keep-alive: probe a silent connection after this long (a dead peer is found 10 s later); 0 off',
    unit: 's',
    default: 30_000,
    min: 0,
    max: 86_400_000,
    // The kernel counts in whole seconds.
    validate: (v) => (v !== 0 && v < 1000 ? 'must be 0 (off) or at least 1s' : undefined),
  }),
  opt.int('sip.tcp-max-queued', {
    help: 'bytes waiting to be sent on one TCP connection before it is closed (a peer that does not read)',
    default: 1_048_576,
    min: 65_536,
    max: 1_073_741_824,
    argName: 'bytes',
  }),
] as const;
