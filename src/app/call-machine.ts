/**
 * The call's state machine, in the transaction layer's style: a table keyed
 * by phase and input whose handlers act and return the next phase.
 *
 * Phases, for both directions (the tables of `call.ts` for what both share,
 * `call-outgoing.ts` and `call-incoming.ts` for setting a call up):
 *
 *   outgoing:  opening ─ports─▶ calling ─18x─▶ ringing ─2xx─▶ answered
 *                 │               │   ╰──────3xx: a new INVITE──╯ │
 *                 ╰──hangup──▶ cancelling ◀──hangup, answer timeout┘(before the 2xx)
 *   incoming:  ringing ─answer─▶ accepting ─ports, 2xx sent─▶ confirming ─ACK─▶ answered
 *                 │                 ╰─hangup─▶ declining          ╰─hangup─▶ leaving
 *                                                                    leaving ─ACK: BYE─▶ ending
 *   both:      answered ─hangup, RTP timeout: BYE─▶ ending ─dialog ends─▶ closing
 *              closing ─media, sockets, files─▶ ended
 *              answered ─transfer: REFER─▶ transferring ─NOTIFY 2xx: BYE─▶ ending
 *              transferring ─failure─▶ answered
 *              answered ─replaced (the call that replaces it is answered): BYE─▶ ending
 *              any setup phase ─refusal, failure, CANCEL…─▶ closing
 *
 * Every input either is listed for the phase it arrives in or is impossible
 * there: a command (`ring`, `answer`, `reject`) then throws a
 * `CallStateError` naming both; an input from the network or a timer that
 * no longer matters (a late 2xx, an RTP timeout while hanging up) is listed
 * and does nothing, or is dropped with a debug line.
 */
import type { AudioSink, AudioSource } from '../audio/device.js';
import type { RtpChannel } from '../rtp/rtp-channel.js';
import type { CallDialog, CallIncomingRefer } from './call-sip.js';
import type { Uri } from '../sip/message/uri.js';
import type { DialogEndReason } from '../sip/core/dialog.js';
import type { HeaderInit, SipResponse } from '../sip/message/message.js';
import type { CallEndReason } from './call-types.js';

/** Where a call is in its life (`Call.state` shows the coarse part of it). */
export type CallPhase =
  /** Outgoing: binding the RTP ports; nothing sent yet. */
  | 'opening'
  /** Outgoing: the INVITE is out; no ringing yet. */
  | 'calling'
  /** Outgoing: a 180/183 came. Incoming: the INVITE came; not answered yet. */
  | 'ringing'
  /** Outgoing: we gave up before the answer (CANCEL; RFC 3261 9.1 needs a provisional response first). */
  | 'cancelling'
  /** Incoming: `answer()` was called; binding the RTP ports. */
  | 'accepting'
  /** Incoming: hung up while the ports were being bound: refused once they are. */
  | 'declining'
  /** Incoming: our 2xx is out; waiting for the ACK. Media goes only where the caller's own packets come from. */
  | 'confirming'
  /** Incoming: hung up while waiting for the ACK: the BYE waits for it (RFC 3261 15). */
  | 'leaving'
  | 'answered'
  /** Answered, and our REFER (RFC 3515) is out: waiting for the transferee's NOTIFYs. */
  | 'transferring'
  /** Our BYE is out. */
  | 'ending'
  /** Stopping the media and closing the sockets, the source and the sink. */
  | 'closing'
  | 'ended';

/** Options of `Call.answer`. */
export interface AnswerOptions {
  readonly source?: AudioSource;
  readonly sink?: AudioSink;
  /** Echo every received packet straight back (an echo service): no source, sink or taps. */
  readonly echo?: boolean;
  readonly headers?: HeaderInit;
}

export type CallInput =
  // Commands (the API).
  | { readonly type: 'hangup'; readonly reason: CallEndReason }
  | { readonly type: 'ring'; readonly status: number }
  | { readonly type: 'answer'; readonly opts: AnswerOptions }
  | {
      readonly type: 'reject';
      readonly status: number;
      readonly reason: string | undefined;
      readonly headers: HeaderInit | undefined;
    }
  /** Transfer the peer (REFER): to `target`, replacing `replaces` (an attended transfer, RFC 3891). */
  | { readonly type: 'refer'; readonly target: Uri; readonly replaces: CallDialog | undefined }
  // The RTP ports.
  | { readonly type: 'ports-open'; readonly channel: RtpChannel }
  | { readonly type: 'ports-failed'; readonly error: Error }
  // Our INVITE.
  | { readonly type: 'provisional'; readonly response: SipResponse }
  /** The 2xx to our INVITE, with its body (the answer, or nothing when early media answered). */
  | { readonly type: 'invite-answered'; readonly dialog: CallDialog; readonly body: Uint8Array }
  | { readonly type: 'invite-failed'; readonly error: unknown }
  // Their INVITE.
  | { readonly type: 'cancelled' }
  | { readonly type: 'acked'; readonly dialog: CallDialog }
  | { readonly type: 'unacked'; readonly error: unknown }
  // Timers and the media.
  | { readonly type: 'answer-timeout' }
  | { readonly type: 'cancel-wait-over' }
  | { readonly type: 'rtp-timeout'; readonly silentMs: number }
  // Transfers.
  /** Our REFER's outcome: the transferee reached the target (`ok`), or not (refused, failed, no final status). */
  | { readonly type: 'transfer-done'; readonly ok: boolean; readonly status: number; readonly message: string }
  /** The peer's REFER (it asks us to call someone). */
  | { readonly type: 'refer-requested'; readonly refer: CallIncomingRefer }
  /** A call that replaces this one (RFC 3891) was answered. */
  | { readonly type: 'replaced' }
  // The dialog, and the end.
  | { readonly type: 'dialog-ended'; readonly reason: DialogEndReason }
  /** End here and now, whatever is pending (the phone closes, and what it waited for did not come). */
  | { readonly type: 'abandon' }
  | { readonly type: 'closed' };

/** The commands: an impossible one throws; any other impossible input is dropped. */
export const COMMANDS: ReadonlySet<CallInput['type']> = new Set(['ring', 'answer', 'reject', 'refer']);

/** What a phase does with each input it expects: acts, and says the next phase. */
export type CallRow<C> = {
  readonly [T in CallInput['type']]?: (call: C, input: Extract<CallInput, { type: T }>) => CallPhase;
};
export type CallTable<C> = { readonly [P in CallPhase]?: CallRow<C> };

function run<C, T extends CallInput['type']>(
  row: CallRow<C>,
  call: C,
  input: Extract<CallInput, { type: T }> & { type: T },
): CallPhase | undefined {
  const handler = row[input.type];
  return handler?.(call, input);
}

/** The next phase after `input` in `phase` by `table`, or undefined when the table does not list it. */
export function step<C>(table: CallTable<C>, call: C, phase: CallPhase, input: CallInput): CallPhase | undefined {
  const row = table[phase];
  return row ? run(row, call, input) : undefined;
}

/** A handler that acts on nothing: the input is expected there and changes nothing. */
export const stay = (phase: CallPhase) => (): CallPhase => phase;
