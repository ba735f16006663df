/**
 * URIs (RFC 3261 19.1, 25.1; RFC 3966 for tel): parse, format and compare.
 *
 * Components are stored decoded (`%41` becomes `A`) and formatted with the
 * escapes each component needs, so `parseUri(formatUri(u))` equals `u`.
 * Hosts keep their spelling; IPv6 references are stored without brackets.
 *
 * @example
 * const u = parseUri('sip:alice@[2001:db8::1]:5070;transport=tcp');
 * // { kind: 'sip', scheme: 'sip', user: 'alice', host: '2001:db8::1', port: 5070, params: [['transport','tcp']],
 * headers: [] }
 * formatUri(u); // 'sip:alice@[2001:db8::1]:5070;transport=tcp'
 */
import { SipUriError } from '../errors.js';
import {
  codeAt,
  escapedOnly,
  escapeUri,
  HNV,
  HOST,
  inTable,
  PARAMCHAR,
  PASSWORD,
  SCHEME,
  unescapeUri,
  USER,
} from './grammar.js';
import { getParam, type Param, type Params } from './params.js';

export interface SipUri {
  readonly kind: 'sip';
  readonly scheme: 'sip' | 'sips';
  readonly user?: string;
  readonly password?: string;
  /** Host name, IPv4 address, or IPv6 address without brackets. */
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  /** URI headers (`?Subject=x&Priority=urgent`), decoded. */
  readonly headers: Params;
}

/** RFC 3966 tel URI: the number as written (visual separators kept) and its parameters. */
export interface TelUri {
  readonly kind: 'tel';
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: Params;
}

/** Any other absolute URI (`http:`, `urn:`, `isbn:`…): kept as opaque text after the colon. */
export interface OtherUri {
  readonly kind: 'other';
  readonly scheme: string;
  readonly value: string;
}

export type Uri = SipUri | TelUri | OtherUri;

function fail(text: string, why: string): never {
  throw new SipUriError(`invalid URI ${JSON.stringify(text.length > 80 ? text.slice(0, 80) + '…' : text)}: ${why}`);
}

/** Whether `s` is an IPv6 address written the loose way RFC 5118 4.10 asks us to tolerate. */
export function looksLikeIpv6(s: string): boolean {
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s) && s.length >= 2;
}

/** The scheme of `text` (lower case), checked; `colon` is the index of its first colon. */
function schemeOf(text: string, colon: number): string {
  // The usual spellings without a new string each time.
  if (colon === 3 && text.startsWith('sip')) return 'sip';
  if (colon === 4 && text.startsWith('sips')) return 'sips';
  const scheme = text.slice(0, colon).toLowerCase();
  for (let i = 0; i < scheme.length; i++) {
    if (!inTable(SCHEME, scheme.charCodeAt(i)) || (i === 0 && !/[a-z]/.test(scheme[0]!))) fail(text, 'bad scheme');
  }
  return scheme;
}

/** Parse any URI: sip/sips, tel, or another absolute URI. Throws `SipUriError`. */
export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) fail(text, 'no scheme');
  const scheme = schemeOf(text, colon);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 127) fail(text, 'whitespace or control character inside the URI');
  }
  if (scheme === 'sip' || scheme === 'sips') return parseSipRest(text, scheme, colon + 1);
  const rest = text.slice(colon + 1);
  if (scheme === 'tel') return parseTelRest(text, rest);
  if (rest.length === 0) fail(text, 'empty URI after the scheme');
  return { kind: 'other', scheme, value: rest };
}

/** Parse a sip: or sips: URI; throws when it is another scheme. */
export function parseSipUri(text: string): SipUri {
  const u = parseUri(text);
  if (u.kind !== 'sip') fail(text, `expected a sip: or sips: URI, got ${u.scheme}:`);
  return u;
}

function decode(text: string, part: string, what: string): string {
  const d = unescapeUri(part);
  if (d === undefined) fail(text, `bad %-escape in ${what}`);
  return d;
}

