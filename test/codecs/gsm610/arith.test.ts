import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abs, add, div, lAdd, mult, multR, norm, sub } from '../../../src/codecs/gsm610/arith.js';

const word = fc.integer({ min: -32768, max: 32767 });
const sat = (x: number) => Math.max(-32768, Math.min(32767, x)) | 0; // | 0: no −0

describe('GSM 06.10 §5.1 arithmetic', () => {
  it('add, sub saturate to 16 bits', () => {
    fc.assert(fc.property(word, word, (a, b) => add(a, b) === sat(a + b) && sub(a, b) === sat(a - b)));
  });

  it('mult and mult_r are the truncated and rounded Q15 products, saturating −1·−1', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(mult(a, b)).toBe(sat(Math.floor((a * b) / 32768)));
        expect(multR(a, b)).toBe(sat(Math.floor((a * b + 16384) / 32768)));
      }),
    );
    expect(mult(-32768, -32768)).toBe(32767);
    expect(multR(-32768, -32768)).toBe(32767);
  });

  it('abs saturates −32768', () => {
    expect(abs(-32768)).toBe(32767);
    expect(abs(-5)).toBe(5);
  });

  it('L_add saturates to 32 bits', () => {
    expect(lAdd(2147483647, 1)).toBe(2147483647);
    expect(lAdd(-2147483648, -1)).toBe(-2147483648);
    expect(lAdd(5, -7)).toBe(-2);
  });

  it('norm counts the shifts that bring the top bit to bit 30', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2147483647 }), (a) => {
        const n = norm(a);
        expect(a * 2 ** n).toBeGreaterThanOrEqual(2 ** 30);
        expect(a * 2 ** n).toBeLessThan(2 ** 31);
      }),
    );
  });

  it('div is the 15-bit fraction num/denum, truncated, 32767 when equal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32767 }), fc.integer({ min: 0, max: 32767 }), (d, n) => {
        const num = Math.min(n, d);
        expect(div(num, d)).toBe(num === d ? 32767 : Math.floor((num * 32768) / d));
      }),
    );
  });
});
