/**
 * How late packets arrive, for the jitter buffer's adaptive playout delay.
 *
 * Each packet's transit (arrival time minus its media time, with an
 * arbitrary constant offset) is compared with the smallest transit of the
 * last `windowMs`: that difference is the packet's extra delay. A sliding
 * histogram of the extra delays of the last `samples` packets gives the delay
 * that a chosen fraction of packets beat (the target playout delay).
 *
 * The minimum is kept per 100 ms bucket, so a slowly drifting transit (the
 * sender's clock runs faster or slower than ours) is followed within one
 * window, and the histogram costs O(1) per packet.
 */

export interface DelayEstimatorOptions {
  /** Window of the minimum transit, ms. Default 2000. */
  readonly windowMs?: number;
  /** Packets in the sliding histogram. Default 500 (10 s of 20 ms packets). */
  readonly samples?: number;
  /** Largest extra delay tracked, ms (larger values count as this). Default 1000. */
  readonly maxMs?: number;
}

const BUCKET_MS = 100;

export class DelayEstimator {
  private readonly windowMs: number;
  private readonly buckets: number;
  private readonly bucketMin: Float64Array;
  private readonly bucketId: Float64Array;
  private readonly ring: Uint16Array;
  private readonly hist: Uint32Array;
  private readonly maxMs: number;
  private n = 0;
  private next = 0;
  private min = Infinity;
  private minDirty = false;

  constructor(opts: DelayEstimatorOptions = {}) {
    this.windowMs = opts.windowMs ?? 2000;
    this.buckets = Math.max(1, Math.ceil(this.windowMs / BUCKET_MS));
    this.bucketMin = new Float64Array(this.buckets).fill(Infinity);
    this.bucketId = new Float64Array(this.buckets).fill(-1);
    this.ring = new Uint16Array(opts.samples ?? 500);
    this.maxMs = Math.min(opts.maxMs ?? 1000, 0xffff);
    this.hist = new Uint32Array(this.maxMs + 1);
  }

  /** Forget everything (a new stream or a timestamp jump). */
  reset(): void {
    this.bucketMin.fill(Infinity);
    this.bucketId.fill(-1);
    this.hist.fill(0);
    this.n = 0;
    this.next = 0;
    this.min = Infinity;
    this.minDirty = false;
  }

  /** The smallest transit in the window (Infinity before the first packet). */
  get minTransit(): number {
    if (this.minDirty) {
      let m = Infinity;
      for (let i = 0; i < this.buckets; i++) if (this.bucketMin[i]! < m) m = this.bucketMin[i]!;
      this.min = m;
      this.minDirty = false;
    }
    return this.min;
  }

  /** Packets in the histogram. */
  get count(): number {
    return this.n;
  }

  /** Add one packet; returns its extra delay in ms over the window's minimum transit. */
  add(arrivalMs: number, transit: number): number {
    const id = Math.floor(arrivalMs / BUCKET_MS);
    const slot = ((id % this.buckets) + this.buckets) % this.buckets;
    if (this.bucketId[slot] !== id) {
      // The bucket's previous contents are older than the window: replace them.
      if (this.bucketMin[slot] === this.min) this.minDirty = true;
      this.bucketId[slot] = id;
      this.bucketMin[slot] = transit;
      // Buckets skipped by a gap in arrivals are older than the window too.
      for (let k = 1; k < this.buckets; k++) {
        const s = (slot - k + this.buckets) % this.buckets;
        if (this.bucketId[s]! <= id - this.buckets) {
          if (this.bucketMin[s] === this.min) this.minDirty = true;
          this.bucketMin[s] = Infinity;
        }
      }
    } else if (transit < this.bucketMin[slot]!) {
      this.bucketMin[slot] = transit;
    }
    if (!this.minDirty && transit < this.min) this.min = transit;
    const extra = Math.max(0, transit - this.minTransit);
    const bin = Math.min(this.maxMs, Math.round(extra));
    if (this.n === this.ring.length) this.hist[this.ring[this.next]!]!--;
    else this.n++;
    this.ring[this.next] = bin;
    this.hist[bin]!++;
    this.next = (this.next + 1) % this.ring.length;
    return extra;
  }

  /** The extra delay (ms) that a fraction `q` of the recent packets did not exceed. */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const need = Math.ceil(q * this.n);
    let acc = 0;
    for (let b = 0; b <= this.maxMs; b++) {
      acc += this.hist[b]!;
      if (acc >= need) return b;
    }
    return this.maxMs;
  }
}
