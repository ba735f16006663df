import { describe, expect, it } from 'vitest';
import { SourceStatistics } from '../../src/rtp/source-stats.js';
import { Random } from '../../src/sim/random.js';

/** Feed packets seq/timestamp/arrival; 20 ms PCMU frames at 8 kHz. */
function feed(s: SourceStatistics, seqs: number[], arrival = (i: number) => i * 20) {
  return seqs.map((seq, i) => s.update(seq & 0xffff, (seq * 160) >>> 0, arrival(i), 160));
}

describe('source statistics (RFC 3550 A.1, A.3, A.8)', () => {
  it('holds a new source on probation until two sequential packets arrive, then counts both', () => {
    const s = new SourceStatistics(1, 8000, 100);
    expect(s.update(100, 0, 0, 160)).toBe('probation');
    expect(s.valid).toBe(false);
    expect(s.update(101, 160, 20, 160)).toBe('validated');
    expect(s.valid).toBe(true);
    expect(s.toJSON()).toMatchObject({ packets: 2, bytes: 320, expected: 2, lost: 0 });
  });

  it('restarts probation when the probation packets are not sequential', () => {
    const s = new SourceStatistics(1, 8000, 100);
    expect(s.update(100, 0, 0, 160)).toBe('probation');
    expect(s.update(500, 0, 20, 160)).toBe('probation');
    expect(s.update(501, 0, 40, 160)).toBe('validated');
    expect(s.toJSON()).toMatchObject({ packets: 2, expected: 2 });
  });

  it('extends the sequence number across the 16-bit wrap', () => {
    const s = new SourceStatistics(1, 8000, 65500);
    feed(
      s,
      Array.from({ length: 100 }, (_, i) => 65500 + i),
    );
    expect(s.extendedMax).toBe(65536 + 63);
    expect(s.toJSON()).toMatchObject({ packets: 100, expected: 100, lost: 0, duplicates: 0, reordered: 0 });
    expect(s.reportBlock(2000).highestSequence).toBe(65536 + 63);
  });

  it('counts lost packets and the fraction lost per report interval (A.3)', () => {
    const s = new SourceStatistics(7, 8000, 0);
    const seqs = Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 20 !== 10);
    feed(s, seqs);
    expect(s.toJSON()).toMatchObject({ expected: 1000, lost: 50, lossRate: 0.05 });
    const b1 = s.reportBlock(20_000);
    expect(b1.cumulativeLost).toBe(50);
    expect(b1.fractionLost).toBe(Math.floor((50 * 256) / 1000));
    // next interval: 100 packets, 10 lost
    feed(
      s,
      Array.from({ length: 100 }, (_, i) => 1000 + i).filter((i) => i % 10 !== 0),
      (i) => 20_000 + i * 20,
    );
    const b2 = s.reportBlock(22_000);
    expect(b2.fractionLost).toBe(Math.floor((10 * 256) / 100));
    expect(b2.cumulativeLost).toBe(60);
    // an interval with nothing new reports 0
    expect(s.reportBlock(23_000).fractionLost).toBe(0);
  });

  it('recognises duplicates: not delivered, not lost, but the RR cumulative count follows the RFC', () => {
    const s = new SourceStatistics(7, 8000, 0);
    const v = feed(s, [0, 1, 2, 2, 3, 1, 4]);
    expect(v).toEqual(['probation', 'validated', 'valid', 'duplicate', 'valid', 'duplicate', 'valid']);
    expect(s.toJSON()).toMatchObject({ packets: 7, expected: 5, lost: 0, duplicates: 2 });
    // RFC 3550 6.4.1: received includes duplicates, so cumulative lost goes negative.
    expect(s.reportBlock(200).cumulativeLost).toBe(-2);
  });

  it('counts reordered packets once, without loss', () => {
    const s = new SourceStatistics(7, 8000, 10);
    const v = feed(s, [10, 11, 13, 12, 15, 14, 16]);
    expect(v.filter((x) => x === 'duplicate')).toEqual([]);
    expect(s.toJSON()).toMatchObject({ expected: 7, lost: 0, reordered: 2 });
  });

  it('discards one very large jump, and re-syncs when the next packet confirms it (A.1)', () => {
    const s = new SourceStatistics(7, 8000, 0);
    feed(s, [0, 1, 2]);
    expect(s.update(30000, 0, 60, 160)).toBe('invalid');
    expect(s.update(5, 0, 80, 160)).toBe('valid'); // back to normal
    expect(s.update(40000, 0, 100, 160)).toBe('invalid');
    expect(s.update(40001, 0, 120, 160)).toBe('valid'); // confirmed: the sender restarted
    const j = s.toJSON();
    expect(j.discarded).toBe(2);
    expect(j.sequenceRestarts).toBe(1);
    // 0..5 (6 expected, 4 received: 3 and 4 missing) + the new space 40001 (1 expected)
    expect(j.expected).toBe(7);
    expect(j.lost).toBe(2);
  });

  it('computes interarrival jitter exactly as RFC 3550 A.8', () => {
    const s = new SourceStatistics(7, 8000, 0);
    // constant transit: jitter 0
    feed(s, [0, 1, 2, 3]);
    expect(s.toJSON().jitterMs).toBe(0);
    // then arrivals alternate 10 ms late / on time: |D| = 80 timestamp units each packet
    const t = new SourceStatistics(8, 8000, 0);
    feed(t, [0, 1, 2, 3], (i) => i * 20 + (i % 2) * 10);
    // J1 = 0 + (80-0)/16 = 5; J2 = 5 + (80-5)/16 = 9.6875; J3 = 9.6875 + (80-9.6875)/16 = 14.08203125
    expect(t.reportBlock(100).jitter).toBe(14);
    expect(t.toJSON().jitterMs).toBeCloseTo((14.08203125 * 1000) / 8000, 9);
    expect(t.toJSON().maxJitterMs).toBeCloseTo((14.08203125 * 1000) / 8000, 9);
  });

  it('jitter handles timestamp wrap-around', () => {
    const s = new SourceStatistics(7, 8000, 0);
    const base = 0xffffff00;
    for (let i = 0; i < 10; i++) s.update(i, (base + i * 160) >>> 0, i * 20, 160);
    expect(s.toJSON().jitterMs).toBe(0);
  });

  it('10,000 packets at 5 % random loss: loss statistic 5 % ± 0.6 %', () => {
    const rng = new Random(42);
    const s = new SourceStatistics(7, 8000, 1000);
    let dropped = 0;
    for (let i = 0; i < 10_000; i++) {
      if (i > 1 && i < 9_999 && rng.chance(0.05)) {
        dropped++;
        continue;
      }
      s.update((1000 + i) & 0xffff, i * 160, i * 20, 160);
    }
    const j = s.toJSON();
    expect(j.expected).toBe(10_000);
    expect(j.lost).toBe(dropped);
    expect(j.lossRate).toBeGreaterThan(0.044);
    expect(j.lossRate).toBeLessThan(0.056);
  });

  it('fills LSR and DLSR from the last sender report', () => {
    const s = new SourceStatistics(7, 8000, 0);
    feed(s, [0, 1]);
    s.noteSenderReport(0xa2b38000, 1000);
    const b = s.reportBlock(1500);
    expect(b.lastSr).toBe(0xa2b38000);
    expect(b.delaySinceLastSr).toBe(0x8000);
  });
});
