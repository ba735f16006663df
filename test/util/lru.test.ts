import { describe, expect, it } from 'vitest';
import { LruMap } from '../../src/util/lru.js';

describe('LruMap', () => {
  it('keeps the most recently used entries, dropping the least recently used first', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1); // 'b' is now the least recently used
    m.set('c', 3);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
    expect(m.get('c')).toBe(3);
    expect(m.size).toBe(2);
  });

  it('never holds more than its capacity, whatever is put in', () => {
    const m = new LruMap<number, number>(100);
    for (let i = 0; i < 10_000; i++) m.set(i, i);
    expect(m.size).toBe(100);
    expect(m.get(9_999)).toBe(9_999);
    expect(m.get(9_899)).toBeUndefined();
  });

  it('replacing a key does not grow it; delete removes; a capacity under 1 is refused', () => {
    const m = new LruMap<string, number>(3);
    m.set('a', 1);
    m.set('a', 2);
    expect(m.size).toBe(1);
    expect(m.get('a')).toBe(2);
    expect(m.delete('a')).toBe(true);
    expect(m.size).toBe(0);
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});
