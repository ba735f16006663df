import { describe, expect, it } from 'vitest';
import { DtmfDigitError, MediaStateError, TelephoneEventParseError } from '../../src/rtp/errors.js';
import { DtmfReceiver } from '../../src/rtp/dtmf-receiver.js';
import { DtmfSender, type TelephoneEventPacket } from '../../src/rtp/dtmf-sender.js';
import {
  digitOfEvent,
  eventOfDigit,
  parseTelephoneEvent,
  serializeTelephoneEvent,
} from '../../src/rtp/telephone-event.js';
import { Random } from '../../src/sim/random.js';
import { SimLink } from '../../src/sim/network.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';
import { hex } from './support/vectors.js';

/** Poll a sender every 20 ms from timestamp `ts0` for `ticks` packet times. */
function run(sender: DtmfSender, ticks: number, ts0 = 1000) {
  const out: { t: number; pkt: TelephoneEventPacket }[] = [];
  const active: boolean[] = [];
  for (let i = 0; i < ticks; i++) {
    const pkt = sender.poll((ts0 + i * 160) >>> 0);
    if (pkt) out.push({ t: i * 20, pkt });
    active.push(sender.active);
  }
  return { out, active };
}

describe('telephone-event payload (RFC 4733 2.3)', () => {
  it('encodes and decodes the four fields', () => {
    // event 5, E=1, R=0, volume 10, duration 800: the bytes of the RFC 4733 2.3 layout
    const bytes = serializeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 });
    expect(hex(bytes)).toBe('058a0320');
    expect(parseTelephoneEvent(bytes)).toEqual({ event: 5, end: true, volume: 10, duration: 800 });
    // the R bit is ignored on receive
    expect(parseTelephoneEvent(Uint8Array.of(11, 0x40 | 7, 0, 160))).toEqual({
      event: 11,
      end: false,
      volume: 7,
      duration: 160,
    });
    expect(() => parseTelephoneEvent(Uint8Array.of(1, 2, 3))).toThrow(TelephoneEventParseError);
  });

  it('maps DTMF characters to RFC 4733 3.2 event codes and back', () => {
    expect([...'0123456789*#ABCD'].map(eventOfDigit)).toEqual([...Array(16).keys()]);
    expect(eventOfDigit('a')).toBe(12);
    expect(eventOfDigit('F')).toBe(16);
    expect(eventOfDigit('!')).toBe(16);
    expect(digitOfEvent(16)).toBe('F');
    expect(digitOfEvent(32)).toBe('?');
    expect(() => eventOfDigit('x')).toThrow(DtmfDigitError);
  });
});

describe('DtmfSender (RFC 4733 2.5.1)', () => {
  it('sends one digit as the documented packet sequence: marker first, updates every 50 ms, end three times', () => {
    const s = new DtmfSender();
    s.send('5');
    const { out, active } = run(s, 15);
    const rows = out.map(({ t, pkt }) => [t, pkt.marker, pkt.end, pkt.timestamp, pkt.duration, pkt.event]);
    expect(rows).toEqual([
      [0, true, false, 1000, 160, 5],
      [60, false, false, 1000, 640, 5],
      [80, false, true, 1000, 800, 5],
      [140, false, true, 1000, 800, 5],
      [180, false, true, 1000, 800, 5],
    ]);
    // audio is held back from the start until the last end packet
    expect(active.slice(0, 10)).toEqual([true, true, true, true, true, true, true, true, true, false]);
    expect(hex(out[0]!.pkt.payload)).toBe('050a00a0');
  });

  it('spaces digits by the gap after the tone, each with its own timestamp', () => {
    const s = new DtmfSender({ durationMs: 80, gapMs: 60, volume: 20 });
    s.send('1 2,3');
    const { out } = run(s, 60);
    const starts = out.filter((o) => o.pkt.marker).map((o) => [o.t, o.pkt.event, o.pkt.timestamp]);
    // tone 80 ms, end repeats at 60, 110, 160 ms; gap ends at 140 ms, so the next starts once the last end is out (180
    // ms)
    expect(starts).toEqual([
      [0, 1, 1000],
      [180, 2, 1000 + 180 * 8],
      [360, 3, 1000 + 360 * 8],
    ]);
    expect(out.every((o) => parseTelephoneEvent(o.pkt.payload).volume === 20)).toBe(true);
    expect(out.filter((o) => o.pkt.end).length).toBe(9);
    expect(s.pending).toBe(0);
  });

  it('keeps timestamps right across the 32-bit wrap', () => {
    const s = new DtmfSender();
    s.send('9');
    const { out } = run(s, 12, 0xffffff00);
    expect(out.map((o) => o.pkt.duration)).toEqual([160, 640, 800, 800, 800]);
    expect(out.every((o) => o.pkt.timestamp === 0xffffff00)).toBe(true);
  });

  it('rejects bad digits and impossible settings', () => {
    const s = new DtmfSender();
    expect(() => s.send('12x')).toThrow(DtmfDigitError);
    expect(s.pending).toBe(0);
    expect(() => new DtmfSender({ volume: 64 })).toThrow(MediaStateError);
    expect(() => new DtmfSender({ durationMs: 10 })).toThrow(MediaStateError);
    expect(() => new DtmfSender({ durationMs: 9000 })).toThrow(MediaStateError);
  });
});

