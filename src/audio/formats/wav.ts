/**
 * WAV files: read whole or frame by frame, and a crash-safe writer.
 *
 * The writer keeps the header true while the file grows: it rewrites the
 * RIFF and data sizes at least once a second (of audio, or of time on its
 * clock, whichever comes first) and on `close()`. Samples go to the kernel on
 * every `write()`, so a recorder killed with `kill -9` leaves a valid,
 * playable file holding everything but the last second at most.
 *
 * The format itself (header parsing, sample conversion) is pure and lives in
 * `wav-format.ts`, re-exported here.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { realClock, type Clock } from '../../clock/clock.js';
import { alawEncode } from '../../codecs/alaw.js';
import { ulawEncode } from '../../codecs/ulaw.js';
import { AudioFileAccessError, describeFsError } from './errors.js';
import {
  decodeWavSamplesInto,
  parseWavHeader,
  wavHeader,
  wavSizeFields,
  type ByteSource,
  type WavFormat,
  type WavLayout,
  type WavWriteEncoding,
  type WavWriteFormat,
  bufferSource,
} from './wav-format.js';

export * from './wav-format.js';

/** Decoded audio: interleaved 16-bit samples and what the file said about them. */
export interface WavAudio {
  readonly format: WavFormat;
  /** Interleaved samples, `frames * format.channels` of them. */
  readonly samples: Int16Array;
  readonly frames: number;
  /** The data chunk claimed more than the file holds (what was there was read). */
  readonly truncated: boolean;
}

/**
 * Decode a whole WAV file held in memory.
 *
 * @example
 * const { format, samples } = readWav(readFileSync('prompt.wav'), 'prompt.wav');
 */
export function readWav(bytes: Uint8Array, name = 'WAV file'): WavAudio {
  const layout = parseWavHeader(bufferSource(bytes), name);
  const data = bytes.subarray(layout.dataOffset, layout.dataOffset + layout.dataBytes);
  const samples = new Int16Array(layout.frames * layout.format.channels);
  decodeWavSamplesInto(layout.format, data, samples);
  return { format: layout.format, samples, frames: layout.frames, truncated: layout.truncated };
}

/**
 * Read and decode a whole WAV file.
 *
 * @example
 * const { format, samples } = readWavFile('prompt.wav');
 */
export function readWavFile(path: string): WavAudio {
  const reader = WavFileReader.open(path);
  try {
    const samples = new Int16Array(reader.layout.frames * reader.format.channels);
    let at = 0;
    while (at < samples.length) {
      const n = reader.read(samples.subarray(at, Math.min(samples.length, at + 65536 * reader.format.channels)));
      if (n === 0) break;
      at += n;
    }
    return { format: reader.format, samples, frames: reader.layout.frames, truncated: reader.layout.truncated };
  } finally {
    reader.close();
  }
}

function fileSource(fd: number, size: number): ByteSource {
  return {
    size,
    read(offset, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    },
  };
}

/**
 * Reads a WAV file's samples in pieces, as 16-bit interleaved PCM, without
 * loading the whole file: what a `file:` audio source needs.
 *
 * @example
 * const r = WavFileReader.open('prompt.wav');
 * const frame = new Int16Array(160 * r.format.channels);
 * while (r.read(frame) > 0) { … }
 * r.close();
 */
export class WavFileReader {
  /** Frames (samples per channel) read so far. */
  private frame = 0;
  private scratch = new Uint8Array(0);

  private constructor(
    private fd: number | undefined,
    readonly path: string,
    readonly layout: WavLayout,
  ) {}

  /** Open `path` and read its header; throws `AudioFileAccessError` or a format error naming the file. */
  static open(path: string): WavFileReader {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new AudioFileAccessError(`${path}: ${describeFsError(err)}`);
    }
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new AudioFileAccessError(`${path}: is a directory`);
      return new WavFileReader(fd, path, parseWavHeader(fileSource(fd, st.size), path));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  get format(): WavFormat {
    return this.layout.format;
  }

  /** Frames read so far. */
  get position(): number {
    return this.frame;
  }

