/**
 * Which mailbox a call is for. A PBX that forwards an unanswered call to
 * the voicemail says whose it was:
 *
 * 1. `Diversion` (RFC 5806): "the top-most Diversion header field" is the
 *    last redirection: its URI's user is the mailbox.
 * 2. `History-Info` (RFC 7044): an entry tagged `mp` ("the target was
 *    changed to a different user": the call was diverted) names in its value
 *    the index of the entry it was mapped from; the last such entry's origin
 *    is the user whose mailbox it is.
 * 3. The Request-URI's `target` parameter (RFC 4458: "the target parameter
 *    identifies the original target of the request", e.g.
 *    `sip:voicemail@vm;target=sip:100%40pbx;cause=486`).
 * 4. Else the Request-URI's user: `sip:100@vm` is mailbox 100, and the
 *    voicemail's own user (`sip:voicemail@vm`) is the owners' menu.
 */
import { splitList } from '../../sip/message/grammar.js';
import { parseNameAddr } from '../../sip/message/name-addr.js';
import { getParam, type Params } from '../../sip/message/params.js';
import { formatUri, parseUri, type Uri } from '../../sip/message/uri.js';

/** How the mailbox was found. */
export type AddressedBy = 'diversion' | 'history-info' | 'target' | 'request-uri';

export interface Addressed {
  /** The user part (decoded), the mailbox it names; undefined when nothing usable names one. */
  readonly user: string | undefined;
  readonly by: AddressedBy;
}

/** A URI's user, decoded; a telephone number's digits. */
function userOf(uri: Uri): string | undefined {
  let user: string | undefined;
  if (uri.kind === 'sip') user = uri.user;
  else if (uri.kind === 'tel') user = uri.number.replace(/[-.()]/g, '');
  if (user === undefined) return undefined;
  try {
    user = decodeURIComponent(user);
  } catch {
    return undefined;
  }
  // It names a directory: printable, no path, not too long.
  if (user.length === 0 || user.length > 64 || /[\u0000-\u001f\u007f/\\]/.test(user) || /^\.+$/.test(user))
    return undefined;
  return user;
}

function nameAddrUser(value: string): { user: string | undefined; params: Params } {
  try {
    const na = parseNameAddr(value);
    return { user: userOf(na.uri), params: na.params };
  } catch {
    return { user: undefined, params: [] };
  }
}

/** Each element of a comma-list header's fields. */
function elements(fields: readonly string[]): string[] {
  return fields.flatMap((f) => splitList(f)).filter((v) => v.trim() !== '');
}

/**
 * @example
 * addressed('sip:voicemail@vm', { diversion: ['<sip:100@pbx>;reason=no-answer'], historyInfo: [] })
 * // { user: '100', by: 'diversion' }
 */
export function addressed(
  requestUri: string | undefined,
  headers: { readonly diversion: readonly string[]; readonly historyInfo: readonly string[] },
): Addressed {
  const div = elements(headers.diversion);
  if (div.length > 0) {
    const u = nameAddrUser(div[0]!).user;
    if (u !== undefined) return { user: u, by: 'diversion' };
  }
  const hi = elements(headers.historyInfo).map(nameAddrUser);
  for (let i = hi.length - 1; i >= 0; i--) {
    const from = getParam(hi[i]!.params, 'mp');
    if (typeof from !== 'string') continue;
    const origin = hi.find((e) => getParam(e.params, 'index') === from);
    if (origin?.user !== undefined) return { user: origin.user, by: 'history-info' };
  }
  let uri: Uri | undefined;
  try {
    uri = requestUri ? parseUri(requestUri) : undefined;
  } catch {
    uri = undefined;
  }
  if (uri?.kind === 'sip') {
    const target = getParam(uri.params, 'target');
    if (typeof target === 'string') {
      try {
        const t = decodeURIComponent(target);
        const u = userOf(parseUri(/^[a-z]+:/i.test(t) ? t : `sip:${t}`));
        if (u !== undefined) return { user: u, by: 'target' };
      } catch {
        // A target that does not parse: the Request-URI's user then.
      }
    }
  }
  return { user: uri ? userOf(uri) : undefined, by: 'request-uri' };
}

/**
 * Where `7` in the owner's menu calls a message's caller back: the URI of
 * the envelope's `caller` (the INVITE's From), without its header
 * parameters; undefined when it is not callable — not a name-addr
 * (`unknown`, a recovered message), a scheme a phone cannot dial, or
 * anonymous (RFC 3323 4.1.1.3: "the URI SHOULD be
 * sip:anonymous@anonymous.invalid"; RFC 3325 callers show it too).
 */
export function callbackTarget(caller: string): string | undefined {
  let uri: Uri;
  try {
    uri = parseNameAddr(caller, 'caller').uri;
  } catch {
    return undefined;
  }
  if (uri.kind === 'tel') return formatUri(uri);
  if (uri.kind !== 'sip' || uri.user === undefined) return undefined;
  if (uri.host.toLowerCase() === 'anonymous.invalid' || uri.user.toLowerCase() === 'anonymous') return undefined;
  return formatUri(uri);
}