/** The sip: or sips: URI in `text` after its scheme, from `from`. */
function parseSipRest(text: string, scheme: 'sip' | 'sips', from: number): SipUri {
  const s = text;
  const n = s.length;
  let i = from;
  let user: string | undefined;
  let password: string | undefined;
  const at = s.indexOf('@', from);
  if (at >= 0) {
    const pc = s.indexOf(':', from);
    const userEnd = pc >= 0 && pc < at ? pc : at;
    const u = s.slice(from, userEnd);
    if (u.length === 0) fail(text, 'empty user before "@"');
    if (!escapedOnly(u, USER)) fail(text, 'character not allowed in the user part');
    user = decode(text, u, 'the user part');
    if (userEnd < at) {
      const p = s.slice(userEnd + 1, at);
      if (!escapedOnly(p, PASSWORD)) fail(text, 'character not allowed in the password');
      password = decode(text, p, 'the password');
    }
    i = at + 1;
  }
  let host: string;
  if (codeAt(s, i) === 91 /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) fail(text, 'IPv6 reference without "]"');
    host = s.slice(i + 1, close);
    if (!looksLikeIpv6(host)) fail(text, 'bad IPv6 reference');
    i = close + 1;
  } else {
    const start = i;
    while (i < n && inTable(HOST, s.charCodeAt(i))) i++;
    host = s.slice(start, i);
    if (host.length === 0) fail(text, 'no host');
    if (host.startsWith('-') || host.startsWith('.') || host.includes('..')) fail(text, 'bad host name');
  }
  let port: number | undefined;
  if (codeAt(s, i) === 58 /* : */) {
    const start = ++i;
    let value = 0;
    for (let c = codeAt(s, i); c >= 48 && c <= 57; c = codeAt(s, ++i)) value = value * 10 + (c - 48);
    if (i === start || i - start > 5 || value > 65535) fail(text, 'bad port');
    port = value;
  }
  const params: Param[] = [];
  while (codeAt(s, i) === 59 /* ; */) {
    let j = i + 1;
    for (let c = codeAt(s, j); c >= 0 && c !== 59 && c !== 63 /* ? */; c = codeAt(s, ++j));
    const eq = s.indexOf('=', i + 1);
    const nameEnd = eq >= 0 && eq < j ? eq : j;
    const rawName = s.slice(i + 1, nameEnd);
    if (rawName.length === 0 || !escapedOnly(rawName, PARAMCHAR)) fail(text, 'empty or bad URI parameter name');
    let value: string | null = null;
    if (nameEnd < j) {
      const rawValue = s.slice(nameEnd + 1, j);
      if (rawValue.length === 0 || !escapedOnly(rawValue, PARAMCHAR))
        fail(text, `bad value of URI parameter ${rawName}`);
      value = decode(text, rawValue, 'a URI parameter');
    }
    params.push([decode(text, rawName, 'a URI parameter'), value]);
    i = j;
  }
  const headers: Param[] = [];
  if (codeAt(s, i) === 63 /* ? */) {
    const parts = s.slice(i + 1).split('&');
    for (const h of parts) {
      const eq = h.indexOf('=');
      if (eq <= 0) fail(text, 'URI header without "name="');
      const hn = h.slice(0, eq);
      const hv = h.slice(eq + 1);
      if (!escapedOnly(hn, HNV) || !escapedOnly(hv, HNV)) fail(text, 'character not allowed in a URI header');
      headers.push([decode(text, hn, 'a URI header'), decode(text, hv, 'a URI header')]);
    }
    i = n;
  }
  if (i !== n) fail(text, `unexpected ${JSON.stringify(s[i])}`);
  // Optional parts are left out rather than set to undefined, and the keys keep this order.
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = { kind: 'sip', scheme } as SipUri;
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  uri.host = host;
  if (port !== undefined) uri.port = port;
  uri.params = params;
  uri.headers = headers;
  return uri;
}

