/**
 * Dialogs (RFC 3261 12): the peer-to-peer relationship an INVITE creates —
 * its id (Call-ID, local tag, remote tag), sequence numbers, remote target
 * and route set — and the requests sent inside it.
 *
 * States: `early` (from a 1xx with a To tag), `confirmed` (from a 2xx),
 * `terminated`. An early dialog is confirmed by a 2xx with the same tag or
 * ends with the INVITE's non-2xx final response.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import { parseNameAddr } from '../message/name-addr.js';
import { formatUri, type Uri } from '../message/uri.js';
import { SipStateError } from '../errors.js';
import type { Destination, TransportKind } from '../transport/types.js';
import { SECURE } from '../transport/types.js';
import type { CoreContext } from './context.js';
import { nextHop, isLooseRoute, type RequestTemplate } from './request-builder.js';
import { OutgoingRequest, type RequestOutcome } from './outgoing-request.js';
import type { ClientInvite } from './client-invite.js';
import type { ServerInvite } from './server-invite.js';
import type { HeaderInit } from '../message/message.js';
import { own } from '../../util/strings.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export type DialogEndReason =
  /** We sent BYE. */
  | 'local-bye'
  /** The peer sent BYE. */
  | 'remote-bye'
  /** The INVITE got a non-2xx final response (early dialogs end). */
  | 'rejected'
  /** The INVITE was cancelled. */
  | 'cancelled'
  /** Our 2xx was never ACKed (RFC 3261 13.3.1.4): we sent BYE. */
  | 'ack-timeout'
  /** A request inside the dialog got 481 or 408, or timed out (RFC 3261 12.2.1.2). */
  | 'request-failed'
  /** An extra 2xx from a forked INVITE: ACKed and closed with BYE (RFC 3261 13.2.2.4). */
  | 'fork-extra'
  /** The last subscription of a dialog SUBSCRIBE or REFER created ended (RFC 6665 4.4.1). */
  | 'subscription-ended'
  /** The user agent closed. */
  | 'closed';

/**
 * A usage of the dialog besides its INVITE session (RFC 5057): a
 * subscription, which ends with the dialog.
 */
export interface DialogUsage {
  /** The dialog ended under it (a BYE, a 481): nothing more is sent. */
  dialogEnded(now: number): void;
}

/** Requests that refresh the remote target (RFC 3261 12.2, RFC 6665 4.1.2.1 and 4.2.2, RFC 3515 2.4.2). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export interface DialogRequestOptions {
  readonly headers?: HeaderInit;
  readonly body?: Uint8Array;
  readonly contentType?: string;
  /**
   * The request belongs to one usage of the dialog (a NOTIFY of a
   * subscription): its 481 or 408 ends that usage, which its sender
   * handles, not the dialog (RFC 5057 5.3).
   */
  readonly usageOnly?: boolean;
}

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

function withoutUsage(opts: DialogRequestOptions): Omit<DialogRequestOptions, 'usageOnly'> {
  const { usageOnly: _usageOnly, ...rest } = opts;
  return rest;
}

export class Dialog {
  state: DialogState;
  readonly id: string;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: Uri;
  /** Record-Route values in the order requests follow them. */
  routeSet: readonly string[];
  /** The INVITE we sent on this dialog and have no final response for (RFC 3261 14.1). */
  outgoingInvite: ClientInvite | undefined;
  /** The INVITE we received on this dialog and have not finished (final response + ACK for 2xx). */
  incomingInvite: ServerInvite | undefined;
  /** UAS: the ServerInvite whose 2xx waits for its ACK (BYE must wait too, RFC 3261 15). */
  awaitingAck: ServerInvite | undefined;
  /** UAS: BYE asked for before the ACK arrived. */
  byeQueued: { opts: DialogRequestOptions; onDone?: (o: RequestOutcome, now: number) => void } | undefined;
  /** UAC: the ACK we sent for the last 2xx, re-sent when that 2xx is retransmitted (RFC 3261 13.2.2.4). */
  lastAck: { seq: number; request: SipRequest; bytes: Uint8Array; destination: Destination } | undefined;
  endReason: DialogEndReason | undefined;
  /**
   * What made the dialog: an INVITE (it ends with BYE), or a SUBSCRIBE or
   * REFER outside any dialog (it ends with its last subscription).
   */
  kind: 'invite' | 'subscription' = 'invite';
  /** Subscriptions in the dialog by `event|id` (created on first use). */
  usages: Map<string, DialogUsage> | undefined;
  /** Requests sent inside the dialog and not finished (created on first use: most dialogs idle). */
  private pendingSet: Set<OutgoingRequest> | undefined;

  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** From value of our requests (local URI and tag). */
  readonly localHeader: string;
  /** To value of our requests (remote URI and tag). */
  readonly remoteHeader: string;

