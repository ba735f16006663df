/**
 * Deterministic test signals, 16-bit, at 8 kHz unless a `rate` is given:
 * what the codec tests and benchmarks feed the encoders besides recorded
 * speech.
 */
import { Random } from '../../../src/sim/random.js';

export const RATE = 8000;

function clip(x: number): number {
  const r = Math.round(x);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

function build(seconds: number, f: (i: number) => number, rate = RATE): Int16Array {
  const n = Math.round(seconds * rate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = clip(f(i));
  return out;
}

/** A logarithmic sine sweep from `f0` to `f1` Hz. */
export function sineSweep(seconds: number, f0: number, f1: number, amplitude: number, rate = RATE): Int16Array {
  const n = seconds * rate;
  const k = Math.log(f1 / f0);
  return build(
    seconds,
    (i) => amplitude * Math.sin(((2 * Math.PI * f0 * n) / rate / k) * (Math.exp((k * i) / n) - 1)),
    rate,
  );
}

/** DTMF digits (0-9 * # A-D), each `toneMs` long, separated by `gapMs` of silence. */
export function dtmf(digits: string, toneMs: number, gapMs: number, amplitude: number): Int16Array {
  const rows = [697, 770, 852, 941];
  const cols = [1209, 1336, 1477, 1633];
  const keys = ['123A', '456B', '789C', '*0#D'];
  const parts: Int16Array[] = [];
  for (const d of digits) {
    const r = keys.findIndex((row) => row.includes(d));
    if (r < 0) throw new RangeError(`not a DTMF digit: ${d}`);
    const c = keys[r]!.indexOf(d);
    const [lo, hi] = [rows[r]!, cols[c]!];
    parts.push(
      build(
        toneMs / 1000,
        (i) => (amplitude / 2) * (Math.sin((2 * Math.PI * lo * i) / RATE) + Math.sin((2 * Math.PI * hi * i) / RATE)),
      ),
    );
    parts.push(new Int16Array(Math.round((gapMs / 1000) * RATE)));
  }
  return concat(parts);
}

/** Uniform white noise of peak `amplitude`. */
export function whiteNoise(seconds: number, amplitude: number, seed: number, rate = RATE): Int16Array {
  const rnd = new Random(seed);
  return build(seconds, () => amplitude * (2 * rnd.next() - 1), rate);
}

/** Pink (1/f) noise of roughly peak `amplitude` (Paul Kellet's filter on white noise). */
export function pinkNoise(seconds: number, amplitude: number, seed: number, rate = RATE): Int16Array {
  const rnd = new Random(seed);
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0;
  return build(
    seconds,
    () => {
      const w = 2 * rnd.next() - 1;
      b0 = 0.99886 * b0 + w * 0.0555179;
      b1 = 0.99332 * b1 + w * 0.0750759;
      b2 = 0.969 * b2 + w * 0.153852;
      b3 = 0.8665 * b3 + w * 0.3104856;
      b4 = 0.55 * b4 + w * 0.5329522;
      b5 = -0.7616 * b5 - w * 0.016898;
      const p = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
      b6 = w * 0.115926;
      return (amplitude * p) / 4;
    },
    rate,
  );
}

/** A sine overdriven `gain` times and clipped at full scale (a near-square wave hitting ±32767/−32768). */
export function clippedSine(seconds: number, freq: number, gain: number, rate = RATE): Int16Array {
  return build(seconds, (i) => gain * 32767 * Math.sin((2 * Math.PI * freq * i) / rate), rate);
}

/** A constant offset with a small tone riding on it. */
export function dcOffset(seconds: number, offset: number, toneAmplitude: number, rate = RATE): Int16Array {
  return build(seconds, (i) => offset + toneAmplitude * Math.sin((2 * Math.PI * 440 * i) / rate), rate);
}

/**
 * Something like voiced speech: a 100-220 Hz glottal pitch with harmonics,
 * a slow syllable envelope and a little noise (for long runs and benchmarks).
 */
export function speechLike(seconds: number, seed: number, rate = RATE): Int16Array {
  const rnd = new Random(seed);
  let phase = 0;
  return build(
    seconds,
    (i) => {
      const t = i / rate;
      const pitch = 160 + 60 * Math.sin(2 * Math.PI * 0.7 * t);
      phase += (2 * Math.PI * pitch) / rate;
      const env = Math.max(0, Math.sin(2 * Math.PI * 3.1 * t)) ** 2;
      let v = 0;
      for (let h = 1; h <= 12; h++) v += Math.sin(h * phase) / h;
      return 9000 * env * v + 300 * (2 * rnd.next() - 1);
    },
    rate,
  );
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `pcm` zero-padded to whole 160-sample frames (as toast does with a partial last frame). */
export function padToFrames(pcm: Int16Array): Int16Array {
  const n = Math.ceil(pcm.length / 160) * 160;
  if (n === pcm.length) return pcm;
  const out = new Int16Array(n);
  out.set(pcm);
  return out;
}
