/**
 * Packet loss concealment for 8 kHz PCM in the manner of ITU-T G.711
 * Appendix I: pitch-based waveform substitution; at 16 kHz (G.722) with
 * every length doubled, so the times below hold at either rate.
 *
 * Theory of operation (per 10 ms block, 80 samples at 8 kHz)
 * - Good audio goes through a 48.75 ms history and comes out 3.75 ms
 *   (30 samples) late; that delay lets the start of a concealment be blended
 *   into audio not yet played.
 * - At the first lost block the pitch period (40-120 samples, 66-200 Hz) is
 *   found by normalised cross-correlation of the last 20 ms against the
 *   history: a coarse search on every second sample, then a fine one. The
 *   last period is repeated, its joint smoothed by a quarter-period
 *   overlap-add.
 * - From the second lost block on, more periods of history join the
 *   repetition (2, then 3 periods, so a long loss does not buzz), and the
 *   output fades by 20 % per 10 ms; after 60 ms it is silent.
 * - The first good block after a loss is cross-faded with the continued
 *   synthetic signal over a quarter period plus 4 ms per further lost block.
 *
 * Pure and allocation-free per call (given an output buffer): the calls layer
 * applies it after decoding, whatever the codec.
 */
import { MediaStateError } from './errors.js';

// The figures of G.711 Appendix I at 8 kHz; a concealer at 16 kHz (or any
// multiple of 8 kHz) scales every length by its rate over 8000, so the same
// times and pitch range (66-200 Hz) hold at every rate.
const PITCH_MIN_8K = 40;
const PITCH_MAX_8K = 120;
const CORR_LEN_8K = 160; // 20 ms compared
const END_OVERLAP_STEP_8K = 32; // 4 ms more cross-fade per further lost block
const BLOCK_8K = 80; // 10 ms
const CORR_MIN_POWER = 250;
const ATTENUATION_PER_BLOCK = 0.2;

/**
 * @example
 * const plc = new PacketLossConcealer();
 * const out = f.kind === 'audio' ? plc.good(decode(f.packet.payload)) : plc.conceal(160);
 * sink.write(out);
 */
export class PacketLossConcealer {
  /** Samples of delay between input and output at 8 kHz (3.75 ms); `delay` at the concealer's rate. */
  static readonly DELAY = PITCH_MAX_8K >> 2;

  /** Samples of delay between input and output (3.75 ms). */
  readonly delay: number;
  /** Samples in one 10 ms block: lengths given to `good` and `conceal` are multiples of it. */
  readonly block10ms: number;
  private readonly pitchMin: number;
  private readonly pitchMax: number;
  /** The last `historyLen` samples as a ring: the oldest at `head` (a block is written without shifting the rest). */
  private readonly history: Float64Array;
  private head = 0;
  private readonly historyLen: number;
  private readonly corrLen: number;
  private readonly corrBuf: number;
  private readonly endOverlapStep: number;
  private readonly attenuationStep: number;
  private readonly pitchBuf: Float64Array;
  private readonly lastQuarter: Float64Array;
  private readonly block: Float64Array;
  private readonly tmp: Float64Array;
  private readonly fade: Float64Array;
  private erased = 0;
  /**
   * The last block written to the history was a good one written as it
   * came (whole numbers): with the block before it, that is all the output
   * of the next good block reads, so it can be copied without rounding.
   */
  private lastClean = true;
  /** @internal Off: every block through the per-sample path (tests compare the two). */
  fastPath = true;
  private pitch = 0;
  private overlap = 0;
  private offset = 0;
  private periodLen = 0;
  private periodStart = 0;

  /** `rate`: 8000 (default) or a multiple of it (16000 for G.722). */
  constructor(readonly rate = 8000) {
    const k = rate / 8000;
    if (!Number.isInteger(k) || k < 1 || k > 6)
      throw new MediaStateError(`PLC runs at 8, 16, 24, 32, 40 or 48 kHz, not ${rate} Hz`);
    this.pitchMin = PITCH_MIN_8K * k;
    this.pitchMax = PITCH_MAX_8K * k;
    this.delay = this.pitchMax >> 2;
    this.historyLen = this.pitchMax * 3 + this.delay;
    this.corrLen = CORR_LEN_8K * k;
    this.corrBuf = this.corrLen + this.pitchMax;
    this.endOverlapStep = END_OVERLAP_STEP_8K * k;
    this.block10ms = BLOCK_8K * k;
    this.attenuationStep = ATTENUATION_PER_BLOCK / this.block10ms;
    this.history = new Float64Array(this.historyLen);
    this.pitchBuf = new Float64Array(this.historyLen);
    this.lastQuarter = new Float64Array(this.delay);
    this.block = new Float64Array(this.block10ms);
    this.tmp = new Float64Array(this.delay);
    this.fade = new Float64Array(this.block10ms);
  }

