/**
 * The crash-safe WAV writer under `kill -9`: a recorder process is killed in
 * the middle of writing, and the file it leaves is a valid WAV that sox
 * plays, holding everything written but the last second at most, sample for
 * sample. The built package is what the child process runs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/formats/wav.js';
import { runTool, samplesOf } from './support/codecs.js';
import { SHTOOM_BIN, startPeer, stopAllPeers, waitFor } from './support/peers.js';

const WAV_MODULE = join(SHTOOM_BIN, '..', '..', 'src', 'audio', 'formats', 'wav.js');

/** A child that writes `seconds` of frames (sample = frame number), says how far it got, then hangs. */
function recorder(path: string, seconds: number, pauseMs: number): string {
  return `
    import { WavFileWriter } from ${JSON.stringify(WAV_MODULE)};
    const w = WavFileWriter.create(${JSON.stringify(path)});
    const frame = new Int16Array(160);
    const frames = ${seconds} * 50;
    for (let f = 0; f < frames; f++) {
      frame.fill(f % 32768);
      w.write(frame);
    }
    if (${pauseMs} > 0) {
      await new Promise((r) => setTimeout(r, ${pauseMs}));
      frame.fill(frames);
      w.write(frame);
    }
    process.stdout.write('pid ' + process.pid + ' frames ' + (frames + (${pauseMs} > 0 ? 1 : 0)) + '\\n');
    setInterval(() => {}, 1000);
  `;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-wav-interop-'));
});
afterEach(() => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function recordAndKill(
  name: string,
  seconds: number,
  pauseMs: number,
): Promise<{ path: string; written: number }> {
  const path = join(dir, name);
  const child = startPeer('node', ['--input-type=module', '-e', recorder(path, seconds, pauseMs)], { timeoutSec: 60 });
  await waitFor(() => /frames \d+/.test(child.stdout()), 'the recorder to write', 30_000);
  const [, pid, frames] = /pid (\d+) frames (\d+)/.exec(child.stdout())!;
  process.kill(Number(pid), 'SIGKILL');
  await child.exited;
  return { path, written: Number(frames) * 160 };
}

describe('WavFileWriter killed with SIGKILL', () => {
  it('leaves a valid file sox plays, missing at most the last second', async () => {
    const { path, written } = await recordAndKill('killed.wav', 7.3, 0);
    const wav = readWav(readFileSync(path));
    expect(wav.truncated).toBe(false);
    expect(wav.frames).toBeLessThanOrEqual(written);
    expect(wav.frames).toBeGreaterThanOrEqual(written - 8000);
    // Every sample the header covers is the one written.
    for (let i = 0; i < wav.frames; i += 160) expect(wav.samples[i]).toBe(Math.floor(i / 160) % 32768);
    // sox reads the same samples without complaint.
    const soxPcm = samplesOf(runTool('sox', ['-D', path, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-']));
    expect(soxPcm).toEqual(wav.samples);
    expect(runTool('soxi', ['-s', path]).toString().trim()).toBe(String(wav.frames));
  });

  it('refreshes the header after a second of wall time even when audio stops coming', async () => {
    const { path, written } = await recordAndKill('paused.wav', 0.5, 1100);
    const wav = readWav(readFileSync(path));
    expect(wav.frames).toBe(written);
  });
});
