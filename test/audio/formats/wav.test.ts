import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/clock.js';
import {
  AudioFileAccessError,
  MalformedAudioFileError,
  UnsupportedAudioEncodingError,
} from '../../../src/audio/formats/errors.js';
import { s32to16 } from '../../../src/audio/formats/sample-convert.js';
import {
  bufferSource,
  decodeWavSamples,
  decodeWavSamples32Into,
  encodeWav,
  parseWavHeader,
  readWav,
  readWavFile,
  wavHeader,
  WavFileReader,
  WavFileWriter,
  type WavWriteEncoding,
} from '../../../src/audio/formats/wav.js';
import { alawDecode, alawEncode } from '../../../src/codecs/alaw.js';
import { ulawDecode, ulawEncode } from '../../../src/codecs/ulaw.js';
import { tempDir } from '../../support/cli.js';

/** A WAV file from parts: fmt fields, optional extra chunks before data, and raw data bytes. */
function buildWav(opts: {
  tag: number;
  channels?: number;
  rate?: number;
  bits: number;
  blockAlign?: number;
  data: Uint8Array;
  extensible?: boolean;
  before?: Uint8Array;
  dataLength?: number;
}): Uint8Array {
  const channels = opts.channels ?? 1;
  const rate = opts.rate ?? 8000;
  const blockAlign = opts.blockAlign ?? (channels * opts.bits) / 8;
  const fmt: number[] = [];
  const u16 = (a: number[], v: number) => a.push(v & 0xff, (v >> 8) & 0xff);
  const u32 = (a: number[], v: number) => a.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  u16(fmt, opts.extensible ? 0xfffe : opts.tag);
  u16(fmt, channels);
  u32(fmt, rate);
  u32(fmt, rate * blockAlign);
  u16(fmt, blockAlign);
  u16(fmt, opts.bits);
  if (opts.extensible) {
    u16(fmt, 22);
    u16(fmt, opts.bits);
    u32(fmt, 0);
    u16(fmt, opts.tag);
    fmt.push(0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71);
  }
  const out: number[] = [];
  out.push(...Buffer.from('RIFF'));
  u32(out, 0);
  out.push(...Buffer.from('WAVE'));
  out.push(...Buffer.from('fmt '));
  u32(out, fmt.length);
  out.push(...fmt);
  if (opts.before) out.push(...opts.before);
  out.push(...Buffer.from('data'));
  u32(out, opts.dataLength ?? opts.data.length);
  out.push(...opts.data);
  const bytes = Uint8Array.from(out);
  new DataView(bytes.buffer).setUint32(4, bytes.length - 8, true);
  return bytes;
}

function le(values: number[], width: number): Uint8Array {
  const out = new Uint8Array(values.length * width);
  values.forEach((v, i) => {
    for (let b = 0; b < width; b++) out[i * width + b] = Number((BigInt(v) >> BigInt(8 * b)) & 0xffn);
  });
  return out;
}

