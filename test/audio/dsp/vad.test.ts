import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Vad, type VadEvent } from '../../../src/audio/dsp/vad.js';
import { Random } from '../../../src/sim/random.js';
import { requireBinary } from '../../interop/support/peers.js';
import { sine } from '../support/signal.js';
import { soxRead } from '../support/sox.js';

let dir: string;
let hello: Int16Array;
let prompt: Int16Array;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-vad-'));
  const say = (text: string, name: string) => {
    const wav = join(dir, name);
    const r = spawnSync(requireBinary('espeak-ng'), ['-v', 'en-us', '-s', '160', '-w', wav, text]);
    expect(r.status).toBe(0);
    return trim(soxRead(wav));
  };
  hello = say('Hello, and welcome.', 'hello.wav');
  prompt = say('Please enter your account number, followed by the pound key.', 'prompt.wav');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Cut the leading and trailing digital near-silence espeak adds, so the speech edges are known. */
function trim(x: Int16Array): Int16Array {
  let a = 0;
  let b = x.length;
  while (a < b && Math.abs(x[a]!) < 200) a++;
  while (b > a && Math.abs(x[b - 1]!) < 200) b--;
  return x.slice(a, b);
}

function join2(...parts: (Int16Array | number)[]): Int16Array {
  const arrays = parts.map((p) => (typeof p === 'number' ? new Int16Array(Math.round(p * 8000)) : p));
  const out = new Int16Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

function segments(x: Int16Array, vad = new Vad()): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let i = 0; i < x.length; i += 160) vad.process(x.subarray(i, i + 160));
  vad.flush();
  for (let e: VadEvent | undefined; (e = vad.pollEvent()); ) {
    if (e.type === 'speech-end') out.push({ start: e.start / 8000, end: (e.start + e.duration!) / 8000 });
  }
  return out;
}

describe('Vad', () => {
  it('finds two utterances separated by a second of silence, edges within 40 ms', () => {
    const x = join2(0.5, hello, 1.0, prompt, 0.6);
    const s = segments(x);
    expect(s).toHaveLength(2);
    const a0 = 0.5;
    const a1 = a0 + hello.length / 8000;
    const b0 = a1 + 1.0;
    const b1 = b0 + prompt.length / 8000;
    expect(Math.abs(s[0]!.start - a0)).toBeLessThanOrEqual(0.04);
    expect(Math.abs(s[0]!.end - a1)).toBeLessThanOrEqual(0.04);
    expect(Math.abs(s[1]!.start - b0)).toBeLessThanOrEqual(0.04);
    expect(Math.abs(s[1]!.end - b1)).toBeLessThanOrEqual(0.04);
  });

  it('bridges a 200 ms pause with the default 300 ms hangover, not a 500 ms one', () => {
    expect(segments(join2(0.3, hello, 0.2, hello, 0.5))).toHaveLength(1);
    expect(segments(join2(0.3, hello, 0.5, hello, 0.5))).toHaveLength(2);
  });

  it('counts silence, so "wait until the prompt has ended" can ask how long it has been quiet', () => {
    const vad = new Vad({ hangoverMs: 500 });
    const x = join2(0.2, prompt, 0.8);
    for (let i = 0; i < x.length; i += 160) vad.process(x.subarray(i, i + 160));
    expect(vad.speaking).toBe(false);
    expect(Math.abs(vad.silentFor / 8000 - 0.8)).toBeLessThanOrEqual(0.04);
  });

  it('learns steady background noise and hum, and still finds speech over them', () => {
    const rnd = new Random(3);
    const noise = (seconds: number, level: number) =>
      Int16Array.from({ length: seconds * 8000 }, () => Math.round((rnd.next() * 2 - 1) * level));
    const hum = sine(8000 * 14, 8000, 50, 600); // about −35 dBFS, above the absolute floor
    const speech = join2(8, prompt, 1, hello, 2);
    const x = new Int16Array(hum.length);
    const n = noise(14, 150);
    for (let i = 0; i < x.length; i++) x[i] = Math.round(hum[i]! + n[i]! + (speech[i] ?? 0));
    const s = segments(x);
    // The hum is taken for sound at first, then learnt; after that only the speech counts.
    const late = s.filter((seg) => seg.start > 7);
    expect(late).toHaveLength(2);
    expect(Math.abs(late[0]!.start - 8)).toBeLessThanOrEqual(0.08);
    expect(s.length).toBeLessThanOrEqual(3);
  });

  it('ignores clicks shorter than the attack time', () => {
    const click = new Int16Array(80).fill(20000);
    expect(segments(join2(0.5, click, 0.5, click, 0.5))).toEqual([]);
  });
});
