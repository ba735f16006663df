/**
 * Audio file conversion as `shtoom convert` does it: read any supported
 * file, mix it to mono, resample it to 8 kHz, write it in another format.
 * For 8 kHz input the result is byte-identical to `sox -D IN OUT`.
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
 * A whole recording at `rate` Hz resampled to 8 kHz: the resampler's delay
 * is taken out and its tail flushed, so the output lines up with the input
 * and lasts as long (round(n · 8000 / rate) samples).
 *
 * Output n of the resampler stands for input time (n·M − (T−1)/2) / L (T
 * taps, L/M = 8000/rate). A few leading zeros (z) make that delay a whole
 * number of output samples when T is odd, so no fractional delay is left
 * over; the first S outputs are then dropped. Where L is odd the filter's
 * attenuation is raised a little (from 80 dB) until T is odd; where L is
 * even, T is too and up to 1/(2M) of an output sample remains (1/882 from
 * 44.1 kHz, 1/6 from 12 kHz).
 *
 * @example const pcm8k = resampleTo8k(pcm44k, 44100);
 */
export function resampleTo8k(samples: Int16Array, rate: number): Int16Array {
  if (rate === 8000) return samples;
  let r: Resampler;
  try {
    r = new Resampler(rate, 8000);
    for (let db = 80.25; r.up % 2 === 1 && (r.tapsPerPhase * r.up) % 2 === 0 && db <= 84; db += 0.25) {
      r = new Resampler(rate, 8000, { attenuationDb: db });
    }
  } catch (err) {
    throw new UnsupportedAudioEncodingError(
      `cannot resample ${rate} Hz to 8000 Hz: ${(err as Error).message}`,
      `${rate} Hz`,
    );
  }
  const L = r.up;
  const M = r.down;
  const twiceDelay = r.tapsPerPhase * L - 1; // (T − 1), in upsampled samples, doubled halves
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
  const want = Math.round((samples.length * 8000) / rate);
  const input = new Int16Array(z + samples.length + r.tapsPerPhase + 2 * M);
  input.set(samples, z);
  const out = new Int16Array(r.maxOutput(input.length));
  const n = r.process(input, out);
  const result = new Int16Array(want);
  result.set(out.subarray(skip, Math.min(n, skip + want)));
  return result;
}

export interface ConvertOptions {
  /** Format of the input when its name does not tell. */
  readonly from?: AudioFileFormat | undefined;
  /** Format of the output when its name does not tell. */
  readonly to?: AudioFileFormat | undefined;
  /** Encoding of a WAV output (default 16-bit PCM). */
  readonly wavEncoding?: WavWriteEncoding;
}

export interface ConvertResult {
  readonly input: AudioFileData & { readonly path: string };
  readonly output: {
    readonly path: string;
    readonly format: AudioFileFormat;
    readonly samples: number;
    readonly bytes: number;
  };
}

/**
 * Convert the audio file `inPath` to `outPath` (8 kHz mono), formats from
 * the file names unless given. Errors are `UsageError`s with one clear line.
 *
 * @example convertAudioFile('prompt.wav', 'prompt.gsm');
 */
export function convertAudioFile(inPath: string, outPath: string, options: ConvertOptions = {}): ConvertResult {
  const to = options.to ?? formatOfPath(outPath);
  if (!to)
    throw new MalformedAudioFileError(
      `${outPath}: cannot tell the output format from the name; use a known extension or --to`,
    );
  const input = readAudioFile(inPath, options.from ?? formatOfPath(inPath));
  // At 8 kHz the unrounded 32-bit samples go to the encoder, which rounds as sox does.
  const pcm = input.sampleRate === 8000 ? input.wide : resampleTo8k(input.samples, input.sampleRate);
  const bytes = encodeAudioFile(pcm, to, options.wavEncoding);
  writeFileAtomically(outPath, bytes);
  return {
    input: { ...input, path: inPath },
    output: { path: outPath, format: to, samples: pcm.length, bytes: bytes.length },
  };
}
