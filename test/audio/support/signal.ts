/** Signal helpers for DSP tests: sine generation and least-squares sine fits. */

/** `n` samples of A·sin(2π f t + phase) at `rate`, as Float64Array. */
export function sine(n: number, rate: number, freq: number, amplitude: number, phase = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate + phase);
  return out;
}

export function toInt16(x: ArrayLike<number>): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]!)));
  return out;
}

export interface SineFit {
  amplitude: number;
  /** RMS of what is left after removing the fitted sine (and DC). */
  residualRms: number;
}

/**
 * Least-squares fit of a·sin + b·cos + c at a known frequency over x[from..to):
 * the amplitude of that frequency and what remains besides it.
 */
export function fitSine(x: ArrayLike<number>, rate: number, freq: number, from = 0, to = x.length): SineFit {
  // Normal equations for the three basis functions.
  const m = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const v = [0, 0, 0];
  const w = (2 * Math.PI * freq) / rate;
  for (let i = from; i < to; i++) {
    const b = [Math.sin(w * i), Math.cos(w * i), 1];
    for (let r = 0; r < 3; r++) {
      v[r]! += b[r]! * x[i]!;
      for (let c = 0; c < 3; c++) m[r]![c]! += b[r]! * b[c]!;
    }
  }
  const coef = solve3(m, v);
  let res = 0;
  for (let i = from; i < to; i++) {
    const e = x[i]! - (coef[0]! * Math.sin(w * i) + coef[1]! * Math.cos(w * i) + coef[2]!);
    res += e * e;
  }
  return { amplitude: Math.hypot(coef[0]!, coef[1]!), residualRms: Math.sqrt(res / (to - from)) };
}

function solve3(m: number[][], v: number[]): number[] {
  const a = m.map((row, i) => [...row, v[i]!]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < 4; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return [a[0]![3]! / a[0]![0]!, a[1]![3]! / a[1]![1]!, a[2]![3]! / a[2]![2]!];
}

export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (to - from));
}

export const db = (ratio: number): number => 20 * Math.log10(ratio);
