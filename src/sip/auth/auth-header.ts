/**
 * WWW-Authenticate / Proxy-Authenticate challenges and Authorization /
 * Proxy-Authorization credentials (RFC 3261 20.27, 20.28, 20.44, 20.7; RFC
 * 2617 3.2; RFC 7616 3.3-3.4): a scheme and comma-separated `name=value`
 * parameters whose values are tokens or quoted strings.
 *
 * @example
 * parseAuthHeader('Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth", algorithm=MD5')
 * // { scheme: 'Digest', params: { realm: 'atlanta.com', nonce: '84a4cc6f', qop: 'auth', algorithm: 'MD5' } }
 */
import { SipParseError } from '../errors.js';
import { quote, readQuoted, skipWs } from '../message/grammar.js';

export interface AuthHeader {
  readonly scheme: string;
  /** Parameter names in lower case, values unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

export function parseAuthHeader(value: string): AuthHeader {
  const s = value.trim();
  const sp = s.search(/[ \t]/);
  const scheme = sp < 0 ? s : s.slice(0, sp);
  if (!/^[A-Za-z0-9._~+-]+$/.test(scheme))
    throw new SipParseError(`bad authentication scheme in ${JSON.stringify(value.slice(0, 40))}`, 400, 'auth');
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = sp < 0 ? s.length : skipWs(s, sp);
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0)
      throw new SipParseError(
        `authentication parameter without "=" in ${JSON.stringify(value.slice(0, 60))}`,
        400,
        'auth',
      );
    const name = s.slice(i, eq).trim().toLowerCase();
    if (!/^[a-z0-9._~+-]+$/.test(name))
      throw new SipParseError(`bad authentication parameter name ${JSON.stringify(name)}`, 400, 'auth');
    i = skipWs(s, eq + 1);
    let v: string;
    if (s[i] === '"') {
      const q = readQuoted(s, i);
      if (!q) throw new SipParseError(`unterminated quoted value of ${name}`, 400, 'auth');
      v = q.value;
      i = q.end;
    } else {
      let j = i;
      while (j < s.length && s[j] !== ',' && s[j] !== ' ' && s[j] !== '\t') j++;
      v = s.slice(i, j);
      i = j;
    }
    params[name] = v;
    i = skipWs(s, i);
    if (i < s.length) {
      if (s[i] !== ',')
        throw new SipParseError(
          `expected "," between authentication parameters in ${JSON.stringify(value.slice(0, 60))}`,
          400,
          'auth',
        );
      i = skipWs(s, i + 1);
    }
  }
  return { scheme, params };
}

/** Parameters of credentials written unquoted (RFC 2617 3.2.2, RFC 7616 3.4); the rest are quoted strings. */
export const CREDENTIALS_UNQUOTED: ReadonlySet<string> = new Set(['algorithm', 'qop', 'nc', 'userhash']);
/** In challenges qop is a quoted list (RFC 7616 3.3). */
export const CHALLENGE_UNQUOTED: ReadonlySet<string> = new Set(['algorithm', 'stale', 'userhash']);

export function formatAuthHeader(
  scheme: string,
  params: readonly (readonly [string, string | undefined])[],
  unquoted: ReadonlySet<string> = CREDENTIALS_UNQUOTED,
): string {
  const parts: string[] = [];
  for (const [n, v] of params) {
    if (v === undefined) continue;
    parts.push(`${n}=${unquoted.has(n) ? v : quote(v)}`);
  }
  return `${scheme} ${parts.join(', ')}`;
}
