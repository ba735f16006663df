/**
 * Errors of the speech recogniser layer.
 *
 * - `RecogniserMissingError` (a `UsageError`): the recogniser program or its
 *   model is not installed; the message names the Debian package to install.
 * - `RecogniserFailedError` (a `LocalError`): the recogniser ran but failed
 *   (crashed, timed out, printed nothing it could be read from).
 */
import { LocalError, UsageError } from '../errors.js';

export class RecogniserMissingError extends UsageError {
  constructor(
    /** What is missing: a program or a model directory. */
    readonly what: string,
    /** The Debian package that provides it. */
    readonly debianPackage: string,
    options?: ErrorOptions,
  ) {
    super(`speech recognition needs ${what}: apt-get install ${debianPackage}`, options);
  }
}

export class RecogniserFailedError extends LocalError {}
