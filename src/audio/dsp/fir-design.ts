/**
 * Windowed-sinc low-pass design with a Kaiser window (Oppenheim & Schafer,
 * "Discrete-Time Signal Processing", 7.6): the window's beta and length follow
 * from the wanted stopband attenuation and transition width, so a filter is
 * specified by what it must do, not by a tap count picked by hand.
 */

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser's beta for a stopband attenuation of `db` decibels (O&S eq. 7.62). */
export function kaiserBeta(db: number): number {
  if (db > 50) return 0.1102 * (db - 8.7);
  if (db >= 21) return 0.5842 * (db - 21) ** 0.4 + 0.07886 * (db - 21);
  return 0;
}

/**
 * Number of taps a Kaiser-windowed sinc needs for `db` of attenuation over a
 * transition `width` given as a fraction of the sample rate (O&S eq. 7.63).
 */
export function kaiserLength(db: number, width: number): number {
  return Math.ceil((db - 7.95) / (2.285 * 2 * Math.PI * width)) + 1;
}

export interface LowpassSpec {
  /** Taps; the filter is symmetric (linear phase) around (taps - 1) / 2. */
  readonly taps: number;
  /** Cutoff (the -6 dB point) as a fraction of the sample rate, 0 < cutoff < 0.5. */
  readonly cutoff: number;
  /** Kaiser window beta. */
  readonly beta: number;
  /** DC gain of the result (the sum of the taps). */
  readonly gain: number;
}

/**
 * A linear-phase low-pass FIR: ideal sinc response times a Kaiser window,
 * normalised to the given DC gain.
 *
 * @example
 * const h = designLowpass({ taps: 101, cutoff: 0.1, beta: kaiserBeta(80), gain: 1 });
 */
export function designLowpass(spec: LowpassSpec): Float64Array {
  const { taps, cutoff, beta, gain } = spec;
  const h = new Float64Array(taps);
  const mid = (taps - 1) / 2;
  const i0b = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < taps; n++) {
    const t = n - mid;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const r = mid === 0 ? 0 : t / mid;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    const tap = sinc * w;
    h[n] = tap;
    sum += tap;
  }
  const scale = gain / sum;
  for (let n = 0; n < taps; n++) h[n] = h[n]! * scale;
  return h;
}
