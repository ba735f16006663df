/**
 * Subscriptions as applications see them (RFC 6665), and REFER's (RFC
 * 3515): `Subscription` for one we asked for (`ua.subscribe`), `Refer` for
 * a REFER we sent (`dialog.refer`, its NOTIFYs read as the referred
 * request's progress), `IncomingSubscription` for one a peer asks of us
 * (`ua.on('subscribe')`), `IncomingRefer` for a REFER we received
 * (`dialog.on('refer')`, `ua.on('refer')`).
 */
import { SipRequestFailedError, SipStateError } from '../errors.js';
import type { SubscriptionStateHeader } from '../message/event.js';
import type { HeaderInit, SipRequest, SipResponse } from '../message/message.js';
import type { NameAddr } from '../message/name-addr.js';
import { parseReplaces, type Replaces } from '../message/replaces.js';
import { parseSipfragStatus, sipfragBody } from '../message/sipfrag.js';
import { formatUri, type Uri } from '../message/uri.js';
import type { SubscriptionChange } from '../core/events.js';
import type { SubscriptionOwner } from '../core/owners.js';
import type { Subscription as CoreSubscription, SubscriptionEnd } from '../core/subscription.js';
import { TypedEmitter, quietPromise } from '../../util/emitter.js';
import { toBytes, type Dialog } from './dialog.js';
import { failureOf } from './failure.js';
import type { UaInternals } from './internals.js';

export type { SubscriptionEnd };

/** A NOTIFY we received for a subscription of ours. */
export interface NotifyInfo {
  readonly request: SipRequest;
  /** `active`, `pending` or `terminated` (with `expires`, `reason`, `retryAfter`). */
  readonly state: SubscriptionStateHeader;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  /** The body as UTF-8 text. */
  readonly text: string;
}

export type SubscriptionEvents = {
  /** The 2xx to our SUBSCRIBE (or REFER). */
  accepted: [response: SipResponse];
  /** A NOTIFY (answered 200): the state of the resource. */
  notify: [notify: NotifyInfo];
  /** It is over (after the last `notify`). */
  terminated: [end: SubscriptionEnd];
};

/**
 * A subscription we asked for: refreshed by itself until `unsubscribe()`.
 *
 * @example
 * const sub = ua.subscribe('sip:alice@example.com', { event: 'message-summary', accept:
 * ['application/simple-message-summary'] });
 * sub.on('notify', (n) => console.log(n.state.state, n.text));
 * await sub.accepted;
 * await sub.unsubscribe();
 */
export class Subscription<E extends SubscriptionEvents = SubscriptionEvents>
  extends TypedEmitter<E>
  implements SubscriptionOwner
{
  private readonly acceptedP = quietPromise<SipResponse>();
  private readonly endedP = quietPromise<SubscriptionEnd>();
  /** @internal */
  core!: CoreSubscription;
  /** How it ended, once it has. */
  end: SubscriptionEnd | undefined;

  /** @internal the handle exists before its request is sent (it owns the subscription from the start). */
  constructor(
    protected readonly ua: UaInternals,
    protected readonly what: string,
    private readonly settled: () => void = () => {},
  ) {
    super();
  }

  /** @internal */
  bind(core: CoreSubscription): void {
    this.core = core;
  }

  /** The event package (`message-summary`, `refer`…). */
  get event(): string {
    return this.core.event;
  }

  /** `init` (nothing heard yet), `pending`, `active` or `terminated`. */
  get state(): CoreSubscription['state'] {
    return this.core.state;
  }

  /** Resolves with the 2xx; rejects with `SipRequestFailedError` when it was refused (or ended first). */
  get accepted(): Promise<SipResponse> {
    return this.acceptedP.promise;
  }

  /** Resolves once it is over, with why. */
  get terminated(): Promise<SubscriptionEnd> {
    return this.endedP.promise;
  }

  /** Refresh it now (it does so by itself before it expires). */
  refresh(): void {
    this.ua.act((now) => this.core.refresh(now));
  }

  /** End it (SUBSCRIBE with Expires: 0); resolves once the notifier's last NOTIFY came (or Timer N). */
  unsubscribe(): Promise<SubscriptionEnd> {
    if (this.core.state !== 'terminated') this.ua.act((now) => this.core.unsubscribe(now));
    return this.terminated;
  }

  /** @internal */
  onChange(c: SubscriptionChange): void {
    switch (c.kind) {
      case 'accepted':
        (this as Subscription).emit('accepted', c.response);
        this.acceptedP.resolve(c.response);
        return;
      case 'notify': {
        const r = c.request;
        const info: NotifyInfo = { request: r, state: c.state, contentType: r.contentType, body: r.body, text: r.text };
        this.onNotify(info);
        return;
      }
      case 'refreshed':
        return;
      case 'terminated':
        this.settled();
        this.end = c.end;
        this.acceptedP.reject(
          c.end.outcome
            ? failureOf(this.what, c.end.outcome)
            : new SipRequestFailedError(`${this.what}: ended (${c.end.reason})`, c.end.status ?? 0, c.end.reason),
        );
        this.onTerminated(c.end);
        (this as Subscription).emit('terminated', c.end);
        this.endedP.resolve(c.end);
        return;
    }
  }

  protected onNotify(info: NotifyInfo): void {
    (this as Subscription).emit('notify', info);
  }

  protected onTerminated(_end: SubscriptionEnd): void {}
}

