/**
 * The PortAudio backend (naudiodon2, PortAudio's ALSA host API) on the
 * headless file-backed ALSA devices: playback and capture byte for byte.
 * naudiodon2 is an optional dependency; here it must be installed (a missing
 * backend fails this test, it does not skip it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PortAudioSource, loadPortAudio } from '../../src/audio/devices/portaudio.js';
import { listDevices, openSink, openSource } from '../../src/audio/open.js';
import { Random } from '../../src/sim/random.js';
import { tempDir } from '../support/cli.js';
import { headlessAlsaConfig } from './support/audio-alsa.js';
import { waitFor } from './support/peers.js';

let dir: string;
let cleanup: () => void;

function noise(samples: number, seed: number): Int16Array {
  const r = new Random(seed);
  return Int16Array.from({ length: samples }, () => Math.round((r.next() * 2 - 1) * 20000));
}
const bytes = (x: Int16Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

const played = noise(16000, 11);
// Capture reads a regular file: 2 s to check, then 30 s of silence so the
// device (which has no clock) does not run into the stale data it repeats past the end.
const captured = noise(16000, 12);

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('shtoom-portaudio-'));
  const inData = new Int16Array(16000 + 8000 * 30);
  inData.set(captured);
  writeFileSync(join(dir, 'in.raw'), bytes(inData));
  // PortAudio reads the ALSA configuration once per process, when it starts.
  process.env.ALSA_CONFIG_PATH = headlessAlsaConfig(dir);
  process.env.SHTOOM_ALSA_OUT = join(dir, 'out.raw');
  process.env.SHTOOM_ALSA_IN = join(dir, 'in.raw');
  await loadPortAudio(); // fails the file when naudiodon2 is missing
});
afterAll(() => {
  delete process.env.ALSA_CONFIG_PATH;
  delete process.env.SHTOOM_ALSA_OUT;
  delete process.env.SHTOOM_ALSA_IN;
  cleanup();
});

describe('PortAudio backend (naudiodon2)', { timeout: 30_000 }, () => {
  it('lists the headless ALSA devices', async () => {
    const pa = (await listDevices(process.env)).filter((d) => d.backend === 'portaudio');
    expect(pa.map((d) => d.description)).toEqual(expect.arrayContaining(['shtoom_out (ALSA)', 'shtoom_in (ALSA)']));
  });

  it("plays 2 s to portaudio:shtoom_out byte for byte (after PortAudio's leading silence)", async () => {
    const sink = await openSink('portaudio:shtoom_out');
    for (let i = 0; i < played.length; i += 160) sink.write(played.subarray(i, i + 160));
    await sink.close();
    const got = readFileSync(join(dir, 'out.raw'));
    const want = Buffer.from(bytes(played));
    const at = got.indexOf(want.subarray(0, 64));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(got.subarray(0, at).every((b) => b === 0)).toBe(true);
    expect(got.subarray(at, at + want.length).equals(want)).toBe(true);
  });

  it('captures 2 s from portaudio:shtoom_in byte for byte', async () => {
    const src = (await openSource('portaudio:shtoom_in', {
      drift: { target: 160, tolerance: 400_000, capacity: 401_000 },
    })) as PortAudioSource;
    try {
      await waitFor(() => src.buffered >= 16000, '2 s captured');
      const got = new Int16Array(16000);
      const frame = new Int16Array(160);
      for (let i = 0; i < got.length; i += 160) {
        src.read(frame);
        got.set(frame, i);
      }
      expect(Buffer.from(bytes(got)).equals(Buffer.from(bytes(captured)))).toBe(true);
    } finally {
      await src.close();
    }
  });
});
