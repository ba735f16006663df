/**
 * `shtoom analyze` on recordings made with sox and espeak-ng: format,
 * length, level, speech and silence, DTMF keys, call progress, asked tones.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../interop/support/peers.js';
import { int16ToBuffer, soxRead, soxTones } from '../audio/support/sox.js';
import { runCli, tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => void;
let speechSeconds: number;
const env = () => ({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') });

function cat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const silence = (s: number) => new Int16Array(Math.round(s * 8000));
const key = (f1: number, f2: number) =>
  soxTones({
    tones: [
      { freq: f1, amplitude: 0.2 },
      { freq: f2, amplitude: 0.25 },
    ],
    seconds: 0.08,
    padAfter: 0.08,
  });

beforeAll(() => {
  ({ dir, cleanup } = tempDir('shtoom-analyze-'));
  const say = join(dir, 'say.wav');
  expect(spawnSync(requireBinary('espeak-ng'), ['-v', 'en-us', '-w', say, 'Please enter your PIN.']).status).toBe(0);
  let speech = soxRead(say);
  // espeak pads with near-silence; keep only the spoken part so its edges are known.
  let a = 0;
  let b = speech.length;
  while (Math.abs(speech[a]!) < 200) a++;
  while (Math.abs(speech[b - 1]!) < 200) b--;
  speech = speech.slice(a, b);
  speechSeconds = speech.length / 8000;
  const busy = soxTones({
    tones: [
      { freq: 480, amplitude: 0.1 },
      { freq: 620, amplitude: 0.1 },
    ],
    seconds: 0.5,
    padAfter: 0.5,
  });
  const recording = cat([
    silence(0.5),
    speech, // 0.5 .. 0.5 + speechSeconds
    silence(1),
    key(697, 1209), // 1
    key(770, 1336), // 5
    key(852, 1477), // 9
    key(941, 1477), // #
    silence(0.5),
    busy,
    busy,
    busy,
    soxTones({ tones: [{ freq: 1000, amplitude: 0.3 }], seconds: 0.6, padAfter: 0.4 }),
  ]);
  const raw = join(dir, 'rec.raw');
  writeFileSync(raw, int16ToBuffer(recording));
  // The same audio as a 44.1 kHz stereo WAV, the kind a tester might record elsewhere.
  const r = spawnSync(requireBinary('sox'), [
    '-D',
    '-t',
    'raw',
    '-r',
    '8000',
    '-c',
    '1',
    '-b',
    '16',
    '-e',
    'signed-integer',
    raw,
    '-r',
    '44100',
    '-c',
    '2',
    join(dir, 'rec.wav'),
  ]);
  expect(r.status).toBe(0);
}, 60_000);
afterAll(() => cleanup());

describe('shtoom analyze', () => {
  it.each(['rec.raw', 'rec.wav'])(
    '%s: format, length, level, speech, DTMF, busy and a given tone (--json)',
    async (name) => {
      const r = await runCli(['analyze', join(dir, name), '--tone', '1000', '--json'], env());
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const a = JSON.parse(r.stdout);
      if (name === 'rec.wav')
        expect(a.format).toEqual({
          container: 'wav',
          encoding: 'pcm',
          sampleRate: 44100,
          channels: 2,
          bitsPerSample: 16,
        });
      else expect(a.format).toMatchObject({ container: 'raw', sampleRate: 8000, channels: 1 });
      const total = 0.5 + speechSeconds + 1 + 4 * 0.16 + 0.5 + 3 + 1;
      expect(Math.abs(a.duration - total)).toBeLessThan(0.01);
      expect(a.level.peakDbfs).toBeLessThan(0);
      expect(a.level.peakDbfs).toBeGreaterThan(-6);
      expect(a.level.clipped).toBe(0);
      expect(a.dtmf.map((d: { digit: string }) => d.digit).join('')).toBe('159#');
      const k0 = 0.5 + speechSeconds + 1;
      a.dtmf.forEach((d: { start: number; duration: number }, i: number) => {
        expect(Math.abs(d.start - (k0 + 0.16 * i))).toBeLessThan(0.01);
        expect(Math.abs(d.duration - 0.08)).toBeLessThan(0.01);
      });
      expect(a.callProgress).toEqual([{ tone: 'busy', start: expect.closeTo(k0 + 0.64 + 0.5, 1) }]);
      expect(a.tones).toHaveLength(1);
      expect(a.tones[0]).toMatchObject({ name: '1000 Hz' });
      expect(a.tones[0].start).toBeCloseTo(total - 1, 1);
      expect(a.tones[0].duration).toBeCloseTo(0.6, 1);
      // The only speech is the spoken prompt (keys and tones are sound, not speech); the silence before it is reported
      // too.
      expect(a.speech).toHaveLength(1);
      expect(a.speech[0].start).toBeCloseTo(0.5, 1);
      expect(a.speech[0].end).toBeCloseTo(0.5 + speechSeconds, 1);
      expect(a.silence[0]).toMatchObject({ start: 0 });
      expect(a.silence[0].end).toBeCloseTo(0.5, 1);
    },
  );

  it('prints a human summary', async () => {
    const r = await runCli(['analyze', join(dir, 'rec.raw')], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^.*rec\.raw: raw pcm 16-bit, 8000 Hz, 1 channel, \d+\.\d{3} s$/m);
    expect(r.stdout).toMatch(/^dtmf: 159#$/m);
    expect(r.stdout).toMatch(/^call progress: busy at \d+\.\d{3} s$/m);
  });

  it(
    'a missing file, a directory, an unknown format and a bad --tone are usage errors (exit 2, one ' + 'line)',
    async () => {
      for (const args of [
        ['analyze', join(dir, 'nope.wav')],
        ['analyze', dir],
        ['analyze', join(dir, 'say.txt')],
        ['analyze', join(dir, 'rec.raw'), '--tone', '5000'],
      ]) {
        if (args[1]!.endsWith('say.txt')) writeFileSync(args[1]!, 'hello');
        const r = await runCli(args, env());
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      }
    },
  );

  it('an empty WAV reads as zero seconds of silence', async () => {
    const path = join(dir, 'empty.wav');
    spawnSync(requireBinary('sox'), ['-n', '-r', '8000', '-c', '1', '-b', '16', path, 'trim', '0', '0']);
    const r = await runCli(['analyze', path, '--json'], env());
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.duration).toBe(0);
    expect(a.level.peakDbfs).toBeNull();
    expect(a.dtmf).toEqual([]);
  });
});