/** Progress of the request a REFER asked for, from one NOTIFY's sipfrag (RFC 3515 2.4.5). */
export interface ReferProgress {
  /** The status line's code (100 Trying, 180 Ringing, 200 OK, 486 Busy Here…). */
  readonly status: number;
  readonly reason: string;
}

export type ReferEvents = SubscriptionEvents & {
  /** A NOTIFY reported how the referred request goes. */
  progress: [progress: ReferProgress];
};

/**
 * A REFER we sent (RFC 3515): `accepted` (the 202), then `progress` from
 * each NOTIFY, and `outcome`: the referred request's final status.
 *
 * @example
 * const refer = dialog.refer('sip:carol@example.com');
 * refer.on('progress', (p) => console.log(p.status, p.reason));
 * const final = await refer.outcome;   // 200: the transfer worked
 */
export class Refer extends Subscription<ReferEvents> {
  private readonly outcomeP = quietPromise<ReferProgress>();

  /**
   * Resolves with the referred request's final status (2xx: it worked; ≥ 300:
   * it failed); rejects when the REFER was refused or the subscription ended
   * without a final status.
   */
  get outcome(): Promise<ReferProgress> {
    return this.outcomeP.promise;
  }

  protected override onNotify(info: NotifyInfo): void {
    this.emit('notify', info);
    const p = parseSipfragStatus(info.text);
    if (!p) return;
    this.emit('progress', p);
    if (p.status >= 200) this.outcomeP.resolve(p);
  }

  protected override onTerminated(end: SubscriptionEnd): void {
    this.outcomeP.reject(
      new SipRequestFailedError(
        end.outcome
          ? failureOf(this.what, end.outcome).message
          : `${this.what}: no final status from the transferee (${end.reason})`,
        end.status ?? 0,
        end.reason,
        undefined,
        end.status === 408 ? 'timeout' : 'status',
      ),
    );
  }
}

export type IncomingSubscriptionEvents = {
  /** The subscriber refreshed it for `expires` seconds (0: it unsubscribed; the last NOTIFY went out). */
  refreshed: [expires: number];
  terminated: [end: SubscriptionEnd];
};

export interface AcceptSubscriptionOptions {
  /** Seconds granted (default: what was asked, or 3600). */
  readonly expires?: number;
  /** `active` (default) or `pending` (authorisation to come). */
  readonly state?: 'active' | 'pending';
  /** The first NOTIFY's body: the state of the resource now. */
  readonly body?: Uint8Array | string;
  readonly contentType?: string;
}

/**
 * A subscription a peer asked of us (notifier side): accept it (200 and a
 * first NOTIFY), then `notify` each change, or `terminate` it.
 *
 * @example
 * ua.on('subscribe', (s) => {
 *   if (s.event !== 'message-summary') return s.reject(489);
 *   s.accept({ body: 'Messages-Waiting: no\r\n', contentType: 'application/simple-message-summary' });
 *   later(() => s.notify('Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n'));
 * });
 */
