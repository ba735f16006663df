/**
 * A streaming polyphase resampler for rational rate ratios (8 kHz ↔ 16, 44.1
 * or 48 kHz, and any pair whose ratio reduces to small enough integers).
 *
 * Theory of operation: converting from rate `fin` to `fout` is upsampling by
 * L, low-pass filtering at the upsampled rate L·fin, then keeping every M-th
 * sample (L/M = fout/fin in lowest terms). The zero-stuffed samples add
 * nothing to the sum, so each output needs only every L-th tap: the prototype
 * filter is split into L phases of K taps, and output n is the dot product of
 * phase `(n·M) mod L` with the K newest inputs up to `⌊n·M / L⌋`.
 *
 * The prototype is a Kaiser-windowed sinc whose passband, stopband and
 * attenuation are set by what the lower of the two rates can carry: by
 * default flat to 87.5 % of the lower Nyquist frequency (3.5 kHz when one
 * side is 8 kHz), at least 80 dB down from the lower Nyquist frequency on
 * (4 kHz), so nothing aliases into the 8 kHz band and no image leaks out of it.
 *
 * Streaming: inputs of any length go in, as many outputs as they complete come
 * out; the K - 1 newest inputs and the phase carry over to the next call, so
 * frames join without a seam. After construction nothing is allocated unless a
 * call brings more input than any call before.
 */
import { DspMisuseError } from '../errors.js';
import { designLowpass, kaiserBeta, kaiserLength } from './fir-design.js';

export interface ResamplerOptions {
  /** Stopband attenuation in dB (default 80). */
  readonly attenuationDb?: number;
  /** Passband edge as a fraction of the lower rate's Nyquist frequency (default 0.875). */
  readonly passband?: number;
  /** Stopband edge as a fraction of the lower rate's Nyquist frequency (default 1.0). */
  readonly stopband?: number;
  /**
   * Design the prototype with an odd number of taps (the last of the K·L
   * phase taps zero), so its group delay is a whole number of up-sampled
   * samples even where L is even. Default false.
   */
  readonly oddLength?: boolean;
}

/** The largest upsampling or decimation factor accepted (44.1k ↔ 8k needs 441). */
const MAX_FACTOR = 2048;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Converts a stream of samples from one rate to another.
 *
 * @example
 * const up = new Resampler(8000, 48000);
 * const out = new Int16Array(up.maxOutput(160));
 * const n = up.process(frame8k, out); // 960 samples of 48 kHz audio in out[0..n)
 */