  /**
   * Read the next samples into `out` (whole frames: as many as `out` holds,
   * so it must hold at least one). Returns the number of samples written;
   * 0 at the end of the data.
   */
  read(out: Int16Array): number {
    if (this.fd === undefined) throw new AudioFileAccessError(`${this.path}: read after close`);
    const { blockAlign, frames, dataOffset, format } = this.layout;
    if (out.length < format.channels)
      throw new RangeError(`a ${out.length}-sample buffer holds no ${format.channels}-channel frame`);
    const want = Math.min(Math.floor(out.length / format.channels), frames - this.frame);
    if (want <= 0) return 0;
    const bytes = want * blockAlign;
    if (this.scratch.length < bytes) this.scratch = new Uint8Array(bytes);
    let got = 0;
    try {
      while (got < bytes) {
        const n = readSync(this.fd, this.scratch, got, bytes - got, dataOffset + this.frame * blockAlign + got);
        if (n === 0) break;
        got += n;
      }
    } catch (err) {
      throw new AudioFileAccessError(`${this.path}: ${describeFsError(err)}`);
    }
    const whole = Math.floor(got / blockAlign);
    this.frame += whole;
    return decodeWavSamplesInto(format, this.scratch.subarray(0, whole * blockAlign), out);
  }

  /** Go back to the first frame (e.g. to loop a prompt). */
  rewind(): void {
    this.frame = 0;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface WavFileWriterOptions {
  /** Default 8000. */
  readonly sampleRate?: number;
  /** Default 1. */
  readonly channels?: number;
  /** Default 'pcm16'. */
  readonly encoding?: WavWriteEncoding;
  /** How stale the header may get, in audio and in clock time (default 1000 ms). */
  readonly headerIntervalMs?: number;
  /** For the time-based header refresh (default the real monotonic clock). */
  readonly clock?: Clock;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * Writes a WAV file as audio arrives, crash-safe: the header's sizes are
 * rewritten at least every `headerIntervalMs` of audio or of clock time, so
 * a killed process leaves a valid file missing at most that much.
 *
 * @example
 * const w = WavFileWriter.create('call.wav');   // 8 kHz mono 16-bit PCM
 * w.write(frame);                               // Int16Array, any length
 * w.close();
 */
export class WavFileWriter {
  private dataBytes = 0;
  private headerDataBytes = 0;
  private headerAt: number;
  private format: WavWriteFormat;
  private readonly fields: ReturnType<typeof wavSizeFields>;
  private readonly headerSize: number;
  private intervalBytes: number;
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly word = new Uint8Array(4);
  private scratch = new Uint8Array(0);

  private constructor(
    private fd: number | undefined,
    readonly path: string,
    options: WavFileWriterOptions,
  ) {
    const encoding = options.encoding ?? 'pcm16';
    this.format = { sampleRate: options.sampleRate ?? 8000, channels: options.channels ?? 1, encoding };
    this.fields = wavSizeFields(encoding);
    this.intervalMs = options.headerIntervalMs ?? 1000;
    this.clock = options.clock ?? realClock;
    const bytesPerSecond = this.format.sampleRate * this.format.channels * (encoding === 'pcm16' ? 2 : 1);
    this.intervalBytes = Math.max(1, Math.floor((bytesPerSecond * this.intervalMs) / 1000));
    const header = wavHeader(this.format, 0);
    this.headerSize = header.length;
    this.put(header, 0);
    this.headerAt = this.clock.now();
  }

  /** Create (or truncate) `path` and write a header for an empty file. */
  static create(path: string, options: WavFileWriterOptions = {}): WavFileWriter {
    const rate = options.sampleRate ?? 8000;
    const channels = options.channels ?? 1;
    if (!Number.isInteger(rate) || rate < 1 || !Number.isInteger(channels) || channels < 1 || channels > 65535) {
      throw new RangeError(`WAV writer: bad format ${rate} Hz, ${channels} channel(s)`);
    }
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (err) {
      throw new AudioFileAccessError(`${path}: ${describeFsError(err)}`);
    }
    try {
      return new WavFileWriter(fd, path, options);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** The rate in the header. */
  get sampleRate(): number {
    return this.format.sampleRate;
  }

  /** Change the rate the header gives: only while no audio has been written. */
  setSampleRate(rate: number): void {
    if (this.fd === undefined) throw new AudioFileAccessError(`${this.path}: changed after close`);
    if (this.dataBytes > 0) throw new RangeError(`${this.path}: the rate cannot change once audio is written`);
    if (!Number.isInteger(rate) || rate < 1) throw new RangeError(`WAV writer: bad rate ${rate} Hz`);
    if (rate === this.format.sampleRate) return;
    this.format = { ...this.format, sampleRate: rate };
    const bytesPerSecond = rate * this.format.channels * (this.format.encoding === 'pcm16' ? 2 : 1);
    this.intervalBytes = Math.max(1, Math.floor((bytesPerSecond * this.intervalMs) / 1000));
    this.put(wavHeader(this.format, 0), 0);
  }

  /** Frames written so far. */
  get frames(): number {
    return Math.floor(this.dataBytes / (this.format.channels * (this.format.encoding === 'pcm16' ? 2 : 1)));
  }

  /** Append interleaved samples (whole frames). */
  write(samples: Int16Array): void {
    if (this.fd === undefined) throw new AudioFileAccessError(`${this.path}: write after close`);
    if (samples.length % this.format.channels !== 0) {
      throw new RangeError(`${samples.length} samples are not whole frames of ${this.format.channels} channels`);
    }
    if (samples.length === 0) return;
    this.put(this.encode(samples), this.headerSize + this.dataBytes);
    this.dataBytes += this.encodedLength(samples.length);
    if (
      this.dataBytes - this.headerDataBytes >= this.intervalBytes ||
      this.clock.now() - this.headerAt >= this.intervalMs
    ) {
      this.updateHeader();
    }
  }

  /** Make the header describe everything written so far (done automatically, at least once a second). */
  updateHeader(): void {
    if (this.fd === undefined) return;
    const { riff, data, fact } = this.fields;
    const pad = this.dataBytes & 1;
    this.putU32(Math.min(0xffffffff, this.headerSize - 8 + this.dataBytes + pad), riff);
    this.putU32(Math.min(0xffffffff, this.dataBytes), data);
    if (fact !== undefined) this.putU32(this.frames, fact);
    this.headerDataBytes = this.dataBytes;
    this.headerAt = this.clock.now();
  }

  /** Write the final header (and the pad byte an odd data chunk needs) and close the file. */
  close(): void {
    if (this.fd === undefined) return;
    try {
      if (this.dataBytes & 1) this.put(new Uint8Array(1), this.headerSize + this.dataBytes);
      this.updateHeader();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private encodedLength(samples: number): number {
    return this.format.encoding === 'pcm16' ? samples * 2 : samples;
  }

  private encode(samples: Int16Array): Uint8Array {
    const n = this.encodedLength(samples.length);
    if (this.format.encoding === 'pcm16' && LITTLE_ENDIAN_HOST) {
      return new Uint8Array(samples.buffer, samples.byteOffset, n);
    }
    if (this.scratch.length < n) this.scratch = new Uint8Array(n);
    const out = this.scratch.subarray(0, n);
    if (this.format.encoding === 'ulaw') return ulawEncode(samples, out);
    if (this.format.encoding === 'alaw') return alawEncode(samples, out);
    for (let i = 0, o = 0; i < samples.length; i++, o += 2) {
      out[o] = samples[i]! & 0xff;
      out[o + 1] = (samples[i]! >> 8) & 0xff;
    }
    return out;
  }

  private putU32(value: number, position: number): void {
    const w = this.word;
    w[0] = value & 0xff;
    w[1] = (value >>> 8) & 0xff;
    w[2] = (value >>> 16) & 0xff;
    w[3] = (value >>> 24) & 0xff;
    this.put(w, position);
  }

  private put(bytes: Uint8Array, position: number): void {
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done, position + done);
    } catch (err) {
      throw new AudioFileAccessError(`${this.path}: ${describeFsError(err)}`);
    }
  }
}
