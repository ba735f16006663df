/**
 * Who is heard in a conference: the N talkers, chosen with hysteresis so
 * that the mix does not flap between two voices of about the same level
 * (each flap is a click, and under GSM a jump between encoder states).
 *
 * Theory of operation, once per 20 ms frame:
 * - Each participant's level is its frame power (mean square), smoothed
 *   with an instant attack and a fast release (×0.6 a frame: −2.2 dB per
 *   20 ms), so a word's start counts at once and the gaps between words do
 *   not.
 * - A participant is talking while that level is above `floorDbfs`; a
 *   muted one (not eligible) is never a talker and leaves at once.
 * - A free place goes to the loudest talking participant outside the set.
 * - When the set is full, the loudest outsider takes the place of a talker
 *   that has been quiet for `holdFrames`, or of the weakest talker if it is
 *   `marginDb` louder; a talker keeps its place at least `minTenureFrames`.
 *   A quiet talker nobody wants to replace stays: no change, no click.
 * - The stand-in is the loudest talking participant outside the set: what a
 *   talker hears in place of itself, so that it too hears up to N others.
 *
 * Participants are slots 0..n-1 in the caller's order; `add` and
 * `remove(i)` follow the caller's array (a removal shifts the later slots
 * down). Nothing is allocated per frame.
 */
import { AUDIO_RATE, FRAME_SAMPLES } from '../device.js';
import { DspMisuseError } from '../errors.js';
import { FULL_SCALE } from './level.js';

export interface TalkerSelectorOptions {
  /** Talkers heard at most (N, default 4). */
  readonly talkers?: number;
  /** A smoothed level below this is not talking, dBFS (default −45, the VAD's threshold). */
  readonly floorDbfs?: number;
  /** How much louder an outsider must be than the weakest talker to take its place, dB (default 6). */
  readonly marginDb?: number;
  /** A talker quiet this long may be replaced by anyone talking, ms (default 400). */
  readonly holdMs?: number;
  /** A talker keeps its place at least this long, ms (default 200). */
  readonly minTenureMs?: number;
  /** Samples per frame (default the audio interface's, 20 ms). */
  readonly frameSamples?: number;
}

/** Release of the smoothed level per frame: −2.2 dB per 20 ms. */
const RELEASE = 0.6;

/**
 * @example
 * const sel = new TalkerSelector({ talkers: 4 });
 * sel.add(); sel.add(); sel.add();                  // three participants
 * sel.update(powers, eligible);                      // powers[i]: mean square of i's frame
 * mixer.mixChosen(frames, sel.talkers, sel.count, sel.standIn);
 */
export class TalkerSelector {
  readonly capacity: number;
  /** The talkers' slots after `update` (the first `count`). */
  readonly talkers: Int32Array;
  /** How many talkers. */
  count = 0;
  /** The loudest talking participant outside the talkers, or -1. */
  standIn = -1;
  private readonly floor: number;
  private readonly margin: number;
  private readonly hold: number;
  private readonly tenureMin: number;
  private level = new Float64Array(16);
  private quiet = new Int32Array(16);
  private tenure = new Int32Array(16);
  private isTalker = new Uint8Array(16);
  private n = 0;

  constructor(options: TalkerSelectorOptions = {}) {
    this.capacity = options.talkers ?? 4;
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new DspMisuseError(`talkers must be a positive integer, got ${this.capacity}`);
    const frameMs = ((options.frameSamples ?? FRAME_SAMPLES) * 1000) / AUDIO_RATE;
    // A full-scale sine reads 0 dBFS: its mean square is FULL_SCALE² / 2.
    this.floor = (FULL_SCALE * FULL_SCALE * 10 ** ((options.floorDbfs ?? -45) / 10)) / 2;
    this.margin = 10 ** ((options.marginDb ?? 6) / 10);
    this.hold = Math.max(1, Math.round((options.holdMs ?? 400) / frameMs));
    this.tenureMin = Math.max(0, Math.round((options.minTenureMs ?? 200) / frameMs));
    this.talkers = new Int32Array(this.capacity);
  }

  /** Participants known. */
  get size(): number {
    return this.n;
  }

  /** A new participant, in the last slot (returns it). */
  add(): number {
    if (this.n === this.level.length) this.grow();
    const i = this.n++;
    this.level[i] = 0;
    this.quiet[i] = 0;
    this.tenure[i] = 0;
    this.isTalker[i] = 0;
    return i;
  }

