import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConferenceMixer } from '../../../src/audio/dsp/conference-mixer.js';
import { DspMisuseError } from '../../../src/audio/errors.js';
import { Random } from '../../../src/sim/random.js';

/**
 * The plain reference: for each participant, sort everyone else by RMS (ties
 * by index), take the N loudest, sum, scale, round, saturate.
 */
function reference(inputs: Int16Array[], n: number, gain: number): Int16Array[] {
  const rms = inputs.map((x) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length));
  const order = inputs.map((_, i) => i).sort((a, b) => rms[b]! - rms[a]! || a - b);
  return inputs.map((_, me) => {
    const heard = order.filter((i) => i !== me).slice(0, n);
    const out = new Int16Array(inputs[0]!.length);
    for (let s = 0; s < out.length; s++) {
      let sum = 0;
      for (const i of heard) sum += inputs[i]![s]!;
      out[s] = Math.max(-32768, Math.min(32767, Math.round(sum * gain)));
    }
    return out;
  });
}

function randomFrames(rnd: Random, count: number, len = 160): Int16Array[] {
  return Array.from({ length: count }, () => {
    const level = rnd.next() < 0.2 ? 0 : rnd.next() ** 3 * 32767;
    return Int16Array.from({ length: len }, () => Math.round((rnd.next() * 2 - 1) * level));
  });
}

describe('ConferenceMixer against the plain reference', () => {
  it('is identical on random conferences of 1 to 40 participants, N from 1 to 6, several gains', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        fc.constantFrom(0, 0.5, 1, 1.7),
        (count, n, seed, g) => {
          const rnd = new Random(seed);
          const inputs = randomFrames(rnd, count);
          const gain = g === 0 ? 1 / n : g;
          const mixer = new ConferenceMixer({ loudest: n, gain });
          mixer.mix(inputs);
          const want = reference(inputs, n, gain);
          for (let i = 0; i < count; i++) expect(Array.from(mixer.output(i))).toEqual(Array.from(want[i]!));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is identical for frame lengths that are not a multiple of 4 and for full-scale samples', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 5, 7, 80, 161, 240),
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        (len, count, seed) => {
          const rnd = new Random(seed);
          const inputs = randomFrames(rnd, count, len);
          // Full-scale frames: squares of -32768 (2^30) summed over a frame.
          inputs[0] = Int16Array.from({ length: len }, (_, i) => (i % 2 ? -32768 : 32767));
          const mixer = new ConferenceMixer({ frameLength: len });
          mixer.mix(inputs);
          const want = reference(inputs, 4, 0.25);
          for (let i = 0; i < count; i++) expect(Array.from(mixer.output(i))).toEqual(Array.from(want[i]!));
          expect(mixer.energyOf(0)).toBe(inputs[0]!.reduce((a, v) => a + v * v, 0));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is identical when powers tie (ties go to the lower index)', () => {
    const a = Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 1000 : -1000));
    const b = Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? -1000 : 1000));
    const c = Int16Array.from({ length: 160 }, () => 1000);
    const inputs = [a, b, c, a, b, c, new Int16Array(160)];
    const mixer = new ConferenceMixer({ loudest: 2, gain: 1 });
    mixer.mix(inputs);
    const want = reference(inputs, 2, 1);
    for (let i = 0; i < inputs.length; i++) expect(Array.from(mixer.output(i))).toEqual(Array.from(want[i]!));
    expect(mixer.ranking()).toEqual([0, 1, 2]);
  });

  it('keeps no state between frames', () => {
    const rnd = new Random(7);
    const mixer = new ConferenceMixer();
    for (let f = 0; f < 20; f++) {
      const inputs = randomFrames(rnd, 1 + (f % 9));
      mixer.mix(inputs);
      const want = reference(inputs, 4, 0.25);
      for (let i = 0; i < inputs.length; i++) expect(Array.from(mixer.output(i))).toEqual(Array.from(want[i]!));
    }
  });
});

