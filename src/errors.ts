/**
 * The roots of shtoom's error classes. Each layer has its own `errors.ts`
 * with named errors that extend one of these, so callers can tell whose fault
 * a failure was:
 *
 * - `UsageError`: the user asked for something shtoom cannot do as asked (a bad
 *   option value, a missing file). The CLI prints the message and exits 2.
 * - `LocalError`: this program (or a script using the library) misused an API,
 *   e.g. sent on a closed call. A bug on our side of the wire.
 * - `RemoteError`: the peer sent something wrong. Carries, where the protocol
 *   has one, the status to answer with.
 */
export class ShtoomError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends ShtoomError {
  readonly exitCode = 2;
}

export class LocalError extends ShtoomError {}

export class RemoteError extends ShtoomError {
  constructor(
    message: string,
    /** The status a protocol answer should carry (e.g. SIP 400), when there is one. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
