/**
 * `raw:-` and `raw:PATH`: headerless signed 16-bit little-endian 8 kHz mono,
 * on stdin/stdout (for pipes: `sox in.wav -t raw - | shtoom call … --play
 * raw:-`) or in a file.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { AudioSink, AudioSource } from '../device.js';
import { AudioFileAccessError, describeFsError } from '../formats/errors.js';

/** Little-endian bytes → samples (any host). */
function decodeLe(bytes: Uint8Array, out: Int16Array, samples: number): void {
  for (let i = 0; i < samples; i++) out[i] = ((bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16) >> 16;
}

function encodeLe(frame: Int16Array, out: Uint8Array): void {
  for (let i = 0; i < frame.length; i++) {
    out[2 * i] = frame[i]! & 0xff;
    out[2 * i + 1] = (frame[i]! >> 8) & 0xff;
  }
}

/**
 * Reads a raw file frame by frame; ends at the end of the file.
 *
 * @example
 * const src = RawFileSource.open('raw:in.sln', 'in.sln');
 */
export class RawFileSource implements AudioSource {
  private readonly bytes = new Uint8Array(320);
  private done = false;

  private constructor(
    readonly uri: string,
    private fd: number | undefined,
    private readonly path: string,
  ) {}

  static open(uri: string, path: string): RawFileSource {
    try {
      return new RawFileSource(uri, openSync(path, 'r'), path);
    } catch (err) {
      throw new AudioFileAccessError(`${path}: ${describeFsError(err)}`);
    }
  }

  read(frame: Int16Array): boolean {
    if (this.done || this.fd === undefined) {
      frame.fill(0);
      return false;
    }
    const want = frame.length * 2;
    const bytes = this.bytes.length >= want ? this.bytes : new Uint8Array(want);
    let got = 0;
    try {
      while (got < want) {
        const n = readSync(this.fd, bytes, got, want - got, null);
        if (n === 0) break;
        got += n;
      }
    } catch (err) {
      throw new AudioFileAccessError(`${this.path}: ${describeFsError(err)}`);
    }
    const samples = got >> 1;
    decodeLe(bytes, frame, samples);
    frame.fill(0, samples);
    if (samples < frame.length) this.done = true;
    return samples > 0;
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Reads a stream (stdin) as it arrives; a frame not yet complete reads as
 * silence, so a slow pipe never stalls the media clock. Ends when the stream
 * has ended and everything was handed out.
 */
export class RawStreamSource implements AudioSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private carry: number | undefined;
  /** Frames that found too little data (silence was given). */
  underruns = 0;

  constructor(
    readonly uri: string,
    private readonly stream: Readable,
  ) {
    stream.on('data', (b: Buffer) => {
      this.chunks.push(b);
      this.buffered += b.length;
    });
    stream.on('end', () => (this.ended = true));
    stream.on('error', () => (this.ended = true));
  }

  read(frame: Int16Array): boolean {
    const want = frame.length * 2;
    if (this.buffered < want && !this.ended) {
      this.underruns++;
      frame.fill(0);
      return true;
    }
    if (this.buffered === 0 && this.ended) {
      frame.fill(0);
      return false;
    }
    let i = 0;
    while (i < frame.length && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      let p = 0;
      if (this.carry !== undefined) {
        frame[i++] = ((this.carry | (c[p++]! << 8)) << 16) >> 16;
        this.carry = undefined;
      }
      while (i < frame.length && p + 1 < c.length) {
        frame[i++] = c.readInt16LE(p);
        p += 2;
      }
      if (i < frame.length && p < c.length) this.carry = c[p++];
      this.buffered -= p;
      if (p >= c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(p);
    }
    frame.fill(0, i);
    return true;
  }

  async close(): Promise<void> {
    this.stream.pause();
  }
}

/** Writes raw frames to a file or a stream (stdout). */
export class RawSink implements AudioSink {
  private readonly bytes = new Uint8Array(320);

  private constructor(
    readonly uri: string,
    private readonly target: { fd: number; path: string } | Writable,
  ) {}

  static toFile(uri: string, path: string): RawSink {
    try {
      return new RawSink(uri, { fd: openSync(path, 'w'), path });
    } catch (err) {
      throw new AudioFileAccessError(`${path}: ${describeFsError(err)}`);
    }
  }

  static toStream(uri: string, stream: Writable): RawSink {
    return new RawSink(uri, stream);
  }

  write(frame: Int16Array): void {
    const bytes =
      this.bytes.length >= frame.length * 2
        ? this.bytes.subarray(0, frame.length * 2)
        : new Uint8Array(frame.length * 2);
    encodeLe(frame, bytes);
    if ('fd' in this.target) {
      try {
        writeSync(this.target.fd, bytes);
      } catch (err) {
        throw new AudioFileAccessError(`${this.target.path}: ${describeFsError(err)}`);
      }
    } else this.target.write(Buffer.from(bytes));
  }

  async close(): Promise<void> {
    if ('fd' in this.target) closeSync(this.target.fd);
    else {
      const s = this.target;
      if (s === process.stdout)
        await new Promise<void>((r) => (s.writableLength === 0 ? r() : s.once('drain', () => r())));
      else await new Promise<void>((r) => s.end(() => r()));
    }
  }
}
