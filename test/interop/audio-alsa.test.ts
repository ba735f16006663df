/**
 * The ALSA backend (aplay/arecord from alsa-utils) against real ALSA, on the
 * file-backed headless devices: playback and capture byte for byte at 8 kHz,
 * and through shtoom's resampler with the device opened at 48 kHz.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AudioSource } from '../../src/audio/device.js';
import { openSink, openSource } from '../../src/audio/open.js';
import type { ProcessSource } from '../../src/audio/devices/process-device.js';
import { headlessAlsaConfig } from './support/audio-alsa.js';
import { feedFifo, makeFifo } from './support/audio-fifo.js';
import { requireBinary, waitFor } from './support/peers.js';
import { tempDir } from '../support/cli.js';
import { Random } from '../../src/sim/random.js';
import { fitSine } from '../audio/support/signal.js';

let dir: string;
let cleanup: () => void;
let env: Record<string, string | undefined>;
const open: { close(): Promise<void> }[] = [];

beforeAll(() => {
  requireBinary('aplay');
  requireBinary('arecord');
  ({ dir, cleanup } = tempDir('shtoom-alsa-'));
  env = {
    ...process.env,
    ALSA_CONFIG_PATH: headlessAlsaConfig(dir),
    SHTOOM_ALSA_OUT: join(dir, 'out.raw'),
    SHTOOM_ALSA_IN: join(dir, 'in.fifo'),
  };
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close().catch(() => undefined)));
});
afterAll(() => cleanup());

/** Seeded noise: every byte matters, so a single slip shows. */
function noise(samples: number, seed: number): Int16Array {
  const r = new Random(seed);
  return Int16Array.from({ length: samples }, () => Math.round((r.next() * 2 - 1) * 20000));
}

function bytes(x: Int16Array): Buffer {
  const b = Buffer.alloc(x.length * 2);
  for (const [i, v] of x.entries()) b.writeInt16LE(v, 2 * i);
  return b;
}

/** Offset of `needle`'s first 64 bytes in `hay` (players may pad the start with silence). */
function offsetOf(hay: Buffer, needle: Buffer): number {
  return hay.indexOf(needle.subarray(0, 64));
}

/** Read `frames` frames once the device has captured them (the FIFO paces the device). */
async function capture(src: AudioSource & { buffered: number }, frames: number): Promise<Int16Array> {
  await waitFor(() => src.buffered >= frames * 160, `${frames * 160} captured samples`);
  const out = new Int16Array(frames * 160);
  const frame = new Int16Array(160);
  for (let i = 0; i < frames; i++) {
    src.read(frame);
    out.set(frame, i * 160);
  }
  return out;
}

/** Drift settings that never move a sample: the headless devices have no clock to drift. */
const exact = { target: 160, tolerance: 400_000, capacity: 401_000 };

describe('ALSA backend (aplay/arecord) on headless devices', { timeout: 60_000 }, () => {
  it('plays 2 s to alsa:shtoom_out byte for byte', async () => {
    const data = noise(16000, 1);
    const sink = await openSink('alsa:shtoom_out', { env });
    for (let i = 0; i < data.length; i += 160) sink.write(data.subarray(i, i + 160));
    await sink.close();
    const got = readFileSync(join(dir, 'out.raw'));
    const want = bytes(data);
    const at = offsetOf(got, want);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(got.subarray(at, at + want.length).equals(want)).toBe(true);
  });

  it('captures 2 s from alsa:shtoom_in byte for byte', async () => {
    makeFifo(join(dir, 'in.fifo'));
    const data = noise(16000, 2);
    const fifo = await feedFifo(join(dir, 'in.fifo'), bytes(data));
    const src = (await openSource('alsa:shtoom_in', { env, drift: exact })) as ProcessSource;
    open.push(src);
    try {
      const got = await capture(src, 100);
      expect(Buffer.compare(bytes(got), bytes(data))).toBe(0);
    } finally {
      await src.close();
      await fifo.close();
    }
  });

  it('opens the device at 48 kHz and resamples: 1 kHz played and captured at >= 60 dB SNR', async () => {
    // Playback: 8 kHz frames out, 48 kHz samples in the device's file.
    const tone = await openSource('tone:1000@-6dBFS');
    const sink = await openSink('alsa:shtoom_out', {
      env: { ...env, SHTOOM_ALSA_OUT: join(dir, 'out48.raw') },
      deviceRate: 48000,
    });
    const frame = new Int16Array(160);
    for (let i = 0; i < 50; i++) {
      tone.read(frame);
      sink.write(frame);
    }
    await sink.close();
    const raw = readFileSync(join(dir, 'out48.raw'));
    const y = Int16Array.from({ length: raw.length / 2 }, (_, i) => raw.readInt16LE(2 * i));
    // 48000, give or take the filter's delay and ALSA's handling of the last partial 20 ms period.
    expect(Math.abs(y.length - 48000)).toBeLessThanOrEqual(2 * 960);
    const fit = fitSine(y, 48000, 1000, 4800, y.length - 4800);
    expect(20 * Math.log10(fit.amplitude / 32768)).toBeCloseTo(-6, 1);
    expect(20 * Math.log10(fit.amplitude / Math.SQRT2 / fit.residualRms)).toBeGreaterThan(60);

    // Capture: a 48 kHz 1 kHz tone in, 8 kHz frames out.
    const fifoPath = join(dir, 'in48.fifo');
    makeFifo(fifoPath);
    // 0.6 s: at 48 kHz that is 57600 bytes, within the pipe's 64 KB (see audio-fifo.ts).
    const in48 = Int16Array.from({ length: 28800 }, (_, i) =>
      Math.round(16000 * Math.sin((2 * Math.PI * 1000 * i) / 48000)),
    );
    const fifo = await feedFifo(fifoPath, bytes(in48));
    const src = (await openSource('alsa:shtoom_in', {
      env: { ...env, SHTOOM_ALSA_IN: fifoPath },
      deviceRate: 48000,
      drift: exact,
    })) as ProcessSource;
    open.push(src);
    try {
      const got = await capture(src, 28);
      const f = fitSine(got, 8000, 1000, 800, got.length);
      expect(f.amplitude).toBeCloseTo(16000, -1);
      expect(20 * Math.log10(f.amplitude / Math.SQRT2 / f.residualRms)).toBeGreaterThan(60);
    } finally {
      await src.close();
      await fifo.close();
    }
  });

  it('a device ALSA cannot open is an error naming the device, not a hang', async () => {
    const sink = await openSink('alsa:no_such_pcm', { env });
    await waitFor(() => (sink as unknown as { exited: boolean }).exited, 'aplay to give up');
    expect(() => sink.write(new Int16Array(160))).toThrow(/alsa:no_such_pcm: aplay stopped: .*no_such_pcm/);
  });
});
