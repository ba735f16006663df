/**
 * What the phone core tells its front ends: one event per thing that
 * happened (every event names its call by the core's short id), and the
 * shape of a call in the list. Plain data: the control mode prints each
 * event as one JSON object.
 */
import type { CallEndReason, DtmfHow } from '../call-types.js';

/** Where a call of the phone is, as its user sees it. */
export type PhoneCallState =
  /** Outgoing, no ringing yet. */
  | 'calling'
  /** Outgoing, the other side rings (180/183). */
  | 'ringing'
  /** Incoming, not answered yet (call waiting when another is up). */
  | 'incoming'
  /** Up, and neither side holds it. */
  | 'answered'
  /** Up, and held (by us, by the other side, or both: see `heldBy`). */
  | 'held'
  /** Up, and our transfer of it is in progress. */
  | 'transferring'
  | 'ended';

/** One call in the phone's list (`calls`). */
export interface PhoneCallInfo {
  /** The short id the commands take. */
  readonly call: number;
  readonly direction: 'outgoing' | 'incoming';
  /** The other party (To of an outgoing call, From of an incoming one). */
  readonly peer: string;
  readonly state: PhoneCallState;
  /** Who holds it: `local` (we did), `remote` (the other side did), both, or none. */
  readonly heldBy: readonly ('local' | 'remote')[];
  readonly muted: boolean;
  /** It has the microphone and the speaker. */
  readonly current: boolean;
  /** It is in the phone's conference. */
  readonly conference: boolean;
  /** The codec we send, once answered. */
  readonly codec?: string;
  /** Since the answer, ms (0 before). */
  readonly durationMs: number;
  /** Received packets lost, percent (once answered). */
  readonly lossPercent?: number;
  /** RTP packets sent and received so far (once answered): a held side's stream stops. */
  readonly packets?: { readonly sent: number; readonly received: number };
}

export type PhoneCoreEvents = {
  /** The account is registered (and after each refresh). */
  registered: [e: { readonly aor: string; readonly registrar: string; readonly expires: number }];
  /** Registering failed (first time or a refresh; it is tried again). */
  'registration-failed': [e: { readonly status?: number; readonly message: string }];
  /** The binding was removed (quit). */
  unregistered: [e: { readonly aor: string }];
  /** A call we placed: its id (the answer to `dial`, or the call that follows a transfer). */
  calling: [e: { readonly call: number; readonly to: string }];
  /** A call arrives (call waiting when another is up); `replaces`: the call it takes the place of (RFC 3891). */
  incoming: [e: { readonly call: number; readonly from: string; readonly to: string; readonly replaces?: number }];
  /** The other side rings (180), or has session progress (183). */
  ringing: [e: { readonly call: number; readonly status: number }];
  answered: [e: { readonly call: number; readonly codec: string }];
  /** The call was put on hold, by us or by the other side. */
  held: [e: { readonly call: number; readonly by: 'local' | 'remote' }];
  /** The call was taken off hold, by us or by the other side. */
  resumed: [e: { readonly call: number; readonly by: 'local' | 'remote' }];
  dtmf: [e: { readonly call: number; readonly digit: string; readonly how: DtmfHow }];
  /** The other side asks us to call `target` (REFER); accepted at once with auto-accept, else `accept-transfer`. */
  'transfer-requested': [e: { readonly call: number; readonly target: string; readonly attended: boolean }];
  /**
   * The call was handed on: our transfer reached its target (`target`), or
   * we followed the other side's transfer (`to`: the call that goes on).
   */
  transferred: [e: { readonly call: number; readonly target?: string; readonly to?: number }];
  /** A SIP MESSAGE (RFC 3428), outside or inside a call. */
  message: [e: { readonly from: string; readonly text: string; readonly contentType?: string; readonly call?: number }];
  /** The calls now in the conference. */
  conference: [e: { readonly calls: readonly number[] }];
  ended: [
    e: { readonly call: number; readonly reason: CallEndReason; readonly status?: number; readonly message: string },
  ];
  /** A command could not be done, or something the phone did failed (`call` when one is concerned). */
  error: [e: { readonly message: string; readonly call?: number }];
  /** A call of the list changed (for front ends that draw the list; not a protocol event). */
  update: [info: PhoneCallInfo];
};
