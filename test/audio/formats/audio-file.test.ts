import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeAudioFile,
  encodeAudioFile,
  extensionsOf,
  formatOfPath,
  readAudioFile,
  writeFileAtomically,
} from '../../../src/audio/formats/audio-file.js';
import { convertAudioFile, resampleTo, resampleTo8k } from '../../../src/audio/formats/convert.js';
import {
  AudioFileAccessError,
  MalformedAudioFileError,
  UnsupportedAudioEncodingError,
} from '../../../src/audio/formats/errors.js';
import { floatTo32, mixToMono32, s32to13, s32to14, s32to16, to16 } from '../../../src/audio/formats/sample-convert.js';
import { encodeWav } from '../../../src/audio/formats/wav-format.js';
import { Gsm610Encoder } from '../../../src/codecs/gsm610/index.js';
import { ulawDecode, ulawEncode } from '../../../src/codecs/ulaw.js';
import { UsageError } from '../../../src/errors.js';
import { speechLike } from '../../codecs/support/signals.js';
import { tempDir } from '../../support/cli.js';

describe('audio file formats by name', () => {
  it('knows the telephony extensions, in any case', () => {
    expect(
      ['a.wav', 'a.UL', 'a.ulaw', 'a.al', 'a.alaw', 'a.gsm', 'a.sln', 'a.raw', 'a.l', 'a.mp3', 'noext'].map(
        formatOfPath,
      ),
    ).toEqual(['wav', 'ulaw', 'ulaw', 'alaw', 'alaw', 'gsm', 'sln', 'sln', 'sln', undefined, undefined]);
    expect(extensionsOf('sln')).toEqual(['.sln', '.raw', '.l']);
  });
});

describe('sample conversions as sox does them', () => {
  it('rounds 32-bit to 16-bit to nearest, ties up, saturating', () => {
    expect([0x7fffffff, 0x7fff8000, 0x7fff7fff, 0x8000, 0x7fff, -0x8000, -0x8001, -0x80000000].map(s32to16)).toEqual([
      32767, 32767, 32767, 1, 0, 0, -1, -32768,
    ]);
  });

  it('scales floats by 2^31, half away from zero, saturating', () => {
    expect([0, 1, -1, 2, -2, 0.5, Number.NaN].map(floatTo32)).toEqual([
      0, 2147483647, -2147483648, 2147483647, -2147483648, 1073741824, 0,
    ]);
  });

  it('mixes channels to their mean truncated toward zero in 32 bits, then rounds', () => {
    const wide = Int32Array.of(1 << 16, 2 << 16, -(1 << 16), -(2 << 16), 3, 0, -3, 0, 0x7fffffff, 0x7fffffff);
    // (1+2)/2 = 1.5 → 2; (−1−2)/2 = −1.5 → −1 (ties up); tiny values vanish; full scale stays.
    expect([...to16(mixToMono32(wide, 2))]).toEqual([2, -1, 0, 0, 32767]);
    expect([...mixToMono32(Int32Array.of(1, 2, -1, -2), 2)]).toEqual([1, -1]);
    expect([...to16(mixToMono32(Int32Array.of(3 << 16, 3 << 16, 4 << 16), 3))]).toEqual([3]);
    expect([...to16(mixToMono32(Int32Array.of(5 << 16, -7 << 16), 1))]).toEqual([5, -7]);
  });

  it('rounds 32-bit samples straight to G.711’s 14 and 13 bits', () => {
    // 1.5 steps of 14 bits is 1.5 · 2^18; ties go up; the top saturates.
    expect([0x60000, -0x60000, 0x1ffff, 0x20000, 0x7fffffff].map(s32to14)).toEqual([2, -1, 0, 1, 8191]);
    expect([0xc0000, -0xc0000, 0x3ffff, 0x40000, 0x7fffffff].map(s32to13)).toEqual([2, -1, 0, 1, 4095]);
  });
});

describe('decoding audio files', () => {
  const pcm = speechLike(0.5, 9);

  it('reads µ-law, A-law, signed linear and GSM as 8 kHz mono', () => {
    expect(decodeAudioFile(ulawEncode(pcm), 'ulaw', 'x.ul').samples).toEqual(ulawDecode(ulawEncode(pcm)));
    const sln = encodeAudioFile(pcm, 'sln');
    expect(decodeAudioFile(sln, 'sln', 'x.sln').samples).toEqual(pcm);
    const gsm = decodeAudioFile(new Gsm610Encoder().encode(pcm), 'gsm', 'x.gsm');
    expect(gsm).toMatchObject({ sampleRate: 8000, channels: 1, frames: 25, encoding: 'GSM 06.10' });
    expect(gsm.samples).toHaveLength(4000);
  });

  it('reads WAV at its rate, mixing its channels', () => {
    const stereo = new Int16Array(200).map((_, i) => (i % 2 ? 1000 : 3000));
    const d = decodeAudioFile(encodeWav(stereo, { sampleRate: 16000, channels: 2, encoding: 'pcm16' }), 'wav', 'x.wav');
    expect(d).toMatchObject({ sampleRate: 16000, channels: 2, encoding: '16-bit PCM' });
    expect([...d.samples]).toEqual(Array(100).fill(2000));
  });

  it('names a GSM file that is not whole frames', () => {
    const bytes = new Gsm610Encoder().encode(pcm).subarray(0, 100);
    expect(() => decodeAudioFile(bytes, 'gsm', 'cut.gsm')).toThrow(MalformedAudioFileError);
    expect(() => decodeAudioFile(bytes, 'gsm', 'cut.gsm')).toThrow(
      'cut.gsm: 100 bytes are not whole 33-byte GSM frames (3 frames and 1 byte left over)',
    );
  });

  it('names the GSM frame (counting from 1) whose signature is wrong', () => {
    const bytes = new Gsm610Encoder().encode(pcm);
    bytes[6 * 33] = 0x42;
    expect(() => decodeAudioFile(bytes, 'gsm', 'bad.gsm')).toThrow(
      'bad.gsm: GSM frame 7 (bytes 198-230) has signature 0x4, not 0xD',
    );
  });

  it('refuses signed linear of odd length, and names unknown file types', () => {
    expect(() => decodeAudioFile(new Uint8Array(3), 'sln', 'odd.raw')).toThrow(MalformedAudioFileError);
    expect(() => readAudioFile('song.mp3')).toThrow(/cannot tell the audio format from the name "song\.mp3"/);
  });
});