export class Resampler {
  /** Upsampling factor L. */
  readonly up: number;
  /** Decimation factor M. */
  readonly down: number;
  /** Taps per phase K. */
  readonly tapsPerPhase: number;
  /** The filter's group delay, in input samples. */
  readonly delay: number;
  /** Phase p's K taps live at phases[p·K .. p·K + K), oldest input first. */
  private readonly phases: Float64Array;
  private buf: Float64Array;
  /** Valid samples in buf; buf[0 .. K-1) is history. */
  private len: number;
  /** Index in buf of the newest input the next output needs. */
  private next: number;
  /** Phase of the next output. */
  private phase = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    options: ResamplerOptions = {},
  ) {
    for (const r of [inputRate, outputRate]) {
      if (!Number.isInteger(r) || r <= 0) throw new DspMisuseError(`sample rate must be a positive integer, got ${r}`);
    }
    const g = gcd(inputRate, outputRate);
    this.up = outputRate / g;
    this.down = inputRate / g;
    if (this.up > MAX_FACTOR || this.down > MAX_FACTOR) {
      throw new DspMisuseError(
        `cannot resample ${inputRate} Hz to ${outputRate} Hz: ratio ${this.up}/${this.down} too fine`,
      );
    }
    const db = options.attenuationDb ?? 80;
    const pass = options.passband ?? 0.875;
    const stop = options.stopband ?? 1.0;
    if (!(pass > 0 && pass < stop && stop <= 1.5)) {
      throw new DspMisuseError(`passband ${pass} must be above 0 and below stopband ${stop} (at most 1.5)`);
    }
    const L = this.up;
    const protoRate = inputRate * L;
    const nyquist = Math.min(inputRate, outputRate) / 2;
    const width = ((stop - pass) * nyquist) / protoRate;
    const cutoff = ((pass + stop) / 2) * (nyquist / protoRate);
    const K = Math.max(1, Math.ceil(kaiserLength(db, width) / L));
    this.tapsPerPhase = K;
    const taps = K * L;
    // Gain L restores the level lost to the L - 1 stuffed zeros.
    const protoTaps = options.oddLength && taps % 2 === 0 && taps > 1 ? taps - 1 : taps;
    const h = new Float64Array(taps);
    h.set(designLowpass({ taps: protoTaps, cutoff, beta: kaiserBeta(db), gain: L }));
    this.phases = new Float64Array(taps);
    for (let p = 0; p < L; p++) {
      for (let j = 0; j < K; j++) this.phases[p * K + (K - 1 - j)] = h[p + j * L]!;
    }
    this.delay = (protoTaps - 1) / 2 / L;
    this.buf = new Float64Array(K - 1 + 1024);
    this.len = K - 1;
    this.next = K - 1;
  }

  /** The most outputs `inputLength` more inputs can complete. */
  maxOutput(inputLength: number): number {
    return Math.ceil(((inputLength + 1) * this.up) / this.down) + 1;
  }

  /** Forget all history (as if just constructed). */
  reset(): void {
    this.buf.fill(0, 0, this.tapsPerPhase - 1);
    this.len = this.tapsPerPhase - 1;
    this.next = this.tapsPerPhase - 1;
    this.phase = 0;
  }

  /**
   * Resamples 16-bit samples: consumes all of `input`, writes the outputs it
   * completes to `output` (rounded, saturated) and returns how many. `output`
   * must hold `maxOutput(input.length)` samples.
   */
  process(input: Int16Array, output: Int16Array): number {
    this.append(input);
    return this.run(output, true);
  }

  /** The same on floating-point samples (no rounding, no clipping). */
  processFloat(input: Float32Array | Float64Array, output: Float32Array | Float64Array): number {
    this.append(input);
    return this.run(output, false);
  }

  private append(input: ArrayLike<number>): void {
    const need = this.len + input.length;
    if (need > this.buf.length) {
      const grown = new Float64Array(need + 1024);
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    const buf = this.buf;
    let w = this.len;
    for (let i = 0; i < input.length; i++) buf[w++] = input[i]!;
    this.len = w;
  }

  private run(output: Int16Array | Float32Array | Float64Array, toInt: boolean): number {
    const K = this.tapsPerPhase;
    const L = this.up;
    const M = this.down;
    const buf = this.buf;
    const phases = this.phases;
    const len = this.len;
    let next = this.next;
    let phase = this.phase;
    let n = 0;
    const cap = output.length;
    while (next < len) {
      if (n >= cap) throw new DspMisuseError(`output holds ${cap} samples; use maxOutput() to size it`);
      const acc = dot(phases, phase * K, buf, next - K + 1, K);
      if (toInt) {
        const r = Math.round(acc);
        output[n++] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
      } else {
        output[n++] = acc;
      }
      phase += M;
      while (phase >= L) {
        phase -= L;
        next++;
      }
    }
    // Keep the K - 1 inputs before `next` as history.
    const shift = Math.min(next - (K - 1), len);
    if (shift > 0) {
      buf.copyWithin(0, shift, len);
      this.len = len - shift;
      next -= shift;
    }
    this.next = next;
    this.phase = phase;
    return n;
  }
}

function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let j = 0;
  for (; j + 1 < n; j += 2) {
    s0 += a[ai + j]! * b[bi + j]!;
    s1 += a[ai + j + 1]! * b[bi + j + 1]!;
  }
  if (j < n) s0 += a[ai + j]! * b[bi + j]!;
  return s0 + s1;
}
