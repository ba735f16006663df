/**
 * Least-squares fit of sines at known frequencies to a block of samples, and
 * what remains after removing them. The DTMF detector uses it as its
 * talk-off test: two pure tones leave almost nothing behind, while voiced
 * speech whose harmonics happen to sit near two DTMF frequencies leaves its
 * other harmonics and its pitch wobble. Allocation-free after construction.
 */
import { DspMisuseError } from '../errors.js';

/**
 * Fits a·cos(ω n) + b·sin(ω n) for up to `maxTones` frequencies at once.
 *
 * @example
 * const fit = new SineFit(2);
 * const share = fit.residualShare(block, 0, 160, [697 / 8000, 1209 / 8000]); // 0.01 for clean DTMF
 */
export class SineFit {
  private readonly g: Float64Array;
  private readonly b: Float64Array;
  private readonly c: Float64Array;
  private readonly s: Float64Array;
  private readonly cw: Float64Array;
  private readonly sw: Float64Array;
  private readonly basis: Float64Array;
  private readonly rhs: Float64Array;

  constructor(readonly maxTones: number) {
    const m = 2 * maxTones;
    this.g = new Float64Array(m * m);
    this.b = new Float64Array(m);
    this.c = new Float64Array(maxTones);
    this.s = new Float64Array(maxTones);
    this.cw = new Float64Array(maxTones);
    this.sw = new Float64Array(maxTones);
    this.basis = new Float64Array(m);
    this.rhs = new Float64Array(m);
  }

  /**
   * The share (0..1) of the energy of x[from..to) that sines at the given
   * normalised frequencies (cycles per sample) cannot explain.
   */
  residualShare(x: ArrayLike<number>, from: number, to: number, freqs: ArrayLike<number>): number {
    const k = freqs.length;
    const m = 2 * k;
    if (k > this.maxTones) throw new DspMisuseError(`SineFit made for ${this.maxTones} tones, given ${k}`);
    this.lastTones = k;
    const { g, b, c, s, cw, sw, basis } = this;
    g.fill(0, 0, m * m);
    b.fill(0, 0, m);
    for (let t = 0; t < k; t++) {
      const w = 2 * Math.PI * freqs[t]!;
      cw[t] = Math.cos(w);
      sw[t] = Math.sin(w);
      c[t] = 1;
      s[t] = 0;
    }
    let total = 0;
    for (let n = from; n < to; n++) {
      const v = x[n]!;
      total += v * v;
      for (let t = 0; t < k; t++) {
        basis[2 * t] = c[t]!;
        basis[2 * t + 1] = s[t]!;
        // Rotate by ω for the next sample (cos/sin by recurrence).
        const cn = c[t]! * cw[t]! - s[t]! * sw[t]!;
        s[t] = s[t]! * cw[t]! + c[t]! * sw[t]!;
        c[t] = cn;
      }
      for (let i = 0; i < m; i++) {
        const bi = basis[i]!;
        b[i] = b[i]! + bi * v;
        for (let j = i; j < m; j++) g[i * m + j] = g[i * m + j]! + bi * basis[j]!;
      }
    }
    if (total === 0) return 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) g[i * m + j] = g[j * m + i]!;
    // Solve G·coef = b in place (Gaussian elimination; G is symmetric positive definite
    // unless two frequencies coincide, when the pivot guard keeps it finite).
    this.rhs.set(b.subarray(0, m));
    this.solve(m);
    // For a least-squares solution, the explained energy is coefᵀ·(basisᵀ·x).
    let explained = 0;
    for (let i = 0; i < m; i++) explained += b[i]! * this.rhs[i]!;
    const share = (total - explained) / total;
    return share < 0 ? 0 : share;
  }

  /**
   * The peak amplitude of each fitted sine from the last `residualShare` call,
   * written to `out` (one per frequency).
   */
  amplitudes(out: Float64Array): void {
    for (let t = 0; t < this.lastTones; t++) out[t] = Math.hypot(this.b[2 * t]!, this.b[2 * t + 1]!);
  }

  private lastTones = 0;

  /** Solves g·coef = b for the first m unknowns, leaving coef in b. */
  private solve(m: number): void {
    const { g, b } = this;
    for (let col = 0; col < m; col++) {
      const p = g[col * m + col]!;
      if (Math.abs(p) < 1e-9) {
        b[col] = 0;
        continue;
      }
      for (let r = col + 1; r < m; r++) {
        const f = g[r * m + col]! / p;
        if (f === 0) continue;
        for (let j = col; j < m; j++) g[r * m + j] = g[r * m + j]! - f * g[col * m + j]!;
        b[r] = b[r]! - f * b[col]!;
      }
    }
    for (let r = m - 1; r >= 0; r--) {
      const p = g[r * m + r]!;
      if (Math.abs(p) < 1e-9) {
        b[r] = 0;
        continue;
      }
      let v = b[r]!;
      for (let j = r + 1; j < m; j++) v -= g[r * m + j]! * b[j]!;
      b[r] = v / p;
    }
  }
}
