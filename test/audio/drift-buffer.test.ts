import { describe, expect, it } from 'vitest';
import { DriftBuffer } from '../../src/audio/drift-buffer.js';
import { Random } from '../../src/sim/random.js';

/**
 * A device whose clock runs `ppm` parts per million off the media clock,
 * delivering blocks of `block` samples (25 ms: an ALSA period that does not
 * line up with the 20 ms frames), feeding speech-like audio: bursts of
 * loud signal with quiet gaps (talk spurts).
 */
function simulate(ppm: number, minutes: number, block = 200) {
  const buf = new DriftBuffer();
  const rnd = new Random(42);
  let devicePos = 0; // samples the device has produced (fractional clock)
  let produced = 0;
  const frame = new Int16Array(160);
  const fills: number[] = [];
  let loudFrames = 0;
  const source = (i: number) => {
    // 1.5 s talk spurts, 1 s pauses
    const t = i % 20000;
    return t < 12000 ? Math.round(Math.sin(i * 0.3) * 12000) : Math.round((rnd.next() - 0.5) * 60);
  };
  const ticks = (minutes * 60 * 1000) / 20;
  const devicePerTick = 160 * (1 + ppm / 1e6);
  let underrunsAfterStart = 0;
  for (let t = 0; t < ticks; t++) {
    devicePos += devicePerTick;
    while (produced + block <= devicePos) {
      const chunk = new Int16Array(block);
      for (let i = 0; i < block; i++) chunk[i] = source(produced + i);
      buf.push(chunk);
      produced += block;
    }
    const before = buf.stats.underruns;
    buf.pull(frame);
    if (t > 50 && buf.stats.underruns > before) underrunsAfterStart++;
    if (frame.some((v) => Math.abs(v) > 5000)) loudFrames++;
    if (t > 50) fills.push(buf.fill);
  }
  return { buf, fills, underrunsAfterStart, loudFrames };
}

describe('DriftBuffer', () => {
  it.each([5000, -5000])(
    'absorbs a device %i ppm (±0.5 per cent) off over a 30-minute call: no underrun, no creeping delay',
    (ppm) => {
      const { buf, fills, underrunsAfterStart } = simulate(ppm, 30);
      expect(underrunsAfterStart).toBe(0);
      expect(buf.stats.overflowed).toBe(0);
      // The delay stays near the 60 ms target: within the tolerance plus one device block.
      expect(Math.max(...fills)).toBeLessThanOrEqual(480 + 80 + 200);
      expect(Math.min(...fills)).toBeGreaterThanOrEqual(480 - 80 - 200 - 160);
      // 0.5 % of 30 minutes at 8 kHz is 72000 samples, all of them moved in quiet frames.
      const moved = ppm > 0 ? buf.stats.dropped : buf.stats.inserted;
      expect(Math.abs(moved - 72000)).toBeLessThan(1000);
      expect(ppm > 0 ? buf.stats.inserted : buf.stats.dropped).toBe(0);
    },
  );

  it('changes nothing when the clocks agree', () => {
    const { buf } = simulate(0, 5, 160);
    expect(buf.stats.dropped + buf.stats.inserted + buf.stats.underruns).toBe(0);
  });

  it('adjusts only in quiet frames while quiet frames come', () => {
    const buf = new DriftBuffer({ target: 320, tolerance: 40, capacity: 4000 });
    const loud = Int16Array.from({ length: 1000 }, (_, i) => (i % 2 ? 20000 : -20000));
    buf.push(loud);
    const frame = new Int16Array(160);
    buf.pull(frame);
    expect(buf.stats.dropped).toBe(0); // 1000 > 320 + 40, but the frame was loud
    buf.push(new Int16Array(1000));
    for (let i = 0; i < 10; i++) buf.pull(frame);
    expect(buf.stats.dropped).toBeGreaterThan(0);
  });

  it('gives silence on an underrun and waits for the target before playing again', () => {
    const buf = new DriftBuffer();
    const frame = new Int16Array(160).fill(7);
    buf.push(new Int16Array(400).fill(3));
    expect(buf.pull(frame)).toBe(false); // still priming (400 < 480)
    expect(frame.every((v) => v === 0)).toBe(true);
    buf.push(new Int16Array(100).fill(3));
    expect(buf.pull(frame)).toBe(true);
    expect(frame.every((v) => v === 3)).toBe(true);
  });

  it('drops the oldest audio when full', () => {
    const buf = new DriftBuffer({ capacity: 1000, target: 200, tolerance: 40 });
    buf.push(Int16Array.from({ length: 1200 }, (_, i) => i % 1000));
    expect(buf.fill).toBe(1000);
    expect(buf.stats.overflowed).toBe(200);
  });
});