describe("ConferenceMixer: the seed's cases", () => {
  // 18 participants, each a constant level so the ranking is obvious: participant i has level 100·(i+1).
  const inputs = Array.from({ length: 18 }, (_, i) => new Int16Array(160).fill(100 * (i + 1)));

  it('18 channels, N = 4: the quiet 14 share one mix of the 4 loudest, scaled by 1/4', () => {
    const m = new ConferenceMixer();
    m.mix(inputs);
    expect(m.ranking()).toEqual([17, 16, 15, 14, 13]);
    const shared = Math.round((1800 + 1700 + 1600 + 1500) / 4);
    for (let i = 0; i < 14; i++) {
      expect(m.output(i)).toBe(m.sharedOutput); // the very same buffer
      expect(m.output(i)[0]).toBe(shared);
    }
  });

  it('each of the 4 loudest hears the other 3 and the fifth loudest, never itself', () => {
    const m = new ConferenceMixer();
    m.mix(inputs);
    expect(m.output(17)[5]).toBe(Math.round((1700 + 1600 + 1500 + 1400) / 4));
    expect(m.output(14)[5]).toBe(Math.round((1800 + 1700 + 1600 + 1400) / 4));
    expect(new Set([14, 15, 16, 17].map((i) => m.output(i))).size).toBe(4);
  });

  it('1 channel: the 4 loudest of all, scaled and summed', () => {
    const m = new ConferenceMixer();
    const out = new Int16Array(160);
    m.mixOne(inputs, out);
    expect(out[0]).toBe(Math.round((1800 + 1700 + 1600 + 1500) / 4));
  });

  it('a conference of two: each hears the other; alone, one hears silence', () => {
    const m = new ConferenceMixer({ gain: 1 });
    m.mix([inputs[0]!, inputs[5]!]);
    expect(m.output(0)[0]).toBe(600);
    expect(m.output(1)[0]).toBe(100);
    m.mix([inputs[3]!]);
    expect(Array.from(m.output(0))).toEqual(new Array(160).fill(0));
  });

  it('saturates instead of wrapping when the gain lets the sum overflow', () => {
    const loud = new Int16Array(160).fill(30000);
    const m = new ConferenceMixer({ gain: 1 });
    m.mix([loud, loud, loud, loud.map((v) => -v) as Int16Array, new Int16Array(160).fill(-30000)]);
    expect(m.output(4)[0]).toBe(32767); // hears 30000·3 − 30000
    const neg = new Int16Array(160).fill(-30000);
    m.mix([neg, neg, neg]);
    expect(m.output(0)[0]).toBe(-32768);
  });

  it('refuses frames of the wrong length and bad settings', () => {
    const m = new ConferenceMixer();
    expect(() => m.mix([new Int16Array(160), new Int16Array(80)])).toThrow(DspMisuseError);
    expect(() => new ConferenceMixer({ loudest: 0 })).toThrow(DspMisuseError);
    expect(() => new ConferenceMixer({ gain: -1 })).toThrow(DspMisuseError);
    m.mix([new Int16Array(160)]);
    expect(() => m.output(3)).toThrow(DspMisuseError);
  });
});

describe('ConferenceMixer.mixChosen: talkers chosen outside (with hysteresis)', () => {
  /** Who hears what: the non-talkers the talkers' sum, talker j the sum without j plus the stand-in. */
  function chosenReference(inputs: Int16Array[], talkers: number[], standIn: number, gain: number): Int16Array[] {
    return inputs.map((_, me) => {
      const heard = talkers.includes(me)
        ? [...talkers.filter((t) => t !== me), ...(standIn >= 0 ? [standIn] : [])]
        : talkers;
      const out = new Int16Array(inputs[0]!.length);
      for (let s = 0; s < out.length; s++) {
        let sum = 0;
        for (const i of heard) sum += inputs[i]![s]!;
        out[s] = Math.max(-32768, Math.min(32767, Math.round(sum * gain)));
      }
      return out;
    });
  }

  it('matches the reference for any chosen talkers and stand-in', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (count, n, seed) => {
        const rnd = new Random(seed);
        const inputs = randomFrames(rnd, count);
        const order = inputs.map((_, i) => i).sort(() => rnd.next() - 0.5);
        const k = Math.min(n, Math.floor(rnd.next() * (count + 1)));
        const talkers = order.slice(0, k);
        const standIn = k < count && rnd.next() < 0.7 ? order[k]! : -1;
        const mixer = new ConferenceMixer({ loudest: n });
        mixer.mixChosen(inputs, Int32Array.from(talkers), k, standIn);
        const want = chosenReference(inputs, talkers, standIn, 1 / n);
        for (let i = 0; i < count; i++) expect(Array.from(mixer.output(i))).toEqual(Array.from(want[i]!));
        for (let i = 0; i < count; i++) if (!talkers.includes(i)) expect(mixer.output(i)).toBe(mixer.sharedOutput);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses more talkers than N, a talker twice, a stand-in among the talkers', () => {
    const m = new ConferenceMixer({ loudest: 2 });
    const f = [new Int16Array(160), new Int16Array(160), new Int16Array(160)];
    expect(() => m.mixChosen(f, [0, 1, 2], 3)).toThrow(DspMisuseError);
    expect(() => m.mixChosen(f, [1, 1], 2)).toThrow(DspMisuseError);
    expect(() => m.mixChosen(f, [0, 5], 2)).toThrow(DspMisuseError);
    expect(() => m.mixChosen(f, [0], 1, 0)).toThrow(DspMisuseError);
    m.mixChosen(f, [0], 1, 2);
    expect(m.ranking()).toEqual([0, 2]);
  });
});