function parseTelRest(text: string, s: string): TelUri {
  const parts = s.split(';');
  const number = parts[0]!;
  if (!/^(\+[0-9().-]*[0-9][0-9().-]*|[0-9A-Fa-f*#().-]+)$/.test(number)) fail(text, 'bad telephone number');
  const params: Param[] = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    const n = eq >= 0 ? p.slice(0, eq) : p;
    if (!/^[A-Za-z0-9-]+$/.test(n)) fail(text, 'bad tel parameter');
    params.push([n, eq >= 0 ? decode(text, p.slice(eq + 1), 'a tel parameter') : null]);
  }
  return { kind: 'tel', scheme: 'tel', number, params };
}

/** Host for a URI or Via: IPv6 addresses get their brackets back. */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function formatUri(u: Uri): string {
  if (u.kind === 'other') return `${u.scheme}:${u.value}`;
  if (u.kind === 'tel') {
    let s = `tel:${u.number}`;
    for (const [n, v] of u.params) s += v === null ? `;${n}` : `;${n}=${escapeUri(v, PARAMCHAR)}`;
    return s;
  }
  let s = `${u.scheme}:`;
  if (u.user !== undefined) {
    s += escapeUri(u.user, USER);
    if (u.password !== undefined) s += `:${escapeUri(u.password, PASSWORD)}`;
    s += '@';
  }
  s += formatHost(u.host);
  if (u.port !== undefined) s += `:${u.port}`;
  for (const [n, v] of u.params)
    s += v === null ? `;${escapeUri(n, PARAMCHAR)}` : `;${escapeUri(n, PARAMCHAR)}=${escapeUri(v, PARAMCHAR)}`;
  if (u.headers.length > 0)
    s += '?' + u.headers.map(([n, v]) => `${escapeUri(n, HNV)}=${escapeUri(v ?? '', HNV)}`).join('&');
  return s;
}

/** Build a SIP URI from parts (params and headers default to none). */
export function sipUri(
  parts: Omit<SipUri, 'kind' | 'scheme' | 'params' | 'headers'> &
    Partial<Pick<SipUri, 'scheme' | 'params' | 'headers'>>,
): SipUri {
  return { kind: 'sip', scheme: 'sip', params: [], headers: [], ...parts };
}

const MUST_MATCH_IF_PRESENT = ['user', 'ttl', 'method', 'maddr'];

function normHost(h: string): string {
  return h.toLowerCase().replace(/^\[|\]$/g, '');
}

/**
 * URI equivalence, RFC 3261 19.1.4: user and password compare exactly
 * (after unescaping), everything else without case; a port, or a user, ttl,
 * method or maddr parameter present in only one URI makes them differ; other
 * parameters present in only one are ignored; headers must all match.
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== b.kind || a.scheme !== b.scheme) return false;
  if (a.kind === 'other' && b.kind === 'other') return a.value === b.value;
  if (a.kind === 'tel' && b.kind === 'tel') {
    const n = (x: string) => x.replace(/[().-]/g, '');
    return n(a.number) === n(b.number) && paramsEqualLoose(a.params, b.params, []);
  }
  if (a.kind !== 'sip' || b.kind !== 'sip') return false;
  // "Comparison of the userinfo of SIP and SIPS URIs is case-sensitive."
  if (a.user !== b.user || a.password !== b.password) return false;
  if (normHost(a.host) !== normHost(b.host)) return false;
  // "A URI omitting any component with a default value will not match a URI explicitly containing that component."
  if (a.port !== b.port) return false;
  if (!paramsEqualLoose(a.params, b.params, MUST_MATCH_IF_PRESENT)) return false;
  // "URI header components are never ignored."
  if (a.headers.length !== b.headers.length) return false;
  for (const [n, v] of a.headers) {
    const w = getParam(b.headers, n);
    if (w === undefined || (w ?? '').toLowerCase() !== (v ?? '').toLowerCase()) return false;
  }
  return true;
}

function paramsEqualLoose(a: Params, b: Params, strict: readonly string[]): boolean {
  for (const [n, v] of a) {
    const w = getParam(b, n);
    if (w === undefined) {
      if (strict.includes(n.toLowerCase())) return false;
      continue;
    }
    if ((v ?? '').toLowerCase() !== (w ?? '').toLowerCase()) return false;
  }
  for (const [n] of b) if (strict.includes(n.toLowerCase()) && getParam(a, n) === undefined) return false;
  return true;
}
