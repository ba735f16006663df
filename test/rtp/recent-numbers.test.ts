import { describe, expect, it } from 'vitest';
import { RecentNumbers } from '../../src/rtp/recent-numbers.js';

describe('RecentNumbers', () => {
  it('remembers exactly the last `capacity` numbers added', () => {
    const r = new RecentNumbers(4);
    for (let v = 1; v <= 10; v++) r.add(v);
    expect([1, 2, 3, 4, 5, 6].map((v) => r.has(v))).toEqual([false, false, false, false, false, false]);
    expect([7, 8, 9, 10].map((v) => r.has(v))).toEqual([true, true, true, true]);
  });

  it('holds positions beyond 32 bits, and forgets everything on clear', () => {
    const r = new RecentNumbers(128);
    r.add(2 ** 40 + 160);
    expect(r.has(2 ** 40 + 160)).toBe(true);
    expect(r.has(160)).toBe(false);
    r.clear();
    expect(r.has(2 ** 40 + 160)).toBe(false);
    r.add(0);
    expect(r.has(0)).toBe(true);
  });
});
