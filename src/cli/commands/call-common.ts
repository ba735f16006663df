/**
 * What `call`, `serve`, `smoke` and `demo` share: a `Phone` built from the
 * options (SIP, account, media, STUN), and the exit code a call's end
 * gives (README: 0 completed, 1 network or protocol failure, 3 busy, 4 no
 * answer, 5 rejected, 130 interrupted).
 */
import type { CallEnd } from '../../app/call-types.js';
import { ExitCode } from '../exit-codes.js';

export { phoneFrom, phoneOptionsFrom, type PhoneFromOptions } from '../settings.js';

/** The exit code of a call that ended this way (`interrupted`: the user stopped it). */
export function exitCodeOfEnd(end: CallEnd, interrupted: boolean): number {
  if (end.answered) return end.reason === 'rtp-timeout' || end.reason === 'failed' ? ExitCode.FAILURE : ExitCode.OK;
  if (interrupted) return ExitCode.INTERRUPTED;
  switch (end.reason) {
    case 'busy':
      return ExitCode.BUSY;
    case 'no-answer':
      return ExitCode.NO_ANSWER;
    case 'rejected':
      return ExitCode.REJECTED;
    case 'hangup':
    case 'shutdown':
    case 'cancelled':
      return ExitCode.INTERRUPTED;
    default:
      return ExitCode.FAILURE;
  }
}

/** A Promise that resolves when the command is asked to stop (Ctrl-C, SIGTERM). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `12.3 s` or `1:02:03`. */
export function clockTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
