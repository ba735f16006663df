/**
 * A named pipe that feeds a capture device at the test's pace: ALSA's file
 * plugin reads its infile as fast as it can (the null slave has no clock) and
 * repeats stale data past the end, but a FIFO kept open blocks it until the
 * test writes more, so exactly the test's samples come through.
 */
import { spawnSync } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import { requireBinary } from './peers.js';

export function makeFifo(path: string): void {
  // mkfifo is coreutils, always there with `timeout`.
  const r = spawnSync(requireBinary('mkfifo'), [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr}`);
}

/** Open the FIFO for writing (waits for the reader) and write `data`; the caller closes it. */
export async function feedFifo(path: string, data: Buffer): Promise<FileHandle> {
  const fh = await open(path, 'w');
  await fh.write(data);
  return fh;
}
