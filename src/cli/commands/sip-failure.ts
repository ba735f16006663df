/**
 * How the SIP commands end when a request fails: one line, and an exit code
 * by kind — no answer (timeout) 4, refused (any 4xx-6xx, wrong password) 5,
 * network or other failures 1, bad input 2.
 */
import { SipRequestFailedError, SipUsageError } from '../../sip/errors.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { CommandContext } from '../command.js';

export function exitCodeOf(err: unknown): number {
  if (err instanceof SipRequestFailedError) {
    if (err.kind === 'timeout') return ExitCode.NO_ANSWER;
    if (err.kind === 'transport') return ExitCode.FAILURE;
    if (err.status === 486 || err.status === 600) return ExitCode.BUSY;
    return ExitCode.REJECTED;
  }
  return ExitCode.FAILURE;
}

/** Print a failure as one line on stderr (and as JSON with --json) and return the exit code. */
export function reportSipFailure(ctx: CommandContext, err: unknown, json: Record<string, unknown> = {}): number {
  if (err instanceof SipUsageError) throw new UsageError(err.message);
  if (err instanceof UsageError) throw err;
  const message = err instanceof Error ? err.message : String(err);
  const status = err instanceof SipRequestFailedError ? err.status : undefined;
  const kind = err instanceof SipRequestFailedError ? err.kind : 'error';
  if (ctx.out.json)
    ctx.out.data({ ok: false, error: message, kind, ...(status !== undefined ? { status } : {}), ...json }, () => '');
  ctx.log.error(message);
  return exitCodeOf(err);
}
