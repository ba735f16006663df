/**
 * Errors of the voice application server. A wait on a call that ended
 * rejects with the calls layer's `CallEndedError` (re-exported here); a wait
 * that ran out of time with `DougTimeoutError`; no TTS engine, or one that
 * failed, is a `TtsError`; an app file that cannot be loaded an `AppLoadError`.
 */
import { LocalError, UsageError } from '../errors.js';

export { CallEndedError, CallStateError } from '../app/errors.js';

/** A wait (`waitForSilence`…) did not see what it waited for in time. */
export class DougTimeoutError extends LocalError {
  constructor(
    message: string,
    /** What was being waited for. */
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

/** `say()` on a server without a text-to-speech engine. */
export class TtsError extends LocalError {}

/** `shtoom serve FILE.js`: the file is missing, does not load, or exports no app. */
export class AppLoadError extends UsageError {}
