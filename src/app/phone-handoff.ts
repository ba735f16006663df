/**
 * Handing a phone's incoming calls to other threads (`shtoom serve
 * --workers`, `docs/workers.md`): the phone screens each INVITE as usual
 * (draining, capacity, SDP), then gives it away instead of making a `Call`
 * here; it still counts the call against its capacity and ends it on close.
 */
import type { CallEnd } from './call-types.js';

/** What the phone knows of a call it hands off. */
export interface HandOffSetup {
  /** Our address (the To, without tag). */
  readonly local: string;
  /** The caller (the From, without tag). */
  readonly remote: string;
  /** The address our SDP names when the RTP socket is bound to a wildcard. */
  readonly sdpAddress: string;
}

/** A call handed off, as the phone tracks it. */
export interface HandedCall {
  /** Resolves once the call is over wherever it ran. */
  readonly ended: Promise<CallEnd>;
  /** End it (the phone closes). */
  hangup(): void;
}
