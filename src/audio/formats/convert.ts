/**
 * Audio file conversion as `shtoom convert` does it: read any supported
 * file, mix it to mono, resample it to the output's rate (8 kHz unless the
 * format or `rate` says otherwise), write it in another format. For 8 kHz
 * input and output the result is byte-identical to `sox -D IN OUT`.
 */
import { Resampler } from '../dsp/resampler.js';
import {
  encodeAudioFile,
  formatOfPath,
  readAudioFile,
  writeFileAtomically,
  type AudioFileData,
  type AudioFileFormat,
} from './audio-file.js';
import { MalformedAudioFileError, UnsupportedAudioEncodingError } from './errors.js';
import type { WavWriteEncoding } from './wav-format.js';

/**
 * A whole recording at `rate` Hz resampled to `to` Hz: the resampler's delay
 * is taken out and its tail flushed, so the output lines up with the input
 * and lasts as long (round(n · to / rate) samples).
 *
 * Output n of the resampler stands for input time (n·M − (T−1)/2) / L (T
 * taps, L/M = to/rate). A few leading zeros (z) make that delay a whole
 * number of output samples when T is odd, so no fractional delay is left
 * over; the first S outputs are then dropped. Where L is odd the filter's
 * attenuation is raised a little (from 80 dB) until T is odd; where L is
 * even and the rate goes up (8 to 16 or 48 kHz, 22.05 or 44.1 to 48 kHz) the
 * prototype is one tap shorter (`oddLength`), so T − 1 is even again;
 * where L is even and the rate goes down, T is even and up to 1/(2M) of an
 * output sample remains (1/882 from 44.1 kHz, 1/6 from 12 kHz; left as the
 * interop test compares it with sox).
 *
 * @example const pcm16k = resampleTo(pcm44k, 44100, 16000);
 */
export function resampleTo(samples: Int16Array, rate: number, to: number): Int16Array {
  if (rate === to) return samples;
  let r: Resampler;
  try {
    r = new Resampler(rate, to);
    // Up by an even L: an odd-length prototype. L odd: a little more attenuation until the length is odd.
    if (r.up % 2 === 0 && to > rate) r = new Resampler(rate, to, { oddLength: true });
    for (let db = 80.25; r.up % 2 === 1 && (r.tapsPerPhase * r.up) % 2 === 0 && db <= 84; db += 0.25) {
      r = new Resampler(rate, to, { attenuationDb: db });
    }
  } catch (err) {
    throw new UnsupportedAudioEncodingError(
      `cannot resample ${rate} Hz to ${to} Hz: ${(err as Error).message}`,
      `${rate} Hz`,
    );
  }
  const L = r.up;
  const M = r.down;
  const twiceDelay = Math.round(2 * r.delay * L); // (T − 1), in upsampled samples, doubled halves
  let z = 0;
  let bestMiss = Infinity;
  for (let cand = 0; cand < M; cand++) {
    const rem = (twiceDelay + 2 * cand * L) % (2 * M);
    const miss = Math.min(rem, 2 * M - rem);
    if (miss < bestMiss) {
      bestMiss = miss;
      z = cand;
    }
  }
  const skip = Math.round((twiceDelay / 2 + z * L) / M);
  const want = Math.round((samples.length * to) / rate);
  const input = new Int16Array(z + samples.length + r.tapsPerPhase + 2 * M);
  input.set(samples, z);
  const out = new Int16Array(r.maxOutput(input.length));
  const n = r.process(input, out);
  const result = new Int16Array(want);
  result.set(out.subarray(skip, Math.min(n, skip + want)));
  return result;
}

/**
 * `resampleTo(samples, rate, 8000)`.
 * @example const pcm8k = resampleTo8k(pcm44k, 44100);
 */
export function resampleTo8k(samples: Int16Array, rate: number): Int16Array {
  return resampleTo(samples, rate, 8000);
}

/** The rates `--rate` may give an output format; the first is its default. */
export const OUTPUT_RATES: Readonly<Record<AudioFileFormat, readonly number[]>> = {
  wav: [8000, 16000, 48000],
  sln: [8000, 16000, 48000],
  ulaw: [8000],
  alaw: [8000],
  gsm: [8000],
  g722: [16000],
  opus: [48000, 16000, 8000],
};

export interface ConvertOptions {
  /** Format of the input when its name does not tell. */
  readonly from?: AudioFileFormat | undefined;
  /** Format of the output when its name does not tell. */
  readonly to?: AudioFileFormat | undefined;
  /** Encoding of a WAV output (default 16-bit PCM). */
  readonly wavEncoding?: WavWriteEncoding;
  /** The output's sample rate (`OUTPUT_RATES`); default the format's first. */
  readonly rate?: number | undefined;
}

export interface ConvertResult {
  readonly input: AudioFileData & { readonly path: string };
  readonly output: {
    readonly path: string;
    readonly format: AudioFileFormat;
    readonly sampleRate: number;
    readonly samples: number;
    readonly bytes: number;
  };
}

/**
 * Convert the audio file `inPath` to `outPath` (mono, at `options.rate` or
 * the format's rate), formats from the file names unless given. Errors are
 * `UsageError`s with one clear line.
 *
 * @example convertAudioFile('prompt.wav', 'prompt.gsm');
 */
export function convertAudioFile(inPath: string, outPath: string, options: ConvertOptions = {}): ConvertResult {
  const to = options.to ?? formatOfPath(outPath);
  if (!to)
    throw new MalformedAudioFileError(
      `${outPath}: cannot tell the output format from the name; use a known extension or --to`,
    );
  const rates = OUTPUT_RATES[to];
  const rate = options.rate ?? rates[0]!;
  if (!rates.includes(rate))
    throw new UnsupportedAudioEncodingError(
      `${outPath}: ${to} is not written at ${rate} Hz; it takes ${rates.join(', ')} Hz`,
      `${to} at ${rate} Hz`,
    );
  const input = readAudioFile(inPath, options.from ?? formatOfPath(inPath));
  // At the output's rate the unrounded 32-bit samples go to the encoder, which rounds as sox does.
  const pcm = input.sampleRate === rate ? input.wide : resampleTo(input.samples, input.sampleRate, rate);
  const bytes = encodeAudioFile(pcm, to, options.wavEncoding, rate);
  writeFileAtomically(outPath, bytes);
  return {
    input: { ...input, path: inPath },
    output: { path: outPath, format: to, sampleRate: rate, samples: pcm.length, bytes: bytes.length },
  };
}
