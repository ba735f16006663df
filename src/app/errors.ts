/**
 * Errors of the calls layer. A call that could not be set up is a
 * `CallFailedError` (the peer's answer, a timeout or the network: it carries
 * the SIP status and why); a wait on a call that has ended rejects with
 * `CallEndedError`; asking a call for something its state does not allow is
 * a `CallStateError`.
 */
import { LocalError, RemoteError } from '../errors.js';
import type { CallEndReason } from './call-types.js';

/** The call ended while something was waiting on it (the caller hung up, the media stopped…). */
export class CallEndedError extends RemoteError {
  constructor(
    message: string,
    /** Why the call ended. */
    readonly reason: CallEndReason,
    status?: number,
  ) {
    super(message, status);
  }
}

/** The call was never answered: refused (`status`), not answered in time, or unreachable. */
export class CallFailedError extends RemoteError {
  constructor(
    message: string,
    readonly reason: CallEndReason,
    status?: number,
  ) {
    super(message, status);
  }
}

/** The API was used in a state that does not allow it (DTMF before the answer, accepting twice…). */
export class CallStateError extends LocalError {}

/**
 * Our transfer (REFER) did not reach its target: refused (`status`), the
 * transferee's call failed (its status), or no final status came. The call
 * stays answered.
 */
export class TransferFailedError extends RemoteError {}
