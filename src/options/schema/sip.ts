/** Options of the SIP user agent (`[sip]` in the ini file). */
import { opt } from '../define.js';

export const sipOptions = [
  opt.string('sip.address', {
    help: 'local IP address the SIP transports bind (0.0.0.0 or :: for all)',
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
    help: 'transport for outgoing requests when the URI does not name one',
    choices: ['udp', 'tcp'],
    default: 'udp',
    argName: 'proto',
  }),
] as const;
