/**
 * Text to 8 kHz speech with a Debian TTS engine: flite (the default: its
 * voices are the more intelligible to recognisers) or espeak-ng. The engine
 * writes a WAV file at its own rate; it is mixed to mono and resampled to
 * 8 kHz, the rate of every call. The last 256 renderings are kept in memory by text and
 * voice, so a prompt spoken a thousand times in a load test is made once.
 * A server renders prompts on the thread that runs its calls' media, so a
 * rendering never blocks it: the files are read and written asynchronously
 * and the resampling yields to the event loop every `SLICE` samples.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LruMap } from '../util/lru.js';
import { Resampler } from '../audio/dsp/resampler.js';
import { readWav } from '../audio/formats/wav.js';
import { TtsFailedError, TtsMissingError } from './errors.js';

export type TtsEngine = 'flite' | 'espeak-ng';

export interface SpeakOptions {
  /** `flite` (default) or `espeak-ng`. */
  readonly engine?: TtsEngine;
  /**
   * The engine's voice: flite `kal`, `kal16`, `rms`, `awb`, `slt` (default `kal16`); espeak-ng `en-us`, `en-gb+m3`…
   * (default `en-us`).
   */
  readonly voice?: string;
  /** Speaking rate in words per minute (default: the engine's own, about 175). */
  readonly wordsPerMinute?: number;
  /** espeak-ng pitch 0..99. */
  readonly pitch?: number;
}

const PACKAGES: Record<TtsEngine, string> = { flite: 'flite', 'espeak-ng': 'espeak-ng' };
/** Renderings kept: a server's prompts, and texts made of what callers send (a voicemail envelope), bounded. */
const cache = new LruMap<string, Promise<Int16Array>>(256);
const present = new Map<string, boolean>();

/** Whether an engine's program is installed. */
export function ttsAvailable(engine: TtsEngine): boolean {
  let ok = present.get(engine);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', 'command -v "$0"', engine]).status === 0;
    present.set(engine, ok);
  }
  return ok;
}

/**
 * Speak `text` as 8 kHz mono 16-bit PCM.
 *
 * @example
 * const pcm = await speak('for sales press one', { engine: 'flite', voice: 'kal16' });
 */
export function speak(text: string, options: SpeakOptions = {}): Promise<Int16Array> {
  const engine = options.engine ?? 'flite';
  const key = JSON.stringify([text, engine, options.voice, options.wordsPerMinute, options.pitch]);
  let p = cache.get(key);
  if (!p) {
    p = render(text, engine, options);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function render(text: string, engine: TtsEngine, options: SpeakOptions): Promise<Int16Array> {
  if (engine !== 'flite' && engine !== 'espeak-ng')
    throw new TtsFailedError(`unknown TTS engine ${JSON.stringify(engine)}; known: flite, espeak-ng`);
  if (!ttsAvailable(engine)) throw new TtsMissingError(engine, PACKAGES[engine]);
  const dir = await mkdtemp(join(tmpdir(), 'shtoom-tts-'));
  try {
    const txt = join(dir, 'text.txt');
    const wav = join(dir, 'out.wav');
    // flite drops a last sentence that has no line end after it.
    await writeFile(txt, `${text.trim()}\n`);
    const wpm = options.wordsPerMinute;
    const args =
      engine === 'flite'
        ? [
            '-voice',
            options.voice ?? 'kal16',
            ...(wpm ? ['--setf', `duration_stretch=${(175 / wpm).toFixed(3)}`] : []),
            '-f',
            txt,
            '-o',
            wav,
          ]
        : [
            '-v',
            options.voice ?? 'en-us',
            ...(wpm ? ['-s', String(Math.round(wpm))] : []),
            ...(options.pitch !== undefined ? ['-p', String(options.pitch)] : []),
            '-f',
            txt,
            '-w',
            wav,
          ];
    await new Promise<void>((resolve, reject) => {
      execFile(engine, args, { timeout: 60_000 }, (err, _o, stderr) => {
        if (err) reject(new TtsFailedError(`${engine} failed: ${String(stderr).trim().split('\n')[0] || err.message}`));
        else resolve();
      });
    });
    const { format, samples, frames } = readWav(await readFile(wav), `${engine} output`);
    const job = new MonoTo8k(samples, frames, format.channels, format.sampleRate);
    while (!job.step(SLICE)) await new Promise<void>((resolve) => setImmediate(resolve));
    return job.result();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Input samples resampled between two turns of the event loop (about 1 ms of work). */
const SLICE = 4096;

/** Mix interleaved audio to mono and resample it to 8 kHz. */
export function to8kMono(samples: Int16Array, frames: number, channels: number, rate: number): Int16Array {
  const job = new MonoTo8k(samples, frames, channels, rate);
  job.step(Number.POSITIVE_INFINITY);
  return job.result();
}

/**
 * `to8kMono` in steps: `step(n)` resamples the next `n` input samples (a
 * streaming resampler: the result is the same however it is sliced).
 */
export class MonoTo8k {
  private readonly rs: Resampler | undefined;
  private readonly input: Int16Array;
  private readonly out: Int16Array;
  private readonly length: number;
  private done = 0;
  private made = 0;

  constructor(
    samples: Int16Array,
    frames: number,
    channels: number,
    private readonly rate: number,
  ) {
    let mono = samples.subarray(0, frames * channels);
    if (channels > 1) {
      mono = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        let s = 0;
        for (let c = 0; c < channels; c++) s += samples[i * channels + c]!;
        mono[i] = Math.round(s / channels);
      }
    }
    this.length = mono.length;
    if (rate === 8000) {
      this.input = this.out = mono;
      return;
    }
    this.rs = new Resampler(rate, 8000);
    this.input = new Int16Array(mono.length + Math.ceil(this.rs.delay) + 4);
    this.input.set(mono);
    this.out = new Int16Array(this.rs.maxOutput(this.input.length));
  }

  /** Resample up to `n` more input samples; true once all are. */
  step(n: number): boolean {
    if (!this.rs) return true;
    const end = Math.min(this.input.length, this.done + n);
    this.made += this.rs.process(this.input.subarray(this.done, end), this.out.subarray(this.made));
    this.done = end;
    return end === this.input.length;
  }

  result(): Int16Array {
    if (!this.rs) return this.out;
    const skip = Math.round((this.rs.delay * 8000) / this.rate);
    const want = Math.round((this.length * 8000) / this.rate);
    return this.out.slice(Math.min(skip, this.made), Math.min(this.made, skip + want));
  }
}
