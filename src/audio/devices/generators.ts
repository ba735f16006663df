/**
 * Devices that need no hardware: `tone:`, `noise`, `silence` and `null`.
 * Each produces or swallows exactly one frame per call, so the caller's
 * clock is their clock.
 */
import { Random } from '../../sim/random.js';
import type { AudioSink, AudioSource } from '../device.js';
import { sineAmplitudeForDbfs } from '../dsp/level.js';

/**
 * Sines at the given frequencies, each at `dbfs`, phase-continuous across frames.
 *
 * @example
 * const src = new ToneSource('tone:440', [440], -10);
 * src.read(frame);
 */
export class ToneSource implements AudioSource {
  private readonly steps: Float64Array;
  private readonly phases: Float64Array;
  private readonly amplitude: number;

  constructor(
    readonly uri: string,
    freqs: readonly number[],
    dbfs: number,
    rate = 8000,
  ) {
    this.steps = Float64Array.from(freqs, (f) => (2 * Math.PI * f) / rate);
    this.phases = new Float64Array(freqs.length);
    this.amplitude = sineAmplitudeForDbfs(dbfs);
  }

  read(frame: Int16Array): boolean {
    frame.fill(0);
    for (let k = 0; k < this.steps.length; k++) {
      let ph = this.phases[k]!;
      const step = this.steps[k]!;
      for (let i = 0; i < frame.length; i++) {
        const v = frame[i]! + this.amplitude * Math.sin(ph);
        frame[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
        ph += step;
      }
      this.phases[k] = ph % (2 * Math.PI);
    }
    return true;
  }

  async close(): Promise<void> {}
}

/** White noise with the given RMS level (dBFS, AES17), reproducible from its seed. */
export class NoiseSource implements AudioSource {
  private readonly random: Random;
  private readonly scale: number;

  constructor(
    readonly uri: string,
    dbfs: number,
    seed = 1,
  ) {
    this.random = new Random(seed);
    // Uniform noise in [-a, a] has RMS a/√3; AES17 puts a full-scale sine (RMS 32768/√2) at 0 dBFS.
    this.scale = (sineAmplitudeForDbfs(dbfs) / Math.SQRT2) * Math.sqrt(3);
  }

  read(frame: Int16Array): boolean {
    for (let i = 0; i < frame.length; i++) {
      const v = Math.round((this.random.next() * 2 - 1) * this.scale);
      frame[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return true;
  }

  async close(): Promise<void> {}
}

/** Digital silence, forever. */
export class SilenceSource implements AudioSource {
  constructor(readonly uri = 'silence') {}

  read(frame: Int16Array): boolean {
    frame.fill(0);
    return true;
  }

  async close(): Promise<void> {}
}

/** Swallows every frame (and counts them). */
export class NullSink implements AudioSink {
  frames = 0;

  constructor(readonly uri = 'null') {}

  write(_frame: Int16Array): void {
    this.frames++;
  }

  async close(): Promise<void> {}
}
