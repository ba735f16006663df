/**
 * A small adaptive buffer between a device's clock and the media clock.
 *
 * A sound card's 8000 Hz is never exactly the media clock's: ±0.5 % is 40
 * samples a second, so over a long call a plain FIFO either grows (delay
 * creeps up) or runs dry (clicks). Here the device side pushes whatever it
 * has; the media side pulls exactly 160 samples a tick. The fill is kept near
 * a target by dropping or repeating a few samples (at most 4 a frame), and
 * only in quiet frames, where a sample more or less cannot be heard; the change goes where
 * the signal is closest to zero. If no quiet frame comes for two seconds and
 * the fill is far off, it adjusts in the quietest spot of a loud frame.
 * Underruns give silence and are counted; overruns drop the oldest audio.
 *
 * Pure and allocation-free: no clock, no timer; the caller's two sides are
 * the only inputs.
 */
import { DspMisuseError } from './errors.js';

export interface DriftBufferOptions {
  /** Fill to hold, samples (default 480: 60 ms). */
  readonly target?: number;
  /** Distance from the target before adjusting, samples (default 80). */
  readonly tolerance?: number;
  /** Capacity, samples (default 8000: 1 s); beyond it the oldest audio is dropped. */
  readonly capacity?: number;
  /** Peak level (absolute sample) under which a frame counts as quiet (default 1000, about −30 dBFS). */
  readonly quietPeak?: number;
  /** Frames without a quiet one before adjusting anyway (default 100: 2 s). */
  readonly forceAfterFrames?: number;
}

export interface DriftStats {
  /** Samples dropped to catch up with a fast device. */
  dropped: number;
  /** Samples repeated to wait for a slow device. */
  inserted: number;
  /** Pulls that found too little audio (silence was given). */
  underruns: number;
  /** Samples lost because the buffer was full. */
  overflowed: number;
}

/**
 * @example
 * const buf = new DriftBuffer();
 * device.on('data', (pcm: Int16Array) => buf.push(pcm));  // device clock
 * buf.pull(frame);                                         // media clock, every 20 ms
 */
export class DriftBuffer {
  private readonly ring: Int16Array;
  private head = 0;
  private count = 0;
  private readonly target: number;
  private readonly tolerance: number;
  private readonly quietPeak: number;
  private readonly forceAfter: number;
  private sinceQuiet = 0;
  /** Waiting for the first fill to reach the target before playing out. */
  private priming = true;
  private readonly scratch: Int16Array;
  readonly stats: DriftStats = { dropped: 0, inserted: 0, underruns: 0, overflowed: 0 };

  constructor(options: DriftBufferOptions = {}) {
    this.target = options.target ?? 480;
    this.tolerance = options.tolerance ?? 80;
    const capacity = options.capacity ?? 8000;
    this.quietPeak = options.quietPeak ?? 1000;
    this.forceAfter = options.forceAfterFrames ?? 100;
    if (capacity < this.target + this.tolerance + 320) {
      throw new DspMisuseError(`capacity ${capacity} too small for target ${this.target} ± ${this.tolerance}`);
    }
    this.ring = new Int16Array(capacity);
    this.scratch = new Int16Array(capacity);
  }

  /** Samples buffered now. */
  get fill(): number {
    return this.count;
  }

  /** Device side: append captured samples. */
  push(samples: ArrayLike<number>): void {
    const cap = this.ring.length;
    for (let i = 0; i < samples.length; i++) {
      if (this.count === cap) {
        this.head = (this.head + 1) % cap;
        this.count--;
        this.stats.overflowed++;
      }
      this.ring[(this.head + this.count) % cap] = samples[i]!;
      this.count++;
    }
  }

  /**
   * Media side: take `frame.length` samples, dropping or repeating one where
   * the fill has drifted from the target. Returns false (and gives silence)
   * on an underrun.
   */
  pull(frame: Int16Array): boolean {
    const n = frame.length;
    if (this.priming) {
      if (this.count < this.target) {
        frame.fill(0);
        return false;
      }
      this.priming = false;
    }
    if (this.count < n) {
      this.stats.underruns++;
      frame.fill(0);
      this.priming = true;
      return false;
    }
    const error = this.count - this.target;
    if (Math.abs(error) > this.tolerance) {
      // Up to MAX_STEP samples a frame: 200 a second, five times a 0.5 % drift,
      // so that quiet frames alone can keep up during talk spurts.
      const step = Math.min(MAX_STEP, Math.ceil((Math.abs(error) - this.tolerance) / 16));
      const take = error > 0 ? n + step : n - step;
      if (take <= this.count) {
        this.peek(this.scratch, take);
        const quiet = peakOf(this.scratch, take) < this.quietPeak;
        const force = this.sinceQuiet >= this.forceAfter && Math.abs(error) > 2 * this.tolerance;
        if (quiet || force) {
          // Loud frames only ever lose or gain one sample, at their quietest spot.
          const k = quiet ? step : 1;
          const used = error > 0 ? n + k : n - k;
          let len = used;
          for (let i = 0; i < k; i++) {
            const at = quietestIndex(this.scratch, len);
            if (error > 0) {
              this.scratch.copyWithin(at, at + 1, len);
              len--;
            } else {
              this.scratch.copyWithin(at + 1, at, len);
              len++;
            }
          }
          frame.set(this.scratch.subarray(0, n));
          if (error > 0) this.stats.dropped += k;
          else this.stats.inserted += k;
          this.consume(used);
          this.sinceQuiet = 0;
          return true;
        }
      }
    }
    this.peek(frame, n);
    this.consume(n);
    if (peakOf(frame, n) < this.quietPeak) this.sinceQuiet = 0;
    else this.sinceQuiet++;
    return true;
  }

  /** Forget everything buffered (e.g. after the device restarted). */
  clear(): void {
    this.head = 0;
    this.count = 0;
    this.priming = true;
  }

  private peek(out: Int16Array, n: number): void {
    const cap = this.ring.length;
    const first = Math.min(n, cap - this.head);
    out.set(this.ring.subarray(this.head, this.head + first), 0);
    if (first < n) out.set(this.ring.subarray(0, n - first), first);
  }

  private consume(n: number): void {
    this.head = (this.head + n) % this.ring.length;
    this.count -= n;
  }
}

/** Most samples dropped or repeated in one quiet frame. */
const MAX_STEP = 4;

function peakOf(x: Int16Array, n: number): number {
  let p = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]! < 0 ? -x[i]! : x[i]!;
    if (v > p) p = v;
  }
  return p;
}

/** Index (away from the edges) where |x| is smallest. */
function quietestIndex(x: Int16Array, n: number): number {
  let best = 1;
  let bestV = Infinity;
  for (let i = 1; i < n - 1; i++) {
    const v = x[i]! < 0 ? -x[i]! : x[i]!;
    if (v < bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}
