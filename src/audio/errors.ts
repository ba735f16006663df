/**
 * Errors of the audio layer (devices and DSP).
 *
 * - `AudioConfigError` (a `UsageError`): the user named a device or a setting
 *   that cannot work as asked (unknown URI scheme, bad tone level, missing file).
 * - `BackendMissingError` (a `UsageError`): the device needs an optional native
 *   package or a program that is not installed; the message says what to install.
 * - `AudioDeviceError` (a `LocalError`): an open device failed while running
 *   (the backend reported an error, a helper process died).
 * - `DspMisuseError` (a `LocalError`): a DSP object was called with arguments it
 *   cannot take (a frame of the wrong length, an unsupported rate pair).
 */
import { LocalError, UsageError } from '../errors.js';

export class AudioConfigError extends UsageError {}

export class BackendMissingError extends UsageError {
  constructor(
    /** The backend that was asked for (`portaudio`, `alsa`, `oss`). */
    readonly backend: string,
    /** What to install, in one phrase (`npm install naudiodon2`). */
    readonly install: string,
    options?: ErrorOptions,
  ) {
    super(`the ${backend} audio backend is not available: ${install}`, options);
  }
}

export class AudioDeviceError extends LocalError {}

export class DspMisuseError extends LocalError {}
