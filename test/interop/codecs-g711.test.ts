/**
 * G.711 byte-identical with sox: µ-law and A-law encoding and decoding of
 * espeak-ng speech, and of all 65,536 16-bit values.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alawDecode, alawEncode } from '../../src/codecs/alaw.js';
import { ulawDecode, ulawEncode } from '../../src/codecs/ulaw.js';
import { firstDifferentFrame, runTool, samplesOf } from './support/codecs.js';

let dir: string;
let speech: Int16Array;
const RAW = ['-t', 'raw', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-g711-interop-'));
  const wav = join(dir, 'speech.wav');
  runTool('espeak-ng', [
    '-v',
    'en-us',
    '-s',
    '150',
    '-w',
    wav,
    'Thank you for calling. All our operators are busy. Please hold the line.',
  ]);
  speech = samplesOf(runTool('sox', ['-D', wav, ...RAW, '-']));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const laws = [
  { name: 'µ-law', sox: 'ul', encode: ulawEncode, decode: ulawDecode },
  { name: 'A-law', sox: 'al', encode: alawEncode, decode: alawDecode },
] as const;

describe.each(laws)('G.711 $name against sox', ({ sox, encode, decode }) => {
  function soxEncode(pcm: Int16Array): Buffer {
    const raw = join(dir, `in-${sox}.raw`);
    writeFileSync(raw, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    return runTool('sox', ['-D', ...RAW, raw, '-t', sox, '-']);
  }

  it('encodes speech to the same bytes and decodes them to the same samples', () => {
    expect(speech.length).toBeGreaterThan(30000);
    const ref = soxEncode(speech);
    expect(firstDifferentFrame(encode(speech), ref, 160)).toBe(-1);
    const coded = join(dir, `speech.${sox}`);
    writeFileSync(coded, ref);
    const refPcm = samplesOf(runTool('sox', ['-D', '-t', sox, '-r', '8000', '-c', '1', coded, ...RAW, '-']));
    expect(firstDifferentFrame(decode(new Uint8Array(ref)), refPcm, 160)).toBe(-1);
  });

  it('encodes all 65,536 sample values as sox does', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const ref = soxEncode(all);
    const ours = encode(all);
    const bad = firstDifferentFrame(ours, ref, 1);
    expect(bad, `sample ${bad - 32768}`).toBe(-1);
  });
});
