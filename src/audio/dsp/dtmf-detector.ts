/**
 * A DTMF receiver after ITU-T Q.24: it accepts a key whose two frequencies are
 * within ±1.5 % of nominal and rejects beyond ±3.5 %, accepts a twist (high
 * group level minus low group level) from −8 to +4 dB, tones of 40 ms or more
 * separated by pauses of 40 ms or more, down to −26 dBm0 per frequency; and
 * it stays quiet through speech (talk-off).
 *
 * Theory of operation. Every 5 ms (HOP) the last 20 ms (SPAN) is analysed.
 * For each of the eight frequencies two Hann-windowed 15 ms blocks inside the
 * span, 5 ms apart (A = [0, 120), B = [40, 160)), give a complex DFT value.
 * The strongest frequency of each group is the candidate. Its true frequency
 * follows from the phase advance from A to B (unambiguous within ±100 Hz),
 * which is how a 3.5 % error is told from a 1.5 % one although the bins are
 * only 67 Hz wide; the window's known response at that offset corrects the
 * amplitude, so level and twist checks see the real levels. A block holds a
 * key when both candidates are close enough in frequency, loud enough, within
 * the twist limits, and two sines at the measured frequencies, fitted by least
 * squares to the whole 20 ms, leave less than 10 % of its energy unexplained.
 * That last test is the talk-off guard: voiced speech whose harmonics sit
 * near two DTMF frequencies keeps its other harmonics, formants and pitch
 * wobble in the residual (at least 18 % over the test corpus), while a key
 * leaves only noise (under 7 % even through GSM). Three consecutive blocks
 * (the tone filling 30 ms) start a key; three blocks without it end the key,
 * so a dropout of a few ms does not split a key while a 40 ms pause always
 * separates two. A key's start is the first block it fills, its end the last.
 *
 * Time is counted in samples from the first sample given (8 kHz: 8 per ms).
 * Events are queued and read with `pollEvent()`; processing allocates nothing
 * except the event objects themselves.
 */
import { DspMisuseError } from '../errors.js';
import { DTMF_HIGH, DTMF_KEYS, DTMF_LOW, type DtmfDigit } from './dtmf.js';
import { sineAmplitudeForDbm0 } from './level.js';
import { SineFit } from './sine-fit.js';
import { ToneBin, hann, wrapPhase } from './tone-bin.js';

const RATE = 8000;
const SPAN = 160;
const HOP = 40;
const BLOCK = 120;
const LAG = SPAN - BLOCK;

export interface DtmfDetectorOptions {
  /**
   * Largest accepted frequency error, as a fraction (default 0.03: accept ±1.5 %, reject ±3.5 %; GSM 06.10 moves a tone
   * by up to 1.2 %).
   */
  readonly frequencyTolerance?: number;
  /** Quietest accepted frequency component, dBm0 (default −36: −26 dBm0 with 8 dB twist and margin). */
  readonly minLevelDbm0?: number;
  /**
   * Largest accepted high-minus-low level difference, dB (default +8: Q.24's
   * +4, and room for GSM 06.10, which swings a key's twist by up to 3 dB).
   */
  readonly maxTwistDb?: number;
  /**
   * Smallest accepted high-minus-low level difference, dB (default −12: Q.24's
   * −8, and room for GSM 06.10, which takes up to 4 dB more off the weaker tone).
   */
  readonly minTwistDb?: number;
  /** Share of the block's power the two tones must carry (default 0.7). */
  readonly minToneShare?: number;
  /** Largest share of a block's energy the two fitted tones may leave unexplained (default 0.1). */
  readonly maxResidual?: number;
  /** Consecutive 5 ms blocks that start a key (default 3). */
  readonly onsetBlocks?: number;
  /** Consecutive 5 ms blocks without the key that end it (default 3). */
  readonly releaseBlocks?: number;
}

export interface DtmfEvent {
  readonly type: 'start' | 'end';
  readonly digit: DtmfDigit;
  /** Sample index (from the first sample processed) where the key began. */
  readonly start: number;
  /** On `end`: the key's length in samples. */
  readonly duration?: number;
}

