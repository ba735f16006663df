/**
 * Detects steady tones made of given frequencies (call-progress tones, a test
 * tone, a fax CNG) and reports when each sounds.
 *
 * Theory of operation: every 25 ms block (200 samples at 8 kHz) each tone's
 * frequencies are fitted to the block by least squares. A tone is present in
 * a block when the fit explains most of the block's energy (by default at
 * least 75 %, so speech and noise around it do not count), every component is
 * loud enough and the components are within 10 dB of each other. 25 ms
 * separates 440 from 480 Hz (ringback) where a short DFT bin would not, and
 * passes a tone within about ±10 Hz of nominal. Two present blocks start a
 * tone; two absent blocks end it, so 50 ms is the shortest tone or gap seen.
 */
import { DspMisuseError } from '../errors.js';
import { sineAmplitudeForDbm0 } from './level.js';
import { SineFit } from './sine-fit.js';

export interface ToneSpec {
  /** Name reported in events (`dial`, `1000Hz`). */
  readonly name: string;
  /** One or more frequencies, Hz, sounding together. */
  readonly freqs: readonly number[];
}

export interface ToneDetectorOptions {
  readonly rate?: number;
  /** Quietest component accepted, dBm0 (default −40). */
  readonly minLevelDbm0?: number;
  /** Share of a block's energy the tone must explain (default 0.75). */
  readonly minShare?: number;
  /** Largest level difference between components, dB (default 10). */
  readonly maxSpreadDb?: number;
}

export interface ToneEvent {
  readonly type: 'start' | 'end';
  readonly name: string;
  /** Sample index where the tone began. */
  readonly start: number;
  /** On `end`: the tone's length in samples. */
  readonly duration?: number;
}

interface Track {
  readonly spec: ToneSpec;
  readonly freqs: Float64Array;
  on: boolean;
  run: number;
  start: number;
  lastEnd: number;
  candidateStart: number;
}

/**
 * Finds when each of the given tones sounds.
 *
 * @example
 * const det = new ToneDetector([{ name: 'busy', freqs: [480, 620] }]);
 * det.process(frame);
 * for (let e; (e = det.pollEvent()); ) console.log(e.type, e.name, e.start / 8000);
 */
export class ToneDetector {
  private readonly block: number;
  private readonly buf: Float64Array;
  private fill = 0;
  private consumed = 0;
  private readonly tracks: Track[];
  private readonly fit: SineFit;
  private readonly amps: Float64Array;
  private readonly minAmp: number;
  private readonly minShare: number;
  private readonly maxSpread: number;
  private readonly events: ToneEvent[] = [];

  constructor(specs: readonly ToneSpec[], options: ToneDetectorOptions = {}) {
    const rate = options.rate ?? 8000;
    this.block = Math.round(rate * 0.025);
    this.buf = new Float64Array(this.block);
    if (specs.length === 0) throw new DspMisuseError('ToneDetector needs at least one tone');
    for (const s of specs) {
      if (s.freqs.length === 0 || s.freqs.some((f) => !(f > 0 && f < rate / 2))) {
        throw new DspMisuseError(
          `tone ${s.name}: frequencies must be between 0 and ${rate / 2} Hz, got ${s.freqs.join(', ')}`,
        );
      }
    }
    this.tracks = specs.map((spec) => ({
      spec,
      freqs: Float64Array.from(spec.freqs, (f) => f / rate),
      on: false,
      run: 0,
      start: 0,
      lastEnd: 0,
      candidateStart: 0,
    }));
    const most = Math.max(...specs.map((s) => s.freqs.length));
    this.fit = new SineFit(most);
    this.amps = new Float64Array(most);
    this.minAmp = sineAmplitudeForDbm0(options.minLevelDbm0 ?? -40);
    this.minShare = options.minShare ?? 0.75;
    this.maxSpread = 10 ** ((options.maxSpreadDb ?? 10) / 20);
  }

  get position(): number {
    return this.consumed;
  }

  process(samples: ArrayLike<number>): void {
    for (let i = 0; i < samples.length; i++) {
      this.buf[this.fill++] = samples[i]!;
      this.consumed++;
      if (this.fill === this.block) {
        this.analyse();
        this.fill = 0;
      }
    }
  }

  /** The input has ended: close tones still sounding. */
  flush(): void {
    for (const t of this.tracks) {
      if (t.on) this.end(t);
      t.run = 0;
    }
  }

  pollEvent(): ToneEvent | undefined {
    return this.events.shift();
  }

  private analyse(): void {
    const end = this.consumed;
    const start = end - this.block;
    for (const t of this.tracks) {
      const present = this.present(t);
      if (present === t.on) {
        t.run = 0;
        if (present) t.lastEnd = end;
        continue;
      }
      if (t.run === 0) t.candidateStart = start;
      if (++t.run < 2) continue;
      t.run = 0;
      if (present) {
        t.on = true;
        t.start = t.candidateStart;
        t.lastEnd = end;
        this.events.push({ type: 'start', name: t.spec.name, start: t.start });
      } else this.end(t);
    }
  }

  private end(t: Track): void {
    t.on = false;
    this.events.push({ type: 'end', name: t.spec.name, start: t.start, duration: t.lastEnd - t.start });
  }

  private present(t: Track): boolean {
    const share = 1 - this.fit.residualShare(this.buf, 0, this.block, t.freqs);
    if (share < this.minShare) return false;
    const n = t.freqs.length;
    this.fit.amplitudes(this.amps);
    let lo = Infinity;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const a = this.amps[i]!;
      if (a < lo) lo = a;
      if (a > hi) hi = a;
    }
    return lo >= this.minAmp && hi <= lo * this.maxSpread;
  }
}
