/**
 * The Replaces header (RFC 3891 6.1) and the Refer-To of an attended
 * transfer that carries it (RFC 3891 7; RFC 5589 7): which dialog a new
 * INVITE takes the place of.
 *
 *   Replaces: 98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff
 *   Refer-To: <sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>
 *
 * @example
 * const r = parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff');
 * formatReplaces(r) // '98732@sip.example.com;to-tag=ff87ff;from-tag=r33th4x0r'
 */
import { SipParseError } from '../errors.js';
import { getParam, hasParam, parseHeaderParams } from './params.js';
import { formatUri, type SipUri } from './uri.js';

export interface Replaces {
  readonly callId: string;
  /** The tag the receiver of the INVITE compares with its own (local) tag. */
  readonly toTag: string;
  /** The tag the receiver compares with its peer's (remote) tag. */
  readonly fromTag: string;
  /** Replace the dialog only while it is early (RFC 3891 3). */
  readonly earlyOnly: boolean;
}

/** Parse a Replaces value: `callid *(SEMI replaces-param)`, to-tag and from-tag required (RFC 3891 6.1). */
export function parseReplaces(value: string): Replaces {
  const s = value.trim();
  const semi = s.indexOf(';');
  const callId = (semi >= 0 ? s.slice(0, semi) : s).trim();
  const fail = (why: string): never => {
    throw new SipParseError(`Replaces: ${why} in ${JSON.stringify(value)}`, 400, 'replaces');
  };
  if (callId === '' || /\s/.test(callId)) fail('no Call-ID');
  const params = semi >= 0 ? parseHeaderParams(s, semi, 'Replaces') : [];
  const toTag = getParam(params, 'to-tag');
  const fromTag = getParam(params, 'from-tag');
  if (!toTag) fail('no to-tag');
  if (!fromTag) fail('no from-tag');
  return { callId, toTag: toTag!, fromTag: fromTag!, earlyOnly: hasParam(params, 'early-only') };
}

export function formatReplaces(r: Replaces): string {
  return `${r.callId};to-tag=${r.toTag};from-tag=${r.fromTag}${r.earlyOnly ? ';early-only' : ''}`;
}

/**
 * The Refer-To value of an attended transfer: `target` with the Replaces
 * of the dialog to replace as a URI header (escaped by the URI's rules).
 */
export function referToWithReplaces(target: SipUri, replaces: Replaces): string {
  const headers = target.headers.filter(([n]) => n.toLowerCase() !== 'replaces');
  return `<${formatUri({ ...target, headers: [...headers, ['Replaces', formatReplaces(replaces)]] })}>`;
}