describe('resampling whole files to 8 kHz', () => {
  const tone = (rate: number, seconds: number, f: number, delay = 0) =>
    Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
      Math.round(12000 * Math.sin((2 * Math.PI * f * (i - delay)) / rate)),
    );

  function snrDb(got: Int16Array, want: Int16Array): number {
    let e = 0;
    let s = 0;
    for (let i = 200; i < want.length - 200; i++) {
      e += (got[i]! - want[i]!) ** 2;
      s += want[i]! ** 2;
    }
    return 10 * Math.log10(s / e);
  }

  it.each([16000, 24000, 32000, 48000, 96000])('%i Hz comes out aligned sample for sample', (rate) => {
    const out = resampleTo8k(tone(rate, 0.5, 1000), rate);
    expect(out).toHaveLength(4000);
    expect(snrDb(out, tone(8000, 0.5, 1000))).toBeGreaterThan(60);
  });

  it.each([11025, 22050, 44100])('%i Hz comes out aligned within 1/882 of a sample', (rate) => {
    const out = resampleTo8k(tone(rate, 0.5, 1000), rate);
    expect(out).toHaveLength(Math.round(rate * 0.5 * (8000 / rate)));
    expect(snrDb(out, tone(8000, 0.5, 1000))).toBeGreaterThan(40);
  });

  it.each([
    [8000, 16000],
    [8000, 48000],
    [16000, 48000],
    [22050, 48000],
  ])('%i Hz up to %i Hz comes out aligned sample for sample', (from, to) => {
    const out = resampleTo(tone(from, 0.5, 1000), from, to);
    expect(out).toHaveLength(to / 2);
    expect(snrDb(out, tone(to, 0.5, 1000))).toBeGreaterThan(60);
  });

  it('leaves 8 kHz alone and names a rate it cannot convert', () => {
    const pcm = tone(8000, 0.1, 300);
    expect(resampleTo8k(pcm, 8000)).toBe(pcm);
    expect(() => resampleTo8k(new Int16Array(100), 8191)).toThrow(UnsupportedAudioEncodingError);
  });
});

describe('convertAudioFile', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir('shtoom-convert-')));
  afterEach(() => cleanup());

  it('converts 16 kHz stereo WAV to GSM and back to an 8 kHz mono WAV', () => {
    const stereo = new Int16Array(32000 * 2);
    for (let i = 0; i < 32000; i++)
      stereo[2 * i] = stereo[2 * i + 1] = Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 16000));
    writeFileSync(join(dir, 'in.wav'), encodeWav(stereo, { sampleRate: 16000, channels: 2, encoding: 'pcm16' }));
    const r = convertAudioFile(join(dir, 'in.wav'), join(dir, 'out.gsm'));
    expect(r.output).toMatchObject({ format: 'gsm', samples: 16000, bytes: 100 * 33 });
    const back = convertAudioFile(join(dir, 'out.gsm'), join(dir, 'back.wav'), { wavEncoding: 'alaw' });
    expect(back.input).toMatchObject({ format: 'gsm', frames: 100 });
    expect(readAudioFile(join(dir, 'back.wav'))).toMatchObject({ sampleRate: 8000, channels: 1, encoding: 'A-law' });
  });

  it('takes formats from options when names do not tell, and can overwrite its input', () => {
    const path = join(dir, 'capture.pcm');
    writeFileSync(path, encodeAudioFile(speechLike(0.2, 1), 'sln'));
    expect(() => convertAudioFile(path, join(dir, 'x.ul'))).toThrow(UsageError);
    convertAudioFile(path, path, { from: 'sln', to: 'ulaw' });
    expect(readFileSync(path)).toHaveLength(1600);
  });

  it('reports a missing input, an unsupported WAV and an unwritable output as usage errors', () => {
    expect(() => convertAudioFile(join(dir, 'missing.wav'), join(dir, 'x.gsm'))).toThrow(AudioFileAccessError);
    const adpcm = encodeWav(new Int16Array(10), { sampleRate: 8000, channels: 1, encoding: 'pcm16' });
    adpcm[20] = 0x11;
    writeFileSync(join(dir, 'adpcm.wav'), adpcm);
    expect(() => convertAudioFile(join(dir, 'adpcm.wav'), join(dir, 'x.gsm'))).toThrow(
      /IMA ADPCM \(format tag 0x0011\)/,
    );
    writeFileSync(join(dir, 'ok.ul'), new Uint8Array(10));
    mkdirSync(join(dir, 'out.wav'));
    expect(() => convertAudioFile(join(dir, 'ok.ul'), join(dir, 'out.wav'))).toThrow(AudioFileAccessError);
    expect(() => writeFileAtomically(join(dir, 'no', 'dir.wav'), new Uint8Array(1))).toThrow(AudioFileAccessError);
  });
});
