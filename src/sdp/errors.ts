/**
 * Errors of the SDP layer. Tests check the class, not the message.
 */
import { LocalError, RemoteError } from '../errors.js';

/**
 * The peer's SDP is malformed (RFC 8866). Carries SIP status 400 and the
 * offending line, for the Warning/reason of the response.
 */
export class SdpParseError extends RemoteError {
  constructor(
    message: string,
    /** 1-based line number, when the fault is on one line. */
    readonly line?: number,
    /** The offending line's text. */
    readonly text?: string,
  ) {
    super(line !== undefined ? `SDP line ${line} (${JSON.stringify(text)}): ${message}` : `SDP: ${message}`, 400);
  }
}

/**
 * An offer we cannot answer (RFC 3264 6): no common codec, no usable audio
 * stream. Carries SIP status 488 (Not Acceptable Here) and the reason text.
 */
export class SdpNegotiationError extends RemoteError {
  constructor(readonly reason: string) {
    super(reason, 488);
  }
}

/** The peer's answer does not fit our offer (RFC 3264 5, 6): the call cannot use it. */
export class SdpAnswerError extends RemoteError {}

/** We were asked to build SDP from impossible local settings (API misuse). */
export class SdpLocalError extends LocalError {}
