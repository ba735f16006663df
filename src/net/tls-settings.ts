/**
 * What SIP over TLS (RFC 3261 26, RFC 5630) is configured with: the
 * certificates and keys, the CAs trusted, whether peers are verified —
 * read and checked once, into the secure contexts the TLS transport uses.
 * TLS 1.2 and 1.3 only.
 *
 * @example
 * const tls = tlsContexts(readTlsFiles({ cert: 'server.pem', key: 'server.key', ca: 'ca.pem' }));
 * const transports = nodeTransportsWith({}, tls);
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { LocalError } from '../errors.js';

/** PEM text of what TLS is configured with. */
export interface TlsMaterial {
  /** Our certificate chain (server side; also the client certificate when no other is given). */
  readonly cert?: string;
  readonly key?: string;
  /** CAs to trust (default: the system store, else node's own). */
  readonly ca?: string;
  /** Certificate revocation lists (PEM): a peer certificate they revoke is refused, either way. */
  readonly crl?: string;
  /** Verify the peer's certificate and host name (default true). */
  readonly verify?: boolean;
  /** The certificate and key shown when a server asks for one (mutual TLS); default `cert`/`key`. */
  readonly clientCert?: string;
  readonly clientKey?: string;
  /** As a server, ask clients for a certificate and refuse those without a valid one. */
  readonly requireClientCert?: boolean;
}

/** What a TLS server is made with (checked: the key is the certificate's). */
export interface TlsServerMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  readonly crl?: string;
}

/** The contexts a TLS transport works with. */
export interface TlsContexts {
  /** Set when we have a certificate: the transport listens; else it only connects out. */
  readonly server?: TlsServerMaterial;
  /** The context of connections we open (made on first use when it needs no file of ours: the system CAs). */
  readonly client: () => SecureContext;
  readonly verify: boolean;
  readonly requireClientCert: boolean;
}

/** A TLS setting that cannot be used (a file that cannot be read, PEM that does not parse, a key not the cert's). */
export class TlsSettingsError extends LocalError {}

/** Where Debian (and most Linux systems) keep the system's CA bundle. */
const SYSTEM_CA_FILES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];

/** The system's CA bundle, or undefined when there is none (node's own store is used then). */
export function systemCaBundle(): string | undefined {
  for (const f of SYSTEM_CA_FILES) {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      // next
    }
  }
  return undefined;
}

/** Files named by options, read (`what` names the option in errors: `--tls-cert`). */
export interface TlsFiles {
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly ca?: string | undefined;
  readonly crl?: string | undefined;
  readonly clientCert?: string | undefined;
  readonly clientKey?: string | undefined;
  readonly verify?: boolean | undefined;
  readonly requireClientCert?: boolean | undefined;
}

const FLAGS: Record<keyof Omit<TlsFiles, 'verify' | 'requireClientCert'>, string> = {
  cert: '--tls-cert',
  key: '--tls-key',
  ca: '--tls-ca',
  crl: '--tls-crl',
  clientCert: '--tls-client-cert',
  clientKey: '--tls-client-key',
};

function readPem(file: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TlsSettingsError(`${flag} ${file}: cannot read it (${e.code ?? e.message})`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) throw new TlsSettingsError(`${flag} ${file}: not a PEM file`);
  if (flag === FLAGS.crl && !text.includes('-----BEGIN X509 CRL-----'))
    throw new TlsSettingsError(`${flag} ${file}: holds no CRL (-----BEGIN X509 CRL-----)`);
  return text;
}

/** Read the files the options name; a missing or unreadable one is a `TlsSettingsError` naming it. */
export function readTlsFiles(f: TlsFiles): TlsMaterial {
  const out: Record<string, string | boolean> = {};
  for (const k of Object.keys(FLAGS) as (keyof typeof FLAGS)[]) {
    const file = f[k];
    if (file !== undefined && file !== '') out[k] = readPem(file, FLAGS[k]);
  }
  if (f.verify !== undefined) out.verify = f.verify;
  if (f.requireClientCert !== undefined) out.requireClientCert = f.requireClientCert;
  return out as TlsMaterial;
}

/** Why node refused PEM, in its last words (`key values mismatch`, `no start line`). */
function pemReason(err: unknown): string {
  const m = (err as Error).message;
  return m.replace(/^error:[0-9A-F]+:[^:]*:+/i, '').trim() || m;
}

function context(what: string, o: { cert?: string; key?: string; ca?: string; crl?: string }): SecureContext {
  try {
    return createSecureContext({ ...o, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new TlsSettingsError(`${what}: ${pemReason(err)}`);
  }
}

/**
 * The secure contexts for `m`. A certificate without its key (or the other
 * way round), a key that is not the certificate's, PEM that does not parse:
 * a `TlsSettingsError` naming the options.
 */
export function tlsContexts(m: TlsMaterial = {}): TlsContexts {
  if ((m.cert === undefined) !== (m.key === undefined))
    throw new TlsSettingsError(`${m.cert === undefined ? '--tls-key' : '--tls-cert'}: give --tls-cert and --tls-key`);
  if ((m.clientCert === undefined) !== (m.clientKey === undefined))
    throw new TlsSettingsError(
      `${m.clientCert === undefined ? '--tls-client-key' : '--tls-client-cert'}: ` +
        'give --tls-client-cert and --tls-client-key',
    );
  if (m.requireClientCert && m.cert === undefined)
    throw new TlsSettingsError('--tls-require-client-cert: a TLS server needs --tls-cert and --tls-key');
  if (m.ca !== undefined) context('--tls-ca', { ca: m.ca });
  // A CRL is checked for every certificate of a peer's chain (node sets OpenSSL's CRL_CHECK and CRL_CHECK_ALL):
  // each CA that signs one needs its CRL in the file, else the peer is refused (UNABLE_TO_GET_CRL).
  if (m.crl !== undefined) context('--tls-crl', { crl: m.crl });
  let systemCa: string | undefined | null = null;
  const ca = () => m.ca ?? (systemCa === null ? (systemCa = systemCaBundle()) : systemCa);
  const withCa = () => {
    const c = ca();
    return { ...(c !== undefined ? { ca: c } : {}), ...(m.crl !== undefined ? { crl: m.crl } : {}) };
  };
  let server: TlsServerMaterial | undefined;
  if (m.cert !== undefined) {
    server = { cert: m.cert, key: m.key!, ...withCa() };
    context('--tls-cert/--tls-key', server);
  }
  const clientCert = m.clientCert ?? m.cert;
  const clientKey = m.clientKey ?? m.key;
  const makeClient = () =>
    context(
      m.clientCert !== undefined ? '--tls-client-cert/--tls-client-key' : '--tls-cert/--tls-key',
      clientCert !== undefined ? { cert: clientCert, key: clientKey!, ...withCa() } : withCa(),
    );
  // Files of ours are checked now (a bad one is a usage error before anything runs); the system store alone,
  // which takes a while to load, when a connection first needs it.
  let client = clientCert !== undefined || m.ca !== undefined || m.crl !== undefined ? makeClient() : undefined;
  return {
    ...(server ? { server } : {}),
    client: () => (client ??= makeClient()),
    verify: m.verify ?? true,
    requireClientCert: m.requireClientCert ?? false,
  };
}
