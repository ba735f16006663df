/**
 * Errors of text-to-speech rendering.
 *
 * - `TtsMissingError` (a `UsageError`): the engine is not installed; the
 *   message names the Debian package.
 * - `TtsFailedError` (a `LocalError`): the engine ran and failed.
 */
import { LocalError, UsageError } from '../errors.js';

export class TtsMissingError extends UsageError {
  constructor(
    readonly engine: string,
    readonly debianPackage: string,
    options?: ErrorOptions,
  ) {
    super(`text-to-speech needs ${engine}: apt-get install ${debianPackage}`, options);
  }
}

export class TtsFailedError extends LocalError {}
