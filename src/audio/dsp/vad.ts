/**
 * Voice activity / silence detection with hangover, for "wait until the
 * prompt has finished" and for speech segments in `shtoom analyze`.
 *
 * Theory of operation: per 10 ms block the level (RMS, dBFS) is compared
 * with a threshold that is the higher of an absolute floor (default −45
 * dBFS) and the tracked background noise plus a margin (default 12 dB). The
 * noise estimate follows the level down at once and up only slowly (4 dB per
 * second, even while active), so a steady hum is learnt within seconds while
 * speech, which comes and goes, is not. Speech
 * starts after `attackMs` of active blocks (default 30 ms: clicks do not
 * count) and ends after `hangoverMs` without one (default 300 ms, which
 * bridges the pauses between words). A segment runs from its first active
 * block to its last.
 */
import { DspMisuseError } from '../errors.js';
import { rmsDbfs } from './level.js';

/** The noise estimate never goes below this (digital silence), dBFS. */
const NOISE_MIN = -100;

export interface VadOptions {
  readonly rate?: number;
  /** Level below which nothing is speech, dBFS (default −45). */
  readonly thresholdDbfs?: number;
  /** How far above the noise floor speech must be, dB (default 12). */
  readonly marginDb?: number;
  /** Active time needed to start speech, ms (default 30). */
  readonly attackMs?: number;
  /** Quiet time that ends speech, ms (default 300). */
  readonly hangoverMs?: number;
}

export interface VadEvent {
  readonly type: 'speech-start' | 'speech-end';
  /** Sample index where the speech segment began. */
  readonly start: number;
  /** On `speech-end`: the segment's length in samples (to its last active block). */
  readonly duration?: number;
}

/**
 * Tells speech (or any sound) from silence, with hangover.
 *
 * @example
 * const vad = new Vad({ hangoverMs: 500 });
 * vad.process(frame);
 * if (!vad.speaking && vad.silentFor >= 8000) console.log('a second of silence');
 */
export class Vad {
  private readonly block: number;
  private readonly attack: number;
  private readonly hangover: number;
  private readonly threshold: number;
  private readonly margin: number;
  /** dB the noise estimate may rise per block. */
  private readonly rise: number;
  private noise: number;
  private acc = 0;
  private fill = 0;
  private consumed = 0;
  private activeRun = 0;
  private runStart = 0;
  private quiet = 0;
  private segStart = 0;
  private lastActiveEnd = 0;
  private readonly events: VadEvent[] = [];
  /** Whether a speech segment is open. */
  speaking = false;
  /** Level of the last block, dBFS. */
  level = -Infinity;

  constructor(options: VadOptions = {}) {
    const rate = options.rate ?? 8000;
    this.block = Math.round(rate / 100);
    this.attack = Math.max(1, Math.round((options.attackMs ?? 30) / 10));
    this.hangover = Math.max(1, Math.round((options.hangoverMs ?? 300) / 10));
    this.threshold = options.thresholdDbfs ?? -45;
    this.margin = options.marginDb ?? 12;
    this.rise = 4 / 100;
    this.noise = this.threshold - this.margin;
    if (this.margin < 0) throw new DspMisuseError(`marginDb must not be negative, got ${this.margin}`);
  }

  get position(): number {
    return this.consumed;
  }

  /** Samples since the last active block (0 while speech is going on). */
  get silentFor(): number {
    return this.speaking ? 0 : this.consumed - this.lastActiveEnd;
  }

  /** The current background noise estimate, dBFS. */
  get noiseFloor(): number {
    return this.noise;
  }

  process(samples: ArrayLike<number>): void {
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i]!;
      this.acc += v * v;
      this.consumed++;
      if (++this.fill === this.block) {
        this.decide(rmsDbfs(Math.sqrt(this.acc / this.block)));
        this.acc = 0;
        this.fill = 0;
      }
    }
  }

  /** The input has ended: close an open segment. */
  flush(): void {
    if (this.speaking) this.close();
    this.activeRun = 0;
  }

  pollEvent(): VadEvent | undefined {
    return this.events.shift();
  }

  private decide(level: number): void {
    this.level = level;
    const end = this.consumed;
    const active = level > this.threshold && level > this.noise + this.margin;
    // Follow the noise down at once and up slowly, so that speech (which
    // comes and goes) is never learnt but a steady hum is, within seconds.
    this.noise = Math.max(NOISE_MIN, level < this.noise ? level : Math.min(level, this.noise + this.rise));
    if (active) {
      if (this.activeRun++ === 0) this.runStart = end - this.block;
      this.lastActiveEnd = end;
      this.quiet = 0;
      if (!this.speaking && this.activeRun >= this.attack) {
        this.speaking = true;
        this.segStart = this.runStart;
        this.events.push({ type: 'speech-start', start: this.segStart });
      }
      return;
    }
    this.activeRun = 0;
    if (this.speaking && ++this.quiet >= this.hangover) this.close();
  }

  private close(): void {
    this.speaking = false;
    this.quiet = 0;
    this.events.push({ type: 'speech-end', start: this.segStart, duration: this.lastActiveEnd - this.segStart });
  }
}