  /** Forget slot `i`; the slots after it move down by one. */
  remove(i: number): void {
    if (!(i >= 0 && i < this.n)) throw new DspMisuseError(`no participant ${i} of ${this.n}`);
    this.level.copyWithin(i, i + 1, this.n);
    this.quiet.copyWithin(i, i + 1, this.n);
    this.tenure.copyWithin(i, i + 1, this.n);
    this.isTalker.copyWithin(i, i + 1, this.n);
    this.n--;
    let k = 0;
    for (let j = 0; j < this.count; j++) {
      const t = this.talkers[j]!;
      if (t === i) continue;
      this.talkers[k++] = t > i ? t - 1 : t;
    }
    this.count = k;
    if (this.standIn === i) this.standIn = -1;
    else if (this.standIn > i) this.standIn--;
  }

  /** Whether slot `i` is a talker now. */
  talking(i: number): boolean {
    return this.isTalker[i] === 1;
  }

  /** Whether slot `i`'s smoothed level is above the floor (it speaks, whether heard or not). */
  active(i: number): boolean {
    return this.level[i]! > this.floor;
  }

  /** Slot `i`'s smoothed level, dBFS (−Infinity for silence). */
  levelDbfs(i: number): number {
    return 10 * Math.log10((2 * this.level[i]!) / (FULL_SCALE * FULL_SCALE));
  }

  /**
   * One frame: `power[i]` is participant i's mean square, `eligible[i]` 0
   * when it may not be heard (muted). Updates `talkers`, `count`, `standIn`.
   */
  update(power: ArrayLike<number>, eligible: ArrayLike<number>): void {
    const n = this.n;
    const level = this.level;
    const floor = this.floor;
    for (let i = 0; i < n; i++) {
      const e = power[i]!;
      const l = level[i]!;
      level[i] = e > l ? e : l * RELEASE + e * (1 - RELEASE);
    }
    // Talkers that are muted leave; the others age.
    let k = 0;
    for (let j = 0; j < this.count; j++) {
      const t = this.talkers[j]!;
      if (eligible[t] === 0) {
        this.isTalker[t] = 0;
        continue;
      }
      this.tenure[t]!++;
      this.quiet[t] = level[t]! > floor ? 0 : this.quiet[t]! + 1;
      this.talkers[k++] = t;
    }
    this.count = k;
    for (let round = 0; round < this.capacity; round++) {
      const c = this.loudestOutsider(eligible);
      if (c < 0) break;
      if (this.count < this.capacity) {
        this.enter(c, this.count++);
        continue;
      }
      const w = this.weakestReplaceable();
      if (w < 0) break;
      const t = this.talkers[w]!;
      if (this.quiet[t]! < this.hold && !(level[c]! > level[t]! * this.margin)) break;
      this.isTalker[t] = 0;
      this.enter(c, w);
    }
    this.standIn = this.loudestOutsider(eligible);
  }

  private enter(slot: number, place: number): void {
    this.talkers[place] = slot;
    this.isTalker[slot] = 1;
    this.tenure[slot] = 0;
    this.quiet[slot] = 0;
  }

  /** The loudest eligible participant above the floor that is not a talker, or -1. */
  private loudestOutsider(eligible: ArrayLike<number>): number {
    const level = this.level;
    let best = -1;
    let bestLevel = this.floor;
    for (let i = 0; i < this.n; i++) {
      if (this.isTalker[i] === 1 || eligible[i] === 0) continue;
      const l = level[i]!;
      if (l > bestLevel) {
        best = i;
        bestLevel = l;
      }
    }
    return best;
  }

  /** The place (index into `talkers`) to give up: a quiet talker first, else the weakest; past its tenure. */
  private weakestReplaceable(): number {
    let best = -1;
    let bestQuiet = false;
    let bestLevel = Infinity;
    for (let j = 0; j < this.count; j++) {
      const t = this.talkers[j]!;
      if (this.tenure[t]! < this.tenureMin) continue;
      const quiet = this.quiet[t]! >= this.hold;
      const l = this.level[t]!;
      if (best < 0 || (quiet && !bestQuiet) || (quiet === bestQuiet && l < bestLevel)) {
        best = j;
        bestQuiet = quiet;
        bestLevel = l;
      }
    }
    return best;
  }

  private grow(): void {
    const size = this.level.length * 2;
    const level = new Float64Array(size);
    level.set(this.level);
    const quiet = new Int32Array(size);
    quiet.set(this.quiet);
    const tenure = new Int32Array(size);
    tenure.set(this.tenure);
    const isTalker = new Uint8Array(size);
    isTalker.set(this.isTalker);
    this.level = level;
    this.quiet = quiet;
    this.tenure = tenure;
    this.isTalker = isTalker;
  }
}
