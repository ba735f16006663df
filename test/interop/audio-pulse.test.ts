/**
 * Real-time devices: a private PulseAudio server with a pipe sink and a pipe
 * source stands in for a sound card with its own clock. Reached through
 * ALSA (aplay/arecord with ALSA's pulse plugin) and through OSS (/dev/dsp
 * emulated by libpulsedsp, driven by sox). Playback must arrive byte for
 * byte and paced in real time; capture must carry the DTMF keys sent into
 * the source, read at the media clock's pace through the drift buffer.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioSource } from '../../src/audio/device.js';
import { DtmfDetector } from '../../src/audio/dsp/dtmf-detector.js';
import { DtmfGenerator } from '../../src/audio/dsp/dtmf-generator.js';
import { openSink, openSource } from '../../src/audio/open.js';
import { Random } from '../../src/sim/random.js';
import { tempDir } from '../support/cli.js';
import { pulseAlsaConfig } from './support/audio-alsa.js';
import { readSink, startPulse, type PulseServer } from './support/audio-pulse.js';
import { requireBinary, stopAllPeers, waitFor } from './support/peers.js';

const LIBPULSEDSP = '/usr/lib/x86_64-linux-gnu/pulseaudio/libpulsedsp.so';

let dir: string;
let cleanup: () => void;
let pulse: PulseServer;

beforeAll(async () => {
  requireBinary('pulseaudio');
  requireBinary('aplay');
  requireBinary('sox');
  ({ dir, cleanup } = tempDir('shtoom-pulse-'));
  pulse = await startPulse(dir);
}, 60_000);
afterAll(async () => {
  await pulse?.stop();
  await stopAllPeers();
  cleanup();
});

function noise(samples: number, seed: number): Int16Array {
  const r = new Random(seed);
  return Int16Array.from({ length: samples }, () => Math.round((r.next() * 2 - 1) * 20000));
}
const bytes = (x: Int16Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/** Play `data` to `uri`; returns what reached the pipe sink and how long playing took. */
async function play(uri: string, env: NodeJS.ProcessEnv, data: Int16Array): Promise<{ got: Buffer; ms: number }> {
  const sink = readSink(pulse.sinkFifo);
  const out = await openSink(uri, { env });
  const t0 = performance.now();
  for (let i = 0; i < data.length; i += 160) out.write(data.subarray(i, i + 160));
  // Half a second of silence after it, as a call would go on: a device may drop the tail of a stream at close.
  for (let i = 0; i < 25; i++) out.write(new Int16Array(160));
  await out.close();
  const ms = performance.now() - t0;
  const want = bytes(data);
  await waitFor(
    () => sink.bytes().indexOf(want.subarray(want.length - 64)) >= 0,
    'the last samples in the pipe sink',
    20_000,
  );
  sink.stream.destroy();
  return { got: sink.bytes(), ms };
}

/** Send keys into the pipe source, read the device at the media clock's pace, return what the detector heard. */
async function captureKeys(src: AudioSource, keys: string): Promise<string> {
  const gen = new DtmfGenerator({ toneMs: 80, pauseMs: 80 });
  gen.send(keys);
  // 600 ms of silence first: the device's recording stream may connect a little after it opened.
  const lead = 30 * 160;
  const audio = new Int16Array(lead + 160 * Math.ceil((keys.length * 160) / 20 + 25));
  for (let i = lead; i < audio.length; i += 160) gen.fill(audio.subarray(i, i + 160));
  const fifo = await open(pulse.sourceFifo, 'w');
  const det = new DtmfDetector();
  const frame = new Int16Array(160);
  let got = '';
  try {
    // Write in 20 ms pieces as a real microphone would deliver them, and read one frame per 20 ms tick.
    const start = performance.now();
    let written = 0;
    // Read until every key was heard, or 5 s after the last was sent (OSS through libpulsedsp lags).
    for (let tick = 0; tick < audio.length / 160 + 250 && got.length < keys.length; tick++) {
      // After the keys, silence: a microphone never stops, and OSS reads in large blocks.
      const silence = new Int16Array(160);
      while (written / 8 <= performance.now() - start + 100) {
        await fifo.write(bytes(written < audio.length ? audio.subarray(written, written + 160) : silence));
        written += 160;
      }
      src.read(frame);
      det.process(frame);
      for (let e; (e = det.pollEvent()); ) if (e.type === 'start') got += e.digit;
      await new Promise((r) => setTimeout(r, Math.max(0, start + (tick + 1) * 20 - performance.now())));
    }
  } finally {
    await fifo.close();
    await src.close();
  }
  return got;
}

describe('PulseAudio through ALSA (aplay/arecord and the pulse plugin)', { timeout: 60_000 }, () => {
  it('alsa:default plays 2 s byte for byte, paced by the server clock', async () => {
    const env = { ...pulse.env, ALSA_CONFIG_PATH: pulseAlsaConfig(dir) };
    const data = noise(16000, 21);
    const { got, ms } = await play('alsa:default', env, data);
    const at = got.indexOf(bytes(data).subarray(0, 64));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(got.subarray(at, at + data.length * 2).equals(bytes(data))).toBe(true);
    // Written in a moment, played in real time: closing waits for the 2 s to be heard.
    expect(ms).toBeGreaterThan(1500);
  });

  it('alsa:default captures DTMF keys sent into the source, read at 20 ms ticks through the drift buffer', async () => {
    const env = { ...pulse.env, ALSA_CONFIG_PATH: pulseAlsaConfig(dir) };
    const src = await openSource('alsa:default', { env });
    expect(await captureKeys(src, '1593#')).toBe('1593#');
  });
});

describe('PulseAudio through OSS (/dev/dsp emulated by libpulsedsp, driven by sox)', { timeout: 60_000 }, () => {
  it('oss:/dev/dsp plays 2 s byte for byte, paced by the server clock', async () => {
    expect(existsSync(LIBPULSEDSP), `${LIBPULSEDSP} (apt-get install pulseaudio-utils)`).toBe(true);
    const env = { ...pulse.env, LD_PRELOAD: LIBPULSEDSP };
    const data = noise(16000, 31);
    const { got, ms } = await play('oss:/dev/dsp', env, data);
    const at = got.indexOf(bytes(data).subarray(0, 64));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(got.subarray(at, at + data.length * 2).equals(bytes(data))).toBe(true);
    expect(ms).toBeGreaterThan(1500);
  });

  it('oss:/dev/dsp captures DTMF keys sent into the source', async () => {
    const env = { ...pulse.env, LD_PRELOAD: LIBPULSEDSP };
    const src = await openSource('oss:/dev/dsp', { env });
    expect(await captureKeys(src, '2468*')).toBe('2468*');
  });
});
