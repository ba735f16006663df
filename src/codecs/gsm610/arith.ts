/**
 * The fixed-point operators of GSM 06.10 §5.1 on 16-bit words and 32-bit
 * longs, as plain numbers. Results are exact as the standard defines them,
 * including saturation; callers keep values inside the ranges the standard
 * guarantees for the operands (noted where it matters).
 */

/** Saturate to a 16-bit word. */
export function sat(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/** `add(a, b)`: saturating 16-bit addition. */
export function add(a: number, b: number): number {
  const s = a + b;
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

/** `sub(a, b)`: saturating 16-bit subtraction. */
export function sub(a: number, b: number): number {
  const s = a - b;
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

/** `mult(a, b)`: (a·b) >> 15, with mult(−32768, −32768) = 32767. */
export function mult(a: number, b: number): number {
  return a === -32768 && b === -32768 ? 32767 : (a * b) >> 15;
}

/** `mult_r(a, b)`: (a·b + 16384) >> 15, rounded, with mult_r(−32768, −32768) = 32767. */
export function multR(a: number, b: number): number {
  return a === -32768 && b === -32768 ? 32767 : (a * b + 16384) >> 15;
}

/** `abs(a)`: |a|, with abs(−32768) = 32767. */
export function abs(a: number): number {
  return a < 0 ? (a === -32768 ? 32767 : -a) : a;
}

/** `L_add(a, b)`: saturating 32-bit addition. */
export function lAdd(a: number, b: number): number {
  const s = a + b;
  return s > 2147483647 ? 2147483647 : s < -2147483648 ? -2147483648 : s;
}

/**
 * `norm(a)` for a > 0 (the only case GSM 06.10 uses): the number of left
 * shifts that bring the top set bit of a 32-bit long to bit 30.
 */
export function norm(a: number): number {
  return Math.clz32(a) - 1;
}

/**
 * `div(num, denum)` for 0 ≤ num ≤ denum, denum > 0: the 15-bit fraction
 * num/denum by restoring division (num = denum gives 32767).
 */
export function div(num: number, denum: number): number {
  if (num === 0) return 0;
  let rem = num;
  let q = 0;
  for (let k = 0; k < 15; k++) {
    q <<= 1;
    rem <<= 1;
    if (rem >= denum) {
      rem -= denum;
      q |= 1;
    }
  }
  return q;
}
