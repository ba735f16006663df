/**
 * Subscriptions (RFC 6665), both roles, one usage of a dialog each — and
 * REFER's implicit subscription (RFC 3515 2.4.4), which is one of them with
 * the event package `refer`.
 *
 * Subscriber (`ua.subscribe`, or our REFER):
 *
 *   init ─2xx─▶ (waits) ─NOTIFY active/pending─▶ active|pending ─refresh 2xx, NOTIFY─▶ …
 *     │           │                                  │
 *     │           ╰─ no NOTIFY in Timer N (64*T1) ─▶ terminated (no-notify)
 *     ╰─ non-2xx ─▶ terminated (refused)            ╰─ NOTIFY terminated, expiry, 481 ─▶ terminated
 *
 *   A NOTIFY may come before the 2xx: it makes the dialog (RFC 6665
 *   4.1.2.4). Refreshes go out as registrations' do (10 % before the end,
 *   at least 5 s, never before half-way); `unsubscribe` sends Expires: 0
 *   and waits (Timer N again) for the final NOTIFY.
 *
 * Notifier (`ua.on('subscribe')`, a REFER we receive):
 *
 *   init ─accept: 200 (202 to REFER) and a NOTIFY at once─▶ active|pending
 *     ╰─reject─▶ terminated
 *   active ─SUBSCRIBE refresh: 200, NOTIFY─▶ active   ─Expires: 0, expiry, terminate()─▶ NOTIFY terminated
 *
 *   A NOTIFY answered 481, 408 or not at all ends the subscription
 *   (RFC 6665 4.2.2). Every NOTIFY carries the time left.
 *
 * The dialog a SUBSCRIBE or REFER outside any dialog made ends with its
 * last subscription; a subscription in an INVITE's dialog (REFER) ends with
 * that dialog.
 */
import type { HeaderInit, SipRequest, SipResponse } from '../message/message.js';
import { parseUnsigned, MAX_U32 } from '../message/grammar.js';
import { formatEvent, formatSubscriptionState, type SubscriptionStateHeader } from '../message/event.js';
import { formatUri } from '../message/uri.js';
import { SipStateError } from '../errors.js';
import type { Deadline } from '../../util/deadlines.js';
import type { CoreContext } from './context.js';
import { Dialog, type DialogUsage } from './dialog.js';
import { outcomeStatus, type OutgoingRequest, type RequestOutcome } from './outgoing-request.js';
import type { SubscriptionOwner } from './owners.js';
import { refreshDelay } from './registration.js';
import { contactUri } from './request-builder.js';
import type { ServerRequest } from './server-request.js';

export type SubscriptionRole = 'subscriber' | 'notifier';
export type SubscriptionState = 'init' | 'pending' | 'active' | 'terminated';

/** Why a subscription ended. */
export interface SubscriptionEnd {
  /**
   * The notifier's reason (`timeout`, `noresource`, `rejected`,
   * `deactivated`, `giveup`, `probation`, `invariant`), or ours: `refused`
   * (our SUBSCRIBE or REFER got a non-2xx), `no-notify` (Timer N),
   * `expired` (not refreshed in time), `unsubscribed`, `failed` (a request
   * of the subscription got 481, 408 or no answer), `dialog-ended`, `closed`.
   */
  readonly reason: string;
  /** The SIP status that ended it, when one did. */
  readonly status?: number;
  /** Seconds to wait before subscribing again (the notifier's `retry-after`). */
  readonly retryAfter?: number;
  /** `refused`: what our SUBSCRIBE or REFER got (a response, a timeout, a transport error…). */
  readonly outcome?: RequestOutcome;
}

/** A subscription's key in its dialog. */
export function usageKey(event: string, id: string | undefined): string {
  return `${event}|${id ?? ''}`;
}

/** The Expires of a request or response, in seconds (undefined when absent or unreadable). */
export function expiresOf(m: SipRequest | SipResponse): number | undefined {
  const v = m.header('expires');
  return v === undefined ? undefined : parseUnsigned(v.trim(), MAX_U32);
}