  constructor(
    private readonly ctx: CoreContext,
    readonly role: 'uac' | 'uas',
    callId: string,
    localTag: string,
    remoteTag: string,
    /** From value of our requests (local URI and tag). */
    localHeader: string,
    /** To value of our requests (remote URI and tag). */
    remoteHeader: string,
    remoteTarget: Uri,
    routeSet: readonly string[],
    localSeq: number,
    remoteSeq: number | undefined,
    readonly transport: TransportKind,
    state: DialogState,
    /** Whether we generated the Call-ID (RFC 3261 14.1 glare timers). */
    readonly callIdOwner: boolean,
  ) {
    // Own copies: header values are slices of whole received messages, which they would keep alive.
    this.callId = own(callId);
    this.localTag = own(localTag);
    this.remoteTag = own(remoteTag);
    this.localHeader = own(localHeader);
    this.remoteHeader = own(remoteHeader);
    this.routeSet = routeSet.map(own);
    this.id = dialogId(this.callId, this.localTag, this.remoteTag);
    this.remoteTarget = remoteTarget;
    this.localSeq = localSeq;
    this.remoteSeq = remoteSeq;
    this.state = state;
  }

  /** RFC 3261 12.1.2: the UAC's dialog from a 1xx (with a To tag) or 2xx to its INVITE. */
  static fromResponse(ctx: CoreContext, invite: SipRequest, res: SipResponse, transport: TransportKind): Dialog {
    // "The route set MUST be set to the list of URIs in the Record-Route header field from the response,
    // taken in reverse order and preserving all URI parameters."
    const routes = res.headerValues('record-route').reverse();
    // "The remote target MUST be set to the URI from the Contact header field of the response."
    const contacts = res.contacts;
    const target = contacts !== '*' && contacts.length > 0 ? contacts[0]!.uri : invite.uri;
    return new Dialog(
      ctx,
      'uac',
      invite.callId,
      invite.fromTag ?? '',
      res.toTag ?? '',
      invite.header('from')!,
      res.header('to')!,
      target,
      routes,
      invite.cseq.seq,
      undefined,
      transport,
      res.status < 200 ? 'early' : 'confirmed',
      true,
    );
  }

  /** RFC 3261 12.1.1: the UAS's dialog from an INVITE, with our tag. */
  static fromRequest(
    ctx: CoreContext,
    req: SipRequest,
    localTag: string,
    transport: TransportKind,
    state: DialogState,
  ): Dialog {
    // "The route set MUST be set to the list of URIs in the Record-Route header field from the request,
    // taken in order and preserving all URI parameters."
    const routes = req.headerValues('record-route');
    const contacts = req.contacts;
    // RFC 2543 peers may send no Contact (RFC 4475 3.4.1): fall back to the From URI.
    const target = contacts !== '*' && contacts.length > 0 ? contacts[0]!.uri : req.from.uri;
    const to = req.header('to')!;
    return new Dialog(
      ctx,
      'uas',
      req.callId,
      localTag,
      req.fromTag ?? '',
      req.toTag ? to : `${to};tag=${localTag}`,
      req.header('from')!,
      target,
      routes,
      ctx.ids.initialSeq(),
      req.cseq.seq,
      transport,
      state,
      false,
    );
  }

