/**
 * Errors of the STUN layer. Remote faults (the datagram or the server's
 * answer is wrong) extend `RemoteError`; misuse of the API extends
 * `LocalError`. Tests check the class and `code`, never the message.
 */
import { LocalError, RemoteError } from '../errors.js';

/** Why a datagram is not a well-formed STUN message. */
export type StunParseCode =
  /** Shorter than the 20-byte header, or a zero top two bits / magic cookie mismatch: not STUN at all. */
  | 'not-stun'
  /** The header's length field disagrees with the datagram or is not a multiple of 4. */
  | 'bad-length'
  /** An attribute's header or value (with its padding) runs past the end of the message. */
  | 'truncated-attribute'
  /** A known attribute's value is malformed (wrong size, bad family, bad error class…). */
  | 'bad-attribute'
  /** FINGERPRINT is not the last attribute, or its CRC does not match. */
  | 'bad-fingerprint';

/** A datagram that is not a valid STUN message (the peer's fault). */
export class StunParseError extends RemoteError {
  constructor(
    readonly code: StunParseCode,
    message: string,
  ) {
    super(message, 400);
  }
}

/** Why a client transaction failed. */
export type StunFailureCode =
  /** No response after Rc requests and the final Rm × RTO wait (RFC 5389 7.2.1). */
  | 'timeout'
  /** The server answered with an error response (its ERROR-CODE is on the error). */
  | 'error-response'
  /** The response had unknown comprehension-required attributes or lacked what it must carry. */
  | 'bad-response'
  /** The transaction was cancelled by its owner. */
  | 'cancelled';

/** A STUN client transaction that did not succeed. */
export class StunTransactionError extends RemoteError {
  constructor(
    readonly code: StunFailureCode,
    message: string,
    /** The ERROR-CODE number of an error response (300–699). */
    readonly errorCode?: number,
    /** Its reason phrase. */
    readonly reason?: string,
    /** The attribute types an error 420 or a bad response named as unknown. */
    readonly unknownAttributes: readonly number[] = [],
  ) {
    super(message);
  }
}

/** A value the caller asked to encode cannot be encoded (too long, bad address, bad error code). */
export class StunEncodeError extends LocalError {}
