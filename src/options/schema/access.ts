/** Who may use `shtoom serve` (`[access]`): digest authentication, source address lists, per-source limits. */
import { opt } from '../define.js';

export const accessOptions = [
  opt.string('access.auth', {
    help:
      'require digest authentication (SHA-256, then MD5 for old clients) for INVITE, MESSAGE, SUBSCRIBE and ' +
      'REFER: an ini file with a [user] section each, holding password or ha1-sha256 / ha1-md5',
    flag: 'auth',
    argName: 'file',
    commands: ['serve'],
  }),
  opt.string('access.auth-rules', {
    help:
      'which Request-URIs need --auth: PATTERN:auth or PATTERN:open, comma-separated, the first whose pattern ' +
      '(the URI user; * and ? wildcards) matches decides, a URI none matches needs it; e.g. voicemail:auth,*:open',
    flag: 'auth-rules',
    argName: 'rules',
    commands: ['serve'],
  }),
  opt.string('access.auth-algorithms', {
    help:
      'digest algorithms offered, in order (RFC 8760: SHA-256 first); only these are accepted: SHA-256 alone ' +
      'refuses MD5, MD5 alone suits clients that take only the first challenge (SIPp)',
    default: 'SHA-256,MD5',
    flag: 'auth-algorithms',
    argName: 'list',
    commands: ['serve'],
  }),
  opt.string('access.allow', {
    help: 'serve only these sources: IP addresses and CIDR prefixes, comma-separated (IPv4 and IPv6)',
    flag: 'allow',
    argName: 'cidr,…',
    commands: ['serve'],
  }),
  opt.string('access.deny', {
    help: 'ignore these sources (checked before --allow): IP addresses and CIDR prefixes, comma-separated',
    flag: 'deny',
    argName: 'cidr,…',
    commands: ['serve'],
  }),
  opt.int('access.rate-limit', {
    help:
      'requests per second one source (an IPv4 address, an IPv6 /64) may send, bursts of twice that; over it ' +
      'the source is ignored for --sip-ban-time; 0 no limit',
    flag: 'sip-rate-limit',
    default: 0,
    min: 0,
    max: 1_000_000,
    argName: 'n',
    commands: ['serve'],
  }),
  opt.int('access.auth-failures', {
    help: 'failed authentications one source may have in a minute before it is ignored for --sip-ban-time; 0 no limit',
    flag: 'sip-auth-failures',
    default: 10,
    min: 0,
    max: 1_000_000,
    argName: 'n',
    commands: ['serve'],
  }),
  opt.duration('access.ban-time', {
    help:
      'how long a source over --sip-rate-limit or --sip-auth-failures is ignored; doubled for each ban within an ' +
      'hour of the last one (at most a day)',
    flag: 'sip-ban-time',
    unit: 's',
    default: 60_000,
    min: 1000,
    max: 86_400_000,
    commands: ['serve'],
  }),
] as const;