/** The result of the last analysed block, for diagnostics and tests. */
export interface DtmfBlockInfo {
  digit: DtmfDigit | undefined;
  lowHz: number;
  highHz: number;
  lowAmplitude: number;
  highAmplitude: number;
  toneShare: number;
  /** Share of the block's energy the two fitted tones leave unexplained. */
  residual: number;
}

/**
 * Finds DTMF keys in 8 kHz audio.
 *
 * @example
 * const det = new DtmfDetector();
 * det.process(frame);                    // every 20 ms frame, in order
 * for (let e; (e = det.pollEvent()); ) if (e.type === 'start') console.log(e.digit, e.start / 8, 'ms');
 */
export class DtmfDetector {
  private readonly bins: ToneBin[];
  private readonly advance: Float64Array;
  private readonly responseTable: Float64Array;
  private readonly buf = new Float64Array(SPAN);
  private fill = 0;
  private consumed = 0;
  /** Per bin, B · conj(A) (real, imaginary): its angle is the phase advance from block A to B. */
  private readonly cross = new Float64Array(16);
  private readonly tol: number;
  private readonly minAmp: number;
  private readonly maxTwist: number;
  private readonly minTwist: number;
  private readonly minShare: number;
  private readonly maxResidual: number;
  private readonly fit = new SineFit(2);
  private readonly fitFreqs = new Float64Array(2);
  private readonly onset: number;
  private readonly release: number;
  private readonly events: DtmfEvent[] = [];
  private active: DtmfDigit | undefined;
  private activeStart = 0;
  private lastHitEnd = 0;
  private misses = 0;
  private candidate: DtmfDigit | undefined;
  private candidateStart = 0;
  private hits = 0;
  /** What the last block looked like. */
  readonly last: DtmfBlockInfo = {
    digit: undefined,
    lowHz: 0,
    highHz: 0,
    lowAmplitude: 0,
    highAmplitude: 0,
    toneShare: 0,
    residual: 1,
  };

  constructor(options: DtmfDetectorOptions = {}) {
    const window = hann(BLOCK);
    const freqs = [...DTMF_LOW, ...DTMF_HIGH];
    this.bins = freqs.map((f) => new ToneBin(f, RATE, BLOCK, window));
    this.advance = Float64Array.from(freqs, (f) => (2 * Math.PI * f * LAG) / RATE);
    // Window response at -100..+100 Hz in 1 Hz steps (the same for every bin).
    this.responseTable = Float64Array.from({ length: 201 }, (_, i) => this.bins[0]!.response(i - 100));
    this.tol = options.frequencyTolerance ?? 0.03;
    this.minAmp = sineAmplitudeForDbm0(options.minLevelDbm0 ?? -36);
    this.maxTwist = options.maxTwistDb ?? 8;
    this.minTwist = options.minTwistDb ?? -12;
    this.minShare = options.minToneShare ?? 0.7;
    this.maxResidual = options.maxResidual ?? 0.1;
    this.onset = options.onsetBlocks ?? 3;
    this.release = options.releaseBlocks ?? 3;
    if (!(this.tol > 0 && this.tol < 0.06)) throw new DspMisuseError(`frequencyTolerance ${this.tol} out of (0, 0.06)`);
    if (this.onset < 1 || this.release < 1)
      throw new DspMisuseError('onsetBlocks and releaseBlocks must be at least 1');
  }

  /** Samples processed so far. */
  get position(): number {
    return this.consumed;
  }

  /** Feed the next samples (any length; usually a 20 ms frame of 160). */
  process(samples: ArrayLike<number>): void {
    const buf = this.buf;
    for (let i = 0; i < samples.length; i++) {
      buf[this.fill++] = samples[i]!;
      this.consumed++;
      if (this.fill === SPAN) {
        this.block(this.classify());
        buf.copyWithin(0, HOP, SPAN);
        this.fill = SPAN - HOP;
      }
    }
  }

  /** The input has ended: close a key still sounding. */
  flush(): void {
    if (this.active !== undefined) this.finish();
    this.candidate = undefined;
    this.hits = 0;
  }

  /** The next event, oldest first. */
  pollEvent(): DtmfEvent | undefined {
    return this.events.shift();
  }

