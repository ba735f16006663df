/**
 * What a SIP core tells its owner (the `UserAgent`): new requests and
 * calls, progress and outcomes of what we sent, dialog changes. Each event
 * names the core object it concerns; an object the owner asked for carries
 * the owner's typed handle, given with the command (`owners.ts`).
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { ClientInvite } from './client-invite.js';
import type { Dialog, DialogEndReason } from './dialog.js';
import type { OutgoingRequest, RequestOutcome } from './outgoing-request.js';
import type { Registration, RegistrationState } from './registration.js';
import type { ServerInvite } from './server-invite.js';
import type { ServerRequest } from './server-request.js';
import type { SubscriptionStateHeader } from '../message/event.js';
import type { NameAddr } from '../message/name-addr.js';
import type { Subscription, SubscriptionEnd } from './subscription.js';

/** What happened to a subscription (`subscription` events; the owner hears each). */
export type SubscriptionChange =
  /** Subscriber: the 2xx to our SUBSCRIBE or REFER. */
  | { readonly kind: 'accepted'; readonly response: SipResponse }
  /** Subscriber: a NOTIFY (answered 200). */
  | { readonly kind: 'notify'; readonly request: SipRequest; readonly state: SubscriptionStateHeader }
  /** Notifier: the subscriber refreshed for `expires` seconds (0: it unsubscribed). */
  | { readonly kind: 'refreshed'; readonly expires: number }
  /** Either side: it is over. */
  | { readonly kind: 'terminated'; readonly end: SubscriptionEnd };

export type CoreEvent =
  /**
   * A new out-of-dialog request other than INVITE (MESSAGE, OPTIONS — already answered —, or another allowed method).
   */
  | { readonly type: 'request'; readonly request: ServerRequest }
  /** A new INVITE outside any dialog: answer it through the ServerInvite. */
  | { readonly type: 'invite'; readonly invite: ServerInvite }
  /** The ServerInvite was cancelled by the caller (487 already sent). */
  | { readonly type: 'invite-cancelled'; readonly invite: ServerInvite; readonly request: SipRequest }
  /** A provisional response to a request we sent. */
  | { readonly type: 'request-progress'; readonly request: OutgoingRequest; readonly response: SipResponse }
  /** A request we sent is over. */
  | { readonly type: 'request-done'; readonly request: OutgoingRequest; readonly outcome: RequestOutcome }
  /** A provisional response to an INVITE we sent (dialog: the early dialog, when it created one). */
  | {
      readonly type: 'invite-progress';
      readonly invite: ClientInvite;
      readonly response: SipResponse;
      readonly dialog?: Dialog;
    }
  /** Our INVITE was answered: the dialog is confirmed (ACK sent). */
  | {
      readonly type: 'invite-answered';
      readonly invite: ClientInvite;
      readonly response: SipResponse;
      readonly dialog: Dialog;
    }
  /** Our INVITE failed (final non-2xx, timeout, transport error, cancelled). */
  | { readonly type: 'invite-failed'; readonly invite: ClientInvite; readonly outcome: RequestOutcome }
  /**
   * The ACK for our 2xx arrived (a UAS dialog is now usable for BYE) — or the
   * dialog ended before any ACK came (a BYE overtook it): then no `request`.
   */
  | {
      readonly type: 'dialog-acked';
      readonly dialog: Dialog;
      readonly invite: ServerInvite;
      readonly request?: SipRequest;
    }
  /** No ACK came for our 2xx within 64*T1: the dialog is ended with BYE (RFC 3261 13.3.1.4). */
  | { readonly type: 'invite-unacked'; readonly invite: ServerInvite }
  /** A request inside a dialog (INFO, MESSAGE, OPTIONS, BYE — answered —, …): respond through it unless answered. */
  | { readonly type: 'dialog-request'; readonly dialog: Dialog; readonly request: ServerRequest }
  /** A re-INVITE inside a dialog: answer it through the ServerInvite. */
  | { readonly type: 'dialog-reinvite'; readonly dialog: Dialog; readonly invite: ServerInvite }
  /** The dialog ended; `request` is the peer's BYE when it sent one. */
  | {
      readonly type: 'dialog-terminated';
      readonly dialog: Dialog;
      readonly reason: DialogEndReason;
      readonly response?: SipResponse;
      readonly request?: SipRequest;
    }
  | { readonly type: 'registration'; readonly registration: Registration; readonly state: RegistrationState }
  /**
   * A new SUBSCRIBE (outside dialogs, or a new usage inside one): accept or
   * reject it through the subscription (notifier side).
   */
  | {
      readonly type: 'subscribe';
      readonly subscription: Subscription;
      readonly request: ServerRequest;
      readonly dialog?: Dialog;
    }
  /** A REFER (RFC 3515) with its one Refer-To: accept (202) or reject it through the subscription. */
  | {
      readonly type: 'refer';
      readonly subscription: Subscription;
      readonly request: ServerRequest;
      readonly referTo: NameAddr;
      readonly dialog?: Dialog;
    }
  | { readonly type: 'subscription'; readonly subscription: Subscription; readonly change: SubscriptionChange };
