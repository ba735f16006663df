/**
 * Audio sources held in memory: PCM (a TTS rendering, a clip) and a
 * cadenced tone (busy, ringback).
 */
import type { AudioSource } from '../device.js';
import { sineAmplitudeForDbfs } from '../dsp/level.js';

/**
 * Plays an `Int16Array` of 8 kHz PCM once.
 *
 * @example
 * await leg.play(new PcmSource(await speak('hello')));
 */
export class PcmSource implements AudioSource {
  private at = 0;

  constructor(
    private readonly pcm: Int16Array,
    readonly uri = 'pcm:',
  ) {}

  read(frame: Int16Array): boolean {
    if (this.at >= this.pcm.length) {
      frame.fill(0);
      return false;
    }
    const n = Math.min(frame.length, this.pcm.length - this.at);
    frame.set(this.pcm.subarray(this.at, this.at + n));
    frame.fill(0, n);
    this.at += n;
    return true;
  }

  async close(): Promise<void> {}
}

export interface CadencedToneOptions {
  /** Level of each component, dBFS (default −16). */
  readonly dbfs?: number;
  /** On time per cycle, ms (default: continuous). */
  readonly onMs?: number;
  /** Off time per cycle, ms (default 0). */
  readonly offMs?: number;
  /** Total length, ms (default: endless). */
  readonly totalMs?: number;
}

/**
 * Sines at `freqs`, switched on and off with a cadence: `[480, 620]` with
 * 500/500 ms is the North American busy tone.
 *
 * @example
 * leg.play(new CadencedToneSource([480, 620], { onMs: 500, offMs: 500, totalMs: 3000 }));
 */
export class CadencedToneSource implements AudioSource {
  readonly uri: string;
  private n = 0;
  private readonly amp: number;
  private readonly on: number;
  private readonly period: number;
  private readonly total: number;

  constructor(
    private readonly freqs: readonly number[],
    options: CadencedToneOptions = {},
  ) {
    this.uri = `tone:${freqs.join('+')}`;
    this.amp = sineAmplitudeForDbfs(options.dbfs ?? -16);
    this.on = Math.round(((options.onMs ?? Infinity) * 8000) / 1000);
    this.period = this.on + Math.round(((options.offMs ?? 0) * 8000) / 1000);
    this.total = options.totalMs === undefined ? Infinity : Math.round((options.totalMs * 8000) / 1000);
  }

  read(frame: Int16Array): boolean {
    if (this.n >= this.total) {
      frame.fill(0);
      return false;
    }
    for (let i = 0; i < frame.length; i++, this.n++) {
      const inCycle = Number.isFinite(this.period) ? this.n % this.period : this.n;
      if (this.n >= this.total || inCycle >= this.on) {
        frame[i] = 0;
        continue;
      }
      let v = 0;
      for (const f of this.freqs) v += Math.sin((2 * Math.PI * f * this.n) / 8000);
      frame[i] = Math.round(this.amp * v);
    }
    return true;
  }

  async close(): Promise<void> {}
}
