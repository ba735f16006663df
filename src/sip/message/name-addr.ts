/**
 * name-addr and addr-spec with header parameters: the values of From, To,
 * Contact, Route, Record-Route, Reply-To (RFC 3261 20.10, 25.1).
 *
 * @example
 * parseNameAddr('"Alice" <sip:alice@example.com>;tag=1928301774')
 * // { displayName: 'Alice', uri: {...}, params: [['tag', '1928301774']] }
 */
import { SipParseError } from '../errors.js';
import { inTable, quote, readQuoted, skipWs, TOKEN } from './grammar.js';
import { formatParams, getParam, parseHeaderParams, type Params } from './params.js';
import { formatUri, parseUri, type Uri } from './uri.js';

export interface NameAddr {
  /** The display name, unquoted (`undefined` when there is none). */
  readonly displayName?: string;
  readonly uri: Uri;
  /** Header parameters after the URI: tag, expires, q, lr… */
  readonly params: Params;
}

/** Parse one name-addr / addr-spec value (one element of a comma list). `what` names the header in errors. */
export function parseNameAddr(value: string, what = 'address'): NameAddr {
  const s = value.trim();
  if (s.length === 0) throw new SipParseError(`${what}: empty value`, 400, what);
  let i = 0;
  let displayName: string | undefined;
  if (s[0] === '"') {
    const q = readQuoted(s, 0);
    if (!q) throw new SipParseError(`${what}: unterminated quoted display name`, 400, what);
    displayName = q.value;
    i = skipWs(s, q.end);
    if (s[i] !== '<') throw new SipParseError(`${what}: quoted display name not followed by <URI>`, 400, what);
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      // display-name = *(token LWS) / quoted-string; RFC 4475 3.1.1.6 allows no LWS before "<".
      const dn = s.slice(0, lt).trim();
      if (dn.length > 0) displayName = tokenWords(dn, what);
      i = lt;
    }
  }
  if (s[i] === '<') {
    const gt = s.indexOf('>', i);
    if (gt < 0) throw new SipParseError(`${what}: "<" without ">"`, 400, what);
    const uri = parseUriIn(s.slice(i + 1, gt), what);
    const params = parseHeaderParams(s, gt + 1, what);
    return displayName !== undefined ? { displayName, uri, params } : { uri, params };
  }
  // addr-spec without brackets: parameters belong to the header (RFC 3261 20.10).
  const semi = s.indexOf(';');
  const uriText = (semi >= 0 ? s.slice(0, semi) : s).trim();
  if (uriText.includes('?')) {
    throw new SipParseError(`${what}: a URI with headers must be enclosed in <> (RFC 3261 20.10)`, 400, what);
  }
  const uri = parseUriIn(uriText, what);
  const params = semi >= 0 ? parseHeaderParams(s, semi, what) : [];
  return { uri, params };
}

/** `token *(LWS token)` with the whitespace runs made single spaces. */
function tokenWords(dn: string, what: string): string {
  // Usually one word: nothing to rebuild.
  let i = 0;
  while (i < dn.length && inTable(TOKEN, dn.charCodeAt(i))) i++;
  if (i === dn.length) return dn;
  let out = '';
  let space = false;
  for (let i = 0; i < dn.length; i++) {
    const c = dn.charCodeAt(i);
    if (c === 32 || c === 9) {
      space = true;
      continue;
    }
    if (!inTable(TOKEN, c))
      throw new SipParseError(`${what}: display name ${JSON.stringify(dn)} has characters that need quotes`, 400, what);
    if (space) out += ' ';
    space = false;
    out += dn[i];
  }
  return out;
}

function parseUriIn(text: string, what: string): Uri {
  try {
    return parseUri(text);
  } catch (e) {
    throw new SipParseError(`${what}: ${(e as Error).message}`, 400, what);
  }
}

/** `"Display" <uri>;params` (the URI always in brackets, so URI parameters never read as header parameters). */
export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName !== undefined && na.displayName !== '' ? `${quote(na.displayName)} ` : '';
  return `${dn}<${formatUri(na.uri)}>${formatParams(na.params)}`;
}

/** The `tag` parameter of a From or To value. */
export function tagOf(na: NameAddr): string | undefined {
  const t = getParam(na.params, 'tag');
  return t === null ? undefined : t;
}
