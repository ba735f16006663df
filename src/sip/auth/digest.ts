/**
 * HTTP Digest as SIP uses it (RFC 3261 22.4; RFC 2617 3.2.2; RFC 7616 3.4):
 * the response hash for MD5, SHA-256 and SHA-512-256, their -sess forms,
 * and qop=auth / auth-int.
 *
 * @example
 * digestResponse({ algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life',
 *   method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001',
 *   cnonce: '0a4f113b' }); // '6629fae49393a05397450978507c4ef1' (RFC 2617 3.5)
 */
import { createHash } from 'node:crypto';

export const DIGEST_ALGORITHMS = [
  'SHA-512-256',
  'SHA-512-256-sess',
  'SHA-256',
  'SHA-256-sess',
  'MD5',
  'MD5-sess',
] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** The algorithm named in a challenge (RFC 7616: absent means MD5), or undefined when we do not know it. */
export function parseAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined) return 'MD5';
  return DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === name.toLowerCase());
}

/** Preference when a server offers several (RFC 7616 3.7: the strongest the client supports). */
export function algorithmRank(a: DigestAlgorithm): number {
  return DIGEST_ALGORITHMS.length - DIGEST_ALGORITHMS.indexOf(a);
}

const NODE_HASH: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

export function hashHex(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  const base = algorithm.replace(/-sess$/i, '');
  return createHash(NODE_HASH[base]!).update(data).digest('hex');
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  /** The password, or '' when `ha1` is given. */
  readonly password: string;
  /**
   * H(username:realm:password) in the algorithm's hash, stored instead of the
   * password (RFC 7616 3.4.2: "the server ... MAY store ... H(A1)").
   */
  readonly ha1?: string;
  readonly method: string;
  /** The digest-uri: the Request-URI as written in the request. */
  readonly uri: string;
  readonly nonce: string;
  /** `auth`, `auth-int`, or undefined for the RFC 2069 form. */
  readonly qop?: 'auth' | 'auth-int';
  /** 8 hex digits. */
  readonly nc?: string;
  readonly cnonce?: string;
  /** The message body, for auth-int. */
  readonly body?: Uint8Array;
}

/** H(A1) (RFC 7616 3.4.2), including the -sess form. */
export function ha1(
  i: Pick<DigestInput, 'algorithm' | 'username' | 'realm' | 'password' | 'ha1' | 'nonce' | 'cnonce'>,
): string {
  const h = i.ha1?.toLowerCase() ?? hashHex(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  if (!i.algorithm.toLowerCase().endsWith('-sess')) return h;
  return hashHex(i.algorithm, `${h}:${i.nonce}:${i.cnonce ?? ''}`);
}

/** The `response` parameter (RFC 7616 3.4.1). */
export function digestResponse(i: DigestInput): string {
  const a1 = ha1(i);
  const a2 =
    i.qop === 'auth-int'
      ? `${i.method}:${i.uri}:${hashHex(i.algorithm, i.body ?? new Uint8Array(0))}`
      : `${i.method}:${i.uri}`;
  const h2 = hashHex(i.algorithm, a2);
  if (i.qop) return hashHex(i.algorithm, `${a1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${h2}`);
  return hashHex(i.algorithm, `${a1}:${i.nonce}:${h2}`);
}
