import { describe, expect, it } from 'vitest';
import { MediaStateError } from '../../src/rtp/errors.js';
import { PacketLossConcealer } from '../../src/rtp/plc.js';

const D = PacketLossConcealer.DELAY;

/** A voiced-like test signal: 160 Hz fundamental (period 50 samples) plus two harmonics. */
function voiced(n: number, from = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = (from + i) / 8000;
    out[i] = Math.round(
      6000 * Math.sin(2 * Math.PI * 160 * t) +
        2500 * Math.sin(2 * Math.PI * 320 * t + 1) +
        1200 * Math.sin(2 * Math.PI * 480 * t + 2),
    );
  }
  return out;
}

function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return Math.sqrt(s / (to - from));
}

/** Normalised correlation of two equal-length windows. */
function ncc(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Run 20 ms frames through the PLC; `lost(k)` says which frames are concealed. Returns the output, undelayed. */
function run(signal: Int16Array, lost: (k: number) => boolean): Int16Array {
  const plc = new PacketLossConcealer();
  const out = new Int16Array(signal.length);
  for (let k = 0; k * 160 < signal.length; k++) {
    const frame = lost(k) ? plc.conceal(160) : plc.good(signal.subarray(k * 160, k * 160 + 160));
    out.set(frame, k * 160);
  }
  // remove the algorithmic delay so out[i] lines up with signal[i]
  return out.subarray(D);
}

describe('PacketLossConcealer (G.711 Appendix I style)', () => {
  it('passes good audio through unchanged, 3.75 ms late', () => {
    const sig = voiced(1600);
    const out = run(sig, () => false);
    expect([...out.subarray(0, 1600 - D)]).toEqual([...sig.subarray(0, 1600 - D)]);
  });

  it('continues a voiced signal through a 20 ms loss in pitch and phase', () => {
    const sig = voiced(3200);
    const out = run(sig, (k) => k === 10);
    const a = out.subarray(1600, 1760);
    const ref = sig.subarray(1600, 1760);
    // The substitute follows the lost waveform closely (it is periodic), first 10 ms at full level.
    expect(ncc(a.subarray(0, 80), ref.subarray(0, 80))).toBeGreaterThan(0.9);
    expect(ncc(a, ref)).toBeGreaterThan(0.85);
    expect(rms(a, 0, 80) / rms(ref, 0, 80)).toBeGreaterThan(0.8);
    // and it is attenuated in the second 10 ms (20 % over the block)
    const g1 = rms(a, 0, 80) / rms(ref, 0, 80);
    const g2 = rms(a, 80, 160) / rms(ref, 80, 160);
    expect(g2).toBeLessThan(g1);
    expect(g2).toBeGreaterThan(0.75);
    // After the loss the output is the signal again.
    expect(ncc(out.subarray(2000, 2400), sig.subarray(2000, 2400))).toBeGreaterThan(0.999);
  });

  it('has no click at either edge of the loss', () => {
    const sig = voiced(3200);
    const out = run(sig, (k) => k === 10 || k === 11);
    let maxStepRef = 0;
    for (let i = 1; i < sig.length; i++) maxStepRef = Math.max(maxStepRef, Math.abs(sig[i]! - sig[i - 1]!));
    let maxStep = 0;
    for (let i = 1500; i < 2200; i++) maxStep = Math.max(maxStep, Math.abs(out[i]! - out[i - 1]!));
    expect(maxStep).toBeLessThan(1.5 * maxStepRef);
  });

  it('fades to silence after 60 ms of loss and recovers when audio returns', () => {
    const sig = voiced(4800);
    const out = run(sig, (k) => k >= 10 && k < 16); // 120 ms lost
    expect(rms(out, 1600 + 480, 1600 + 960 - 40)).toBe(0);
    expect(rms(out, 1600, 1680)).toBeGreaterThan(2000);
    expect(ncc(out.subarray(3000, 3600), sig.subarray(3000, 3600))).toBeGreaterThan(0.999);
  });

  it('finds the pitch of a periodic signal within the G.711 range', () => {
    // A 100 Hz pulse train (period 80): concealment must repeat at period 80.
    const sig = new Int16Array(1600);
    for (let i = 0; i < sig.length; i++) sig[i] = i % 80 < 4 ? 10_000 : 0;
    const out = run(sig, (k) => k === 5);
    const pulses: number[] = [];
    for (let i = 800; i < 960; i++) if (out[i]! > 5000) pulses.push(i);
    const starts = pulses.filter((p, i) => i === 0 || p - pulses[i - 1]! > 1);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(80);
    expect(starts.length).toBeGreaterThanOrEqual(1);
  });

  it('conceals silence as silence and rejects frames that are not whole 10 ms blocks', () => {
    const plc = new PacketLossConcealer();
    plc.good(new Int16Array(160));
    expect(rms(plc.conceal(160))).toBe(0);
    expect(() => plc.good(new Int16Array(100))).toThrow(MediaStateError);
    expect(() => plc.conceal(0)).toThrow(MediaStateError);
  });
});

describe('PacketLossConcealer at 16 kHz (G.722 calls)', () => {
  /** The voiced signal at 16 kHz. */
  function voiced16(n: number): Int16Array {
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / 16000;
      out[i] = Math.round(6000 * Math.sin(2 * Math.PI * 160 * t) + 2500 * Math.sin(2 * Math.PI * 320 * t + 1));
    }
    return out;
  }

  it('has the same times at twice the samples: 3.75 ms delay, 10 ms blocks, a 20 ms loss bridged in phase', () => {
    const plc = new PacketLossConcealer(16000);
    expect([plc.delay, plc.block10ms]).toEqual([60, 160]);
    const sig = voiced16(6400);
    const out = new Int16Array(sig.length);
    for (let k = 0; k * 320 < sig.length; k++) {
      const f = k === 10 ? plc.conceal(320) : plc.good(sig.subarray(k * 320, k * 320 + 320));
      out.set(f, k * 320);
    }
    const o = out.subarray(60);
    expect(ncc(o.subarray(3200, 3360), sig.subarray(3200, 3360))).toBeGreaterThan(0.9);
    expect(rms(o, 3200, 3360) / rms(sig, 3200, 3360)).toBeGreaterThan(0.8);
    expect(ncc(o.subarray(4000, 4800), sig.subarray(4000, 4800))).toBeGreaterThan(0.999);
    expect(() => plc.conceal(80)).toThrow(/multiples of 160 samples \(10 ms at 16 kHz\)/);
  });

  it('refuses a rate that is not a multiple of 8 kHz', () => {
    expect(() => new PacketLossConcealer(44100)).toThrow(MediaStateError);
  });
});

