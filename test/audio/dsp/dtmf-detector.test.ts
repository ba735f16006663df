/**
 * The DTMF receiver against sox-generated keys across ITU-T Q.24's
 * acceptance and rejection limits, clean and through G.711 and GSM 06.10
 * (as sox/libgsm implement them).
 */
import { describe, expect, it } from 'vitest';
import { DtmfDetector, type DtmfEvent } from '../../../src/audio/dsp/dtmf-detector.js';
import { dtmfFrequencies, type DtmfDigit } from '../../../src/audio/dsp/dtmf.js';
import { FULL_SCALE, sineAmplitudeForDbm0 } from '../../../src/audio/dsp/level.js';
import { soxCodec, soxTones } from '../support/sox.js';

const ALL: DtmfDigit[] = [...'0123456789*#ABCD'] as DtmfDigit[];
const amp = (dbm0: number) => sineAmplitudeForDbm0(dbm0) / FULL_SCALE;

interface Key {
  digit: DtmfDigit;
  lowDbm0?: number;
  highDbm0?: number;
  lowDev?: number;
  highDev?: number;
  ms?: number;
}

/** One key made by sox, with 60 ms of silence either side. */
function key(k: Key): Int16Array {
  const [fl, fh] = dtmfFrequencies(k.digit);
  return soxTones({
    tones: [
      { freq: fl * (1 + (k.lowDev ?? 0)), amplitude: amp(k.lowDbm0 ?? -10) },
      { freq: fh * (1 + (k.highDev ?? 0)), amplitude: amp(k.highDbm0 ?? -10) },
    ],
    seconds: (k.ms ?? 50) / 1000,
    padBefore: 0.06,
    padAfter: 0.06,
  });
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Keys found, with start and duration in ms, processing 20 ms frames. */
function detect(x: Int16Array, det = new DtmfDetector()): { digit: string; startMs: number; ms: number }[] {
  for (let i = 0; i < x.length; i += 160) det.process(x.subarray(i, i + 160));
  det.flush();
  const out: { digit: string; startMs: number; ms: number }[] = [];
  const starts: DtmfEvent[] = [];
  for (let e; (e = det.pollEvent()); ) {
    if (e.type === 'start') starts.push(e);
    else out.push({ digit: e.digit, startMs: e.start / 8, ms: e.duration! / 8 });
  }
  expect(starts.map((s) => s.digit)).toEqual(out.map((o) => o.digit));
  return out;
}

const digitsOf = (x: Int16Array) =>
  detect(x)
    .map((d) => d.digit)
    .join('');

describe('DtmfDetector: Q.24 acceptance', () => {
  it('finds every key, with start and length within 5 ms', () => {
    for (const d of ALL) {
      const found = detect(key({ digit: d, ms: 50 }));
      expect(found.map((f) => f.digit)).toEqual([d]);
      expect(Math.abs(found[0]!.startMs - 60)).toBeLessThanOrEqual(5);
      expect(Math.abs(found[0]!.ms - 50)).toBeLessThanOrEqual(5);
    }
  });

  it('accepts both frequencies off by ±1.5 % in every direction, for every key', () => {
    for (const d of ALL) {
      for (const [lowDev, highDev] of [
        [0.015, 0.015],
        [-0.015, -0.015],
        [0.015, -0.015],
        [-0.015, 0.015],
      ] as const) {
        expect(digitsOf(key({ digit: d, lowDev, highDev })), `${d} ${lowDev} ${highDev}`).toBe(d);
      }
    }
  });

  it('accepts levels down to −26 dBm0 and twist from −8 to +4 dB', () => {
    const cases: [number, number][] = [
      [-26, -26],
      [-26, -22], // +4 dB
      [-18, -26], // −8 dB
      [-3, -3],
      [-7, -3], // +4 dB near the top
      [-3, -11], // −8 dB near the top
      [-12, -10],
    ];
    for (const d of ALL) {
      for (const [lowDbm0, highDbm0] of cases) {
        expect(digitsOf(key({ digit: d, lowDbm0, highDbm0 })), `${d} ${lowDbm0}/${highDbm0}`).toBe(d);
      }
    }
  });

  it('separates 40 ms keys by 40 ms pauses, all sixteen in a row', () => {
    const seq = concat(ALL.map((d) => soxKey40(d, -26)));
    const found = detect(seq);
    expect(found.map((f) => f.digit).join('')).toBe(ALL.join(''));
    found.forEach((f, i) => {
      expect(Math.abs(f.startMs - (40 + 80 * i))).toBeLessThanOrEqual(5);
      expect(Math.abs(f.ms - 40)).toBeLessThanOrEqual(5);
    });
  });

  it('keeps one key through a repeated digit with a 40 ms pause: two keys', () => {
    expect(digitsOf(concat([soxKey40('5', -10), soxKey40('5', -10)]))).toBe('55');
  });
});

/** A 40 ms key in the middle of 80 ms (40 ms of pause shared with the next). */
function soxKey40(d: DtmfDigit, dbm0: number): Int16Array {
  const [fl, fh] = dtmfFrequencies(d);
  return soxTones({
    tones: [
      { freq: fl, amplitude: amp(dbm0) },
      { freq: fh, amplitude: amp(dbm0) },
    ],
    seconds: 0.04,
    padBefore: 0.04,
    padAfter: 0,
  });
}

describe('DtmfDetector: Q.24 rejection', () => {
  it('rejects a key with either frequency off by ±3.5 %, for every key', () => {
    for (const d of ALL) {
      for (const dev of [0.035, -0.035]) {
        expect(digitsOf(key({ digit: d, lowDev: dev })), `${d} low ${dev}`).toBe('');
        expect(digitsOf(key({ digit: d, highDev: dev })), `${d} high ${dev}`).toBe('');
      }
    }
  });

  it('rejects twist far outside the limits, and tones too quiet', () => {
    for (const d of ['1', '5', '9', '#', 'D'] as DtmfDigit[]) {
      expect(digitsOf(key({ digit: d, lowDbm0: -20, highDbm0: -10 })), `${d} +10 dB`).toBe('');
      expect(digitsOf(key({ digit: d, lowDbm0: -4, highDbm0: -20 })), `${d} −16 dB`).toBe('');
      expect(digitsOf(key({ digit: d, lowDbm0: -45, highDbm0: -45 })), `${d} −45 dBm0`).toBe('');
    }
  });

  it('rejects a single frequency and a 20 ms burst', () => {
    const single = soxTones({
      tones: [{ freq: 770, amplitude: amp(-10) }],
      seconds: 0.2,
      padBefore: 0.05,
      padAfter: 0.05,
    });
    expect(digitsOf(single)).toBe('');
    for (const d of ['1', '0', '#'] as DtmfDigit[]) expect(digitsOf(key({ digit: d, ms: 20 }))).toBe('');
  });
});

describe('DtmfDetector: through codecs (sox: G.711, libgsm)', () => {
  it.each(['ulaw', 'alaw'] as const)('%s: the 40/40 ms sequence at −26 dBm0 and the ±1.5 per cent corners', (codec) => {
    const seq = concat(ALL.map((d) => soxKey40(d, -26)));
    expect(
      detect(soxCodec(seq, codec))
        .map((f) => f.digit)
        .join(''),
    ).toBe(ALL.join(''));
    for (const d of ALL) {
      const x = concat([
        key({ digit: d, lowDev: 0.015, highDev: -0.015, lowDbm0: -26, highDbm0: -22 }),
        key({ digit: d, lowDev: -0.015, highDev: 0.015, lowDbm0: -18, highDbm0: -26 }),
      ]);
      expect(
        detect(soxCodec(x, codec))
          .map((f) => f.digit)
          .join(''),
        d,
      ).toBe(d + d);
      expect(digitsOf(soxCodec(key({ digit: d, highDev: 0.035 }), codec))).toBe('');
    }
  });

  it('gsm: 50 ms keys at −10 and −20 dBm0 with twist −4..+4 dB and ±1.5 % offsets', () => {
    for (const d of ALL) {
      const x = concat([
        key({ digit: d, lowDbm0: -10, highDbm0: -10 }),
        key({ digit: d, lowDbm0: -20, highDbm0: -16, lowDev: 0.015, highDev: -0.015 }),
        key({ digit: d, lowDbm0: -16, highDbm0: -20, lowDev: -0.015, highDev: 0.015 }),
      ]);
      expect(
        detect(soxCodec(x, 'gsm'))
          .map((f) => f.digit)
          .join(''),
        d,
      ).toBe(d + d + d);
      expect(digitsOf(soxCodec(key({ digit: d, lowDev: -0.035 }), 'gsm'))).toBe('');
    }
  });
});
