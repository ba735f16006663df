/**
 * `shtoom convert`'s wideband files against Debian's tools: the Ogg Opus
 * files it writes pass `opusinfo` and decode in `opusdec` with their tones
 * (a 6 kHz one, beyond narrowband) and length; it reads `opusenc`'s files
 * to what `opusdec` makes of them; the .g722 files it writes are spandsp's
 * code words and decode in spandsp (bench/lib/g722-harness.c) to the
 * samples shtoom reads from them; damaged files are one line and exit 2
 * (and opusinfo agrees the damaged page is damaged).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oggCrc } from '../../src/audio/formats/ogg.js';
import { buildHarness, firstDifferentFrame, runTool, samplesOf } from './support/codecs.js';
import { requireBinary, runShtoom } from './support/peers.js';

let dir: string;
let g722: string;
const at = (name: string) => join(dir, name);

async function shtoom(...args: string[]) {
  return runShtoom(['convert', ...args], { timeoutSec: 60 });
}

/** Power of `hz` in `x` (Goertzel) relative to the signal's mean power, in dB. */
function toneDb(x: Int16Array, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let total = 0;
  for (const v of x) {
    const s = v + k * s1 - s2;
    s2 = s1;
    s1 = s;
    total += v * v;
  }
  const tone = (2 * (s1 * s1 + s2 * s2 - k * s1 * s2)) / x.length / x.length;
  return 10 * Math.log10(tone / (total / x.length));
}

/** The samples of a WAV file sox reads, as 16-bit mono raw at `rate`. */
function wavSamples(path: string, rate: number): Int16Array {
  return samplesOf(runTool('sox', ['-D', path, '-r', String(rate), '-c', '1', '-t', 's16', '-L', '-']));
}

