/**
 * A registration (RFC 3261 10.2): REGISTER our Contact for an address of
 * record, keep it fresh before it expires, remove it on request.
 *
 * - The same Call-ID for every REGISTER of the registration, CSeq counting
 *   up (10.2: "A UA MUST use the same Call-ID for all registrations during a
 *   single boot cycle").
 * - The granted expiry is the `expires` parameter of our binding in the 200,
 *   else the Expires header, else what we asked for (10.2.4); the refresh
 *   goes out a little before that: 10 % before, at least 5 s before, never
 *   earlier than half-way.
 * - 423 Interval Too Brief: ask again with the Min-Expires value (10.2.8).
 * - 401/407: digest, once per realm (OutgoingRequest).
 * - A refresh that fails is retried after `retryAfter` (or Retry-After).
 * - Keep-alives (`keepAlive`): a double CRLF (RFC 5626 3.5.1) on the flow
 *   to the registrar every interval, so that a NAT between us keeps the
 *   mapping the registrar reaches us through. The registrar ignores them.
 */
import type { SipResponse } from '../message/message.js';
import type { NameAddr } from '../message/name-addr.js';
import { getParam } from '../message/params.js';
import { formatNameAddr } from '../message/name-addr.js';
import { formatUri, uriEquals, type SipUri } from '../message/uri.js';
import { parseUnsigned, MAX_U32 } from '../message/grammar.js';
import { SipStateError } from '../errors.js';
import type { Destination } from '../transport/types.js';
import type { Deadline } from '../../util/deadlines.js';
import type { CoreContext } from './context.js';
import { OutgoingRequest, type RequestOutcome } from './outgoing-request.js';
import type { RegistrationOwner } from './owners.js';
import { contactUri, nextHop, transportFor } from './request-builder.js';

/** `uri` without its user and password. */
function withoutUserInfo({ user: _user, password: _password, ...rest }: SipUri): SipUri {
  return rest;
}

export type RegistrationState =
  | { readonly kind: 'registering' }
  | {
      readonly kind: 'registered';
      readonly expires: number;
      readonly bindings: readonly NameAddr[];
      readonly refresh: boolean;
      readonly response: SipResponse;
    }
  | { readonly kind: 'failed'; readonly outcome: RequestOutcome; readonly refresh: boolean }
  | { readonly kind: 'unregistered'; readonly outcome: RequestOutcome };

export interface RegistrationOptions {
  readonly registrar: SipUri;
  readonly aor: SipUri;
  /** Requested expiry in seconds (default 3600). */
  readonly expires?: number;
  /** Keep refreshing (default true). */
  readonly refresh?: boolean;
  /** Wait before retrying a failed refresh, ms (default 30 s). */
  readonly retryAfter?: number;
}

/** When to refresh a binding granted for `expires` seconds (ms from now). */
export function refreshDelay(expires: number): number {
  const margin = Math.min(Math.max(expires * 0.1, 5), expires / 2);
  return Math.max(0, (expires - margin) * 1000);
}

export class Registration {
  state: RegistrationState['kind'] | 'idle' = 'idle';
  /** Granted expiry in seconds, once registered. */
  expires: number | undefined;
  bindings: readonly NameAddr[] = [];
  readonly callId: string;
  private readonly fromTag: string;
  private seq: number;
  private requested: number;
  private refreshTimer: Deadline | undefined;
  private keepAliveTimer: Deadline | undefined;
  private current: OutgoingRequest | undefined;
  private wanted = true;
  private minExpiresRetried = false;
  private readonly contact: SipUri;

  /** The Contact this registration binds. */
  get contactUri(): SipUri {
    return this.contact;
  }

  constructor(
    private readonly ctx: CoreContext,
    readonly opts: RegistrationOptions,
    /** Who hears its state (through the core's events; set before anything is sent). */
    readonly owner: RegistrationOwner | undefined = undefined,
  ) {
    this.callId = ctx.ids.callId();
    this.fromTag = ctx.ids.tag();
    this.seq = ctx.ids.initialSeq() - 1;
    this.requested = opts.expires ?? 3600;
    const hop = nextHop(opts.registrar, [], ctx.config);
    // The Contact bound is the address we send from towards the registrar (or its outbound proxy).
    const via = ctx.config.outboundProxy ? nextHop(ctx.config.outboundProxy, [], ctx.config) : hop;
    // RFC 3261 8.1.1.8: a sips: registrar gets a sips: Contact.
    this.contact = contactUri(ctx.config, hop.transport, via.host, opts.registrar.scheme === 'sips');
  }

  /** Send a REGISTER now (first registration, or an early refresh). */
  register(now: number): void {
    this.wanted = true;
    this.minExpiresRetried = false;
    this.send(now, this.requested, false);
  }

  /**
   * Remove our binding (Contact;expires=0), stopping refreshes. With `all`,
   * remove every binding of the AOR (RFC 3261 10.2.2: `Contact: *` with
   * `Expires: 0`).
   */
  unregister(now: number, all = false): void {
    this.wanted = false;
    this.all = all;
    this.refreshTimer?.cancel();
    this.refreshTimer = undefined;
    this.keepAlive(now, 0);
    this.current?.abort(now);
    this.send(now, 0, false);
  }
  private all = false;

  /** Stop refreshing without telling the registrar (user agent closing without unregister). */
  stop(now: number): void {
    this.wanted = false;
    this.refreshTimer?.cancel();
    this.refreshTimer = undefined;
    this.keepAlive(now, 0);
    this.current?.abort(now);
    this.current = undefined;
  }

