/**
 * A named pipe that feeds a capture device at the test's pace: ALSA's file
 * plugin reads its infile as fast as it can (the null slave has no clock) and
 * repeats stale data past the end, but a FIFO kept open blocks it until the
 * test writes more, so exactly the test's samples come through.
 *
 * Keep what one test feeds within the pipe's buffer (64 KB): the file plugin
 * takes a short read from a pipe that ran dry for a whole period and fills
 * the rest with stale data, so the data must all be in the pipe before the
 * device reads it.
 */
import { spawnSync } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import { requireBinary } from './peers.js';

export function makeFifo(path: string): void {
  // mkfifo is coreutils, always there with `timeout`.
  const r = spawnSync(requireBinary('mkfifo'), [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr}`);
}

/**
 * Fill the FIFO with `data` before the device opens it: opened read-write
 * (which on Linux never waits for a reader), so the data is waiting in the
 * pipe and the device, once it has read it, blocks instead of seeing an end.
 * The caller closes the handle after closing the device.
 */
export async function feedFifo(path: string, data: Buffer): Promise<FileHandle> {
  if (data.length > 65536) throw new Error(`feedFifo: ${data.length} bytes do not fit in a pipe (64 KB)`);
  const fh = await open(path, 'r+');
  // A write to a pipe may take only part of the data (64 KB of pipe buffer): go on until all is in.
  for (let at = 0; at < data.length; ) {
    const { bytesWritten } = await fh.write(data, at, data.length - at);
    at += bytesWritten;
  }
  return fh;
}
