/**
 * The headers of SIP events (RFC 6665 8.2): `Event` (which package, and the
 * `id` that tells several subscriptions in one dialog apart) and
 * `Subscription-State` (active, pending or terminated, with `expires`,
 * `reason` and `retry-after`).
 *
 * @example
 * parseEvent('refer;id=93809824')            // { package: 'refer', id: '93809824', params: [...] }
 * parseSubscriptionState('terminated;reason=noresource') // { state: 'terminated', reason: 'noresource' }
 */
import { SipParseError } from '../errors.js';
import { isToken, parseUnsigned, MAX_U32 } from './grammar.js';
import { formatParams, getParam, parseHeaderParams, type Params } from './params.js';

export interface EventHeader {
  /**
   * The event package (`refer`, `message-summary`, `presence`…), lower case (RFC 6665 8.2.1: tokens compare
   * case-insensitively).
   */
  readonly package: string;
  /** The `id` parameter, as written (undefined when absent). */
  readonly id?: string;
  readonly params: Params;
}

/** Parse an Event header value: `event-type *( SEMI event-param )` (RFC 6665 8.4). */
export function parseEvent(value: string): EventHeader {
  const s = value.trim();
  const semi = s.indexOf(';');
  const pkg = (semi >= 0 ? s.slice(0, semi) : s).trim();
  if (!isToken(pkg))
    throw new SipParseError(`Event: ${JSON.stringify(value)} does not name an event package`, 400, 'event');
  const params = semi >= 0 ? parseHeaderParams(s, semi, 'Event') : [];
  const id = getParam(params, 'id');
  return { package: pkg.toLowerCase(), ...(id ? { id } : {}), params };
}

/** An Event header value: `refer;id=7`. */
export function formatEvent(pkg: string, id?: string): string {
  return id === undefined ? pkg : `${pkg};id=${id}`;
}

/** The subscription's state as the notifier says it (RFC 6665 4.1.3). */
export type SubscriptionStateName = 'active' | 'pending' | 'terminated';

export interface SubscriptionStateHeader {
  /** `active`, `pending`, `terminated`, or an extension value (RFC 6665 8.4), lower case. */
  readonly state: SubscriptionStateName | string;
  /** Seconds the subscription has left (`active`, `pending`). */
  readonly expires?: number;
  /** Why it ended (`terminated`): deactivated, probation, rejected, timeout, giveup, noresource, invariant. */
  readonly reason?: string;
  /** Seconds to wait before subscribing again (`terminated`). */
  readonly retryAfter?: number;
  readonly params: Params;
}

function seconds(params: Params, name: string, value: string): number | undefined {
  const v = getParam(params, name);
  if (v === undefined || v === null) return undefined;
  const n = parseUnsigned(v.trim(), MAX_U32);
  if (n === undefined)
    throw new SipParseError(
      `Subscription-State: ${name}=${JSON.stringify(v)} is not a number of seconds in ${JSON.stringify(value)}`,
      400,
      'subscription-state',
    );
  return n;
}

/** Parse a Subscription-State value (RFC 6665 8.4). */
export function parseSubscriptionState(value: string): SubscriptionStateHeader {
  const s = value.trim();
  const semi = s.indexOf(';');
  const state = (semi >= 0 ? s.slice(0, semi) : s).trim().toLowerCase();
  if (!isToken(state))
    throw new SipParseError(`Subscription-State: ${JSON.stringify(value)} has no state`, 400, 'subscription-state');
  const params = semi >= 0 ? parseHeaderParams(s, semi, 'Subscription-State') : [];
  const expires = seconds(params, 'expires', value);
  const retryAfter = seconds(params, 'retry-after', value);
  const reason = getParam(params, 'reason');
  return {
    state,
    ...(expires !== undefined ? { expires } : {}),
    ...(reason ? { reason: reason.toLowerCase() } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    params,
  };
}

/** A Subscription-State value: `active;expires=60`, `terminated;reason=noresource`. */
export function formatSubscriptionState(
  state: SubscriptionStateName,
  o: { readonly expires?: number; readonly reason?: string; readonly retryAfter?: number } = {},
): string {
  const params: [string, string][] = [];
  if (state !== 'terminated' && o.expires !== undefined) params.push(['expires', String(Math.max(0, o.expires))]);
  if (state === 'terminated' && o.reason) params.push(['reason', o.reason]);
  if (state === 'terminated' && o.retryAfter !== undefined) params.push(['retry-after', String(o.retryAfter)]);
  return state + formatParams(params);
}
