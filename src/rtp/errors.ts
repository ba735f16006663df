/**
 * Errors of the media layer (RTP, RTCP, RFC 4733, jitter buffer, scheduler).
 *
 * Remote faults (a peer sent a malformed packet) extend `RemoteError`; API
 * misuse on our side extends `LocalError`. Tests check the class, never the
 * message.
 */
import { LocalError, RemoteError } from '../errors.js';

/** An RTP packet that does not follow RFC 3550 5.1 (too short, bad version, bad lengths). */
export class RtpParseError extends RemoteError {}

/** An RTCP packet or compound packet that fails the RFC 3550 A.2 validity checks. */
export class RtcpParseError extends RemoteError {}

/** An RFC 4733 telephone-event payload that is too short or malformed. */
export class TelephoneEventParseError extends RemoteError {}

/** A value we were asked to put on the wire does not fit its field (API misuse). */
export class RtpEncodeError extends LocalError {}

/** A media API was used in a way its state does not allow (e.g. send on a closed session). */
export class MediaStateError extends LocalError {}

/** A DTMF string holds a character that is not a telephone event (0-9 * # A-D, F or ! for flash). */
export class DtmfDigitError extends LocalError {}
