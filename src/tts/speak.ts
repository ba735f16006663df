/**
 * Text to 8 kHz speech with a Debian TTS engine: flite (the default: its
 * voices are the more intelligible to recognisers) or espeak-ng. The engine
 * writes a WAV file at its own rate; it is mixed to mono and resampled to
 * 8 kHz, the rate of every call. The last 256 renderings are kept in memory by text and
 * voice, so a prompt spoken a thousand times in a load test is made once.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  const dir = mkdtempSync(join(tmpdir(), 'shtoom-tts-'));
  try {
    const txt = join(dir, 'text.txt');
    const wav = join(dir, 'out.wav');
    // flite drops a last sentence that has no line end after it.
    writeFileSync(txt, `${text.trim()}\n`);
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
    const { format, samples, frames } = readWav(readFileSync(wav), `${engine} output`);
    return to8kMono(samples, frames, format.channels, format.sampleRate);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mix interleaved audio to mono and resample it to 8 kHz. */
export function to8kMono(samples: Int16Array, frames: number, channels: number, rate: number): Int16Array {
  let mono = samples;
  if (channels > 1) {
    mono = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += samples[i * channels + c]!;
      mono[i] = Math.round(s / channels);
    }
  }
  if (rate === 8000) return mono;
  const rs = new Resampler(rate, 8000);
  const tail = Math.ceil(rs.delay) + 4;
  const input = new Int16Array(mono.length + tail);
  input.set(mono);
  const out = new Int16Array(rs.maxOutput(input.length));
  const n = rs.process(input, out);
  const skip = Math.round((rs.delay * 8000) / rate);
  const want = Math.round((mono.length * 8000) / rate);
  return out.slice(Math.min(skip, n), Math.min(n, skip + want));
}
