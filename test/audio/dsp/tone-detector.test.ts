import { describe, expect, it } from 'vitest';
import { CallProgressDetector, type CallProgressEvent } from '../../../src/audio/dsp/call-progress.js';
import { ToneDetector, type ToneEvent } from '../../../src/audio/dsp/tone-detector.js';
import { FULL_SCALE, sineAmplitudeForDbm0 } from '../../../src/audio/dsp/level.js';
import { soxCodec, soxTones } from '../support/sox.js';

const amp = (dbm0: number) => sineAmplitudeForDbm0(dbm0) / FULL_SCALE;

function pair(f1: number, f2: number, on: number, off: number, dbm0 = -17): Int16Array {
  return soxTones({
    tones: [
      { freq: f1, amplitude: amp(dbm0) },
      { freq: f2, amplitude: amp(dbm0) },
    ],
    seconds: on,
    padAfter: off,
  });
}

function repeat(x: Int16Array, times: number, lead = 0.3): Int16Array {
  const pad = Math.round(lead * 8000);
  const out = new Int16Array(pad + x.length * times);
  for (let i = 0; i < times; i++) out.set(x, pad + i * x.length);
  return out;
}

function callProgress(x: Int16Array): CallProgressEvent[] {
  const cp = new CallProgressDetector();
  for (let i = 0; i < x.length; i += 160) cp.process(x.subarray(i, i + 160));
  cp.flush();
  const out: CallProgressEvent[] = [];
  for (let e; (e = cp.pollEvent()); ) out.push(e);
  return out;
}

describe('CallProgressDetector (sox-made tones)', () => {
  it('dial tone: 350+440 Hz continuous, reported after one second', () => {
    const ev = callProgress(repeat(pair(350, 440, 3, 0), 1));
    expect(ev.map((e) => e.tone)).toEqual(['dial']);
    expect(Math.abs(ev[0]!.start / 8000 - 0.3)).toBeLessThan(0.05);
  });

  it('ringback: 440+480 Hz, 2 s on 4 s off', () => {
    const ev = callProgress(repeat(pair(440, 480, 2, 4), 2));
    expect(ev.map((e) => e.tone)).toEqual(['ringback', 'ringback']);
    expect(Math.abs(ev[1]!.start / 8000 - 6.3)).toBeLessThan(0.05);
  });

  it('busy: 480+620 Hz, 0.5 s on 0.5 s off — once for the whole cadence', () => {
    expect(callProgress(repeat(pair(480, 620, 0.5, 0.5), 6)).map((e) => e.tone)).toEqual(['busy']);
  });

  it('reorder: 480+620 Hz, 0.25 s on 0.25 s off', () => {
    expect(callProgress(repeat(pair(480, 620, 0.25, 0.25), 8)).map((e) => e.tone)).toEqual(['reorder']);
  });

  it('through G.711 and GSM, at −30 dBm0', () => {
    for (const codec of ['ulaw', 'gsm'] as const) {
      expect(
        callProgress(soxCodec(repeat(pair(480, 620, 0.5, 0.5, -30), 4), codec)).map((e) => e.tone),
        codec,
      ).toEqual(['busy']);
      expect(
        callProgress(soxCodec(repeat(pair(440, 480, 2, 1, -30), 1), codec)).map((e) => e.tone),
        codec,
      ).toEqual(['ringback']);
    }
  });

  it('does not take one tone for another, nor a wrong cadence for busy', () => {
    expect(callProgress(repeat(pair(440, 480, 0.5, 0.5), 6))).toEqual([]); // ringback pair, busy cadence
    expect(callProgress(repeat(pair(480, 620, 1.2, 0.3), 4))).toEqual([]); // busy pair, wrong cadence
    expect(callProgress(repeat(pair(350, 440, 0.6, 0.2), 4))).toEqual([]); // interrupted dial tone: never 1 s
  });
});

describe('ToneDetector: arbitrary frequencies', () => {
  function segments(x: Int16Array, freqs: number[]): ToneEvent[] {
    const det = new ToneDetector([{ name: 't', freqs }]);
    for (let i = 0; i < x.length; i += 160) det.process(x.subarray(i, i + 160));
    det.flush();
    const out: ToneEvent[] = [];
    for (let e; (e = det.pollEvent()); ) if (e.type === 'end') out.push(e);
    return out;
  }

  it('finds a 1 kHz tone with its start and length (within 25 ms), through G.711', () => {
    const x = soxTones({ tones: [{ freq: 1000, amplitude: amp(-10) }], seconds: 0.7, padBefore: 0.4, padAfter: 0.3 });
    for (const y of [x, soxCodec(x, 'alaw')]) {
      const s = segments(y, [1000]);
      expect(s).toHaveLength(1);
      expect(Math.abs(s[0]!.start / 8000 - 0.4)).toBeLessThanOrEqual(0.025);
      expect(Math.abs(s[0]!.duration! / 8000 - 0.7)).toBeLessThanOrEqual(0.025);
    }
  });

  it('accepts ±5 Hz, rejects 40 Hz off, and ignores a different tone', () => {
    const at = (f: number) =>
      soxTones({ tones: [{ freq: f, amplitude: amp(-10) }], seconds: 0.5, padBefore: 0.1, padAfter: 0.1 });
    expect(segments(at(1005), [1000])).toHaveLength(1);
    expect(segments(at(995), [1000])).toHaveLength(1);
    expect(segments(at(1040), [1000])).toHaveLength(0);
    expect(segments(at(1400), [1000])).toHaveLength(0);
  });
});
