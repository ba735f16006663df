/**
 * A GSM test corpus made with integer arithmetic only (no Math.sin), so it
 * is the same bytes on every machine and Node version: the unit tests pin
 * libgsm's output for it by hash.
 */
import { Gsm610Decoder } from '../../../src/codecs/gsm610/index.js';
import { Random } from '../../../src/sim/random.js';
import { concat } from './signals.js';

/** `frames` random 33-byte GSM frames (valid signature, every other bit random). */
export function randomGsmFrames(frames: number, seed: number): Uint8Array {
  const rnd = new Random(seed);
  const out = new Uint8Array(frames * 33);
  for (let i = 0; i < out.length; i++) out[i] = rnd.int(256);
  for (let f = 0; f < frames; f++) out[f * 33] = 0xd0 | (out[f * 33]! & 0x0f);
  return out;
}

function fill(n: number, f: (i: number) => number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => f(i));
}

/** 14 s of 8 kHz PCM: silence, noise at four levels, full-scale square, sawtooth, DC, LPC-shaped sound. */
export function integerCorpus(): Int16Array {
  const rnd = new Random(610);
  const noise = (peak: number) => fill(8000, () => rnd.int(2 * peak + 1) - peak);
  return concat([
    new Int16Array(8000),
    noise(32767),
    noise(8000),
    noise(1000),
    noise(100),
    fill(8000, (i) => ((i >> 4) & 1 ? -32768 : 32767)),
    fill(8000, (i) => ((i * 997) % 65536) - 32768),
    fill(4000, () => 20000),
    fill(4000, () => -32768),
    fill(8000, (i) => (i % 7) - 3),
    // Speech-like spectra: what the decoder makes of random frames.
    new Gsm610Decoder().decode(randomGsmFrames(200, 3)),
    fill(8000, (i) => (i & 1 ? 32767 : -32768)),
  ]);
}