export interface SubscriberOptions {
  readonly event: string;
  readonly id?: string;
  /** Seconds asked for (0: fetch the state once). */
  readonly expires: number;
  /** Refresh before the end (RFC 6665 4.1.2.2); REFER's subscription is not refreshed. */
  readonly refresh: boolean;
  /** Extra headers of each SUBSCRIBE (Accept…). */
  readonly headers?: HeaderInit;
}

export class Subscription implements DialogUsage {
  state: SubscriptionState = 'init';
  /** The dialog, once there is one. */
  dialog: Dialog | undefined;
  /** When the subscription ends unless refreshed (ms on the core's clock). */
  expiresAt: number | undefined;
  /** Subscriber: the request that asked for it (SUBSCRIBE or REFER), to match a NOTIFY that comes first. */
  request: OutgoingRequest | undefined;
  /** Subscriber: its key in the core's `pendingSubscriptions` while its dialog may still come from a NOTIFY. */
  pendingKey: string | undefined;
  /** Notifier: the SUBSCRIBE or REFER being answered. */
  readonly incoming: ServerRequest | undefined;
  /** Notifier: the body of the last NOTIFY (the state a refresh reports again). */
  private last: { body: Uint8Array; contentType: string } | undefined;
  private timerN: Deadline | undefined;
  private refreshTimer: Deadline | undefined;
  private expiryTimer: Deadline | undefined;
  /** Subscriber: false once we unsubscribed. */
  private wanted = true;
  private notified = false;
  private key: string;

  constructor(
    private readonly ctx: CoreContext,
    readonly role: SubscriptionRole,
    readonly event: string,
    public id: string | undefined,
    /** Who hears what becomes of it (given with the command, or attached on the event announcing it). */
    public owner: SubscriptionOwner | undefined,
    private readonly opts: SubscriberOptions | undefined,
    incoming?: ServerRequest,
  ) {
    this.key = usageKey(event, id);
    this.incoming = incoming;
  }

  /** The package and id as an Event value. */
  get eventHeader(): string {
    return formatEvent(this.event, this.id);
  }

  get isRefer(): boolean {
    return this.event === 'refer';
  }

  /** Attach to a dialog (the key may change once a REFER's CSeq is known). */
  attach(dialog: Dialog, id = this.id): void {
    if (this.dialog) this.dialog.usages?.delete(this.key);
    this.dialog = dialog;
    this.id = id;
    this.key = usageKey(this.event, id);
    dialog.addUsage(this.key, this);
  }

  // ---- subscriber ---------------------------------------------------------

  /** The SUBSCRIBE (or REFER) went out: Timer N runs until the first NOTIFY (RFC 6665 4.1.2.4). */
  sent(request: OutgoingRequest, now: number): void {
    this.request = request;
    this.armTimerN(now);
  }

  private armTimerN(now: number): void {
    this.timerN?.cancel();
    this.timerN = this.ctx.schedule(now + 64 * this.ctx.config.timers.t1, (t) => {
      this.timerN = undefined;
      // "If Timer N fires, the subscriber ... MUST consider the subscription terminated."
      this.end({ reason: this.wanted ? 'no-notify' : 'unsubscribed' }, t);
    });
  }

  /** The outcome of our SUBSCRIBE or REFER that asked for the subscription. */
  requestDone(o: RequestOutcome, now: number): void {
    if (this.state === 'terminated') return;
    const res = o.kind === 'response' ? o.response : undefined;
    if (res && res.status >= 200 && res.status < 300) {
      if (!this.dialog && res.toTag !== undefined && this.request) {
        // A SUBSCRIBE or REFER outside any dialog: its 2xx makes the dialog (RFC 6665 4.1.2.1).
        const d = Dialog.fromResponse(
          this.ctx,
          this.request.request,
          res,
          this.request.tx?.destination.transport ?? 'udp',
        );
        d.kind = 'subscription';
        this.ctx.dialogs.set(d.id, d);
        this.attach(d);
      }
      if (this.isRefer && this.request) this.rekeyRefer(this.request.request.cseq.seq);
      // RFC 6665 4.1.2.1: "200-class responses ... MUST contain an "Expires" header field", which the
      // subscriber uses until a NOTIFY says otherwise.
      const granted = expiresOf(res);
      if (granted !== undefined && !this.isRefer) this.scheduleEnd(granted, now);
      if (!this.wanted) this.sendUnsubscribe(now);
      this.ctx.emit({ type: 'subscription', subscription: this, change: { kind: 'accepted', response: res } });
      return;
    }
    // "A non-200 class final response indicates that no subscription or new dialog usage has been created."
    this.end({ reason: 'refused', status: outcomeStatus(o), outcome: o }, now);
  }

