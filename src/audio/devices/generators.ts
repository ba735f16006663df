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
    private readonly freqs: readonly number[],
    dbfs: number,
    public rate = 8000,
  ) {
    this.steps = new Float64Array(freqs.length);
    this.phases = new Float64Array(freqs.length);
    this.amplitude = sineAmplitudeForDbfs(dbfs);
    this.follow(rate);
  }

  /** Produce `rate` from now on (a tone above its Nyquist frequency is left out, not aliased). */
  follow(rate: number): void {
    this.rate = rate;
    this.freqs.forEach((f, k) => {
      this.steps[k] = f < rate / 2 ? (2 * Math.PI * f) / rate : 0;
    });
  }

  read(frame: Int16Array): boolean {
    frame.fill(0);
    for (let k = 0; k < this.steps.length; k++) {
      let ph = this.phases[k]!;
      const step = this.steps[k]!;
      if (step === 0) continue; // above this rate's Nyquist frequency: left out
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
  /** Noise is white at any rate: the frame's length is all that changes. */
  rate = 8000;

  constructor(
    readonly uri: string,
    dbfs: number,
    seed = 1,
  ) {
    this.random = new Random(seed);
    // Uniform noise in [-a, a] has RMS a/√3; AES17 puts a full-scale sine (RMS 32768/√2) at 0 dBFS.
    this.scale = (sineAmplitudeForDbfs(dbfs) / Math.SQRT2) * Math.sqrt(3);
  }

  follow(rate: number): void {
    this.rate = rate;
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
  rate = 8000;

  constructor(readonly uri = 'silence') {}

  follow(rate: number): void {
    this.rate = rate;
  }

  read(frame: Int16Array): boolean {
    frame.fill(0);
    return true;
  }

  async close(): Promise<void> {}
}

/** Swallows every frame (and counts them). */
export class NullSink implements AudioSink {
  frames = 0;
  rate = 8000;

  constructor(readonly uri = 'null') {}

  follow(rate: number): void {
    this.rate = rate;
  }

  write(_frame: Int16Array): void {
    this.frames++;
  }

  async close(): Promise<void> {}
}
