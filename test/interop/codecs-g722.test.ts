/**
 * G.722 bit-exact with spandsp (Debian's libspandsp, the G.722 of baresip
 * and FreeSWITCH), both directions, on a corpus this test makes itself at
 * 16 kHz: espeak-ng speech (three voices), sine sweeps across the whole
 * 50–7950 Hz band, white and pink noise at several levels, silence,
 * full-scale clipping, DC offsets, random samples, and a long file so the
 * state carried from sample to sample is exercised. shtoom's encoder is
 * compared code word by code word with `g722_encode`; its decoder sample by
 * sample with `g722_decode`, on spandsp's code words and on random ones.
 * The reference runs in a small C harness (bench/lib/g722-harness.c) this
 * test compiles against libspandsp-dev.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { G722Decoder, G722Encoder } from '../../src/codecs/g722/index.js';
import { Random } from '../../src/sim/random.js';
import {
  clippedSine,
  concat,
  dcOffset,
  pinkNoise,
  sineSweep,
  speechLike,
  whiteNoise,
} from '../codecs/support/signals.js';
import { buildHarness, firstDifferentFrame, runTool, samplesOf } from './support/codecs.js';

const RATE = 16000;
let dir: string;
let harness: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-g722-interop-'));
  harness = buildHarness(dir, 'g722-harness.c', 'spandsp', 'libspandsp-dev');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** espeak-ng speech resampled to 16 kHz by sox (without dither: deterministic). */
function speech(name: string, voice: string, text: string): Int16Array {
  const wav = join(dir, `${name}.wav`);
  runTool('espeak-ng', ['-v', voice, '-s', '150', '-w', wav, text]);
  return samplesOf(
    runTool('sox', ['-D', wav, '-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-']),
  );
}

let made: [string, Int16Array][] | undefined;
function corpus(): [string, Int16Array][] {
  if (made) return made;
  const rnd = new Random(722);
  return (made = [
    ['speech en-us', speech('s1', 'en-us', 'Press one for sales, press two for support. Your call is important.')],
    ['speech female', speech('s2', 'en+f3', 'The quick brown fox jumps over the lazy dog, zero one two three.')],
    ['speech german', speech('s3', 'de', 'Bitte warten Sie, Sie werden gleich verbunden. Vielen Dank.')],
    ['sine sweep loud', sineSweep(6, 50, 7950, 30000, RATE)],
    ['sine sweep quiet', sineSweep(4, 7950, 50, 300, RATE)],
    ['white noise full scale', whiteNoise(3, 32767, 1, RATE)],
    ['white noise -18 dB', whiteNoise(3, 4000, 2, RATE)],
    ['white noise -40 dB', whiteNoise(3, 300, 3, RATE)],
    ['pink noise loud', pinkNoise(3, 30000, 4, RATE)],
    ['pink noise quiet', pinkNoise(3, 1000, 5, RATE)],
    ['silence', new Int16Array(32000)],
    ['full-scale clipping 300 Hz', clippedSine(3, 300, 6, RATE)],
    ['full-scale clipping 3 kHz', clippedSine(2, 3000, 4, RATE)],
    ['positive DC offset', dcOffset(2, 12000, 3000, RATE)],
    ['negative DC at the rail', dcOffset(2, -32000, 700, RATE)],
    ['random samples', Int16Array.from({ length: 48000 }, () => rnd.int(65536) - 32768)],
    ['alternating full scale', Int16Array.from({ length: 16000 }, (_, i) => (i & 1 ? 32767 : -32768))],
    ['speech-like', speechLike(3, 6, RATE)],
  ]);
}

function spandsp(mode: 'enc' | 'dec', input: Uint8Array): Buffer {
  const inFile = join(dir, `in.${mode}`);
  const outFile = join(dir, `out.${mode}`);
  writeFileSync(inFile, input);
  runTool(harness, [mode, inFile, outFile]);
  return readFileSync(outFile);
}

/** Encoder against g722_encode, and decoder against g722_decode on spandsp's code words; returns the code words. */
function checkAgainstSpandsp(name: string, pcm: Int16Array): number {
  const even = pcm.length % 2 === 0 ? pcm : pcm.subarray(0, pcm.length - 1);
  const ref = spandsp('enc', new Uint8Array(even.buffer, even.byteOffset, even.byteLength));
  const ours = new G722Encoder().encode(even);
  const badEnc = firstDifferentFrame(ours, ref, 160);
  expect(badEnc, `${name}: code words of 20 ms frame ${badEnc} differ from spandsp (of ${ref.length / 160})`).toBe(-1);

  const refPcm = samplesOf(spandsp('dec', ref));
  const ourPcm = new G722Decoder().decode(new Uint8Array(ref));
  const badDec = firstDifferentFrame(ourPcm, refPcm, 320);
  expect(badDec, `${name}: decoded 20 ms frame ${badDec} differs from spandsp`).toBe(-1);
  return ref.length;
}

describe('G.722 against spandsp (libspandsp g722_encode/g722_decode)', () => {
  it('encodes and decodes every item of the corpus as spandsp does', () => {
    let bytes = 0;
    for (const [name, pcm] of corpus()) bytes += checkAgainstSpandsp(name, pcm);
    // Over 50 s of 16 kHz audio.
    expect(bytes).toBeGreaterThan(50 * 8000);
  });

  it('is bit-exact over a file of several minutes, both ways (state across the whole file)', () => {
    const pieces: Int16Array[] = [];
    for (let i = 0; i < 3; i++) {
      pieces.push(speechLike(15, 100 + i, RATE));
      for (const [, pcm] of corpus()) pieces.push(pcm.length % 2 ? pcm.subarray(1) : pcm);
    }
    const pcm = concat(pieces);
    expect(pcm.length / RATE / 60).toBeGreaterThan(3);
    expect(checkAgainstSpandsp('long file', pcm)).toBeGreaterThan(3 * 60 * 8000);
  });

  it('decodes random code words (every byte is one) as spandsp does, loud output wrapping included', () => {
    const rnd = new Random(9);
    const codes = Uint8Array.from({ length: 8000 * 60 }, () => rnd.int(256));
    const refPcm = samplesOf(spandsp('dec', codes));
    const ourPcm = new G722Decoder().decode(codes);
    expect(firstDifferentFrame(ourPcm, refPcm, 320)).toBe(-1);
  });

  it('decodes in 20 ms packets as in one piece (spandsp decodes the whole file at once)', () => {
    const [, pcm] = corpus()[0]!;
    const even = pcm.subarray(0, pcm.length - (pcm.length % 320));
    const ref = spandsp('enc', new Uint8Array(even.buffer, even.byteOffset, even.byteLength));
    const refPcm = samplesOf(spandsp('dec', ref));
    const dec = new G722Decoder();
    const out = new Int16Array(refPcm.length);
    const frame = new Int16Array(320);
    for (let at = 0; at < ref.length; at += 160) out.set(dec.decode(ref.subarray(at, at + 160), frame), 2 * at);
    expect(firstDifferentFrame(out, refPcm, 320)).toBe(-1);
  });
});