  /**
   * RFC 6665 4.1.2.4: the subscriber's dialog made by a NOTIFY that came
   * before the 2xx to our SUBSCRIBE (or REFER): our request's From, Call-ID
   * and CSeq; the NOTIFY's tag, Contact and Record-Route (in order: the
   * NOTIFY is a request we receive).
   */
  static fromNotify(ctx: CoreContext, ours: SipRequest, notify: SipRequest, transport: TransportKind): Dialog {
    const contacts = notify.contacts;
    const target = contacts !== '*' && contacts.length > 0 ? contacts[0]!.uri : notify.from.uri;
    const d = new Dialog(
      ctx,
      'uac',
      ours.callId,
      ours.fromTag ?? '',
      notify.fromTag ?? '',
      ours.header('from')!,
      notify.header('from')!,
      target,
      notify.headerValues('record-route'),
      ours.cseq.seq,
      undefined,
      transport,
      'confirmed',
      true,
    );
    d.kind = 'subscription';
    return d;
  }

  /** A usage (subscription) in the dialog, by `event|id`. */
  addUsage(key: string, usage: DialogUsage): void {
    (this.usages ??= new Map()).set(key, usage);
  }

  /**
   * A usage ended. The dialog a SUBSCRIBE or REFER made ends with its last
   * usage (RFC 6665 4.4.1: "a dialog ... is destroyed when the last usage
   * is destroyed"); an INVITE's dialog goes on.
   */
  removeUsage(key: string, usage: DialogUsage, now: number): void {
    if (this.usages?.get(key) !== usage) return;
    this.usages.delete(key);
    if (this.kind === 'subscription' && this.usages.size === 0) this.terminate('subscription-ended', now);
  }

  get secure(): boolean {
    return SECURE[this.transport];
  }

  /**
   * RFC 3261 12.2.1.1: Request-URI and Route of a request in the dialog.
   * Loose routing (first route has `lr`): the remote target in the
   * Request-URI, the route set as Route. Strict: the first route in the
   * Request-URI, the rest and then the remote target as Route.
   */
  template(method: string, opts: DialogRequestOptions = {}): RequestTemplate {
    let uri: Uri = this.remoteTarget;
    let routes = this.routeSet;
    if (routes.length > 0 && !isLooseRoute(routes[0]!)) {
      // "the UAC MUST place the first URI from the route set into the Request-URI ... [and] MUST add the
      // remote target URI to the Route header field as the last value."
      uri = parseNameAddr(routes[0]!, 'Route').uri;
      routes = [...routes.slice(1), `<${formatUri(this.remoteTarget)}>`];
    }
    return {
      method,
      uri,
      from: this.localHeader,
      to: this.remoteHeader,
      callId: this.callId,
      routes,
      contact: TARGET_REFRESH.has(method),
      transport: this.transport,
      ...withoutUsage(opts),
    };
  }

  /** Where requests in this dialog go (the first route, or the remote target); throws when it cannot be routed. */
  destination(): Destination {
    const t = this.template('OPTIONS');
    return nextHop(t.uri, t.routes, this.ctx.config, this.transport);
  }

  /**
   * The template and next hop of a request in this dialog — or, when the
   * peer's Contact or Record-Route cannot be routed (a `tel:` target, a
   * route that does not parse), the reason, with a template that needs no
   * routing. A peer's headers decide whether a request can be sent, never
   * whether our code throws: such a request fails as a transport error
   * would (RFC 3261 8.1.3.1), and a BYE still ends the dialog here.
   */
  route(method: string, opts: DialogRequestOptions = {}): { template: RequestTemplate; hop: Destination | Error } {
    try {
      const template = this.template(method, opts);
      return { template, hop: nextHop(template.uri, template.routes, this.ctx.config, this.transport) };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return {
        template: {
          method,
          uri: this.remoteTarget,
          from: this.localHeader,
          to: this.remoteHeader,
          callId: this.callId,
          routes: [],
          transport: this.transport,
          ...withoutUsage(opts),
        },
        hop: new Error(`the peer cannot be reached (its Contact or Record-Route): ${why}`),
      };
    }
  }

