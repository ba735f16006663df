/**
 * The last `capacity` numbers noted (sequence numbers, media positions),
 * for "was this one seen lately?": a ring, so noting one costs the same
 * however many are kept (an array's shift moved them all, on every frame).
 *
 * @example
 * const played = new RecentNumbers(128);
 * played.add(seq);
 * if (played.has(lateSeq)) duplicates++;
 */
export class RecentNumbers {
  private readonly values: Float64Array;
  private count = 0;
  private next = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(Math.max(1, capacity));
  }

  add(v: number): void {
    this.values[this.next] = v;
    this.next = this.next + 1 === this.values.length ? 0 : this.next + 1;
    if (this.count < this.values.length) this.count++;
  }

  has(v: number): boolean {
    const values = this.values;
    for (let i = 0; i < this.count; i++) if (values[i] === v) return true;
    return false;
  }

  clear(): void {
    this.count = 0;
    this.next = 0;
  }
}