  private classify(): DtmfDigit | undefined {
    const buf = this.buf;
    const info = this.last;
    info.digit = undefined;
    info.residual = 1;
    let power = 0;
    for (let i = 0; i < SPAN; i++) power += buf[i]! * buf[i]!;
    power /= SPAN;
    // Two tones at the minimum level carry at least this much.
    if (power < this.minAmp * this.minAmp * this.minShare) {
      info.toneShare = 0;
      return undefined;
    }
    const cross = this.cross;
    let bestLow = 0;
    let bestHigh = 4;
    let magLow = -1;
    let magHigh = -1;
    for (let k = 0; k < 8; k++) {
      const bin = this.bins[k]!;
      bin.measure(buf, 0);
      const ar = bin.re;
      const ai = bin.im;
      bin.measure(buf, LAG);
      cross[2 * k] = ar * bin.re + ai * bin.im;
      cross[2 * k + 1] = bin.im * ar - bin.re * ai;
      const mag = Math.hypot(ar, ai) + Math.hypot(bin.re, bin.im);
      if (k < 4) {
        if (mag > magLow) {
          magLow = mag;
          bestLow = k;
        }
      } else if (mag > magHigh) {
        magHigh = mag;
        bestHigh = k;
      }
    }
    const gain = this.bins[0]!.gain;
    const dLow = this.offsetHz(bestLow);
    const dHigh = this.offsetHz(bestHigh);
    const fLow = this.bins[bestLow]!.freq;
    const fHigh = this.bins[bestHigh]!.freq;
    const ampLow = magLow / gain / this.response(dLow);
    const ampHigh = magHigh / gain / this.response(dHigh);
    info.lowHz = fLow + dLow;
    info.highHz = fHigh + dHigh;
    info.lowAmplitude = ampLow;
    info.highAmplitude = ampHigh;
    info.toneShare = (ampLow * ampLow + ampHigh * ampHigh) / 2 / power;
    if (Math.abs(dLow) > this.tol * fLow || Math.abs(dHigh) > this.tol * fHigh) return undefined;
    if (ampLow < this.minAmp || ampHigh < this.minAmp) return undefined;
    const twist = 20 * Math.log10(ampHigh / ampLow);
    if (twist > this.maxTwist || twist < this.minTwist) return undefined;
    if (info.toneShare < this.minShare) return undefined;
    const fl = this.fitFreqs;
    fl[0] = info.lowHz / RATE;
    fl[1] = info.highHz / RATE;
    info.residual = this.fit.residualShare(buf, 0, SPAN, fl);
    if (info.residual > this.maxResidual) return undefined;
    info.digit = DTMF_KEYS[bestLow]![bestHigh - 4] as DtmfDigit;
    return info.digit;
  }

  /** The candidate's offset from its bin's nominal frequency, from the phase advance A → B. */
  private offsetHz(k: number): number {
    const ang = Math.atan2(this.cross[2 * k + 1]!, this.cross[2 * k]!);
    return (wrapPhase(ang - this.advance[k]!) * RATE) / (2 * Math.PI * LAG);
  }

  private response(offsetHz: number): number {
    const x = Math.max(-100, Math.min(100, offsetHz)) + 100;
    const i = Math.min(199, Math.floor(x));
    const t = this.responseTable;
    return t[i]! + (t[i + 1]! - t[i]!) * (x - i);
  }

  private block(digit: DtmfDigit | undefined): void {
    const end = this.consumed;
    const start = end - SPAN;
    if (digit !== undefined && digit === this.candidate) this.hits++;
    else if (digit !== undefined) {
      this.candidate = digit;
      this.candidateStart = start;
      this.hits = 1;
    } else {
      this.candidate = undefined;
      this.hits = 0;
    }

    if (this.active !== undefined) {
      if (digit === this.active) {
        this.misses = 0;
        this.lastHitEnd = end;
        return;
      }
      if (++this.misses < this.release) return;
      this.finish();
    }
    if (this.candidate !== undefined && this.hits >= this.onset) {
      this.active = this.candidate;
      this.activeStart = this.candidateStart;
      this.lastHitEnd = end;
      this.misses = 0;
      this.events.push({ type: 'start', digit: this.active, start: this.activeStart });
    }
  }

  private finish(): void {
    const digit = this.active!;
    const duration = this.lastHitEnd - this.activeStart;
    this.events.push({ type: 'end', digit, start: this.activeStart, duration });
    this.active = undefined;
    this.misses = 0;
  }
}
