/**
 * 20 ms frames from one rate to another, exactly one frame out per frame in:
 * a device at 8 kHz in a 16 kHz call, a 16 kHz call in an 8 kHz conference
 * room or detector. A streaming `Resampler` may complete one output more or
 * less on a given call (its filter's phase); the few samples of slack are
 * carried to the next frame, and the first frame starts with that many
 * samples of silence, so the stream stays continuous and its length exact.
 */
import { DspMisuseError } from './errors.js';
import { Resampler } from './dsp/resampler.js';

/** Samples carried between frames, at most: plenty for the rational ratios of 8, 16, 44.1 and 48 kHz. */
const SLACK = 8;

/**
 * @example
 * const up = new FrameResampler(8000, 16000);
 * up.convert(frame160, frame320);
 */
export class FrameResampler {
  private readonly resampler: Resampler;
  private readonly buf: Int16Array;
  private len = SLACK >> 1;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    this.resampler = new Resampler(inputRate, outputRate);
    this.buf = new Int16Array(this.resampler.maxOutput(Math.ceil(inputRate / 50)) + 2 * SLACK);
  }

  /** Convert `input` (20 ms at `inputRate`) into all of `out` (20 ms at `outputRate`). */
  convert(input: Int16Array, out: Int16Array): void {
    if (input.length * this.outputRate !== out.length * this.inputRate)
      throw new DspMisuseError(
        `frame of ${input.length} samples at ${this.inputRate} Hz does not make ${out.length} at ${this.outputRate} Hz`,
      );
    const room = this.buf.length - this.len;
    if (this.resampler.maxOutput(input.length) > room) this.len = Math.max(0, this.len - SLACK);
    this.len += this.resampler.process(input, this.buf.subarray(this.len));
    const n = Math.min(out.length, this.len);
    out.set(this.buf.subarray(0, n));
    out.fill(0, n);
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    // Never let the carried slack grow: a stream a sample long per frame drops it.
    if (this.len > SLACK) this.len = SLACK;
  }

  /** Forget what is carried (a new stream). */
  reset(): void {
    this.resampler.reset();
    this.len = SLACK >> 1;
    this.buf.fill(0, 0, this.len);
  }
}

/** The rate of a device's frames: its own `rate`, or 8 kHz for one that does not say. */
export function rateOf(device: { readonly rate?: number }): number {
  return device.rate ?? 8000;
}
