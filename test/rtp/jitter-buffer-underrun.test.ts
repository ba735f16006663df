/**
 * An underrun (a loss concealed up to `maxConcealFrames`, then silence) is
 * told apart when the stream comes back: a sequence number that follows the
 * last one played is the sender's pause (counted nowhere), a gap is a loss —
 * the silence stood in for the media skipped (`underrunLost`) and, past it,
 * was inserted (`underrunInserted`: a stall of the receiver, the stream back
 * where it stopped). And every frame dropped unplayed is counted where the
 * media session sees it (`droppedFrames`).
 */
import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../../src/rtp/jitter-buffer.js';

const packet = (i: number, seq = 1000 + i) => ({
  sequenceNumber: seq & 0xffff,
  timestamp: i * 160,
  payloadType: 0,
  marker: i === 0,
  ssrc: 7,
  payload: new Uint8Array(160),
});

/**
 * 120 frames of 20 ms: packet i arrives at i × 20 ms, the buffer is pulled at
 * k × 20 + 10 ms; `arrive` moves or removes (undefined) an arrival, `seq` numbers
 * the packets. Pulls run before the puts that arrive at the same time (a stalled
 * process catches its ticks up before it reads its socket).
 */
function run(o: { arrive?: (i: number) => number | undefined; seq?: (i: number) => number }) {
  const jb = new JitterBuffer();
  const events: { t: number; put?: number; pull?: number }[] = [];
  for (let i = 0; i < 120; i++) {
    const t = o.arrive ? o.arrive(i) : i * 20;
    if (t !== undefined) events.push({ t, put: i });
    events.push({ t: i * 20 + 10, pull: i });
  }
  events.sort((a, b) => a.t - b.t || (a.pull !== undefined ? -1 : 1));
  const kinds: string[] = [];
  for (const e of events) {
    if (e.put !== undefined) jb.put(packet(e.put, o.seq?.(e.put)), e.t);
    else kinds.push(jb.pull(e.t).kind);
  }
  return { jb, kinds };
}

describe('JitterBuffer underruns', () => {
  it('counts a stall (the stream back where it stopped, late) as silence inserted', () => {
    // The receiver stalls from 1000 to 1800 ms: packets 50-89 all arrive at 1810, after the ticks caught up.
    const { jb, kinds } = run({ arrive: (i) => (i >= 50 && i < 90 ? 1810 : i * 20) });
    // Five frames concealed, then silence until the ticks caught up (the frames' packets came late).
    const first = kinds.indexOf('conceal');
    expect(kinds.slice(first, first + 5)).toEqual(Array(5).fill('conceal'));
    const silent = kinds.slice(first + 5).indexOf('audio');
    expect(silent).toBeGreaterThanOrEqual(30);
    expect(kinds.slice(first + 5, first + 5 + silent).every((k) => k === 'silence')).toBe(true);
    const s = jb.stats();
    expect(s.underrunInserted).toBe(silent * 160);
    expect(s.underrunLost).toBe(0);
    expect([jb.underrunLost, jb.underrunInserted]).toEqual([0, silent * 160]);
  });

  it('counts a stream that stopped and came back with packets missing as silence for the media lost', () => {
    const { jb } = run({ arrive: (i) => (i >= 50 && i < 90 ? undefined : i * 20) });
    const s = jb.stats();
    // 35 frames skipped after the 5 concealed; the silence past them is the delay built up again.
    expect(s.underrunLost).toBe(35 * 160);
    expect(s.underrunInserted).toBeGreaterThanOrEqual(0);
    expect(s.underrunInserted).toBeLessThanOrEqual(5 * 160);
  });

  it('counts nothing for a pause of the sender (no sequence number missing)', () => {
    // The sender sends nothing from 1000 to 1800 ms (DTX without a marker), its sequence numbers go on.
    const { jb } = run({
      arrive: (i) => (i >= 50 && i < 90 ? undefined : i * 20),
      seq: (i) => (i < 50 ? 1000 + i : 1000 + i - 40),
    });
    const s = jb.stats();
    expect(s.underrunLost).toBe(0);
    expect(s.underrunInserted).toBe(0);
  });

  it('keeps droppedFrames with stats().dropped', () => {
    // Everything after 1 s comes 200 ms sooner: the delay is cut by dropping frames.
    const { jb } = run({ arrive: (i) => (i < 50 ? i * 20 + 200 : i * 20) });
    expect(jb.droppedFrames).toBeGreaterThan(0);
    expect(jb.droppedFrames).toBe(jb.stats().dropped);
  });
});
