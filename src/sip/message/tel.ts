/**
 * Dialling telephone numbers over SIP: a `tel:` URI (RFC 3966) or a number
 * as people type it becomes a SIP URI at the account's domain with
 * `user=phone` (RFC 3261 19.1.6).
 *
 * RFC 3261 19.1.6: "If the URI is tel:+358-555-1234567;postd=pp22 ... the
 * SIP or SIPS URI is sip:+358-555-1234567;postd=pp22@foo.com;user=phone":
 * the telephone-subscriber part of the tel URI, parameters included, is the
 * user part, unchanged. A number typed bare loses its spaces and visual
 * separators (RFC 3966 5.1.1: "-", ".", "(", ")"), which carry no meaning.
 */
import { SipUriError } from '../errors.js';
import { parseUri, sipUri, type SipUri, type TelUri } from './uri.js';

/** A number as typed: digits (a leading `+` for a global one), `*`, `#`, spaces and visual separators. */
const DIAL_STRING = /^\+?[\s().-]*[0-9*#][0-9*#\s().-]*$/;

/**
 * Whether `text` is a telephone number typed bare (`+1 (555) 123-4567`,
 * `0123456789`, `*98#`) rather than a URI.
 *
 * @example
 * isDialString('+44 20 7946 0000'); // true
 * isDialString('sip:bob@example.com'); // false
 */
export function isDialString(text: string): boolean {
  return DIAL_STRING.test(text.trim());
}

/**
 * The tel URI of a `tel:` URI or a bare number (spaces and visual separators
 * of a bare number removed). Throws `SipUriError` for anything else.
 *
 * @example
 * telUriOf('+1 (555) 123-4567'); // { kind: 'tel', number: '+15551234567', params: [] }
 */
export function telUriOf(text: string): TelUri {
  const t = text.trim();
  if (isDialString(t)) return { kind: 'tel', scheme: 'tel', number: t.replace(/[\s().-]/g, ''), params: [] };
  const u = parseUri(t);
  if (u.kind !== 'tel') throw new SipUriError(`${JSON.stringify(text)} is not a telephone number or tel: URI`);
  return u;
}

/**
 * The SIP URI that dials `tel` through the domain of `via` (an account's
 * AOR: its host, port and scheme): `sip:NUMBER;PARAMS@DOMAIN;user=phone`.
 *
 * @example
 * formatUri(telToSip(telUriOf('tel:+358-555-1234567;postd=pp22'), parseSipUri('sip:alice@foo.com')));
 * // 'sip:+358-555-1234567;postd=pp22@foo.com;user=phone'
 */
export function telToSip(tel: TelUri, via: SipUri): SipUri {
  let user = tel.number;
  for (const [n, v] of tel.params) user += v === null ? `;${n}` : `;${n}=${v}`;
  return sipUri({
    scheme: via.scheme,
    user,
    host: via.host,
    ...(via.port !== undefined ? { port: via.port } : {}),
    params: [['user', 'phone']],
  });
}
