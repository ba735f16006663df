/** SIP over TLS (`[tls]` in the ini file): certificates, trusted CAs, verification, the TLS port. */
import { opt } from '../define.js';

export const tlsOptions = [
  opt.string('tls.cert', {
    help:
      'our TLS certificate chain (PEM file): with --tls-key, SIP listens for TLS on --tls-port (serve: or a ' +
      'tls: --listen entry) and shows it to servers that ask for a client certificate',
    argName: 'file',
  }),
  opt.string('tls.key', {
    help: 'the private key of --tls-cert (PEM file)',
    argName: 'file',
  }),
  opt.string('tls.ca', {
    help: 'CA certificates to trust (PEM bundle); default the system store',
    argName: 'file',
  }),
  opt.string('tls.crl', {
    help:
      'certificate revocation lists (PEM file, one or more CRLs, one for each CA of the chains checked): a peer ' +
      'certificate they revoke is refused, as a client and as a server (mutual TLS)',
    argName: 'file',
  }),
  opt.enum('tls.verify', {
    help:
      "verify a TLS peer's certificate against the CAs and its host name against the URI's (RFC 5922); " +
      'off accepts anyone (a warning is printed)',
    choices: ['on', 'off'],
    default: 'on',
    argName: 'on|off',
  }),
  opt.string('tls.client-cert', {
    help: 'the certificate (PEM) shown to a TLS server that asks for one (mutual TLS); default --tls-cert',
    argName: 'file',
  }),
  opt.string('tls.client-key', {
    help: 'the private key of --tls-client-cert (PEM file)',
    argName: 'file',
  }),
  opt.bool('tls.require-client-cert', {
    help: 'as a TLS server, refuse clients without a certificate signed by a trusted CA (--tls-ca)',
    default: false,
  }),
  opt.int('tls.port', {
    help:
      'port SIP listens for TLS on when --tls-cert is given (0 picks a free one; by default 5061, or a free ' +
      'one when the SIP port is 0, as for client commands)',
    default: 5061,
    min: 0,
    max: 65535,
    argName: 'port',
  }),
] as const;
