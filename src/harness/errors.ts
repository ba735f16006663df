/**
 * Errors of the IVR harness.
 *
 * - `ScenarioFileError` (a `UsageError`): a scenario file cannot be read or
 *   is not a valid scenario; the message starts with `file:line:`.
 * - `ScenarioError` (a `UsageError`): a scenario built in TypeScript is
 *   invalid (unknown step, bad option).
 * - `StepFailure`: a step did not hold; the engine turns it into a failed
 *   step result (expected and actual on it), never a crash.
 * - `ScenarioTimeout`: the scenario's overall timeout ran out.
 * - `CallEndedError`: a wait was cut short because the call ended.
 * - `CallPortError`: a call port was asked for what it cannot do (an
 *   account on a port with one phone).
 */
import { LocalError, ShtoomError, UsageError } from '../errors.js';

export class ScenarioFileError extends UsageError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${detail}`);
  }
}

export class ScenarioError extends UsageError {}

export class StepFailure extends ShtoomError {
  constructor(
    message: string,
    readonly expected?: string,
    readonly actual?: string,
  ) {
    super(message);
  }
}

export class ScenarioTimeout extends ShtoomError {}

export class CallEndedError extends ShtoomError {}

export class CallPortError extends LocalError {}
