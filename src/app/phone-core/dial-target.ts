/**
 * What the user dials, as a URI: a URI stays as it is; a number or user
 * name goes through the account's domain (`1234` → `sip:1234@example.com`,
 * what a phone on a PBX does); `user@host` gets `sip:`.
 *
 * @example
 * dialTarget('1234', 'sip:alice@example.com')        // 'sip:1234@example.com'
 * dialTarget('bob@10.0.0.2:5062', 'sip:alice@x')     // 'sip:bob@10.0.0.2:5062'
 * dialTarget('sip:carol@example.org', 'sip:alice@x') // 'sip:carol@example.org'
 */
import { LocalError } from '../../errors.js';
import { formatHost, parseUri } from '../../sip/message/uri.js';

/** A dialled string that cannot be made a URI. */
export class DialTargetError extends LocalError {}

/** Characters a number may be written with (RFC 3966 visual separators are dropped). */
const NUMBER = /^\+?[0-9*#][0-9*#\-.() ]*$/;

export function dialTarget(input: string, aor: string | undefined): string {
  const s = input.trim();
  if (s === '') throw new DialTargetError('nothing to dial');
  // A host (and port) alone: an IPv4 address, or name:port.
  if (/^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(s) || /^\[[0-9a-f:.]+\](:\d+)?$/i.test(s) || /^[^@:]+:\d+$/.test(s))
    return dialTarget(`sip:${s}`, aor);
  if (/^[a-z][a-z0-9+.-]*:/i.test(s)) {
    try {
      parseUri(s);
    } catch (err) {
      throw new DialTargetError(`${JSON.stringify(s)}: ${(err as Error).message}`);
    }
    return s;
  }
  if (s.includes('@')) return dialTarget(`sip:${s}`, aor);
  const user = NUMBER.test(s) ? s.replace(/[-.() ]/g, '') : s;
  if (!/^[A-Za-z0-9+*#_.!~'()-]+$/.test(user))
    throw new DialTargetError(`${JSON.stringify(s)} is neither a URI nor a number or user name`);
  if (aor === undefined)
    throw new DialTargetError(`dialling ${s} needs an account (--aor sip:user@domain) for its domain`);
  const account = parseUri(aor);
  if (account.kind !== 'sip') throw new DialTargetError(`dialling ${s} needs a sip: account to take the domain from`);
  const port = account.port !== undefined ? `:${account.port}` : '';
  return `sip:${user.replaceAll('#', '%23')}@${formatHost(account.host)}${port}`;
}