describe('WAV reading', () => {
  it('reads 16-bit PCM at any rate and channel count', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const wav = readWav(buildWav({ tag: 1, channels: 2, rate: 44100, bits: 16, data: le([...samples], 2) }));
    expect(wav.format).toEqual({ encoding: 'pcm', sampleRate: 44100, channels: 2, bitsPerSample: 16 });
    expect(wav.frames).toBe(3);
    expect([...wav.samples]).toEqual([...samples]);
  });

  it('reads unsigned 8-bit PCM', () => {
    const wav = readWav(buildWav({ tag: 1, bits: 8, data: Uint8Array.from([0, 127, 128, 129, 255]) }));
    expect([...wav.samples]).toEqual([-32768, -256, 0, 256, 32512]);
  });

  it('rounds 24- and 32-bit PCM to 16 bits to nearest, ties up, saturating', () => {
    const w24 = readWav(
      buildWav({ tag: 1, bits: 24, data: le([0x7fffff, 0x7fff7f, 0x000080, 0x00007f, -0x81, -0x80, -0x800000], 3) }),
    );
    expect([...w24.samples]).toEqual([32767, 32767, 1, 0, -1, 0, -32768]);
    const w32 = readWav(
      buildWav({ tag: 1, bits: 32, data: le([0x7fffffff, 0x8000, 0x7fff, -0x8001, -0x80000000], 4) }),
    );
    expect([...w32.samples]).toEqual([32767, 1, 0, -1, -32768]);
  });

  it('reads 32- and 64-bit float, ties up at half a step, clipping beyond ±1', () => {
    const f32 = new Float32Array([0, 0.5, -0.5, 1, -1, 2, -2, 1 / 65536, -1 / 65536, -1.5 / 65536]);
    const wav = readWav(buildWav({ tag: 3, bits: 32, data: new Uint8Array(f32.buffer) }));
    expect([...wav.samples]).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 1, 0, -1]);
    const f64 = new Float64Array([0.25, -0.25, Number.NaN]);
    const w64 = readWav(buildWav({ tag: 3, bits: 64, data: new Uint8Array(f64.buffer) }));
    expect([...w64.samples]).toEqual([8192, -8192, 0]);
  });

  it('reads µ-law and A-law through the G.711 tables', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect([...readWav(buildWav({ tag: 7, bits: 8, data: codes })).samples]).toEqual([...ulawDecode(codes)]);
    expect([...readWav(buildWav({ tag: 6, bits: 8, data: codes })).samples]).toEqual([...alawDecode(codes)]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE headers by their sub-format', () => {
    const data = le([100, -100, 200, -200], 3);
    const wav = readWav(buildWav({ tag: 1, bits: 24, channels: 2, extensible: true, data }));
    expect(wav.format.encoding).toBe('pcm');
    expect([...wav.samples]).toEqual([0, 0, 1, -1]);
  });

  it('skips other chunks, honouring the pad byte after an odd-length chunk', () => {
    const list = Uint8Array.from([...Buffer.from('LIST'), 3, 0, 0, 0, 1, 2, 3, 0]);
    const wav = readWav(buildWav({ tag: 1, bits: 16, data: le([7, 8], 2), before: list }));
    expect([...wav.samples]).toEqual([7, 8]);
  });

  it('reads a data chunk longer than the file up to the end, in whole frames, and says so', () => {
    const bytes = buildWav({ tag: 1, bits: 16, channels: 2, data: le([1, 2, 3, 4, 5], 2), dataLength: 1000 });
    const wav = readWav(bytes.subarray(0, bytes.length - 1)); // cut inside the last sample
    expect(wav.truncated).toBe(true);
    expect([...wav.samples]).toEqual([1, 2, 3, 4]);
    const streaming = readWav(buildWav({ tag: 1, bits: 16, data: le([9, 9], 2), dataLength: 0xffffffff }));
    expect(streaming.truncated).toBe(false);
    expect(streaming.frames).toBe(2);
  });

  it('names an unsupported encoding', () => {
    const cases: [number, RegExp][] = [
      [0x0011, /IMA ADPCM \(format tag 0x0011\)/],
      [0x0031, /GSM 6\.10/],
      [0x0002, /Microsoft ADPCM/],
      [0x1234, /format tag 0x1234/],
    ];
    for (const [tag, re] of cases) {
      const bytes = buildWav({ tag, bits: 4, blockAlign: 256, data: new Uint8Array(256) });
      expect(() => readWav(bytes)).toThrow(UnsupportedAudioEncodingError);
      expect(() => readWav(bytes)).toThrow(re);
    }
    expect(() => readWav(buildWav({ tag: 1, bits: 16, blockAlign: 10, data: new Uint8Array(10) }))).toThrow(
      UnsupportedAudioEncodingError,
    );
    expect(() => readWav(buildWav({ tag: 3, bits: 16, data: new Uint8Array(4) }))).toThrow(
      UnsupportedAudioEncodingError,
    );
    const rifx = buildWav({ tag: 1, bits: 16, data: new Uint8Array(4) });
    rifx.set(Buffer.from('RIFX'), 0);
    expect(() => readWav(rifx)).toThrow(/big-endian RIFX/);
  });

  it('rejects what is not a WAV file with a clear error', () => {
    const good = buildWav({ tag: 1, bits: 16, data: le([1], 2) });
    expect(() => readWav(new Uint8Array(0))).toThrow(MalformedAudioFileError);
    expect(() => readWav(Buffer.from('ID3\x03 this is an mp3'))).toThrow(/not a WAV file/);
    expect(() => readWav(good.subarray(0, 30))).toThrow(/fmt chunk runs past the end/);
    expect(() => readWav(good.subarray(0, 40))).toThrow(/no data chunk/);
    const noFmt = Uint8Array.from([...Buffer.from('RIFF'), 12, 0, 0, 0, ...Buffer.from('WAVEdata'), 0, 0, 0, 0]);
    expect(() => readWav(noFmt)).toThrow(/data chunk comes before any fmt chunk/);
    const zeroChannels = good.slice();
    zeroChannels[22] = 0;
    expect(() => readWav(zeroChannels)).toThrow(/0 channels/);
  });

  it('never throws anything but its own errors on arbitrary or damaged input (property)', () => {
    const seed = buildWav({ tag: 1, bits: 16, channels: 2, data: le([1, 2, 3, 4, 5, 6], 2) });
    const damaged = fc
      .array(fc.tuple(fc.nat({ max: seed.length + 8 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
      .chain((edits) =>
        fc.nat({ max: seed.length + 8 }).map((cut) => {
          const b = seed.slice(0, cut);
          for (const [at, v] of edits) if (at < b.length) b[at] = v;
          return b;
        }),
      );
    fc.assert(
      fc.property(fc.oneof(damaged, fc.uint8Array({ maxLength: 80 })), (bytes) => {
        try {
          const layout = parseWavHeader(bufferSource(bytes));
          expect(layout.dataOffset + layout.dataBytes).toBeLessThanOrEqual(bytes.length);
          expect(layout.dataBytes % layout.blockAlign).toBe(0);
          const wav = readWav(bytes);
          expect(wav.samples.length).toBe(layout.frames * layout.format.channels);
        } catch (err) {
          expect(err instanceof MalformedAudioFileError || err instanceof UnsupportedAudioEncodingError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the 16-bit and the 32-bit sample paths', () => {
  it('agree for every encoding: 16-bit = s32to16(32-bit) (property)', () => {
    const formats = [
      { encoding: 'pcm', bitsPerSample: 8 },
      { encoding: 'pcm', bitsPerSample: 16 },
      { encoding: 'pcm', bitsPerSample: 24 },
      { encoding: 'pcm', bitsPerSample: 32 },
      { encoding: 'float', bitsPerSample: 32 },
      { encoding: 'float', bitsPerSample: 64 },
      { encoding: 'ulaw', bitsPerSample: 8 },
      { encoding: 'alaw', bitsPerSample: 8 },
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...formats), fc.uint8Array({ minLength: 0, maxLength: 256 }), (f, data) => {
        const format = { ...f, sampleRate: 8000, channels: 1 };
        const narrow = decodeWavSamples(format, data);
        const wide = new Int32Array(narrow.length);
        decodeWavSamples32Into(format, data, wide);
        expect([...narrow]).toEqual([...wide].map(s32to16));
      }),
      { numRuns: 500 },
    );
  });
});

describe('WAV writing', () => {
  it.each<WavWriteEncoding>(['pcm16', 'ulaw', 'alaw'])('encodeWav(%s) reads back', (encoding) => {
    const samples = Int16Array.from({ length: 333 * 2 }, (_, i) => Math.round(20000 * Math.sin(i / 7)));
    const bytes = encodeWav(samples, { sampleRate: 16000, channels: 2, encoding });
    expect(bytes.length % 2).toBe(0); // odd data chunks get their pad byte
    const wav = readWav(bytes);
    expect(wav.format).toMatchObject({ sampleRate: 16000, channels: 2 });
    const expected =
      encoding === 'pcm16'
        ? samples
        : encoding === 'ulaw'
          ? ulawDecode(ulawEncode(samples))
          : alawDecode(alawEncode(samples));
    expect(wav.samples).toEqual(expected);
  });

  it('writes the canonical 44-byte header for 8 kHz mono PCM', () => {
    const h = wavHeader({ sampleRate: 8000, channels: 1, encoding: 'pcm16' }, 320);
    expect(Buffer.from(h).toString('hex')).toBe(
      '52494646' +
        '64010000' +
        '57415645' +
        '666d7420' +
        '10000000' +
        '0100' +
        '0100' +
        '401f0000' +
        '803e0000' +
        '0200' +
        '1000' +
        '64617461' +
        '40010000',
    );
  });

  it('decodeWavSamples agrees with the streaming reader', () => {
    const samples = Int16Array.from({ length: 1000 }, (_, i) => (i * 97) % 65536);
    const bytes = encodeWav(samples, { sampleRate: 8000, channels: 1, encoding: 'pcm16' });
    const layout = parseWavHeader(bufferSource(bytes));
    expect(decodeWavSamples(layout.format, bytes.subarray(layout.dataOffset))).toEqual(samples);
  });
});

describe('WAV files', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir('shtoom-wav-')));
  afterEach(() => cleanup());

  it('WavFileReader reads frame by frame and rewinds', () => {
    const samples = Int16Array.from({ length: 8000 * 2 + 6 }, (_, i) => i - 8000);
    const path = join(dir, 'st.wav');
    writeFileSync(path, encodeWav(samples, { sampleRate: 8000, channels: 2, encoding: 'pcm16' }));
    const r = WavFileReader.open(path);
    expect(r.layout.frames).toBe(8003);
    const frame = new Int16Array(320);
    const got: number[] = [];
    for (let n = r.read(frame); n > 0; n = r.read(frame)) got.push(...frame.subarray(0, n));
    expect(Int16Array.from(got)).toEqual(samples);
    expect(r.position).toBe(8003);
    r.rewind();
    expect(r.read(frame)).toBe(320);
    expect(frame[0]).toBe(-8000);
    r.close();
    expect(readWavFile(path).samples).toEqual(samples);
  });

  it('a missing file, a directory, or a file that is not WAV are clear errors naming the file', () => {
    expect(() => WavFileReader.open(join(dir, 'nope.wav'))).toThrow(AudioFileAccessError);
    expect(() => readWavFile(join(dir, 'nope.wav'))).toThrow(/nope\.wav: no such file/);
    mkdirSync(join(dir, 'sub.wav'));
    expect(() => readWavFile(join(dir, 'sub.wav'))).toThrow(AudioFileAccessError);
    writeFileSync(join(dir, 'text.wav'), 'hello');
    expect(() => readWavFile(join(dir, 'text.wav'))).toThrow(/text\.wav: not a WAV file/);
    expect(() => WavFileWriter.create(join(dir, 'no', 'such', 'dir.wav'))).toThrow(AudioFileAccessError);
  });

  it('the writer keeps the header at most one second of audio behind', () => {
    const path = join(dir, 'rec.wav');
    const clock = new ManualClock();
    const w = WavFileWriter.create(path, { clock });
    const frame = new Int16Array(160).fill(1000);
    const onDisk = () => readWav(readFileSync(path));
    expect(onDisk().frames).toBe(0);
    for (let i = 1; i <= 160; i++) {
      frame[0] = i;
      w.write(frame);
      const seen = onDisk();
      expect(seen.truncated).toBe(false);
      expect(seen.frames).toBeGreaterThan(i * 160 - 8000);
      expect(seen.frames % 160).toBe(0);
    }
    w.close();
    const done = onDisk();
    expect(done.frames).toBe(160 * 160);
    expect(done.samples[159 * 160]).toBe(160);
    expect(w.frames).toBe(160 * 160);
  });

  it('the writer refreshes the header after a second of clock time even when audio trickles in', () => {
    const path = join(dir, 'slow.wav');
    const clock = new ManualClock();
    const w = WavFileWriter.create(path, { clock });
    w.write(new Int16Array(10));
    expect(readWav(readFileSync(path)).frames).toBe(0);
    clock.advance(1000);
    w.write(new Int16Array(10));
    expect(readWav(readFileSync(path)).frames).toBe(20);
    w.close();
  });

  it.each<WavWriteEncoding>(['ulaw', 'alaw'])('the writer writes %s with its fact chunk and pad byte', (encoding) => {
    const path = join(dir, `g711-${encoding}.wav`);
    const samples = Int16Array.from({ length: 8001 }, (_, i) => Math.round(9000 * Math.sin(i / 5)));
    const w = WavFileWriter.create(path, { encoding });
    w.write(samples.subarray(0, 4000));
    w.write(samples.subarray(4000));
    w.close();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(58 + 8001 + 1);
    expect(Buffer.from(bytes.subarray(38, 42)).toString()).toBe('fact');
    expect(bytes.readUInt32LE(46)).toBe(8001);
    expect(readWav(bytes).samples).toEqual(
      encoding === 'ulaw' ? ulawDecode(ulawEncode(samples)) : alawDecode(alawEncode(samples)),
    );
  });
});
