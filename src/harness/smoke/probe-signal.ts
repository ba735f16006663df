/**
 * The smoke call's test signal: a linear chirp (300 → 3300 Hz, inside the
 * telephone band so G.711 and GSM both carry it) repeated once per period,
 * silence between. A chirp has a sharp autocorrelation peak, so its delay in
 * the echoed audio is found to the sample even through a lossy codec.
 */
export const SAMPLE_RATE = 8000;

export interface ProbeSpec {
  /** Chirp length in samples (default 2000 = 250 ms). */
  readonly length?: number;
  /** Period between chirp starts in samples (default 8000 = 1 s). */
  readonly period?: number;
  /** Peak amplitude as a fraction of full scale (default 0.25, about −12 dBFS). */
  readonly amplitude?: number;
  readonly f0?: number;
  readonly f1?: number;
}

export interface Probe {
  readonly template: Float32Array;
  readonly period: number;
  /** Sample `n` of the endless probe signal (chirp at the start of every period). */
  sample(n: number): number;
}

export function makeProbe(spec: ProbeSpec = {}): Probe {
  const length = spec.length ?? 2000;
  const period = spec.period ?? 8000;
  const amp = (spec.amplitude ?? 0.25) * 32767;
  const f0 = spec.f0 ?? 300;
  const f1 = spec.f1 ?? 3300;
  if (length >= period) throw new RangeError('probe length must be shorter than its period');
  const template = new Float32Array(length);
  const k = (f1 - f0) / (length / SAMPLE_RATE);
  for (let i = 0; i < length; i++) {
    const t = i / SAMPLE_RATE;
    // A short raised-cosine fade at each end keeps the chirp's spectrum in band.
    const fade = Math.min(1, i / 80, (length - 1 - i) / 80);
    const w = fade < 1 ? 0.5 - 0.5 * Math.cos(Math.PI * fade) : 1;
    template[i] = Math.round(amp * w * Math.sin(2 * Math.PI * (f0 * t + (k * t * t) / 2)));
  }
  return {
    template,
    period,
    sample(n: number) {
      const i = n % period;
      return i < length ? template[i]! : 0;
    },
  };
}

/** Fill `frame` with the probe signal from sample index `start`. */
export function fillProbe(probe: Probe, start: number, frame: Int16Array): void {
  for (let i = 0; i < frame.length; i++) frame[i] = probe.sample(start + i);
}
