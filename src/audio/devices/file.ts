/**
 * `file:PATH.wav`: read any WAV shtoom can decode (PCM 8-32 bit, float,
 * µ-law, A-law; any rate and channel count), mixed down to mono and
 * resampled to the rate asked for (8 kHz unless a call asks for its own) as
 * it is read; write mono 16-bit PCM at 8 kHz or the call's rate, crash-safe
 * (the header is kept true at least once a second).
 */
import { WavFileReader, WavFileWriter } from '../formats/wav.js';
import { AUDIO_RATE, type AudioSink, type AudioSource } from '../device.js';
import { Resampler } from '../dsp/resampler.js';

/**
 * Plays a WAV file, then ends (`read` returns false).
 *
 * @example
 * const src = WavSource.open('file:prompt.wav', 'prompt.wav');
 * while (src.read(frame)) send(frame);
 */
export class WavSource implements AudioSource {
  private readonly channels: number;
  private resampler: Resampler | undefined;
  /** The rate of the frames handed out. */
  rate = AUDIO_RATE;
  private raw: Int16Array;
  private mono: Int16Array;
  /** Samples at `rate` converted but not yet handed out. */
  private pending: Int16Array;
  private pendingStart = 0;
  private pendingEnd = 0;
  private ended = false;

  private constructor(
    readonly uri: string,
    private readonly reader: WavFileReader,
  ) {
    this.channels = reader.format.channels;
    const rate = reader.format.sampleRate;
    // Read 20 ms of the file's own rate at a time.
    const chunk = Math.max(1, Math.round(rate / 50));
    this.raw = new Int16Array(chunk * this.channels);
    this.mono = new Int16Array(chunk);
    this.pending = new Int16Array(0);
    this.follow(AUDIO_RATE);
  }

  /** Hand out frames at `rate` from now on (what was converted at the old rate is dropped). */
  follow(rate: number): void {
    const fileRate = this.reader.format.sampleRate;
    this.rate = rate;
    this.resampler = rate === fileRate ? undefined : new Resampler(fileRate, rate);
    const chunk = this.mono.length;
    this.pending = new Int16Array((this.resampler?.maxOutput(chunk) ?? chunk) + 2 * Math.ceil(rate / 50));
    this.pendingStart = this.pendingEnd = 0;
  }

  static open(uri: string, path: string): WavSource {
    return new WavSource(uri, WavFileReader.open(path));
  }

  /** The file's own format. */
  get format() {
    return this.reader.format;
  }

  read(frame: Int16Array): boolean {
    let o = 0;
    while (o < frame.length) {
      if (this.pendingStart === this.pendingEnd) {
        if (this.ended || !this.refill()) {
          // The file is done: a partial last frame still counts, padded with silence.
          frame.fill(0, o);
          return o > 0;
        }
      }
      const n = Math.min(frame.length - o, this.pendingEnd - this.pendingStart);
      frame.set(this.pending.subarray(this.pendingStart, this.pendingStart + n), o);
      this.pendingStart += n;
      o += n;
    }
    return true;
  }

  async close(): Promise<void> {
    this.reader.close();
  }

  private refill(): boolean {
    const got = this.reader.read(this.raw);
    if (got === 0) {
      this.ended = true;
      return false;
    }
    const frames = got / this.channels;
    const mono = this.mono;
    if (this.channels === 1) mono.set(this.raw.subarray(0, frames));
    else {
      for (let f = 0; f < frames; f++) {
        let s = 0;
        for (let c = 0; c < this.channels; c++) s += this.raw[f * this.channels + c]!;
        mono[f] = Math.round(s / this.channels);
      }
    }
    if (this.resampler) {
      this.pendingEnd = this.resampler.process(mono.subarray(0, frames), this.pending);
    } else {
      this.pending.set(mono.subarray(0, frames));
      this.pendingEnd = frames;
    }
    this.pendingStart = 0;
    return true;
  }
}

/**
 * Records to a mono 16-bit WAV file, readable even if shtoom is killed: 8 kHz,
 * or the rate a call asks for (`follow`) before the first frame.
 *
 * @example
 * const sink = WavSink.create('file:call.wav', 'call.wav');
 * sink.write(frame);
 * await sink.close();
 */
export class WavSink implements AudioSink {
  private constructor(
    readonly uri: string,
    private readonly writer: WavFileWriter,
  ) {}

  static create(uri: string, path: string): WavSink {
    return new WavSink(uri, WavFileWriter.create(path, { sampleRate: AUDIO_RATE, channels: 1, encoding: 'pcm16' }));
  }

  get rate(): number {
    return this.writer.sampleRate;
  }

  /** Record at `rate`: only before the first frame (later the file keeps its rate and the caller resamples). */
  follow(rate: number): void {
    if (this.writer.frames === 0) this.writer.setSampleRate(rate);
  }

  write(frame: Int16Array): void {
    this.writer.write(frame);
  }

  async close(): Promise<void> {
    this.writer.close();
  }
}
