#!/usr/bin/env node
/**
 * The `shtoom` executable: wires signals and the process, then runs the CLI.
 *
 * Ctrl-C or SIGTERM once: finish gracefully (BYE, CANCEL, un-REGISTER,
 * recordings closed). Twice: hurry — calls are dropped without waiting for
 * their peers, but a registration is still removed (its un-REGISTER, a
 * digest challenge answered included, gets up to `URGENT_MS`). Three times:
 * quit at once (exit 130); after the second, the exit code is 130. Two
 * SIGINTs within `SAME_SIGNAL_MS` count once: `npx shtoom …` (npm exec)
 * forwards the terminal's Ctrl-C to us, and we also get it from the
 * terminal — one key press, two SIGINTs. (A SIGTERM is sent on purpose:
 * each one counts.) SIGHUP (the terminal closed) finishes gracefully and
 * never hurries, however often it comes.
 */
import { main } from '../src/cli/main.js';

/** How long the clean-up may still take after the second signal, ms. */
const URGENT_MS = 5000;
/** A SIGINT again within this long is the same key press, delivered twice. */
const SAME_SIGNAL_MS = 250;

const graceful = new AbortController();
const urgent = new AbortController();
let signals = 0;
let last: { name: NodeJS.Signals; at: number } | undefined;
const onSignal = (name: NodeJS.Signals) => {
  const now = performance.now();
  if (name === 'SIGINT' && last?.name === 'SIGINT' && now - last.at < SAME_SIGNAL_MS) return;
  last = { name, at: now };
  signals++;
  if (signals === 1) {
    process.stderr.write(`shtoom: ${name}: finishing (Ctrl-C again to hurry, a third time to quit at once)\n`);
    graceful.abort(new Error(name));
  } else if (signals === 2) {
    process.stderr.write(`shtoom: ${name} again: hurrying (a registration is still removed; once more to quit)\n`);
    urgent.abort(new Error(name));
    // Whatever still runs gets a few seconds, then the process goes (unref'd: it does not keep it alive).
    setTimeout(() => process.exit(130), URGENT_MS).unref();
  } else {
    process.exit(130);
  }
};
process.on('SIGINT', onSignal);
// The terminal closed (SSH dropped, the window closed): finish as for a first SIGTERM, saying nothing
// (stderr may be that terminal). It comes twice (the kernel's, and the copy a parent such as the shell
// or `timeout` passes on) and never hurries: a call still ends with BYE, a registration is removed.
let hungUp = false;
process.on('SIGHUP', () => {
  hungUp = true;
  if (!graceful.signal.aborted) graceful.abort(new Error('SIGHUP'));
});
// `shtoom … | head` closes stdout early: that is not an error. Nor is a write to the terminal that hung up.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (hungUp && err.code === 'EIO') return;
    throw err;
  });
}
process.on('SIGTERM', onSignal);

const code = await main(process.argv.slice(2), {
  stdin: () => process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: graceful.signal,
  urgent: urgent.signal,
});
process.exitCode = code;