  /** Blocks (10 ms) concealed so far in the current loss. */
  get erasedBlocks(): number {
    return this.erased;
  }

  /** Forget the signal (a new stream). */
  reset(): void {
    this.history.fill(0);
    this.head = 0;
    this.erased = 0;
    this.lastClean = true;
  }

  /** Pass a good (decoded) frame; returns the output frame, 3.75 ms behind. Length: a multiple of 10 ms. */
  good(input: Int16Array, out: Int16Array = new Int16Array(input.length)): Int16Array {
    this.check(input.length, out.length);
    const BLOCK = this.block10ms;
    for (let o = 0; o < input.length; o += BLOCK) {
      if (this.erased === 0 && this.lastClean && this.fastPath) {
        this.saveClean(input, o, out);
        continue;
      }
      for (let i = 0; i < BLOCK; i++) this.block[i] = input[o + i]!;
      // A block blended with the synthetic signal holds fractions; one that is not is written as it came.
      const blended = this.erased > 0;
      if (blended) this.blendAfterLoss();
      this.save(out, o);
      this.lastClean = !blended;
    }
    return out;
  }

  /** Synthesize `samples` (a multiple of 10 ms; default 20 ms) for a lost frame; returns the output frame. */
  conceal(samples = 2 * this.block10ms, out: Int16Array = new Int16Array(samples)): Int16Array {
    this.check(samples, out.length);
    const BLOCK = this.block10ms;
    for (let o = 0; o < samples; o += BLOCK) {
      this.concealBlock();
      this.save(out, o);
      this.lastClean = false;
    }
    return out;
  }

  private check(n: number, outLen: number): void {
    const BLOCK = this.block10ms;
    if (n % BLOCK !== 0 || n === 0)
      throw new MediaStateError(
        `PLC works on multiples of ${BLOCK} samples (10 ms at ${this.rate / 1000} kHz), got ${n}`,
      );
    if (outLen < n) throw new MediaStateError(`PLC output buffer of ${outLen} samples is shorter than ${n}`);
  }

  private concealBlock(): void {
    const b = this.block;
    const BLOCK = this.block10ms;
    const HISTORY = this.historyLen;
    const OVERLAP_MAX = this.delay;
    if (this.erased === 0) {
      // First lost block: find the pitch and repeat the last period.
      this.linearHistory(this.pitchBuf);
      this.pitch = this.findPitch();
      this.overlap = this.pitch >> 2;
      for (let i = 0; i < this.overlap; i++) this.lastQuarter[i] = this.pitchBuf[HISTORY - this.overlap + i]!;
      this.offset = 0;
      this.periodLen = this.pitch;
      this.periodStart = HISTORY - this.periodLen;
      this.smoothJoint();
      // The blended tail has not been played yet (it is inside the output delay): replace it.
      for (let i = HISTORY - OVERLAP_MAX; i < HISTORY; i++) this.history[this.at(i)] = this.pitchBuf[i]!;
      this.synth(b, 0, BLOCK);
    } else if (this.erased === 1 || this.erased === 2) {
      // Second and third block: use one more period of history each time,
      // cross-fading from where the previous repetition had got to.
      const saved = this.offset;
      this.synth(this.tmp, 0, this.overlap);
      this.offset = saved;
      while (this.offset > this.pitch) this.offset -= this.pitch;
      this.periodLen += this.pitch;
      this.periodStart = HISTORY - this.periodLen;
      this.smoothJoint();
      this.synth(b, 0, BLOCK);
      const incr = 1 / this.overlap;
      let lw = 1 - incr;
      let rw = incr;
      for (let i = 0; i < this.overlap; i++, lw -= incr, rw += incr) b[i] = lw * this.tmp[i]! + rw * b[i]!;
      this.attenuate(b);
    } else if (this.erased > 5) {
      b.fill(0);
    } else {
      this.synth(b, 0, BLOCK);
      this.attenuate(b);
    }
    this.erased++;
  }

  /** Blend the end of the history into the start of the repeated period (quarter-period overlap-add). */
  private smoothJoint(): void {
    const n = this.overlap;
    const incr = 1 / n;
    let lw = 1 - incr;
    let rw = incr;
    const from = this.periodStart - n;
    const to = this.historyLen - n;
    for (let i = 0; i < n; i++, lw -= incr, rw += incr)
      this.pitchBuf[to + i] = lw * this.lastQuarter[i]! + rw * this.pitchBuf[from + i]!;
  }

  /** Copy `n` samples of the repeated period(s), continuing where the last copy stopped. */
  private synth(out: Float64Array, at: number, n: number): void {
    let o = at;
    while (n > 0) {
      const cnt = Math.min(n, this.periodLen - this.offset);
      for (let i = 0; i < cnt; i++) out[o + i] = this.pitchBuf[this.periodStart + this.offset + i]!;
      this.offset += cnt;
      if (this.offset === this.periodLen) this.offset = 0;
      o += cnt;
      n -= cnt;
    }
  }

