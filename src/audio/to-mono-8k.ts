/** Whole-buffer conversion of interleaved PCM at any rate to 8 kHz mono. */
import { Resampler } from './dsp/resampler.js';

/**
 * Average the channels, then resample to 8 kHz (with the resampler's filter
 * delay removed, so times in the result match times in the input).
 *
 * @example
 * const mono = toMono8k(wav.samples, wav.format.channels, wav.format.sampleRate);
 */
export function toMono8k(samples: Int16Array, channels: number, rate: number): Int16Array {
  const frames = Math.floor(samples.length / channels);
  let mono: Int16Array;
  if (channels === 1) mono = samples.subarray(0, frames);
  else {
    mono = new Int16Array(frames);
    for (let f = 0; f < frames; f++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += samples[f * channels + c]!;
      mono[f] = Math.round(s / channels);
    }
  }
  if (rate === 8000) return mono;
  const r = new Resampler(rate, 8000);
  // Feed the filter's delay worth of silence after the signal to flush it, then drop the delay.
  const tail = Math.ceil(r.delay) + 1;
  const padded = new Int16Array(frames + tail);
  padded.set(mono);
  const out = new Int16Array(r.maxOutput(padded.length));
  const n = r.process(padded, out);
  const skip = Math.round((r.delay * 8000) / rate);
  const want = Math.round((frames * 8000) / rate);
  return out.slice(skip, Math.min(n, skip + want));
}
