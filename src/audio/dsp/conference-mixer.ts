/**
 * The conference mixer of the seed paper ("Performance"): per 20 ms frame,
 * the power (RMS) of every participant, the N loudest (default 4) scaled
 * (default 1/N) and summed, each participant hearing the loudest N others
 * but never itself.
 *
 * The "smart" reuse: let T be the N loudest. Everyone outside T hears the
 * same mix, ΣT, computed once and shared. A member p of T hears
 * ΣT − p + (the (N+1)-th loudest), one subtraction and one addition per
 * sample. So an 18-way conference costs one power per input, one shared
 * sum and N private corrections, instead of 18 separate mixes.
 *
 * Samples are summed as exact integers, then scaled, rounded (half up) and
 * saturated to 16 bits once, so the result does not depend on the order of
 * addition and a gain above 1/N clips instead of wrapping. Equal powers rank
 * by participant index. Nothing is allocated per frame once the mixer has
 * seen its largest conference.
 */
import { DspMisuseError } from '../errors.js';

export interface ConferenceMixerOptions {
  /** How many of the loudest participants are heard (default 4). */
  readonly loudest?: number;
  /** Gain applied to the sum (default 1/loudest, which can never clip). */
  readonly gain?: number;
  /** Samples per frame (default 160: 20 ms at 8 kHz). */
  readonly frameLength?: number;
}

/**
 * Mixes one frame of every participant into what each of them hears.
 *
 * @example
 * const mixer = new ConferenceMixer({ loudest: 4 });
 * mixer.mix(inputs);                 // inputs[i]: Int16Array(160) from participant i
 * send(i, mixer.output(i));          // what participant i hears (valid until the next mix)
 */
export class ConferenceMixer {
  readonly loudest: number;
  readonly gain: number;
  readonly frameLength: number;
  /** k when the gain is exactly 1/2^k, else 0. */
  private readonly shift: number;
  private energies = new Float64Array(32);
  /** Rank of each participant in the last frame (0 = loudest), or -1 outside the top N. */
  private rankOf = new Int32Array(32);
  private readonly top: Int32Array;
  private topCount = 0;
  private participants = 0;
  private readonly sum: Int32Array;
  private readonly shared: Int16Array;
  private readonly privates: Int16Array[];
  /** Zeros, standing in for "nothing to subtract or add" so the scaling loop has one shape. */
  private readonly none: Int16Array;

  constructor(options: ConferenceMixerOptions = {}) {
    this.loudest = options.loudest ?? 4;
    if (!Number.isInteger(this.loudest) || this.loudest < 1)
      throw new DspMisuseError(`loudest must be a positive integer, got ${this.loudest}`);
    this.gain = options.gain ?? 1 / this.loudest;
    if (!(this.gain > 0 && Number.isFinite(this.gain)))
      throw new DspMisuseError(`gain must be positive, got ${this.gain}`);
    this.frameLength = options.frameLength ?? 160;
    // A gain of 1/2^k (the default 1/4) rounds half up exactly as floor((v + 2^(k-1)) / 2^k): a shift.
    const k = Math.log2(1 / this.gain);
    this.shift = Number.isInteger(k) && k >= 1 && k <= 16 ? k : 0;
    this.top = new Int32Array(this.loudest + 1);
    this.sum = new Int32Array(this.frameLength);
    this.shared = new Int16Array(this.frameLength);
    this.privates = Array.from({ length: this.loudest }, () => new Int16Array(this.frameLength));
    this.none = new Int16Array(this.frameLength);
  }

  /**
   * Mix one frame. Afterwards `output(i)` is what participant i hears and
   * `shared` what everyone outside the loudest N hears.
   */
  mix(inputs: readonly Int16Array[]): void {
    const n = this.select(inputs);
    const len = this.frameLength;
    const sum = this.sum;
    const top = this.top;
    const heard = Math.min(this.loudest, n);
    sumOf(inputs, top, heard, sum, len);
    scale(sum, this.none, this.none, this.gain, this.shift, this.shared, len);
    const next = n > this.loudest ? inputs[top[this.loudest]!]! : this.none;
    for (let j = 0; j < heard; j++) scale(sum, inputs[top[j]!]!, next, this.gain, this.shift, this.privates[j]!, len);
  }

  /**
   * Mix one frame with talkers chosen by the caller instead of by this
   * frame's powers (a `TalkerSelector`, whose hysteresis keeps the choice
   * from flapping). Everyone outside `talkers` hears their sum; talker j
   * hears the sum without itself plus `standIn` (the loudest of the rest,
   * or -1 for nobody), so it too hears up to N others. `output(i)` and
   * `sharedOutput` as after `mix`.
   */
  mixChosen(inputs: readonly Int16Array[], talkers: ArrayLike<number>, count: number, standIn = -1): void {
    const n = inputs.length;
    const len = this.frameLength;
    if (count < 0 || count > this.loudest)
      throw new DspMisuseError(`${count} talkers chosen, at most ${this.loudest} are heard`);
    this.ensure(n);
    const top = this.top;
    const rankOf = this.rankOf;
    rankOf.fill(-1, 0, n);
    for (let j = 0; j < count; j++) {
      const i = talkers[j]!;
      if (!(i >= 0 && i < n) || rankOf[i] !== -1)
        throw new DspMisuseError(`talker ${i} is not one of ${n} participants, or chosen twice`);
      if (inputs[i]!.length !== len)
        throw new DspMisuseError(`participant ${i}: frame of ${inputs[i]!.length} samples, expected ${len}`);
      top[j] = i;
      rankOf[i] = j;
    }
    if (standIn >= 0 && (standIn >= n || rankOf[standIn] !== -1 || inputs[standIn]!.length !== len))
      throw new DspMisuseError(`stand-in ${standIn} is not one of the ${n} participants outside the talkers`);
    this.participants = n;
    this.topCount = count;
    if (standIn >= 0) top[this.topCount++] = standIn;
    const sum = this.sum;
    sumOf(inputs, top, count, sum, len);
    scale(sum, this.none, this.none, this.gain, this.shift, this.shared, len);
    const next = standIn >= 0 ? inputs[standIn]! : this.none;
    for (let j = 0; j < count; j++) scale(sum, inputs[top[j]!]!, next, this.gain, this.shift, this.privates[j]!, len);
  }

