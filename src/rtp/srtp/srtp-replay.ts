/**
 * The replay list of one stream (RFC 3711 3.3.2): a sliding window over the
 * packet indices received and authenticated. "Packets with an index lower
 * than the lowest index of the window are considered too old to be
 * received; packets within the window that have already been received are
 * replays." Memory and work per packet are bounded by the window size.
 */

export type ReplayVerdict = 'new' | 'replayed' | 'too-old';

/** RFC 3711 3.3.2: "the minimum window size ... is 64" (default here). */
export const DEFAULT_REPLAY_WINDOW = 64;

export class ReplayWindow {
  private highest = -1;
  private readonly seen: Uint8Array;

  constructor(readonly size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < 1 || size > 32768)
      throw new RangeError(`replay window of ${size} packets: must be 1-32768`);
    this.seen = new Uint8Array(size);
  }

  /** Whether `index` may be accepted (checked before authentication; nothing changes). */
  check(index: number): ReplayVerdict {
    if (this.highest < 0 || index > this.highest) return 'new';
    if (this.highest - index >= this.size) return 'too-old';
    return this.seen[index % this.size] ? 'replayed' : 'new';
  }

  /** Record an authenticated packet's index ("the replay list is updated only after authentication"). */
  accept(index: number): void {
    const w = this.size;
    if (this.highest < 0) {
      this.highest = index;
    } else if (index > this.highest) {
      const d = index - this.highest;
      if (d >= w) this.seen.fill(0);
      else for (let i = 1; i <= d; i++) this.seen[(this.highest + i) % w] = 0;
      this.highest = index;
    }
    this.seen[index % w] = 1;
  }
}
