/**
 * One DFT bin at an arbitrary frequency over a Hann-windowed block: the
 * building block of the DTMF and tone detectors. Unlike the magnitude-only
 * Goertzel recursion it keeps the phase, so two overlapping blocks give the
 * tone's true frequency (the phase advance between them), and the window's
 * known response turns that into an exact amplitude.
 */

/** The periodic Hann window of length n. */
export function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
  return w;
}

/**
 * The complex response at frequency `freq` (Hz, sample rate `rate`) of a
 * block of `length` samples, windowed.
 *
 * @example
 * const bin = new ToneBin(697, 8000, 120);
 * bin.measure(samples, 0);
 * bin.amplitude(); // peak amplitude of a 697 Hz sine in samples[0..120)
 */
export class ToneBin {
  /** Real and imaginary parts of the last measurement. */
  re = 0;
  im = 0;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** Sum of the window: a sine of amplitude A at `freq` gives |X| = A·gain/2. */
  readonly gain: number;
  private readonly window: Float64Array;

  constructor(
    readonly freq: number,
    readonly rate: number,
    readonly length: number,
    window: Float64Array = hann(length),
  ) {
    this.window = window;
    this.cos = new Float64Array(length);
    this.sin = new Float64Array(length);
    let g = 0;
    for (let n = 0; n < length; n++) {
      const ph = (2 * Math.PI * freq * n) / rate;
      this.cos[n] = window[n]! * Math.cos(ph);
      this.sin[n] = -window[n]! * Math.sin(ph);
      g += window[n]!;
    }
    this.gain = g;
  }

  /** Measure x[offset .. offset + length). */
  measure(x: ArrayLike<number>, offset: number): void {
    const c = this.cos;
    const s = this.sin;
    let re = 0;
    let im = 0;
    for (let n = 0; n < this.length; n++) {
      const v = x[offset + n]!;
      re += v * c[n]!;
      im += v * s[n]!;
    }
    this.re = re;
    this.im = im;
  }

  /** Peak amplitude of a sine at exactly `freq` that would give the last measurement. */
  amplitude(): number {
    return (2 * Math.hypot(this.re, this.im)) / this.gain;
  }

  /**
   * How much the window passes a sine `offsetHz` away from `freq`, relative
   * to one at `freq` (1 at 0 Hz, falling to 0 at two bins away for Hann).
   */
  response(offsetHz: number): number {
    const w = (2 * Math.PI * offsetHz) / this.rate;
    let re = 0;
    let im = 0;
    for (let n = 0; n < this.length; n++) {
      re += this.window[n]! * Math.cos(w * n);
      im += this.window[n]! * Math.sin(w * n);
    }
    return Math.hypot(re, im) / this.gain;
  }
}

/** Wrap an angle to (-π, π]. */
export function wrapPhase(a: number): number {
  a = a % (2 * Math.PI);
  if (a > Math.PI) a -= 2 * Math.PI;
  else if (a <= -Math.PI) a += 2 * Math.PI;
  return a;
}
