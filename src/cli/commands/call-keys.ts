/**
 * Keys typed during `shtoom call` on a terminal: each DTMF key (0-9 * # A-D)
 * is sent as it is typed, in order, with a line saying so; Ctrl-C hangs up
 * as the signal would. Only when stdin is a terminal: a pipe is never read.
 */
import type { Call } from '../../app/call.js';
import type { DtmfMode } from '../../app/call-types.js';
import type { Input } from '../command.js';

export interface CallKeysOptions {
  readonly stdin: Input;
  readonly mode: DtmfMode;
  /** Say something (the live statistics line is cleared first). */
  readonly say: (text: string) => void;
  /** Ctrl-C in raw mode: what SIGINT would do. */
  readonly interrupt: () => void;
}

/**
 * Read keys from the terminal until the call ends; returns what stops it.
 *
 * @example
 * const stop = typeKeys(call, { stdin, mode: 'auto', say, interrupt: onAbort });
 */
export function typeKeys(call: Call, o: CallKeysOptions): () => void {
  const { stdin } = o;
  if (!stdin.isTTY || !stdin.setRawMode) return () => {};
  // One key at a time: each waits for the one before to go out.
  let queue: Promise<void> = Promise.resolve();
  let interrupted = false;
  const onData = (chunk: Buffer | string) => {
    for (const ch of chunk.toString()) {
      if (ch === '\u0003') {
        // Raw mode takes Ctrl-C from the terminal: a first one hangs up, a second quits as SIGINT would.
        if (interrupted) process.kill(process.pid, 'SIGINT');
        interrupted = true;
        o.interrupt();
        continue;
      }
      if (!/^[0-9*#A-Da-d]$/.test(ch)) continue;
      const key = ch.toUpperCase();
      queue = queue.then(() =>
        call.state !== 'answered'
          ? undefined
          : call.sendDtmf(key, o.mode).then(
              () => o.say(`DTMF ${key} sent`),
              (err: Error) => o.say(`DTMF ${key} not sent: ${err.message}`),
            ),
      );
    }
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    stdin.off('data', onData);
    stdin.setRawMode?.(false);
    stdin.pause();
  };
}
