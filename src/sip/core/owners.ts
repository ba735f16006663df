/**
 * Who hears what becomes of the core's objects: the typed handles a
 * `UserAgent` (or any owner of a `SipCore`) gives the core.
 *
 * The rule that keeps outcomes from getting lost: an owner is given to the
 * core *with the command* (`request`, `invite`, `reinvite`, `register`), so
 * it exists before anything is sent — a transport that fails inside the
 * send, synchronously, still reaches it. The core keeps queueing events
 * (each names its object, and the object carries its owner), so owners are
 * called after the input that produced them, never from inside it.
 *
 * The objects the core creates on its own (an incoming INVITE, a dialog)
 * are announced by an event; their owner attaches on that event, before
 * any later input can concern them.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { Dialog } from './dialog.js';
import type { RequestOutcome } from './outgoing-request.js';
import type { RegistrationState } from './registration.js';
import type { SubscriptionChange } from './events.js';

/** A request we send outside dialogs (OPTIONS, MESSAGE…). */
export interface RequestOwner {
  /** A provisional response. */
  onProgress?(response: SipResponse): void;
  /** The outcome: a final response, a timeout, a transport error, refused credentials, or the core closing. */
  onDone(outcome: RequestOutcome): void;
}

/** An INVITE we send (initial or re-INVITE). */
export interface InviteOwner {
  /** A provisional response, with the early dialog it made (one per answering fork). */
  onProgress(response: SipResponse, early: Dialog | undefined): void;
  /** The 2xx: the dialog is confirmed (the ACK went out). */
  onAnswered(response: SipResponse, dialog: Dialog): void;
  /** No 2xx: a final refusal, a timeout, a transport error, refused credentials, cancelled, or closed. */
  onFailed(outcome: RequestOutcome): void;
}

/** A registration we keep. */
export interface RegistrationOwner {
  onState(state: RegistrationState): void;
}

/** An INVITE we received (initial or re-INVITE), once the owner took it. */
export interface ServerInviteOwner {
  /** The caller cancelled before the final response (487 already sent). */
  onCancelled(cancel: SipRequest): void;
  /** No ACK came for our 2xx within 64*T1 (the dialog is ended with BYE, or locally when no BYE can be sent). */
  onUnacked(): void;
  /** The ACK for our 2xx arrived — or the dialog ended before it did (then no `ack`). */
  onAcked(dialog: Dialog, ack: SipRequest | undefined): void;
}

/** A subscription, either role (ours from `subscribe`/`refer`, or one a peer asked for once taken). */
export interface SubscriptionOwner {
  /** Accepted (subscriber), a NOTIFY (subscriber), refreshed (notifier), or over (either). */
  onChange(change: SubscriptionChange): void;
}
