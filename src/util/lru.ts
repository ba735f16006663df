/**
 * A map that keeps its `size` most recently used entries: a cache that a
 * long-running server fills with what peers choose (the caller named in a
 * voicemail envelope, say) without growing for ever.
 *
 * @example
 * const renders = new LruMap<string, Promise<Int16Array>>(128);
 * renders.set('goodbye', render('goodbye'));
 * renders.get('goodbye'); // now the most recently used
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`an LRU map holds at least 1 entry, not ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, which becomes the most recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** Add or replace; the least recently used entries go once there are more than `capacity`. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }
}
