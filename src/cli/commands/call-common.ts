/**
 * What `call`, `serve`, `smoke` and `demo` share: a `Phone` built from the
 * options (`../settings.ts`), the exit code a call's end gives (the calls
 * layer's table of end reasons, `src/app/call-end.ts`), waiting for
 * Ctrl-C, and durations as a clock shows them.
 */
export { exitCodeOfEnd } from '../../app/call-end.js';
export { phoneFrom, phoneOptionsFrom, type PhoneFromOptions } from '../settings.js';

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
