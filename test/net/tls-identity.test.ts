/**
 * Whether a TLS peer's certificate is the one of the host we were sent to
 * (RFC 5922 7), and the words of a failed handshake.
 */
import { describe, expect, it } from 'vitest';
import { altNames, identityMismatch, tlsReason } from '../../src/net/tls-identity.js';

const cert = (subjectaltname?: string, CN?: string) => ({
  ...(subjectaltname !== undefined ? { subjectaltname } : {}),
  subject: CN !== undefined ? { CN } : {},
});

describe("a certificate's names (RFC 5922 7.1, 7.2)", () => {
  it("reads node's subjectaltname, quoted values included", () => {
    expect(altNames('DNS:a.example, IP Address:127.0.0.1, URI:sip:example.com')).toEqual([
      { type: 'DNS', value: 'a.example' },
      { type: 'IP Address', value: '127.0.0.1' },
      { type: 'URI', value: 'sip:example.com' },
    ]);
    expect(altNames('URI:"sip:a,b@example.com", DNS:x')).toEqual([
      { type: 'URI', value: 'sip:a,b@example.com' },
      { type: 'DNS', value: 'x' },
    ]);
    expect(altNames(undefined)).toEqual([]);
  });

  it('a DNS name or a sip: URI host matches, without case and whole', () => {
    expect(identityMismatch('PBX.example.com', cert('DNS:pbx.example.com'))).toBeUndefined();
    expect(identityMismatch('example.com', cert('URI:sip:example.com'))).toBeUndefined();
    expect(identityMismatch('example.com', cert('URI:sips:proxy@example.com:5061;transport=tls'))).toBeUndefined();
    expect(identityMismatch('example.com', cert('DNS:pbx.example.com'))).toMatch(
      /^host name mismatch: the certificate is for DNS:pbx\.example\.com, not example\.com$/,
    );
    expect(identityMismatch('example.com', cert('URI:http://example.com/'))).toMatch(/host name mismatch/);
  });

  it('a wildcard matches nothing (RFC 5922 7.2)', () => {
    expect(identityMismatch('pbx.example.com', cert('DNS:*.example.com'))).toMatch(/host name mismatch/);
  });

  it('the CN counts only without subjectAltName names', () => {
    expect(identityMismatch('pbx.example.com', cert(undefined, 'pbx.example.com'))).toBeUndefined();
    expect(identityMismatch('pbx.example.com', cert('DNS:other.example.com', 'pbx.example.com'))).toMatch(
      /host name mismatch/,
    );
  });

  it('an IP address matches an IP Address entry only (IPv6 in any spelling)', () => {
    expect(identityMismatch('127.0.0.1', cert('DNS:localhost, IP Address:127.0.0.1'))).toBeUndefined();
    expect(identityMismatch('::1', cert('IP Address:0:0:0:0:0:0:0:1'))).toBeUndefined();
    expect(identityMismatch('[::1]', cert('IP Address:0:0:0:0:0:0:0:1'))).toBeUndefined();
    expect(identityMismatch('127.0.0.2', cert('DNS:127.0.0.2, IP Address:127.0.0.1'))).toBe(
      'host name mismatch: the certificate is for DNS:127.0.0.2, IP Address:127.0.0.1, not 127.0.0.2',
    );
    expect(identityMismatch('127.0.0.1', cert(undefined, '127.0.0.1'))).toMatch(/for CN=127\.0\.0\.1, not/);
  });
});

describe('what a failed handshake means', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  it('names an unknown CA, an expired certificate, a host name mismatch, a client certificate asked for', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT'])
      expect(tlsReason(err(code))).toBe(`certificate signed by an unknown CA (${code})`);
    expect(tlsReason(err('CERT_HAS_EXPIRED'))).toBe('certificate expired (CERT_HAS_EXPIRED)');
    expect(tlsReason(err('ERR_TLS_CERT_ALTNAME_INVALID', 'host name mismatch: x'))).toBe('host name mismatch: x');
    expect(tlsReason(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'))).toMatch(
      /requires a client certificate/,
    );
    expect(tlsReason(err('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'))).toBe(
      'the peer does not speak TLS there',
    );
    expect(tlsReason(err('X', 'something odd'))).toBe('TLS handshake failed: something odd');
  });
});
