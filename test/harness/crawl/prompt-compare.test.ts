/**
 * Two recordings of one prompt whose pauses between phrases differ (a
 * loaded receiver's jitter buffer stretched some and shrank others) are one
 * prompt; two prompts one word apart stay two.
 */
import { describe, expect, it } from 'vitest';
import { comparePrompts } from '../../../src/harness/crawl/prompt-library.js';
import { speak } from '../../../src/tts/speak.js';

const MENU = 'For sales, press 1. For support, press 2. To enter your PIN, press 3. To hang up, press 9.';

/** The pauses of `pcm` (80 ms frames under -50 dBFS, 250 ms or more) made longer or shorter by turns. */
function warpPauses(pcm: Int16Array, longerMs: number, shorterMs: number): Int16Array {
  const frame = 640;
  const quiet = (i: number) => {
    let e = 0;
    for (let j = i; j < Math.min(pcm.length, i + frame); j++) e += pcm[j]! * pcm[j]!;
    return 10 * Math.log10(e / frame + 1e-9) < 40;
  };
  const out: number[] = [];
  let turn = 0;
  for (let i = 0; i < pcm.length; ) {
    let end = i;
    while (end < pcm.length && quiet(end)) end += frame;
    end = Math.min(end, pcm.length);
    // A pause inside the prompt (not its leading or trailing silence).
    if (end - i >= 2000 && i > 0 && end < pcm.length) {
      const mid = i + Math.floor((end - i) / 2);
      for (let j = i; j < end; j++) {
        if (turn % 2 === 1 && j >= mid && j < mid + shorterMs * 8) continue;
        out.push(pcm[j]!);
        if (turn % 2 === 0 && j === mid) for (let k = 0; k < longerMs * 8; k++) out.push(0);
      }
      turn++;
      i = end;
      continue;
    }
    for (let j = i; j < Math.min(pcm.length, Math.max(end, i + frame)); j++) out.push(pcm[j]!);
    i = Math.max(end, i + frame);
  }
  return Int16Array.from(out);
}

describe('prompt comparison with pauses of other lengths', () => {
  it('takes the menu with pauses 200 ms longer and 150 ms shorter by turns for the menu', async () => {
    const menu = await speak(MENU);
    const warped = warpPauses(menu, 200, 150);
    expect(Math.abs(warped.length - menu.length)).toBeGreaterThan(0);
    const ms = (s: Int16Array) => (s.length / 8000) * 1000 - 200;
    const c = comparePrompts(menu, ms(menu), warped, ms(warped));
    expect(c.score).toBeGreaterThanOrEqual(0.85);
    expect(c.worstPiece).toBeGreaterThanOrEqual(0.75);
  });

  it('keeps a menu one word apart, with the same pauses warped, another prompt', async () => {
    const menu = await speak(MENU);
    const other = warpPauses(await speak(MENU.replace('press 9', 'press 8')), 200, 150);
    const ms = (s: Int16Array) => (s.length / 8000) * 1000 - 200;
    const c = comparePrompts(menu, ms(menu), other, ms(other));
    expect(c.score >= 0.85 && c.worstPiece >= 0.75).toBe(false);
  });
});
