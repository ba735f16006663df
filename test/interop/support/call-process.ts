/** Ending the programs the calls interop tests start. */
import { readFileSync } from 'node:fs';

/**
 * SIGTERM to the program a peer runs, not to its `timeout` wrapper:
 * `timeout` relays a signal to the program and to its whole process group,
 * so the program may get it twice — the second time while it is already
 * exiting (with Node's signal handlers gone), which kills it.
 */
export function terminate(peer: { pid: number }, signal: NodeJS.Signals = 'SIGTERM', times = 1): void {
  let children = '';
  try {
    children = readFileSync(`/proc/${peer.pid}/task/${peer.pid}/children`, 'utf8').trim();
  } catch {
    return; // already gone
  }
  const child = Number(children.split(/\s+/)[0]);
  // Several times back to back: as `npx` delivers a terminal's Ctrl-C (the terminal's, then npm's copy).
  if (child > 0) for (let i = 0; i < times; i++) process.kill(child, signal);
}