export class IncomingSubscription<E extends IncomingSubscriptionEvents = IncomingSubscriptionEvents>
  extends TypedEmitter<E>
  implements SubscriptionOwner
{
  private readonly endedP = quietPromise<SubscriptionEnd>();
  private contentType: string | undefined;
  /** How it ended, once it has. */
  end: SubscriptionEnd | undefined;

  /** @internal the handle becomes the subscription's owner as it is made. */
  constructor(
    protected readonly ua: UaInternals,
    /** @internal */ readonly core: CoreSubscription,
    /** The dialog it lives in, when that is a call's (a REFER, a SUBSCRIBE in a call). */
    readonly dialog: Dialog | undefined,
    private readonly settled: () => void = () => {},
  ) {
    super();
    core.owner = this;
  }

  /** The SUBSCRIBE or REFER. */
  get request(): SipRequest {
    return this.core.incoming!.request;
  }
  get event(): string {
    return this.core.event;
  }
  get from(): NameAddr {
    return this.request.from;
  }
  /** Seconds the subscriber asked for (undefined: it named none). */
  get expiresAsked(): number | undefined {
    const v = this.request.header('expires');
    return v === undefined ? undefined : Number(v.trim());
  }
  get state(): CoreSubscription['state'] {
    return this.core.state;
  }
  /** Resolves once it is over. */
  get terminated(): Promise<SubscriptionEnd> {
    return this.endedP.promise;
  }

  /** Accept: 200 (202 for REFER) and at once the first NOTIFY with `body`. */
  accept(o: AcceptSubscriptionOptions = {}): void {
    const body = toBytes(o.body);
    const asked = this.expiresAsked;
    const expires = o.expires ?? (asked !== undefined && Number.isFinite(asked) ? asked : 3600);
    this.contentType = o.contentType ?? this.contentType;
    this.ua.act((now) =>
      this.core.accept(now, {
        expires,
        ...(o.state ? { state: o.state } : {}),
        ...(body ? { body, contentType: this.contentType ?? 'text/plain' } : {}),
      }),
    );
  }

  /** Refuse it: 489 Bad Event, 403 Forbidden, 603 Decline… */
  reject(status = 603, reason?: string, headers?: HeaderInit): void {
    this.ua.act((now) => this.core.reject(now, status, reason, headers));
  }

  /** Whether the SUBSCRIBE or REFER was answered. */
  get answered(): boolean {
    return this.core.incoming?.answered ?? false;
  }

  /** Keep it unanswered after the event handlers return: you will `accept` or `reject` it later. */
  defer(): void {
    this.deferredFlag = true;
  }

  /** @internal whether a listener deferred the answer. */
  get deferred(): boolean {
    return this.deferredFlag;
  }
  private deferredFlag = false;

  /**
   * A NOTIFY with the resource's new state; resolves with its response.
   * `state: 'terminated'` ends the subscription (`reason`: noresource).
   */
  notify(
    body: Uint8Array | string,
    o: { contentType?: string; state?: 'active' | 'pending' | 'terminated'; reason?: string } = {},
  ): Promise<SipResponse | undefined> {
    const p = quietPromise<SipResponse | undefined>();
    const bytes = toBytes(body)!;
    this.contentType = o.contentType ?? this.contentType;
    this.ua.act((now) =>
      this.core.notify(now, {
        body: bytes,
        contentType: this.contentType ?? 'text/plain',
        ...(o.state ? { state: o.state } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
        onDone: (out) => p.resolve(out.kind === 'response' ? out.response : undefined),
      }),
    );
    return p.promise;
  }

  /** End it: a last NOTIFY with `terminated;reason=…` (RFC 6665 4.2.2). */
  terminate(reason = 'noresource', body?: Uint8Array | string): Promise<SipResponse | undefined> {
    if (this.core.state === 'terminated') return Promise.resolve(undefined);
    if (this.core.state === 'init') {
      this.reject(603);
      return Promise.resolve(undefined);
    }
    const b = toBytes(body);
    const p = quietPromise<SipResponse | undefined>();
    this.ua.act((now) =>
      this.core.notify(now, {
        ...(b ? { body: b, contentType: this.contentType ?? 'text/plain' } : {}),
        state: 'terminated',
        reason,
        onDone: (out) => p.resolve(out.kind === 'response' ? out.response : undefined),
      }),
    );
    return p.promise;
  }

  /** @internal */
  onChange(c: SubscriptionChange): void {
    if (c.kind === 'refreshed') (this as IncomingSubscription).emit('refreshed', c.expires);
    else if (c.kind === 'terminated') {
      this.settled();
      this.end = c.end;
      (this as IncomingSubscription).emit('terminated', c.end);
      this.endedP.resolve(c.end);
    }
  }
}

/**
 * A REFER we received (RFC 3515): where it asks us to go (`target`, with
 * `replaces` for an attended transfer, RFC 3891). Accept it (202 and NOTIFY
 * 100 Trying), then report the referred request with `progress(status)`;
 * a final status (≥ 200) ends the subscription.
 *
 * @example
 * dialog.on('refer', (r) => {
 *   r.accept();
 *   const call = placeCall(r.target, r.replaces);
 *   call.on('ringing', () => r.progress(180));
 *   call.answered.then(() => r.progress(200), (e) => r.progress(e.status ?? 503));
 * });
 */
export class IncomingRefer extends IncomingSubscription {
  /** The Refer-To value as parsed. */
  readonly referTo: NameAddr;

  /** @internal */
  constructor(
    ua: UaInternals,
    core: CoreSubscription,
    dialog: Dialog | undefined,
    referTo: NameAddr,
    settled?: () => void,
  ) {
    super(ua, core, dialog, settled);
    this.referTo = referTo;
  }

  /** The URI to call: the Refer-To URI without its headers (`?Replaces=…`). */
  get target(): string {
    const u = this.referTo.uri;
    return formatUri(u.kind === 'sip' ? { ...u, headers: [] } : u);
  }

  /** The Refer-To URI as given. */
  get uri(): Uri {
    return this.referTo.uri;
  }

  /** The method to use (a `method` URI parameter; INVITE by default, RFC 3515 2.1). */
  get method(): string {
    const u = this.referTo.uri;
    const m = u.kind === 'sip' ? u.params.find(([n]) => n.toLowerCase() === 'method')?.[1] : undefined;
    return (m ?? 'INVITE').toUpperCase();
  }

  /** The dialog the new INVITE must replace: the Refer-To's `Replaces` URI header (RFC 3891 7). */
  get replaces(): Replaces | undefined {
    const u = this.referTo.uri;
    const v = u.kind === 'sip' ? u.headers.find(([n]) => n.toLowerCase() === 'replaces')?.[1] : undefined;
    if (!v) return undefined;
    try {
      return parseReplaces(v);
    } catch {
      return undefined;
    }
  }

  /** Who referred us (Referred-By, RFC 3892), when given. */
  get referredBy(): string | undefined {
    return this.request.header('referred-by');
  }

  /** Accept: 202 Accepted, and NOTIFY `SIP/2.0 100 Trying` (RFC 3515 2.4.4). */
  override accept(o: Omit<AcceptSubscriptionOptions, 'body' | 'contentType'> = {}): void {
    if (this.core.state !== 'init') throw new SipStateError('this REFER was already answered');
    super.accept({ expires: o.expires ?? 180, ...o, body: sipfragBody(100), contentType: 'message/sipfrag' });
  }

  /**
   * How the referred request goes: a provisional status keeps the
   * subscription active, a final one (2xx worked, else failed) ends it
   * (`terminated;reason=noresource`, RFC 3515 2.4.7).
   */
  progress(status: number, reason?: string): Promise<SipResponse | undefined> {
    if (this.core.state === 'terminated') return Promise.resolve(undefined);
    return this.notify(sipfragBody(status, reason), {
      contentType: 'message/sipfrag',
      ...(status >= 200 ? { state: 'terminated' as const, reason: 'noresource' } : {}),
    });
  }
}
