/**
 * The reference matcher on TTS prompts: the same prompt (identical, through
 * G.711 and GSM, quieter, offset, slipped by a jitter buffer), a truncated one and different ones. The
 * score distribution is printed; docs/ivr.md quotes it.
 */
import { describe, expect, it } from 'vitest';
import { matchReference } from '../../../src/harness/match/reference-matcher.js';
import { Fft } from '../../../src/harness/match/fft.js';
import { DEMO_PROMPTS } from '../../../src/harness/sim/demo-ivr.js';
import { speak } from '../../../src/tts/speak.js';
import { throughCodec } from '../support/codec.js';

const delay = (a: Int16Array, ms: number) => {
  const out = new Int16Array(a.length + Math.abs(ms) * 8 + 4000);
  out.set(ms >= 0 ? a : a.subarray(-ms * 8), Math.max(0, ms) * 8);
  return out;
};

/**
 * What an adaptive jitter buffer does to a prompt: one 20 ms frame dropped at 30 %, one concealed (repeated) at 70 %.
 */
const slipped = (a: Int16Array) => {
  const at = (f: number) => Math.round((a.length * f) / 160) * 160;
  const [d, c] = [at(0.3), at(0.7)];
  return Int16Array.from([...a.subarray(0, d), ...a.subarray(d + 160, c), ...a.subarray(c - 160, c), ...a.subarray(c)]);
};

describe('reference matcher', () => {
  it(
    'scores the same prompt high through codecs, level and offset, and truncated or different prompts ' + 'low',
    async () => {
      const texts = Object.values(DEMO_PROMPTS);
      const scores: Record<string, number[]> = {
        identical: [],
        g711: [],
        gsm: [],
        quieter: [],
        offset: [],
        slipped: [],
        truncated: [],
        different: [],
      };
      for (const voice of [{ voice: 'kal16' }, { engine: 'espeak-ng' as const, voice: 'en-us' }]) {
        const clips = await Promise.all(texts.map((t) => speak(t, voice)));
        clips.forEach((ref, i) => {
          const s = (x: Int16Array) => matchReference(x, ref).score;
          scores.identical!.push(s(ref));
          scores.g711!.push(s(throughCodec('pcma', ref)));
          scores.gsm!.push(s(throughCodec('gsm', delay(ref, 250))));
          scores.quieter!.push(
            s(
              throughCodec(
                'pcmu',
                ref.map((v) => v * 0.2),
              ),
            ),
          );
          scores.offset!.push(s(throughCodec('pcmu', delay(ref, 450))));
          scores.slipped!.push(s(throughCodec('pcmu', delay(slipped(ref), 120))));
          scores.truncated!.push(s(throughCodec('gsm', ref.slice(0, Math.round(ref.length * 0.6)))));
          scores.different!.push(s(throughCodec('pcmu', clips[(i + 1) % clips.length]!)));
        });
      }
      const line = (k: string) =>
        `${k.padEnd(10)} min ${Math.min(...scores[k]!).toFixed(2)} max ${Math.max(...scores[k]!).toFixed(2)}`;
      console.log(Object.keys(scores).map(line).join('\n'));
      expect(Math.min(...scores.identical!)).toBeGreaterThan(0.999);
      for (const k of ['g711', 'gsm', 'quieter']) expect(Math.min(...scores[k]!), k).toBeGreaterThan(0.93);
      expect(Math.min(...scores.offset!)).toBeGreaterThan(0.93);
      expect(Math.min(...scores.slipped!)).toBeGreaterThan(0.93);
      expect(Math.max(...scores.truncated!)).toBeLessThan(0.8);
      expect(Math.max(...scores.different!)).toBeLessThan(0.85);
    },
  );

  it('finds the offset of a delayed prompt and the coverage of a truncated one', async () => {
    const ref = await speak(DEMO_PROMPTS.welcome);
    const late = matchReference(delay(ref, 300), ref);
    expect(late.offsetMs).toBe(300);
    expect(late.coverage).toBeGreaterThan(0.95);
    const cut = matchReference(ref.slice(0, ref.length >> 1), ref);
    expect(cut.coverage).toBeLessThan(0.7);
    expect(matchReference(new Int16Array(0), ref).score).toBe(0);
  });

  it('has an FFT that inverts a known transform', () => {
    const fft = new Fft(16);
    const re = Float64Array.from({ length: 16 }, (_, i) => Math.cos((2 * Math.PI * 3 * i) / 16));
    const im = new Float64Array(16);
    fft.transform(re, im);
    expect(re[3]).toBeCloseTo(8);
    expect(re[13]).toBeCloseTo(8);
    expect(Math.abs(re[5]!)).toBeLessThan(1e-9);
    expect(() => new Fft(12)).toThrow(RangeError);
  });
});
