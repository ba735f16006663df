/**
 * Signal level: RMS, peak and their logarithmic forms.
 *
 * dBFS follows AES17: a full-scale sine (peak 32767) reads 0 dBFS, so a
 * square wave at full scale reads +3 dBFS. dBm0 is the telephone level
 * (ITU-T G.711 Table 5/6: a sine of +3.17 dBm0 just fills the coder), so
 * dBm0 = dBFS + 3.17 for 16-bit linear PCM carrying G.711.
 */

/** Full-scale sine peak in 16-bit PCM. */
export const FULL_SCALE = 32768;
/** The level, in dBm0, of a full-scale sine (G.711). */
export const DBM0_AT_FULL_SCALE = 3.17;
/** What any level function returns for digital silence. */
export const SILENCE_DB = -Infinity;

/** Root mean square of x[from..to). */
export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  if (to <= from) return 0;
  let s = 0;
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    s += v * v;
  }
  return Math.sqrt(s / (to - from));
}

/** Sum of squares of x[from..to) (the seed's "power", before the mean). */
export function energy(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    s += v * v;
  }
  return s;
}

/** Largest absolute sample of x[from..to). */
export function peak(x: ArrayLike<number>, from = 0, to = x.length): number {
  let p = 0;
  for (let i = from; i < to; i++) {
    const v = Math.abs(x[i]!);
    if (v > p) p = v;
  }
  return p;
}

/**
 * An RMS value in dBFS (AES17: a full-scale sine is 0 dBFS).
 *
 * @example
 * rmsDbfs(rms(frame)); // -20.1 for a sine of peak 3277
 */
export function rmsDbfs(rmsValue: number): number {
  return rmsValue > 0 ? 20 * Math.log10((rmsValue * Math.SQRT2) / FULL_SCALE) : SILENCE_DB;
}

/** A peak value in dBFS (full scale 32768 = 0 dBFS). */
export function peakDbfs(peakValue: number): number {
  return peakValue > 0 ? 20 * Math.log10(peakValue / FULL_SCALE) : SILENCE_DB;
}

/** Peak amplitude of a sine whose level is `dbm0` (16-bit PCM). */
export function sineAmplitudeForDbm0(dbm0: number): number {
  return FULL_SCALE * 10 ** ((dbm0 - DBM0_AT_FULL_SCALE) / 20);
}

/** The level in dBm0 of a sine of peak amplitude `amplitude`. */
export function dbm0OfSineAmplitude(amplitude: number): number {
  return amplitude > 0 ? 20 * Math.log10(amplitude / FULL_SCALE) + DBM0_AT_FULL_SCALE : SILENCE_DB;
}

/** Peak amplitude of a sine whose level is `dbfs`. */
export function sineAmplitudeForDbfs(dbfs: number): number {
  return FULL_SCALE * 10 ** (dbfs / 20);
}
