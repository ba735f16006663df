/**
 * Finding the probe in the echoed audio: normalised cross-correlation of the
 * chirp template against the received signal, per probe period, gives the
 * round-trip audio latency of each probe and whether it came back at all.
 */
import type { Probe } from './probe-signal.js';

export interface ProbeMatch {
  /** Index of the probe (0 for the chirp sent at sample 0). */
  readonly index: number;
  /** Delay of the best match in samples, or undefined when none was good enough. */
  readonly delaySamples: number | undefined;
  /** Normalised correlation at the best lag (1 = identical shape). */
  readonly score: number;
}

export interface LatencyResult {
  readonly matches: readonly ProbeMatch[];
  /** Median round-trip latency in ms over the probes found. */
  readonly medianMs: number | undefined;
  readonly found: number;
  readonly sent: number;
}

export interface FindOptions {
  /** Longest delay searched, in samples (default 8000 = 1 s, at most the probe period). */
  readonly maxLag?: number;
  /** Lowest normalised correlation that counts as found (default 0.5). */
  readonly minScore?: number;
}

/**
 * `received[n]` is what came back at the same sample clock as the probe was
 * sent (sample n of the call). Every complete probe period is searched.
 */
export function findProbes(probe: Probe, received: Int16Array, opts: FindOptions = {}): LatencyResult {
  const t = probe.template;
  const maxLag = Math.min(opts.maxLag ?? 8000, probe.period);
  const minScore = opts.minScore ?? 0.5;
  let tEnergy = 0;
  for (let i = 0; i < t.length; i++) tEnergy += t[i]! * t[i]!;
  const matches: ProbeMatch[] = [];
  for (let k = 0; k * probe.period + t.length + maxLag <= received.length; k++) {
    const start = k * probe.period;
    let best = -Infinity;
    let bestLag = 0;
    // Running energy of the received window for normalisation.
    let wEnergy = 0;
    for (let i = 0; i < t.length; i++) wEnergy += received[start + i]! ** 2;
    for (let lag = 0; lag < maxLag; lag++) {
      const base = start + lag;
      let dot = 0;
      for (let i = 0; i < t.length; i++) dot += t[i]! * received[base + i]!;
      const score = wEnergy > 0 ? dot / Math.sqrt(tEnergy * wEnergy) : 0;
      if (score > best) {
        best = score;
        bestLag = lag;
      }
      const out = received[base]!;
      const inn = received[base + t.length] ?? 0;
      wEnergy += inn * inn - out * out;
      if (wEnergy < 0) wEnergy = 0;
    }
    matches.push({ index: k, delaySamples: best >= minScore ? bestLag : undefined, score: Math.max(0, best) });
  }
  const delays = matches.filter((m) => m.delaySamples !== undefined).map((m) => m.delaySamples!);
  delays.sort((a, b) => a - b);
  const medianMs = delays.length ? (delays[(delays.length - 1) >> 1]! * 1000) / 8000 : undefined;
  return { matches, medianMs, found: delays.length, sent: matches.length };
}