  /** REFER's subscription is told apart by the CSeq of the REFER (RFC 3515 2.4.6). */
  private rekeyRefer(seq: number): void {
    if (this.id === String(seq) || !this.dialog) return;
    this.attach(this.dialog, String(seq));
  }

  /** A NOTIFY for this subscription (the core answers it 200 after this). */
  handleNotify(req: SipRequest, state: SubscriptionStateHeader, now: number): void {
    if (this.state === 'terminated') return;
    this.timerN?.cancel();
    this.timerN = undefined;
    this.notified = true;
    if (state.state === 'terminated') {
      this.emitNotify(req, state);
      this.end(
        {
          reason: this.wanted ? (state.reason ?? 'noresource') : 'unsubscribed',
          ...(state.retryAfter !== undefined ? { retryAfter: state.retryAfter } : {}),
        },
        now,
      );
      return;
    }
    this.state = state.state === 'pending' ? 'pending' : 'active';
    if (state.expires !== undefined) this.scheduleEnd(state.expires, now);
    this.emitNotify(req, state);
  }

  private emitNotify(req: SipRequest, state: SubscriptionStateHeader): void {
    this.ctx.emit({ type: 'subscription', subscription: this, change: { kind: 'notify', request: req, state } });
  }

  /**
   * The subscription lasts `seconds` from now: the refresh (subscriber
   * with `refresh`) goes out before, and the end comes at it.
   */
  private scheduleEnd(seconds: number, now: number): void {
    this.expiresAt = now + seconds * 1000;
    this.expiryTimer?.cancel();
    // The subscriber gives the notifier's own last NOTIFY (reason=timeout) T4 to arrive: "the maximum duration a
    // message will remain in the network" (RFC 3261 17.1.2.2).
    const grace = this.role === 'subscriber' ? this.ctx.config.timers.t4 : 0;
    this.expiryTimer = this.ctx.schedule(this.expiresAt + grace, (t) => {
      this.expiryTimer = undefined;
      if (this.role === 'notifier') this.notifyEnd('timeout', t);
      else this.end({ reason: 'expired' }, t);
    });
    if (this.role !== 'subscriber' || !this.opts?.refresh || !this.wanted || seconds === 0) return;
    this.refreshTimer?.cancel();
    this.refreshTimer = this.ctx.schedule(now + refreshDelay(seconds), (t) => {
      this.refreshTimer = undefined;
      this.refresh(t);
    });
  }

  /** Refresh now: SUBSCRIBE in the dialog with the expiry asked for at first. */
  refresh(now: number): void {
    if (this.role !== 'subscriber' || this.state === 'terminated' || !this.dialog || !this.wanted) return;
    this.subscribeInDialog(this.opts?.expires ?? 3600, now);
  }

  private subscribeInDialog(expires: number, now: number): void {
    const dialog = this.dialog;
    if (!dialog || dialog.state === 'terminated') return;
    dialog.request(
      'SUBSCRIBE',
      {
        headers: [['Event', this.eventHeader], ['Expires', String(expires)], ...(this.opts?.headers ?? [])],
        usageOnly: true,
      },
      now,
      (o, t) => {
        const status = outcomeStatus(o);
        if (status >= 200 && status < 300) {
          const granted = o.kind === 'response' ? expiresOf(o.response) : undefined;
          if (granted !== undefined && expires > 0) this.scheduleEnd(granted, t);
          return;
        }
        // RFC 6665 4.1.2.2: "If a SUBSCRIBE request to refresh a subscription receives a 404, 405, 410, 416,
        // 480-485, 489, 501, or 604 response, the subscriber MUST consider the subscription terminated"; after
        // any other failure the subscription stands until it expires.
        if ([404, 405, 408, 410, 416, 489, 501, 604].includes(status) || (status >= 480 && status <= 485))
          this.end({ reason: expires === 0 ? 'unsubscribed' : 'failed', status }, t);
      },
    );
  }