  /**
   * Send a keep-alive to the registrar every `interval` ms from now on (0
   * stops), as long as the registration is wanted. Behind a NAT the
   * interval must be shorter than the NAT's UDP timeout. The registrar's
   * flow needs keep-alives of its own (as RFC 5626 4.4.1 keeps each flow):
   * a mapping held open towards a STUN server does not let the registrar
   * in, since NATs filter by destination (Linux conntrack by flow).
   */
  keepAlive(now: number, interval: number): void {
    this.keepAliveTimer?.cancel();
    this.keepAliveTimer = undefined;
    if (!(interval > 0) || !this.wanted) return;
    const tick = (t: number) => {
      this.keepAliveTimer = undefined;
      if (!this.wanted) return;
      this.ctx.sendKeepAlive(this.destination());
      this.keepAliveTimer = this.ctx.schedule(t + interval, tick);
    };
    this.keepAliveTimer = this.ctx.schedule(now + interval, tick);
  }

  /** Where REGISTERs go: the outbound proxy, else the registrar. */
  private destination(): Destination {
    return nextHop(
      this.opts.registrar,
      this.ctx.config.outboundProxy ? [`<${formatUri(this.ctx.config.outboundProxy)}>`] : [],
      this.ctx.config,
    );
  }

  private send(now: number, expires: number, refresh: boolean): void {
    if (expires < 0 || expires > MAX_U32) throw new SipStateError(`bad expiry ${expires}`);
    const to = formatNameAddr({ uri: this.opts.aor, params: [] });
    const transport = transportFor(this.opts.registrar, this.ctx.config);
    const req = new OutgoingRequest(
      this.ctx,
      {
        method: 'REGISTER',
        // "The Request-URI names the domain of the location service for which the registration is meant."
        uri: withoutUserInfo(this.opts.registrar),
        from: `${to};tag=${this.fromTag}`,
        to,
        callId: this.callId,
        routes: this.ctx.config.outboundProxy ? [`<${formatUri(this.ctx.config.outboundProxy)}>`] : [],
        contact: expires === 0 && this.all ? '*' : `<${formatUri(this.contact)}>;expires=${expires}`,
        headers: [['Expires', String(expires)]],
        transport,
      },
      {
        nextSeq: () => ++this.seq,
        destination: this.destination(),
        onDone: (o, t) => this.done(o, t, expires, refresh),
      },
    );
    this.current = req;
    if (expires > 0) {
      this.state = 'registering';
      if (!refresh) this.ctx.emit({ type: 'registration', registration: this, state: { kind: 'registering' } });
    }
    req.start(now);
  }

  private done(o: RequestOutcome, now: number, expires: number, refresh: boolean): void {
    this.current = undefined;
    if (o.kind === 'closed') return;
    if (expires === 0) {
      this.state = 'unregistered';
      this.expires = undefined;
      this.ctx.emit({ type: 'registration', registration: this, state: { kind: 'unregistered', outcome: o } });
      return;
    }
    if (!this.wanted) return;
    if (o.kind === 'response' && o.response.status === 423 && !this.minExpiresRetried) {
      // RFC 3261 10.2.8: "the UAC MAY retry the registration with an expiration interval that is greater
      // than or equal to the value in the Min-Expires header field."
      const min = parseUnsigned((o.response.header('min-expires') ?? '').trim(), MAX_U32);
      if (min !== undefined && min > expires) {
        this.minExpiresRetried = true;
        this.requested = min;
        this.send(now, min, refresh);
        return;
      }
    }
    if (o.kind === 'response' && o.response.status >= 200 && o.response.status < 300) {
      const res = o.response;
      const contacts = res.contacts === '*' ? [] : res.contacts;
      const mine =
        contacts.find((c) => uriEquals(c.uri, this.contact)) ?? (contacts.length === 1 ? contacts[0] : undefined);
      const fromParam = mine ? getParam(mine.params, 'expires') : undefined;
      const fromHeader = res.header('expires');
      const granted =
        (fromParam ? parseUnsigned(fromParam, MAX_U32) : undefined) ??
        (fromHeader !== undefined ? parseUnsigned(fromHeader.trim(), MAX_U32) : undefined) ??
        expires;
      this.expires = granted;
      this.bindings = contacts;
      this.state = 'registered';
      this.minExpiresRetried = false;
      this.schedule(now, refreshDelay(granted));
      this.ctx.emit({
        type: 'registration',
        registration: this,
        state: { kind: 'registered', expires: granted, bindings: contacts, refresh, response: res },
      });
      return;
    }
    this.state = 'failed';
    this.ctx.emit({ type: 'registration', registration: this, state: { kind: 'failed', outcome: o, refresh } });
    if (refresh && (this.opts.refresh ?? true)) {
      const ra =
        o.kind === 'response'
          ? parseUnsigned((o.response.header('retry-after') ?? '').trim().split(/[ ;(]/)[0] ?? '', MAX_U32)
          : undefined;
      this.schedule(now, ra !== undefined ? ra * 1000 : (this.opts.retryAfter ?? 30_000));
    }
  }

  private schedule(now: number, delay: number): void {
    this.refreshTimer?.cancel();
    this.refreshTimer = undefined;
    if (!(this.opts.refresh ?? true) || !this.wanted) return;
    this.refreshTimer = this.ctx.schedule(now + delay, (t) => {
      this.refreshTimer = undefined;
      if (this.wanted) this.send(t, this.requested, true);
    });
  }
}
