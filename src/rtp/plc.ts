/**
 * Packet loss concealment for 8 kHz PCM in the manner of ITU-T G.711
 * Appendix I: pitch-based waveform substitution.
 *
 * Theory of operation (per 10 ms block of 80 samples)
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

const PITCH_MIN = 40;
const PITCH_MAX = 120;
const PITCH_DIFF = PITCH_MAX - PITCH_MIN;
const OVERLAP_MAX = PITCH_MAX >> 2; // 30 samples: the algorithmic delay
const HISTORY = PITCH_MAX * 3 + OVERLAP_MAX; // 390 samples
const DECIMATE = 2;
const CORR_LEN = 160; // 20 ms compared
const CORR_BUF = CORR_LEN + PITCH_MAX; // 280 samples searched
const CORR_MIN_POWER = 250;
const END_OVERLAP_STEP = 32; // 4 ms more cross-fade per further lost block
const BLOCK = 80; // 10 ms
const ATTENUATION_PER_BLOCK = 0.2;
const ATTENUATION_STEP = ATTENUATION_PER_BLOCK / BLOCK;

/**
 * @example
 * const plc = new PacketLossConcealer();
 * const out = f.kind === 'audio' ? plc.good(decode(f.packet.payload)) : plc.conceal(160);
 * sink.write(out);
 */
export class PacketLossConcealer {
  /** Samples of delay between input and output (3.75 ms at 8 kHz). */
  static readonly DELAY = OVERLAP_MAX;

  /** The last HISTORY samples as a ring: the oldest at `head` (a block is written without shifting the rest). */
  private readonly history = new Float64Array(HISTORY);
  private head = 0;
  private readonly pitchBuf = new Float64Array(HISTORY);
  private readonly lastQuarter = new Float64Array(OVERLAP_MAX);
  private readonly block = new Float64Array(BLOCK);
  private readonly tmp = new Float64Array(OVERLAP_MAX);
  private readonly fade = new Float64Array(BLOCK);
  private erased = 0;
  private pitch = 0;
  private overlap = 0;
  private offset = 0;
  private periodLen = 0;
  private periodStart = 0;

  /** Blocks (10 ms) concealed so far in the current loss. */
  get erasedBlocks(): number {
    return this.erased;
  }

  /** Forget the signal (a new stream). */
  reset(): void {
    this.history.fill(0);
    this.head = 0;
    this.erased = 0;
  }

  /** Pass a good (decoded) frame; returns the output frame, 3.75 ms behind. Length: a multiple of 80. */
  good(input: Int16Array, out: Int16Array = new Int16Array(input.length)): Int16Array {
    this.check(input.length, out.length);
    for (let o = 0; o < input.length; o += BLOCK) {
      for (let i = 0; i < BLOCK; i++) this.block[i] = input[o + i]!;
      if (this.erased > 0) this.blendAfterLoss();
      this.save(out, o);
    }
    return out;
  }

  /** Synthesize `samples` (a multiple of 80) for a lost frame; returns the output frame. */
  conceal(samples = 160, out: Int16Array = new Int16Array(samples)): Int16Array {
    this.check(samples, out.length);
    for (let o = 0; o < samples; o += BLOCK) {
      this.concealBlock();
      this.save(out, o);
    }
    return out;
  }

  private check(n: number, outLen: number): void {
    if (n % BLOCK !== 0 || n === 0)
      throw new MediaStateError(`PLC works on multiples of ${BLOCK} samples (10 ms at 8 kHz), got ${n}`);
    if (outLen < n) throw new MediaStateError(`PLC output buffer of ${outLen} samples is shorter than ${n}`);
  }

  private concealBlock(): void {
    const b = this.block;
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
    const to = HISTORY - n;
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
    for (let i = 0; i < BLOCK; i++, g -= ATTENUATION_STEP) b[i] = b[i]! * Math.max(0, g);
  }

  /** The first good block after a loss fades in over the continued synthetic signal. */
  private blendAfterLoss(): void {
    const n = Math.min(BLOCK, this.overlap + (this.erased - 1) * END_OVERLAP_STEP);
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

  /** Add the block to the history; the output is the history delayed by 30 samples. */
  private save(out: Int16Array, at: number): void {
    const h = this.history;
    let w = this.head;
    for (let i = 0; i < BLOCK; i++) {
      h[w] = this.block[i]!;
      w = w + 1 === HISTORY ? 0 : w + 1;
    }
    this.head = w;
    let r = this.at(HISTORY - BLOCK - OVERLAP_MAX);
    for (let i = 0; i < BLOCK; i++) {
      const v = Math.round(h[r]!);
      out[at + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      r = r + 1 === HISTORY ? 0 : r + 1;
    }
  }

  /** Where the history's `i`-th sample (0: the oldest) is in the ring. */
  private at(i: number): number {
    const j = this.head + i;
    return j >= HISTORY ? j - HISTORY : j;
  }

  /** The history, oldest first, into `to`. */
  private linearHistory(to: Float64Array): void {
    const h = this.history;
    to.set(h.subarray(this.head), 0);
    to.set(h.subarray(0, this.head), HISTORY - this.head);
  }

  /** The pitch period (samples) that best repeats the last 20 ms of history. */
  private findPitch(): number {
    const p = this.pitchBuf;
    const l = HISTORY - CORR_LEN; // the segment to match: the last 20 ms
    const r = HISTORY - CORR_BUF; // where the search starts (lag PITCH_MAX)
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
    return PITCH_MAX - best;
  }
}