  /** Unsubscribe (RFC 6665 4.1.2.3): SUBSCRIBE with Expires: 0, then the final NOTIFY (or Timer N) ends it. */
  unsubscribe(now: number): void {
    if (this.role !== 'subscriber') throw new SipStateError('only a subscriber unsubscribes; a notifier terminates');
    if (this.state === 'terminated' || !this.wanted) return;
    this.wanted = false;
    this.refreshTimer?.cancel();
    this.refreshTimer = undefined;
    if (this.isRefer) {
      // REFER's subscription is not ours to end early but by waiting; we stop listening to it.
      this.end({ reason: 'unsubscribed' }, now);
      return;
    }
    // Before the 2xx (no dialog yet), the Expires: 0 goes out once it comes.
    if (this.dialog) this.sendUnsubscribe(now);
  }

  private sendUnsubscribe(now: number): void {
    this.subscribeInDialog(0, now);
    this.armTimerN(now);
  }

  // ---- notifier -----------------------------------------------------------

  /**
   * Accept (RFC 6665 4.2.1.1; RFC 3515 2.4.2: 202 to REFER): the response,
   * the dialog (for a request outside dialogs), and at once the first
   * NOTIFY with the state now (RFC 6665 4.2.1.2).
   */
  accept(
    now: number,
    o: {
      readonly expires: number;
      readonly state?: 'active' | 'pending';
      readonly body?: Uint8Array;
      readonly contentType?: string;
      readonly onNotified?: (o: RequestOutcome, now: number) => void;
    },
  ): void {
    const sr = this.incoming;
    if (this.role !== 'notifier' || !sr) throw new SipStateError('only a notifier accepts a subscription');
    if (this.state !== 'init') throw new SipStateError(`cannot accept a subscription that is ${this.state}`);
    if (sr.answered) throw new SipStateError(`${sr.method} already answered with ${sr.final?.status}`);
    let dialog = this.dialog;
    const outside = dialog === undefined;
    if (!dialog) {
      dialog = Dialog.fromRequest(this.ctx, sr.request, sr.localTag, sr.source.transport, 'confirmed');
      dialog.kind = 'subscription';
      this.ctx.dialogs.set(dialog.id, dialog);
    }
    this.attach(dialog);
    const contact: [string, string][] = outside
      ? [['Contact', `<${formatUri(contactUri(this.ctx.config, sr.source.transport))}>`]]
      : [];
    sr.respond(this.isRefer ? 202 : 200, now, {
      headers: [...contact, ['Expires', String(o.expires)]],
      ...(outside ? { recordRoute: true } : {}),
    });
    this.state = o.state ?? 'active';
    if (o.body) this.last = { body: o.body, contentType: o.contentType ?? 'text/plain' };
    if (o.expires === 0) {
      // A fetch (RFC 6665 4.4.3): one NOTIFY with the state, and the subscription is over.
      this.notifyEnd('timeout', now, o.onNotified);
      return;
    }
    this.scheduleEnd(o.expires, now);
    this.sendNotify(now, this.state, undefined, o.onNotified);
  }

  /** Refuse the SUBSCRIBE or REFER (no subscription is made). */
  reject(now: number, status: number, reason?: string, headers?: HeaderInit): void {
    const sr = this.incoming;
    if (this.role !== 'notifier' || !sr) throw new SipStateError('only a notifier rejects a subscription');
    if (status < 300) throw new SipStateError(`reject needs a 3xx-6xx status, got ${status}`);
    sr.respond(status, now, { ...(reason ? { reason } : {}), ...(headers ? { headers } : {}) });
    this.end({ reason: 'rejected', status }, now, false);
  }

