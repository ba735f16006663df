/**
 * Why a call ended, in one table: each reason's words for people and the
 * exit code `shtoom call` gives for it (once answered, and never
 * answered). The calls layer ends calls with these reasons; the command
 * line reads its exit codes here, so the two cannot disagree.
 */
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { SipRequestFailedError } from '../sip/errors.js';
import type { CallEnd, CallEndReason } from './call-types.js';

export interface EndReasonInfo {
  /** What to say when nothing more precise is known (the SIP status and reason are, when there is one). */
  readonly message: string;
  /** `shtoom call`'s exit code when the call had been answered… */
  readonly answered: ExitCodeValue;
  /** …and when it never was (an interruption by the user is 130 whatever the reason). */
  readonly unanswered: ExitCodeValue;
}

/**
 * | reason | when | exit (answered / not) |
 * |---|---|---|
 * | `hangup` | we hung up (BYE; CANCEL before the answer) | 0 / 130 |
 * | `remote-hangup` | the other side sent BYE | 0 / 1 |
 * | `cancelled` | the caller gave up before we answered (CANCEL) | 0 / 130 |
 * | `rejected` | a 3xx-6xx final response other than busy | 0 / 5 |
 * | `busy` | 486 or 600 | 0 / 3 |
 * | `no-answer` | no answer in time (we CANCEL), no response at all, or 408 | 0 / 4 |
 * | `rtp-timeout` | no RTP for the RTP timeout | 1 / 1 |
 * | `failed` | a transport or protocol failure (no ACK, an unusable SDP answer…) | 1 / 1 |
 * | `transferred` | handed on: our REFER reached its target, or the peer hung up after we followed its REFER | 0 / 0 |
 * | `replaced` | an INVITE with Replaces took its place (RFC 3891) | 0 / 0 |
 * | `shutdown` | the phone was closed | 0 / 130 |
 */
export const END_REASONS: { readonly [R in CallEndReason]: EndReasonInfo } = {
  hangup: { message: 'hung up', answered: ExitCode.OK, unanswered: ExitCode.INTERRUPTED },
  'remote-hangup': { message: 'the other side hung up', answered: ExitCode.OK, unanswered: ExitCode.FAILURE },
  cancelled: { message: 'cancelled', answered: ExitCode.OK, unanswered: ExitCode.INTERRUPTED },
  rejected: { message: 'rejected', answered: ExitCode.OK, unanswered: ExitCode.REJECTED },
  busy: { message: 'busy', answered: ExitCode.OK, unanswered: ExitCode.BUSY },
  'no-answer': { message: 'no answer', answered: ExitCode.OK, unanswered: ExitCode.NO_ANSWER },
  'rtp-timeout': { message: 'no media (RTP timeout)', answered: ExitCode.FAILURE, unanswered: ExitCode.FAILURE },
  failed: { message: 'failed', answered: ExitCode.FAILURE, unanswered: ExitCode.FAILURE },
  transferred: { message: 'transferred', answered: ExitCode.OK, unanswered: ExitCode.OK },
  replaced: { message: 'replaced by another call', answered: ExitCode.OK, unanswered: ExitCode.OK },
  shutdown: { message: 'shut down', answered: ExitCode.OK, unanswered: ExitCode.INTERRUPTED },
};

/** How a call ends, before it has (what the end will say; `answered` and the duration come at the end). */
export interface Ending {
  readonly reason: CallEndReason;
  readonly status?: number;
  readonly message: string;
}

/** An ending with the table's words for `reason` (and `status`, when one ended it). */
export function ending(reason: CallEndReason, status?: number, message?: string): Ending {
  return { reason, ...(status !== undefined ? { status } : {}), message: message ?? END_REASONS[reason].message };
}

/**
 * The ending of an INVITE that got no 2xx. `cancelledBy` is why we
 * cancelled it, if we did: a 487 then ends the call for that reason.
 */
export function failureEnding(err: unknown, cancelledBy: CallEndReason | undefined): Ending {
  if (err instanceof SipRequestFailedError) {
    const status = err.status;
    // A 487 answers our CANCEL: the call ends for the reason we cancelled it.
    if (status === 487 && cancelledBy)
      return ending(cancelledBy, status, cancelledBy === 'hangup' ? 'cancelled' : undefined);
    if (err.kind === 'timeout') return ending('no-answer', status, err.message);
    if (err.kind === 'transport') return ending('failed', status, err.message);
    if (status === 486 || status === 600) return ending('busy', status, err.message);
    if (status === 408) return ending('no-answer', status, err.message);
    return ending('rejected', status, err.message);
  }
  return ending('failed', undefined, err instanceof Error ? err.message : String(err));
}

/** The exit code of a call that ended this way (`interrupted`: the user stopped it). */
export function exitCodeOfEnd(end: CallEnd, interrupted: boolean): ExitCodeValue {
  const row = END_REASONS[end.reason];
  if (end.answered) return row.answered;
  return interrupted ? ExitCode.INTERRUPTED : row.unanswered;
}