  /** Fade: 20 % per 10 ms block after the first, linearly within the block. */
  private attenuate(b: Float64Array): void {
    let g = 1 - (this.erased - 1) * ATTENUATION_PER_BLOCK;
    const step = this.attenuationStep;
    for (let i = 0; i < b.length; i++, g -= step) b[i] = b[i]! * Math.max(0, g);
  }

  /** The first good block after a loss fades in over the continued synthetic signal. */
  private blendAfterLoss(): void {
    const n = Math.min(this.block10ms, this.overlap + (this.erased - 1) * this.endOverlapStep);
    const synth = this.fade;
    this.synth(synth, 0, n);
    const incr = 1 / n;
    const gain = Math.max(0, 1 - (this.erased - 1) * ATTENUATION_PER_BLOCK);
    const incrGain = incr * gain;
    let lw = (1 - incr) * gain;
    let rw = incr;
    const b = this.block;
    for (let i = 0; i < n; i++, lw -= incrGain, rw += incr) b[i] = lw * synth[i]! + rw * b[i]!;
    this.erased = 0;
  }

  /** Add the block to the history; the output is the history delayed by 3.75 ms. */
  private save(out: Int16Array, at: number): void {
    const h = this.history;
    const BLOCK = this.block10ms;
    const HISTORY = this.historyLen;
    let w = this.head;
    for (let i = 0; i < BLOCK; i++) {
      h[w] = this.block[i]!;
      w = w + 1 === HISTORY ? 0 : w + 1;
    }
    this.head = w;
    let r = this.at(HISTORY - BLOCK - this.delay);
    for (let i = 0; i < BLOCK; i++) {
      const v = Math.round(h[r]!);
      out[at + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      r = r + 1 === HISTORY ? 0 : r + 1;
    }
  }

  /**
   * `save` for a good block after a good block: the history then holds whole
   * numbers from 16-bit input where the output reads, so they go out as
   * they are (the same samples `save` gives, without rounding or clamping).
   */
  private saveClean(input: Int16Array, at: number, out: Int16Array): void {
    const h = this.history;
    const BLOCK = this.block10ms;
    const HISTORY = this.historyLen;
    let w = this.head;
    for (let i = 0; i < BLOCK; i++) {
      h[w] = input[at + i]!;
      w = w + 1 === HISTORY ? 0 : w + 1;
    }
    this.head = w;
    let r = this.at(HISTORY - BLOCK - this.delay);
    for (let i = 0; i < BLOCK; i++) {
      out[at + i] = h[r]!;
      r = r + 1 === HISTORY ? 0 : r + 1;
    }
  }

  /** Where the history's `i`-th sample (0: the oldest) is in the ring. */
  private at(i: number): number {
    const j = this.head + i;
    return j >= this.historyLen ? j - this.historyLen : j;
  }

  /** The history, oldest first, into `to`. */
  private linearHistory(to: Float64Array): void {
    const h = this.history;
    to.set(h.subarray(this.head), 0);
    to.set(h.subarray(0, this.head), this.historyLen - this.head);
  }

  /** The pitch period (samples) that best repeats the last 20 ms of history. */
  private findPitch(): number {
    const p = this.pitchBuf;
    const CORR_LEN = this.corrLen;
    const PITCH_DIFF = this.pitchMax - this.pitchMin;
    // Decimate the coarse search more at higher rates: the same lag grid in time.
    const DECIMATE = 2 * (this.rate / 8000);
    const l = this.historyLen - CORR_LEN; // the segment to match: the last 20 ms
    const r = this.historyLen - this.corrBuf; // where the search starts (lag pitchMax)
    const score = (start: number, step: number): number => {
      let energy = 0;
      let corr = 0;
      for (let i = 0; i < CORR_LEN; i += step) {
        const x = p[start + i]!;
        energy += x * x;
        corr += x * p[l + i]!;
      }
      return corr / Math.sqrt(Math.max(energy, CORR_MIN_POWER));
    };
    // Coarse search on every second sample.
    let best = 0;
    let bestCorr = score(r, DECIMATE);
    for (let j = DECIMATE; j <= PITCH_DIFF; j += DECIMATE) {
      const c = score(r + j, DECIMATE);
      if (c >= bestCorr) {
        bestCorr = c;
        best = j;
      }
    }
    // Fine search around the coarse best, at full resolution.
    const lo = Math.max(0, best - (DECIMATE - 1));
    const hi = Math.min(PITCH_DIFF, best + (DECIMATE - 1));
    best = lo;
    bestCorr = score(r + lo, 1);
    for (let j = lo + 1; j <= hi; j++) {
      const c = score(r + j, 1);
      if (c > bestCorr) {
        bestCorr = c;
        best = j;
      }
    }
    return this.pitchMax - best;
  }
}
