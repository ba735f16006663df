/**
 * Errors of the codec layer.
 *
 * - `CodecFrameError`: an encoded payload is not a valid frame (wrong length,
 *   wrong GSM signature). Whoever sent or stored the payload is at fault.
 * - `CodecInputError`: the caller handed an encoder or decoder something it
 *   cannot take (PCM that is not whole frames, an output buffer too small).
 * - `CodecUnavailableError`: the codec needs something this installation
 *   lacks (Opus without its optional package). A usage error: the CLI
 *   prints the line, which says what to install, and exits 2.
 */
import { LocalError, RemoteError, UsageError } from '../errors.js';

/** An encoded payload that is not a valid frame of its codec. */
export class CodecFrameError extends RemoteError {
  constructor(
    readonly codec: string,
    /** Index of the offending frame within the payload (0-based), when one frame is to blame. */
    readonly frameIndex: number | undefined,
    message: string,
  ) {
    super(`${codec}: ${message}`);
  }
}

/** A call to an encoder or decoder that does not fit its frame size or buffers. */
export class CodecInputError extends LocalError {
  constructor(
    readonly codec: string,
    message: string,
  ) {
    super(`${codec}: ${message}`);
  }
}

/** A codec this installation cannot run; `reason` says what is missing and how to get it. */
export class CodecUnavailableError extends UsageError {
  constructor(
    readonly codec: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${codec}: ${reason}`, options);
  }
}
