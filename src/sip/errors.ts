/**
 * Errors of the SIP layer. Remote faults (the peer sent something wrong)
 * carry the status to answer with; local faults (the API was misused) say
 * which state and which value made the call impossible.
 */
import { LocalError, RemoteError } from '../errors.js';

/**
 * A message that does not follow RFC 3261's grammar, or breaks one of its
 * rules. `status` is what a UAS answers (400 unless another code fits:
 * 505, 513, 416), `warning` the text for the Warning header (RFC 3261 20.43).
 */
export class SipParseError extends RemoteError {
  constructor(
    message: string,
    status = 400,
    /** Which part of the message was wrong (for logs and tests): `via`, `cseq`, `start-line`… */
    readonly part = 'message',
  ) {
    super(message, status);
  }
}

/** A URI that does not parse (RFC 3261 19.1, 25.1). */
export class SipUriError extends SipParseError {
  constructor(message: string) {
    super(message, 400, 'uri');
  }
}

/** The API was asked for something the SIP state does not allow (BYE on an early dialog, a second re-INVITE…). */
export class SipStateError extends LocalError {}

/** A request the caller built is not a valid SIP request (bad URI, bad header name…). */
export class SipUsageError extends LocalError {}

/**
 * A request ended without a 2xx: the final response (`status` ≥ 300), a
 * timeout (408) or a transport failure (503). `response` is the response the
 * peer sent, when there was one.
 */
export class SipRequestFailedError extends RemoteError {
  constructor(
    message: string,
    override readonly status: number,
    readonly reason: string,
    readonly response?: import('./message/message.js').SipResponse,
    /** `timeout`, `transport`, `auth` (credentials refused) or `status` (any other final response). */
    readonly kind: 'timeout' | 'transport' | 'auth' | 'status' = 'status',
  ) {
    super(message, status);
  }
}

/** Digest credentials were refused (a second 401/407 without stale=true), or none were known for the realm. */
export class SipAuthError extends SipRequestFailedError {}

/** An operation ended because the user agent was closed. */
export class SipClosedError extends LocalError {}