describe('PacketLossConcealer: the copy for good blocks after good blocks', () => {
  // The fast path must give exactly what the per-sample path gives, through
  // losses of every length, recoveries, silence, full-scale samples and a
  // ring that wraps at every offset.
  it.each([8000, 16000])('gives the per-sample path’s output sample for sample at %i Hz', (rate) => {
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const fast = new PacketLossConcealer(rate);
    const slow = new PacketLossConcealer(rate);
    slow.fastPath = false;
    let t = 0;
    let differing = 0;
    for (let k = 0; k < 3000; k++) {
      const kind = rnd();
      // Frames of 10, 20 or 30 ms.
      const n = (fast.block10ms * (1 + Math.floor(rnd() * 3))) | 0;
      let a: Int16Array;
      let b: Int16Array;
      if (kind < 0.15) {
        a = fast.conceal(n);
        b = slow.conceal(n);
      } else {
        const x = new Int16Array(n);
        const loud = rnd() < 0.1 ? 32767 : 8000;
        const silent = rnd() < 0.2;
        for (let i = 0; i < n; i++, t++)
          x[i] = silent
            ? 0
            : Math.max(-32768, Math.min(32767, Math.round(loud * Math.sin(t / 7) + 300 * (rnd() - 0.5))));
        a = fast.good(x);
        b = slow.good(x);
      }
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) differing++;
      expect(a.length).toBe(n);
    }
    expect(differing).toBe(0);
  });
});