  /** The next local CSeq (RFC 3261 12.2.1.1: "incremented by one" for each request except ACK and CANCEL). */
  nextSeq(): number {
    this.localSeq = (this.localSeq + 1) >>> 0;
    return this.localSeq;
  }

  /**
   * Send a non-INVITE request in the dialog (BYE, INFO, MESSAGE, OPTIONS…).
   * A 481 or 408 (or a timeout) ends the dialog (RFC 3261 12.2.1.2).
   */
  request(
    method: string,
    opts: DialogRequestOptions,
    now: number,
    onDone?: (o: RequestOutcome, now: number) => void,
  ): OutgoingRequest {
    if (this.state === 'terminated' && method !== 'BYE') {
      throw new SipStateError(`cannot send ${method}: the dialog ${this.id} is terminated (${this.endReason})`);
    }
    const { template, hop } = this.route(method, opts);
    const req = new OutgoingRequest(this.ctx, template, {
      nextSeq: () => this.nextSeq(),
      destination: hop,
      events: true,
      onDone: (o, t) => {
        this.pendingSet?.delete(req);
        const status = o.kind === 'response' ? o.response.status : o.kind === 'timeout' ? 408 : 0;
        // "If the response for a request within a dialog is a 481 (Call/Transaction Does Not Exist) or a 408
        // (Request Timeout), the UAC SHOULD terminate the dialog." A request of one usage ends that usage only.
        if ((status === 481 || status === 408) && this.state !== 'terminated' && !opts.usageOnly) {
          this.terminate('request-failed', t, o.kind === 'response' ? o.response : undefined, method !== 'BYE');
        }
        onDone?.(o, t);
      },
    });
    (this.pendingSet ??= new Set()).add(req);
    req.start(now);
    return req;
  }

  /**
   * End the dialog with BYE (RFC 3261 15.1.1): the session ends as soon as
   * the BYE is sent. A UAS waiting for the ACK of its 2xx queues the BYE
   * until the ACK arrives or the wait times out.
   */
  bye(now: number, opts: DialogRequestOptions = {}, onDone?: (o: RequestOutcome, now: number) => void): void {
    if (this.state === 'terminated')
      throw new SipStateError(`BYE on a terminated dialog ${this.id} (${this.endReason})`);
    if (this.state === 'early' && this.role === 'uas') {
      // "the callee's UA ... MUST NOT send a BYE on early dialogs."
      throw new SipStateError(`the callee cannot send BYE on the early dialog ${this.id}: reject the INVITE instead`);
    }
    if (this.awaitingAck) {
      this.byeQueued = { opts, ...(onDone ? { onDone } : {}) };
      return;
    }
    this.request('BYE', opts, now, onDone);
    this.terminate('local-bye', now);
  }

  /** Send a BYE queued while waiting for our 2xx's ACK. */
  flushBye(now: number): void {
    const q = this.byeQueued;
    if (!q || this.state === 'terminated') return;
    this.byeQueued = undefined;
    this.request('BYE', q.opts, now, q.onDone);
    this.terminate('local-bye', now);
  }

  /**
   * End the dialog: remove it, answer a pending incoming INVITE with 487
   * (RFC 3261 15.1.2), and tell the owner (unless `quiet`).
   */
  terminate(reason: DialogEndReason, now: number, response?: SipResponse, notify = true, request?: SipRequest): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.endReason = reason;
    if (this.ctx.dialogs.get(this.id) === this) this.ctx.dialogs.delete(this.id);
    const usages = this.usages;
    this.usages = undefined;
    if (usages) for (const u of usages.values()) u.dialogEnded(now);
    const inc = this.incomingInvite;
    if (inc && !inc.finalSent) inc.reject(487, now);
    const waiting = this.awaitingAck;
    this.awaitingAck = undefined;
    waiting?.dialogEnded();
    if (notify)
      this.ctx.emit({
        type: 'dialog-terminated',
        dialog: this,
        reason,
        ...(response ? { response } : {}),
        ...(request ? { request } : {}),
      });
  }
}
