/**
 * Exit codes of every shtoom command (the README lists them): the
 * process's contract, at the bottom with the errors, so that a layer that
 * decides an outcome (a call's end, `src/app/call-end.ts`) can name its code.
 */
export const ExitCode = {
  /** What was asked worked (the call completed, every test passed). */
  OK: 0,
  /** What was asked failed for a network or protocol reason, or a test failed. */
  FAILURE: 1,
  /** Usage or configuration error: a bad option, a bad ini value, a missing file. */
  USAGE: 2,
  /** The callee was busy (486 Busy Here, 600 Busy Everywhere). */
  BUSY: 3,
  /** No answer: the call timed out before a final response. */
  NO_ANSWER: 4,
  /** The call was rejected with another 4xx, 5xx or 6xx status. */
  REJECTED: 5,
  /** Interrupted by Ctrl-C or SIGTERM before it finished. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