  /**
   * Send a NOTIFY with a new state of the resource. `terminated` ends the
   * subscription (`reason`, RFC 6665 4.2.2: noresource by default).
   */
  notify(
    now: number,
    o: {
      readonly body?: Uint8Array;
      readonly contentType?: string;
      readonly state?: 'active' | 'pending' | 'terminated';
      readonly reason?: string;
      readonly onDone?: (o: RequestOutcome, now: number) => void;
    },
  ): void {
    if (this.role !== 'notifier') throw new SipStateError('only a notifier sends NOTIFY');
    if (this.state === 'init') throw new SipStateError('accept the subscription before notifying');
    if (this.state === 'terminated') throw new SipStateError(`the ${this.event} subscription has ended`);
    if (o.body) this.last = { body: o.body, contentType: o.contentType ?? this.last?.contentType ?? 'text/plain' };
    if (o.state === 'terminated') return this.notifyEnd(o.reason ?? 'noresource', now, o.onDone);
    if (o.state) this.state = o.state;
    this.sendNotify(now, this.state, undefined, o.onDone);
  }

  /** The subscriber refreshed (SUBSCRIBE in the dialog, RFC 6665 4.2.1.2): 200, and the state again. */
  handleRefresh(sr: ServerRequest, now: number): void {
    if (this.state === 'terminated' || this.state === 'init') {
      sr.respond(481, now);
      return;
    }
    const asked = expiresOf(sr.request) ?? 3600;
    sr.respond(200, now, { headers: [['Expires', String(asked)]] });
    this.ctx.emit({ type: 'subscription', subscription: this, change: { kind: 'refreshed', expires: asked } });
    // "Upon successfully accepting or refreshing a subscription, notifiers MUST send a NOTIFY request
    // immediately to communicate the current resource state to the subscriber."
    if (asked === 0) return this.notifyEnd('timeout', now);
    this.scheduleEnd(asked, now);
    this.sendNotify(now, this.state);
  }

  /** The last NOTIFY: `terminated` with `reason`, and the subscription is over. */
  private notifyEnd(reason: string, now: number, onDone?: (o: RequestOutcome, now: number) => void): void {
    if (this.state === 'terminated') return;
    this.sendNotify(now, 'terminated', reason, onDone);
    this.end({ reason }, now);
  }

  private sendNotify(
    now: number,
    state: 'active' | 'pending' | 'terminated',
    reason?: string,
    onDone?: (o: RequestOutcome, now: number) => void,
  ): void {
    const dialog = this.dialog;
    if (!dialog || dialog.state === 'terminated') return;
    const left = this.expiresAt === undefined ? undefined : Math.max(0, Math.ceil((this.expiresAt - now) / 1000));
    const last = this.last;
    dialog.request(
      'NOTIFY',
      {
        headers: [
          ['Event', this.eventHeader],
          [
            'Subscription-State',
            formatSubscriptionState(state, {
              ...(left !== undefined ? { expires: left } : {}),
              ...(reason ? { reason } : {}),
            }),
          ],
        ],
        ...(last ? { body: last.body, contentType: last.contentType } : {}),
        usageOnly: true,
      },
      now,
      (o, t) => {
        const status = outcomeStatus(o);
        // RFC 6665 4.2.2: "A NOTIFY request that receives a 481, ... 408 or no response at all ... the notifier
        // MUST remove the corresponding subscription".
        if (status === 481 || status === 408 || o.kind === 'transport-error') this.end({ reason: 'failed', status }, t);
        onDone?.(o, t);
      },
    );
  }

  // ---- both ---------------------------------------------------------------

  /** End it: timers stop, the dialog lets it go, the owner hears why (once). */
  end(why: SubscriptionEnd, now: number, tell = true): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const t of [this.timerN, this.refreshTimer, this.expiryTimer]) t?.cancel();
    this.timerN = this.refreshTimer = this.expiryTimer = undefined;
    if (this.pendingKey !== undefined && this.ctx.pendingSubscriptions.get(this.pendingKey) === this)
      this.ctx.pendingSubscriptions.delete(this.pendingKey);
    this.dialog?.removeUsage(this.key, this, now);
    if (tell) this.ctx.emit({ type: 'subscription', subscription: this, change: { kind: 'terminated', end: why } });
  }

  dialogEnded(now: number): void {
    this.end({ reason: 'dialog-ended' }, now);
  }

  /** Whether a NOTIFY has come (subscriber). */
  get hasNotified(): boolean {
    return this.notified;
  }
}
