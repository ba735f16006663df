/**
 * Every device kind that needs no sound card, against files: generators,
 * WAV in every encoding and rate (made by sox) and back out, raw files and
 * streams, and the one-line answer for a backend that is not installed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AudioSource } from '../../../src/audio/device.js';
import { rms, rmsDbfs } from '../../../src/audio/dsp/level.js';
import { AudioConfigError, BackendMissingError } from '../../../src/audio/errors.js';
import { readWavFile } from '../../../src/audio/formats/wav.js';
import { openSink, openSource } from '../../../src/audio/open.js';
import { audioOpenOptions } from '../../../src/cli/settings.js';
import { resolveOptions } from '../../../src/options/resolve.js';
import { schema } from '../../../src/options/schema/index.js';
import { UsageError } from '../../../src/errors.js';
import { requireBinary } from '../../interop/support/peers.js';
import { tempDir } from '../../support/cli.js';
import { fitSine } from '../support/signal.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('shtoom-devices-')));
afterEach(() => cleanup());

async function readAll(src: AudioSource, maxFrames = 2000): Promise<{ samples: Int16Array; frames: number }> {
  const out = new Int16Array(maxFrames * 160);
  const frame = new Int16Array(160);
  let frames = 0;
  while (frames < maxFrames && src.read(frame)) out.set(frame, 160 * frames++);
  await src.close();
  return { samples: out.subarray(0, frames * 160), frames };
}

function sox(args: string[]): void {
  const r = spawnSync(requireBinary('sox'), args);
  expect(r.status, r.stderr?.toString()).toBe(0);
}

describe('generators', () => {
  it('tone: two sines, each at the given level, phase-continuous over frames', async () => {
    const src = await openSource('tone:350,440@-20dBFS');
    const { samples } = await readAll(src, 50);
    for (const f of [350, 440])
      expect(20 * Math.log10(fitSine(samples, 8000, f).amplitude / 32768)).toBeCloseTo(-20, 1);
    expect(fitSine(samples, 8000, 350).residualRms).toBeGreaterThan(1000); // the other tone
  });

  it('noise: RMS at the given dBFS; silence is zeros; null reads silence and swallows writes', async () => {
    const { samples } = await readAll(await openSource('noise@-30dBFS'), 100);
    expect(rmsDbfs(rms(samples))).toBeCloseTo(-30, 0);
    const s = await readAll(await openSource('silence'), 10);
    expect(s.samples.every((v) => v === 0)).toBe(true);
    const sink = await openSink('null');
    sink.write(new Int16Array(160));
    await sink.close();
  });

  it('a generator cannot be recorded to', async () => {
    await expect(openSink('tone:440')).rejects.toThrow(AudioConfigError);
  });
});

describe('file: WAV in any format, converted to 8 kHz mono', () => {
  it.each([
    ['8 kHz 16-bit mono', ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer']],
    ['44.1 kHz 16-bit stereo', ['-r', '44100', '-c', '2', '-b', '16', '-e', 'signed-integer']],
    ['48 kHz float mono', ['-r', '48000', '-c', '1', '-b', '32', '-e', 'floating-point']],
    ['16 kHz 24-bit mono', ['-r', '16000', '-c', '1', '-b', '24', '-e', 'signed-integer']],
    ['8 kHz µ-law', ['-r', '8000', '-c', '1', '-e', 'u-law']],
    ['8 kHz A-law', ['-r', '8000', '-c', '1', '-e', 'a-law']],
  ])('%s: 1 kHz at −12 dBFS for 1 s', async (_name, fmt) => {
    const path = join(dir, 'in.wav');
    sox(['-D', '-n', ...fmt, path, 'synth', '1', 'sine', '1000', 'vol', '-12dB']);
    const { samples, frames } = await readAll(await openSource(`file:${path}`));
    expect(Math.abs(frames - 50)).toBeLessThanOrEqual(1);
    const fit = fitSine(samples, 8000, 1000, 200, 7600);
    // G.711's companding moves the level by up to 0.1 dB.
    expect(Math.abs(20 * Math.log10(fit.amplitude / 32768) + 12)).toBeLessThan(0.15);
    // G.711 gives about 35 dB.
    expect(20 * Math.log10(fit.residualRms / (fit.amplitude / Math.SQRT2))).toBeLessThan(-32);
  });

  it('a partial last frame is padded with silence and still read; then the file ends', async () => {
    const path = join(dir, 'odd.wav');
    sox(['-D', '-n', '-r', '8000', '-c', '1', '-b', '16', path, 'synth', '0.0125', 'sine', '500']); // 100 samples
    const src = await openSource(path);
    const frame = new Int16Array(160).fill(1);
    expect(src.read(frame)).toBe(true);
    expect(frame.subarray(0, 100).some((v) => v !== 0)).toBe(true);
    expect(frame.subarray(100).every((v) => v === 0)).toBe(true);
    expect(src.read(frame)).toBe(false);
    expect(frame.every((v) => v === 0)).toBe(true);
    await src.close();
  });

  it('a bare path ending in .wav is a file; a missing file is a usage error naming it', async () => {
    const path = join(dir, 'p.wav');
    sox(['-D', '-n', '-r', '8000', '-c', '1', '-b', '16', path, 'synth', '0.1', 'sine', '500']);
    expect((await readAll(await openSource(path))).frames).toBe(5);
    const missing = join(dir, 'nope.wav');
    await expect(openSource(missing)).rejects.toThrow(UsageError);
    await expect(openSource(missing)).rejects.toThrow(missing);
  });

  it('records 8 kHz 16-bit mono WAV that reads back sample for sample', async () => {
    const path = join(dir, 'out.wav');
    const sink = await openSink(`file:${path}`);
    const src = await openSource('tone:697,1209@-9dBFS');
    const frame = new Int16Array(160);
    const sent: number[] = [];
    for (let i = 0; i < 25; i++) {
      src.read(frame);
      sent.push(...frame);
      sink.write(frame);
    }
    await sink.close();
    const wav = readWavFile(path);
    expect(wav.format).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16, encoding: 'pcm' });
    expect(Array.from(wav.samples)).toEqual(sent);
    // And sox agrees about the file.
    const info = spawnSync(requireBinary('soxi'), ['-s', path], { encoding: 'utf8' });
    expect(info.stdout.trim()).toBe(String(25 * 160));
  });
});

describe('raw: s16le 8 kHz mono', () => {
  it('file in, file out, byte for byte; a partial last frame is padded, then the source ends', async () => {
    const inPath = join(dir, 'in.sln');
    const bytes = Buffer.alloc(2 * 400);
    for (let i = 0; i < 400; i++) bytes.writeInt16LE(((i * 37) % 2000) - 1000, 2 * i);
    writeFileSync(inPath, bytes);
    const src = await openSource(`raw:${inPath}`);
    const sink = await openSink(`raw:${join(dir, 'out.sln')}`);
    const frame = new Int16Array(160);
    let frames = 0;
    while (src.read(frame)) {
      sink.write(frame);
      frames++;
    }
    await sink.close();
    await src.close();
    expect(frames).toBe(3);
    const out = readFileSync(join(dir, 'out.sln'));
    expect(out.subarray(0, 800).equals(bytes)).toBe(true);
    expect(out.subarray(800).every((b) => b === 0)).toBe(true);
  });

  it('a stream (stdin) split at odd byte boundaries reads back exactly; silence while data is late', async () => {
    const stdin = new PassThrough();
    const src = await openSource('raw:-', { stdin });
    const frame = new Int16Array(160);
    expect(src.read(frame)).toBe(true); // nothing yet: silence, not the end
    expect(frame.every((v) => v === 0)).toBe(true);
    const data = Buffer.alloc(640);
    for (let i = 0; i < 320; i++) data.writeInt16LE(i * 100 - 16000, 2 * i);
    stdin.write(data.subarray(0, 3));
    stdin.write(data.subarray(3, 321));
    stdin.end(data.subarray(321));
    await new Promise((r) => setImmediate(r));
    const got: number[] = [];
    while (src.read(frame)) got.push(...frame);
    expect(got).toEqual(Array.from({ length: 320 }, (_, i) => i * 100 - 16000));
  });

  it('raw:- as a sink writes s16le to the given stream', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (b: Buffer) => chunks.push(b));
    const sink = await openSink('raw:-', { stdout });
    sink.write(Int16Array.from({ length: 160 }, (_, i) => i - 80));
    await sink.close();
    const b = Buffer.concat(chunks);
    expect(b.length).toBe(320);
    expect(b.readInt16LE(0)).toBe(-80);
    expect(b.readInt16LE(318)).toBe(79);
  });
});

describe('backends that are not installed', () => {
  it('asking for ALSA or OSS without their programs says in one line what to install', async () => {
    const env = { PATH: dir };
    const err = await openSource('alsa:default', { env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendMissingError);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      'the alsa audio backend is not available: apt-get install alsa-utils (for aplay and arecord)',
    );
    expect((err as Error).message).not.toContain('\n');
    await expect(openSink('oss:/dev/dsp', { env })).rejects.toThrow(
      /^the oss audio backend is not available: apt-get install sox/,
    );
  });
});

describe('[audio] options', () => {
  it('become open options: device rate, and a drift target of audio.buffer at 8 kHz', () => {
    const options = resolveOptions(schema, {
      env: { SHTOOM_AUDIO_DEVICE_RATE: '48000', SHTOOM_AUDIO_BUFFER: '100ms' },
      argv: new Map(),
    });
    expect(audioOpenOptions(options)).toEqual({
      deviceRate: 48000,
      drift: { target: 800, tolerance: 133, capacity: 8000 },
    });
  });
});

describe('devices at the rate a call asks for (follow)', () => {
  it('a tone and a WAV source produce 16 kHz frames; a tone above half the rate is left out, not aliased', async () => {
    const tone = await openSource('tone:6000,1000@-10dBFS');
    expect(tone.rate ?? 8000).toBe(8000);
    const f8 = new Int16Array(160);
    tone.read(f8);
    expect(fitSine(f8, 8000, 2000).amplitude).toBeLessThan(50); // 6 kHz would alias to 2 kHz: it is absent
    tone.follow!(16000);
    expect(tone.rate).toBe(16000);
    const f16 = new Int16Array(320);
    tone.read(f16);
    expect(fitSine(f16, 16000, 6000).amplitude).toBeGreaterThan(9000);
    const wavPath = join(dir, 'w16.wav');
    const sink = await openSink(`file:${wavPath}`);
    sink.follow!(16000);
    expect(sink.rate).toBe(16000);
    for (let i = 0; i < 10; i++) {
      tone.read(f16);
      sink.write(f16);
    }
    sink.follow!(8000); // too late: the file keeps its rate
    expect(sink.rate).toBe(16000);
    await sink.close();
    expect(readWavFile(wavPath).format.sampleRate).toBe(16000);
    const src = await openSource(`file:${wavPath}`);
    src.follow!(16000);
    const back = new Int16Array(320);
    expect(src.read(back)).toBe(true);
    expect(src.read(back)).toBe(true);
    expect(fitSine(back, 16000, 6000).amplitude).toBeGreaterThan(9000);
    await src.close();
  });
});
