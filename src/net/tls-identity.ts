/**
 * Whose certificate a TLS peer showed, and whether it is the one we meant
 * to reach (RFC 5922 7: SIP domain authentication), plus the words for a
 * failed handshake. Pure functions on what `node:tls` reports.
 *
 * RFC 5922 7.1: "If the certificate contains a subjectAltName extension
 * with a uniformResourceIdentifier of the sip scheme, the host is a SIP
 * domain identity; ... dNSName entries are SIP domain identities too; only
 * when there is no subjectAltName is the CN used." 7.2: identities are
 * compared without case, whole (no wildcards). An IP address (what a
 * loopback test or a LAN phone dials) is matched against iPAddress entries,
 * as RFC 5280 describes.
 *
 * @example
 * const why = identityMismatch('pbx.example.com', socket.getPeerCertificate());
 * if (why) socket.destroy(new Error(why));
 */
import { isIP } from 'node:net';

/** What of `tls.PeerCertificate` the check reads. */
export interface CertificateNames {
  /** `DNS:a.example, IP Address:127.0.0.1, URI:sip:example.com` (node's rendering). */
  readonly subjectaltname?: string;
  readonly subject?: { readonly CN?: string | string[] };
}

export interface AltName {
  readonly type: string;
  readonly value: string;
}

/** The entries of node's `subjectaltname` string (quoted values, node ≥ 17, unquoted). */
export function altNames(san: string | undefined): AltName[] {
  if (!san) return [];
  const out: AltName[] = [];
  let i = 0;
  while (i < san.length) {
    const colon = san.indexOf(':', i);
    if (colon < 0) break;
    const type = san.slice(i, colon).trim();
    let value: string;
    let next: number;
    if (san[colon + 1] === '"') {
      // A value with a comma or a quote is written as a JSON string.
      let j = colon + 2;
      while (j < san.length && san[j] !== '"') j += san[j] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(san.slice(colon + 1, j + 1)) as string;
      } catch {
        value = san.slice(colon + 2, j);
      }
      next = san.indexOf(',', j);
    } else {
      next = san.indexOf(',', colon);
      value = san.slice(colon + 1, next < 0 ? undefined : next);
    }
    out.push({ type, value: value.trim() });
    if (next < 0) break;
    i = next + 1;
  }
  return out;
}

/** The host of a `sip:`/`sips:` URI entry, or undefined for another scheme. */
function sipUriHost(uri: string): string | undefined {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;?]+)/i.exec(uri);
  return m ? m[1]!.replace(/^\[|\]$/g, '') : undefined;
}

/** An IP address in a canonical spelling, to compare IPv6 written two ways. */
function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head, tail] = ip.toLowerCase().split('::') as [string, string?];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** The identities of a certificate for a host of this kind, for the message when none matches. */
function identities(cert: CertificateNames): string[] {
  const alt = altNames(cert.subjectaltname).map((a) => `${a.type}:${a.value}`);
  if (alt.length > 0) return alt;
  const cn = cert.subject?.CN;
  return cn === undefined ? [] : (Array.isArray(cn) ? cn : [cn]).map((c) => `CN=${c}`);
}

/**
 * Why the certificate is not `host`'s (a host name or an IP address, the
 * host of the URI we were sent to), or undefined when it is.
 */
export function identityMismatch(host: string, cert: CertificateNames): string | undefined {
  const want = host.replace(/^\[|\]$/g, '').toLowerCase();
  const alt = altNames(cert.subjectaltname);
  if (isIP(want)) {
    const ip = canonicalIp(want);
    if (alt.some((a) => a.type === 'IP Address' && canonicalIp(a.value.toLowerCase()) === ip)) return undefined;
  } else {
    const names = alt.flatMap((a) =>
      a.type === 'DNS' ? [a.value] : a.type === 'URI' ? [sipUriHost(a.value) ?? ''] : [],
    );
    const hasNames = alt.some((a) => a.type === 'DNS' || (a.type === 'URI' && sipUriHost(a.value) !== undefined));
    // RFC 5922 7.1: the CN counts only when the certificate has no subjectAltName identity.
    const cn = cert.subject?.CN;
    const candidates = hasNames ? names : cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
    // 7.2: whole names, without case; a wildcard matches nothing.
    if (candidates.some((n) => n.toLowerCase().replace(/\.$/, '') === want.replace(/\.$/, ''))) return undefined;
  }
  const ids = identities(cert);
  return `host name mismatch: the certificate is for ${ids.length > 0 ? ids.join(', ') : 'no name'}, not ${host}`;
}

/** OpenSSL's verification codes that mean "we do not trust who signed it". */
const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** What a TLS failure means, in a few words (the code kept in brackets). */
export function tlsReason(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  if (UNKNOWN_CA.has(code)) return `certificate signed by an unknown CA (${code})`;
  if (code === 'CERT_REVOKED') return 'certificate revoked (CERT_REVOKED, by --tls-crl)';
  if (code === 'UNABLE_TO_GET_CRL') return 'no CRL in --tls-crl for a CA of its chain (UNABLE_TO_GET_CRL)';
  if (code === 'CRL_HAS_EXPIRED') return 'a CRL of --tls-crl has expired (CRL_HAS_EXPIRED): renew it';
  if (code === 'CRL_NOT_YET_VALID') return 'a CRL of --tls-crl is not yet valid (CRL_NOT_YET_VALID)';
  if (code === 'CERT_HAS_EXPIRED') return 'certificate expired (CERT_HAS_EXPIRED)';
  if (code === 'CERT_NOT_YET_VALID') return 'certificate not yet valid (CERT_NOT_YET_VALID)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /^host name mismatch/.test(err.message)) return err.message;
  if (/CERTIFICATE_REQUIRED|PEER_DID_NOT_RETURN_A_CERTIFICATE/i.test(code + err.message))
    return 'the peer requires a client certificate (give --tls-client-cert and --tls-client-key)';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'TLS handshake timed out';
  if (code === 'ECONNRESET') return 'the connection was reset during the TLS handshake';
  if (/wrong version number|packet length too long|unknown protocol/i.test(err.message))
    return 'the peer does not speak TLS there';
  if (/alert unknown ca|alert bad certificate|alert certificate unknown/i.test(err.message))
    return `the peer refused our certificate (${err.message.replace(/^.*:(?=[^:]*$)/, '').trim()})`;
  return `TLS handshake failed: ${err.message}`;
}