function snr(ref: Int16Array, x: Int16Array): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i]! ** 2;
    e += (x[i]! - ref[i]!) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-convert-wb-'));
  requireBinary('opusinfo');
  requireBinary('opusdec');
  requireBinary('opusenc');
  g722 = buildHarness(dir, 'g722-harness.c', 'spandsp', 'libspandsp-dev');
  // 2 s of 1 kHz and 6 kHz together (6 kHz cannot pass narrowband), at 48 and 16 kHz.
  for (const rate of [48000, 16000]) {
    runTool('sox', [
      '-D',
      '-n',
      '-r',
      String(rate),
      '-c',
      '1',
      '-b',
      '16',
      at(`tones${rate / 1000}.wav`),
      'synth',
      '2',
      'sine',
      '1000',
      'sine',
      '6000',
      'remix',
      '1,2',
      'gain',
      '-9',
    ]);
  }
  runTool('espeak-ng', ['-v', 'en-us', '-w', at('speech22.wav'), 'Wideband speech for the G seven twenty two test.']);
  runTool('sox', ['-D', at('speech22.wav'), '-r', '16000', at('speech16.wav')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Ogg Opus files against opus-tools', () => {
  it('opusinfo validates the file shtoom writes and opusdec decodes it with both tones and its length', async () => {
    const r = await shtoom(at('tones48.wav'), at('ours.opus'));
    expect(r.code, r.stderr).toBe(0);
    const info = spawnSync('timeout', ['30', 'opusinfo', at('ours.opus')], { encoding: 'utf8' });
    expect(info.status, info.stdout + info.stderr).toBe(0);
    expect(info.stdout + info.stderr).not.toMatch(/warning|error/i);
    expect(info.stdout).toMatch(/Pre-skip: 312/);
    expect(info.stdout).toMatch(/Channels: 1/);
    expect(info.stdout).toMatch(/Playback length: 0m:02\.000s/);
    runTool('opusdec', ['--quiet', '--rate', '48000', at('ours.opus'), at('ours-dec.wav')]);
    const dec = wavSamples(at('ours-dec.wav'), 48000);
    expect(dec.length).toBe(96000);
    expect(toneDb(dec, 1000, 48000)).toBeGreaterThan(-4);
    expect(toneDb(dec, 6000, 48000)).toBeGreaterThan(-4);
    expect(toneDb(dec, 3500, 48000)).toBeLessThan(-40);
  });

  it('reads opusenc’s file to what opusdec makes of it', async () => {
    runTool('opusenc', ['--quiet', at('tones48.wav'), at('theirs.opus')]);
    const r = await shtoom(at('theirs.opus'), at('theirs-ours.wav'), '--rate', '48000', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).input).toMatchObject({ format: 'opus', sampleRate: 48000, channels: 1, seconds: 2 });
    runTool('opusdec', ['--quiet', '--no-dither', '--rate', '48000', at('theirs.opus'), at('theirs-dec.wav')]);
    const ours = wavSamples(at('theirs-ours.wav'), 48000);
    const ref = wavSamples(at('theirs-dec.wav'), 48000);
    expect(ours.length).toBe(ref.length);
    expect(snr(ref, ours), 'shtoom against opusdec on opusenc’s file').toBeGreaterThan(40);
    expect(toneDb(ours, 6000, 48000)).toBeGreaterThan(-4);
  });

  it('answers a corrupt CRC, a cut file and a wrong OpusHead version with one line and exit 2', async () => {
    const good = readFileSync(at('ours.opus'));
    const crc = Buffer.from(good);
    crc[crc.length - 5]! ^= 0x40;
    writeFileSync(at('crc.opus'), crc);
    // opusinfo finds the same page damaged.
    expect(spawnSync('timeout', ['30', 'opusinfo', at('crc.opus')], { encoding: 'utf8' }).stdout).toMatch(
      /Corrupted Ogg/,
    );
    writeFileSync(at('cut.opus'), good.subarray(0, good.length - 700));
    const version = Buffer.from(good);
    const head = 27 + version[26]!;
    version[head + 8] = 0x10;
    version.fill(0, 22, 26);
    // The page stays whole: only the version is wrong.
    version.writeUInt32LE(oggCrc(version.subarray(0, head + 19)), 22);
    writeFileSync(at('version.opus'), version);
    const cases: [string, RegExp][] = [
      ['crc.opus', /crc\.opus: Ogg page \d+ \(byte \d+\) has CRC 0x[0-9a-f]{8}, but its contents give/],
      ['cut.opus', /cut\.opus: Ogg page \d+ \(byte \d+\) is cut short/],
      ['version.opus', /version\.opus: OpusHead version 16 \(major 1\) is not one shtoom reads/],
    ];
    for (const [file, message] of cases) {
      const r = await shtoom(at(file), at('x.wav'));
      expect(r.code, file).toBe(2);
      expect(r.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('.g722 files against spandsp', () => {
  it('writes spandsp’s code words for 16 kHz input, and reads them back as spandsp decodes them', async () => {
    const r = await shtoom(at('speech16.wav'), at('ours.g722'));
    expect(r.code, r.stderr).toBe(0);
    const pcm = wavSamples(at('speech16.wav'), 16000);
    writeFileSync(at('speech16.raw'), new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    runTool(g722, ['enc', at('speech16.raw'), at('spandsp.g722')]);
    const ours = readFileSync(at('ours.g722'));
    expect(firstDifferentFrame(ours, readFileSync(at('spandsp.g722')), 160)).toBe(-1);

    runTool(g722, ['dec', at('ours.g722'), at('spandsp-dec.raw')]);
    const back = await shtoom(at('ours.g722'), at('back.sln'), '--rate', '16000');
    expect(back.code, back.stderr).toBe(0);
    const a = samplesOf(readFileSync(at('back.sln')));
    const b = samplesOf(readFileSync(at('spandsp-dec.raw')));
    expect(a.length).toBe(b.length);
    expect(firstDifferentFrame(a, b, 320)).toBe(-1);
  });

  it('keeps a 6 kHz tone through a .g722 file made from 48 kHz input', async () => {
    expect((await shtoom(at('tones48.wav'), at('tones.g722'))).code).toBe(0);
    runTool(g722, ['dec', at('tones.g722'), at('tones-dec.raw')]);
    const dec = samplesOf(readFileSync(at('tones-dec.raw')));
    expect(dec.length).toBe(32000);
    expect(toneDb(dec, 6000, 16000)).toBeGreaterThan(-4);
    expect(toneDb(dec, 1000, 16000)).toBeGreaterThan(-4);
  });
});
