import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MinHeap } from '../../src/util/heap.js';

describe('MinHeap', () => {
  it('pops in key order, equal keys in insertion order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (keys) => {
        const h = new MinHeap<number>();
        for (const [i, k] of keys.entries()) h.push(k, i);
        const out: number[] = [];
        for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x);
        const expected = keys
          .map((k, i) => ({ k, i }))
          .sort((a, b) => a.k - b.k || a.i - b.i)
          .map((e) => e.i);
        expect(out).toEqual(expected);
      }),
    );
  });

  it('remove() keeps the heap ordered', () => {
    const h = new MinHeap<string>();
    for (const [k, v] of [
      [5, 'e'],
      [1, 'a'],
      [3, 'c'],
      [2, 'b'],
      [4, 'd'],
    ] as const)
      h.push(k, v);
    expect(h.remove((x) => x === 'c')).toBe(true);
    expect(h.remove((x) => x === 'z')).toBe(false);
    expect([h.pop(), h.pop(), h.pop(), h.pop(), h.pop()]).toEqual(['a', 'b', 'd', 'e', undefined]);
  });

  it('retain() keeps the kept items in key order, equal keys in insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 300 }), (entries) => {
        const h = new MinHeap<number>();
        for (const [i, [k]] of entries.entries()) h.push(k, i);
        h.retain((i) => entries[i]![1]);
        const out: number[] = [];
        for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x);
        const expected = entries
          .map(([k, keep], i) => ({ k, keep, i }))
          .filter((e) => e.keep)
          .sort((a, b) => a.k - b.k || a.i - b.i)
          .map((e) => e.i);
        expect(out).toEqual(expected);
      }),
    );
  });
});