  /**
   * The seed's "1 channel" case: the loudest N of all inputs, scaled and
   * summed into `out` (nobody is left out).
   */
  mixOne(inputs: readonly Int16Array[], out: Int16Array): void {
    const n = this.select(inputs);
    const heard = Math.min(this.loudest, n);
    const sum = this.sum;
    sumOf(inputs, this.top, heard, sum, this.frameLength);
    scale(sum, this.none, this.none, this.gain, this.shift, out, this.frameLength);
  }

  /** What participant i hears after the last `mix` (a buffer the mixer reuses). */
  output(i: number): Int16Array {
    if (i < 0 || i >= this.participants)
      throw new DspMisuseError(`no participant ${i} in the last mix of ${this.participants}`);
    const r = this.rankOf[i]!;
    return r >= 0 ? this.privates[r]! : this.shared;
  }

  /** Mix and copy each participant's result into `outputs[i]`. */
  mixInto(inputs: readonly Int16Array[], outputs: readonly Int16Array[]): void {
    this.mix(inputs);
    for (let i = 0; i < inputs.length; i++) outputs[i]!.set(this.output(i));
  }

  /** What everyone outside the loudest N hears after the last `mix`. */
  get sharedOutput(): Int16Array {
    return this.shared;
  }

  /** Indices of the loudest participants in the last frame, loudest first (at most N + 1). */
  ranking(): readonly number[] {
    return Array.from(this.top.subarray(0, this.topCount));
  }

  /** Power of participant i in the last frame (sum of squares over the frame). */
  energyOf(i: number): number {
    return this.energies[i]!;
  }

  /** Room for `n` participants' powers and ranks. */
  private ensure(n: number): void {
    if (n > this.energies.length) {
      this.energies = new Float64Array(n * 2);
      this.rankOf = new Int32Array(n * 2);
    }
  }

  /** Powers, then the N + 1 loudest by insertion (ties: lower index first). */
  private select(inputs: readonly Int16Array[]): number {
    const n = inputs.length;
    const len = this.frameLength;
    this.ensure(n);
    this.participants = n;
    const e = this.energies;
    const top = this.top;
    const want = Math.min(this.loudest + 1, n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const x = inputs[i]!;
      if (x.length !== len) throw new DspMisuseError(`participant ${i}: frame of ${x.length} samples, expected ${len}`);
      // Four samples a step into two accumulators. A square of a 16-bit
      // sample is at most 2^30, exact as a 32-bit integer product
      // (Math.imul, cheaper than a float multiply); the sums are ordinary
      // numbers, exact far below 2^53.
      let acc = 0;
      let acc2 = 0;
      let s = 0;
      for (; s + 3 < len; s += 4) {
        const a = x[s]!;
        const b = x[s + 1]!;
        const c = x[s + 2]!;
        const d = x[s + 3]!;
        acc += Math.imul(a, a) + Math.imul(b, b);
        acc2 += Math.imul(c, c) + Math.imul(d, d);
      }
      for (; s < len; s++) acc += x[s]! * x[s]!;
      acc += acc2;
      e[i] = acc;
      this.rankOf[i] = -1;
      // Insert i into the sorted top list if it beats the weakest kept.
      if (count < want || acc > e[top[count - 1]!]!) {
        let k = count < want ? count++ : count - 1;
        while (k > 0 && acc > e[top[k - 1]!]!) {
          top[k] = top[k - 1]!;
          k--;
        }
        top[k] = i;
      }
    }
    this.topCount = count;
    const heard = Math.min(this.loudest, n);
    for (let j = 0; j < heard; j++) this.rankOf[top[j]!] = j;
    return n;
  }
}

/** sum = Σ inputs[top[0..heard)], in one pass for the usual four. */
function sumOf(inputs: readonly Int16Array[], top: Int32Array, heard: number, sum: Int32Array, len: number): void {
  if (heard === 4) {
    const a = inputs[top[0]!]!;
    const b = inputs[top[1]!]!;
    const c = inputs[top[2]!]!;
    const d = inputs[top[3]!]!;
    for (let s = 0; s < len; s++) sum[s] = a[s]! + b[s]! + c[s]! + d[s]!;
    return;
  }
  sum.fill(0);
  for (let j = 0; j < heard; j++) {
    const x = inputs[top[j]!]!;
    for (let s = 0; s < len; s++) sum[s] = sum[s]! + x[s]!;
  }
}

/** out = saturate(round(gain · (sum − minus + plus))), rounding half up. */
function scale(
  sum: Int32Array,
  minus: Int16Array,
  plus: Int16Array,
  gain: number,
  shift: number,
  out: Int16Array,
  len: number,
): void {
  if (shift > 0) {
    const half = 1 << (shift - 1);
    for (let s = 0; s < len; s++) {
      const r = (sum[s]! - minus[s]! + plus[s]! + half) >> shift;
      out[s] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
    }
    return;
  }
  for (let s = 0; s < len; s++) {
    const r = Math.round((sum[s]! - minus[s]! + plus[s]!) * gain);
    out[s] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
  }
}
