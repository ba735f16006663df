/**
 * A binary min-heap keyed by a number (a deadline). Used wherever many timers
 * or sessions wait for their next instant: never scan them all. Equal keys
 * come out in the order they went in, so simulations are predictable.
 */
export class MinHeap<T> {
  private keys: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(key: number, item: T): void {
    this.keys.push(key);
    this.seqs.push(this.seq++);
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  /** The smallest key, or undefined when empty. */
  peekKey(): number | undefined {
    return this.keys[0];
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0]!;
    const lastKey = this.keys.pop()!;
    const lastSeq = this.seqs.pop()!;
    const lastItem = this.items.pop()!;
    if (n > 1) {
      this.keys[0] = lastKey;
      this.seqs[0] = lastSeq;
      this.items[0] = lastItem;
      this.down(0);
    }
    return top;
  }

  /** Remove the first item for which `match` is true. O(n); for cancellations, which are rare. */
  remove(match: (item: T) => boolean): boolean {
    const i = this.items.findIndex(match);
    if (i < 0) return false;
    const lastKey = this.keys.pop()!;
    const lastSeq = this.seqs.pop()!;
    const lastItem = this.items.pop()!;
    if (i < this.items.length) {
      this.keys[i] = lastKey;
      this.seqs[i] = lastSeq;
      this.items[i] = lastItem;
      this.down(i);
      this.up(i);
    }
    return true;
  }

  /** Keep only the items for which `keep` is true: O(n), the order of equal keys kept. */
  retain(keep: (item: T) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.items.length; r++) {
      const item = this.items[r]!;
      if (!keep(item)) continue;
      this.keys[w] = this.keys[r]!;
      this.seqs[w] = this.seqs[r]!;
      this.items[w] = item;
      w++;
    }
    this.keys.length = w;
    this.seqs.length = w;
    this.items.length = w;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.down(i);
  }

  clear(): void {
    this.keys = [];
    this.seqs = [];
    this.items = [];
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.seqs[a]! < this.seqs[b]!);
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const { keys, seqs, items } = this;
    const k = keys[a]!;
    keys[a] = keys[b]!;
    keys[b] = k;
    const s = seqs[a]!;
    seqs[a] = seqs[b]!;
    seqs[b] = s;
    const t = items[a]!;
    items[a] = items[b]!;
    items[b] = t;
  }
}
