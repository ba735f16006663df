/** STUN and NAT traversal (`[stun]` in the ini file). */
import { opt } from '../define.js';

export const stunOptions = [
  opt.address('stun.server', {
    help:
      'STUN server HOST[:PORT] (port 3478 by default) whose answer gives the public address for SIP Contact/Via ' +
      'and SDP; unset: off',
    flag: 'stun',
    argName: 'host[:port]',
  }),
  opt.duration('stun.keepalive', {
    help:
      'interval of the keep-alives (STUN Binding or CRLF) that hold NAT mappings open; keep it below the NAT ' +
      'UDP timeout',
    unit: 's',
    default: 25_000,
    min: 1000,
    argName: 'interval',
  }),
  opt.duration('stun.rto', {
    help: 'initial STUN retransmission timeout RTO, doubled after each retransmission (RFC 5389 7.2.1)',
    unit: 'ms',
    default: 500,
    min: 1,
    max: 60_000,
    argName: 'duration',
  }),
  opt.int('stun.rc', {
    help: 'STUN requests sent before giving up, Rc (RFC 5389 7.2.1)',
    default: 7,
    min: 1,
    max: 16,
    argName: 'count',
  }),
  opt.int('stun.rm', {
    help: 'final wait after the last STUN request, as a multiple of RTO, Rm (RFC 5389 7.2.1)',
    default: 16,
    min: 1,
    max: 64,
    argName: 'factor',
  }),
  opt.int('stun.local-port', {
    help: 'local UDP port `shtoom stun` sends from (0: any free port)',
    default: 0,
    min: 0,
    max: 65535,
    flag: 'local-port',
    env: false,
    ini: false,
    commands: ['stun'],
    argName: 'port',
  }),
] as const;
