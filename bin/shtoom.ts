#!/usr/bin/env node
/** The `shtoom` executable: wires signals and the process, then runs the CLI. */
import { main } from '../src/cli/main.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (name: NodeJS.Signals) => {
  signals++;
  if (signals === 1) {
    process.stderr.write(`shtoom: ${name}: finishing (press Ctrl-C again to quit at once)\n`);
    controller.abort(new Error(name));
  } else {
    process.exit(130);
  }
};
process.on('SIGINT', onSignal);
// `shtoom … | head` closes stdout early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
process.on('SIGTERM', onSignal);

const code = await main(process.argv.slice(2), {
  stdin: () => process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