describe('DtmfReceiver (RFC 4733 2.5.2)', () => {
  const pkt = (ts: number, event: number, end: boolean, duration: number, ssrc = 1) => ({
    ssrc,
    timestamp: ts,
    payload: serializeTelephoneEvent({ event, end, volume: 10, duration }),
  });
  const drain = (r: DtmfReceiver) => {
    const out = [];
    for (let e = r.pollEvent(); e; e = r.pollEvent()) out.push(e);
    return out;
  };

  it('reports one digit per event, with the end packet duration, ignoring the end repeats', () => {
    const r = new DtmfReceiver();
    for (const [i, p] of [
      pkt(100, 1, false, 160),
      pkt(100, 1, false, 640),
      pkt(100, 1, true, 800),
      pkt(100, 1, true, 800),
      pkt(100, 1, true, 800),
    ].entries())
      r.handlePacket(p, i * 20);
    const ev = drain(r);
    expect(ev).toEqual([
      { digit: '1', event: 1, duration: 800, durationMs: 100, volume: 10, timestamp: 100, ssrc: 1, endedBy: 'end' },
    ]);
    expect(r.ignored).toBe(2);
  });

  it('opens an event from any packet when the start is lost', () => {
    const r = new DtmfReceiver();
    r.handlePacket(pkt(100, 7, true, 800), 0);
    expect(drain(r).map((e) => [e.digit, e.duration])).toEqual([['7', 800]]);
  });

  it('ends an event whose end packets were all lost when the next event starts, or on timeout', () => {
    const r = new DtmfReceiver({ timeoutMs: 500 });
    r.handlePacket(pkt(100, 1, false, 640), 0);
    r.handlePacket(pkt(2000, 2, false, 160), 200);
    expect(drain(r).map((e) => [e.digit, e.duration, e.endedBy])).toEqual([['1', 640, 'next-event']]);
    expect(r.current).toEqual({ digit: '2', event: 2 });
    expect(r.pollTimeout()).toBe(700);
    r.handleTimeout(699);
    expect(drain(r)).toEqual([]);
    r.handleTimeout(700);
    expect(drain(r).map((e) => [e.digit, e.duration, e.endedBy])).toEqual([['2', 160, 'timeout']]);
    expect(r.pollTimeout()).toBeUndefined();
  });

  it('treats an SSRC change as a new event and counts malformed payloads', () => {
    const r = new DtmfReceiver();
    r.handlePacket(pkt(100, 3, false, 160, 1), 0);
    r.handlePacket(pkt(100, 3, true, 800, 2), 10);
    r.handlePacket({ ssrc: 2, timestamp: 5, payload: Uint8Array.of(1) }, 20);
    expect(drain(r).map((e) => [e.digit, e.ssrc, e.endedBy])).toEqual([
      ['3', 1, 'next-event'],
      ['3', 2, 'end'],
    ]);
    expect(r.malformed).toBe(1);
  });

  it('end to end through a lossy, duplicating, reordering link: every digit exactly once, in order', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const sched = new VirtualScheduler();
      const link = new SimLink(sched, { loss: 0.2, duplicate: 0.15, delayMs: 30, jitterMs: 25 }, new Random(seed));
      const tx = new DtmfSender();
      const rx = new DtmfReceiver({ timeoutMs: 400 });
      const digits = '0123456789*#ABCDF';
      tx.send(digits);
      for (let i = 0; i < 400; i++) {
        sched.at(i * 20, () => {
          const p = tx.poll(i * 160);
          if (p)
            link.send(p, (q) => rx.handlePacket({ ssrc: 9, timestamp: q.timestamp, payload: q.payload }, sched.now()));
          rx.handleTimeout(sched.now());
        });
      }
      sched.runUntilIdle();
      rx.handleTimeout(sched.now() + 1000);
      const got = drain(rx);
      expect(got.map((e) => e.digit).join(''), `seed ${seed}`).toBe(digits);
      // Where an end packet survived, the duration is exact.
      for (const e of got.filter((e) => e.endedBy === 'end')) expect(e.durationMs).toBe(100);
      for (const e of got) expect(e.durationMs).toBeGreaterThan(0);
    }
  });
});
