/**
 * A known prompt recorded through a jitter buffer that cut its delay by
 * dropping frames unplayed mid-word (forced: the audio skips 20 ms at each)
 * is still the prompt when the drops are known — the seam after each is
 * masked (`dropped` holes) — and at enough positions not without; a prompt
 * that changed is still another prompt with the same drops.
 */
import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/codecs/registry.js';
import type { Hole } from '../../../src/harness/crawl/holes.js';
import { comparePrompts } from '../../../src/harness/crawl/prompt-library.js';
import { PacketLossConcealer } from '../../../src/rtp/plc.js';
import { speak } from '../../../src/tts/speak.js';

const MENU = 'For sales, press 1. For support, press 2. To enter your PIN, press 3. To hang up, press 9.';

/**
 * `pcm` through G.711 and a receiver frame by frame; where `drops(i)` holds,
 * the i-th frame heard is dropped unplayed: a `dropped` hole at the seam, as
 * long as the audio dropped (as the call monitor marks the event after a drop).
 */
function received(pcm: Int16Array, drops: (i: number) => boolean): { pcm: Int16Array; holes: Hole[] } {
  const codec = registry.byId('pcmu')!;
  const [enc, dec] = [codec.createEncoder(), codec.createDecoder()];
  const plc = new PacketLossConcealer(8000);
  const frames = Math.ceil(pcm.length / 160);
  const out: Int16Array[] = [];
  const holes: Hole[] = [];
  const [f, d, bytes] = [new Int16Array(160), new Int16Array(160), new Uint8Array(160)];
  let skipped = 0;
  for (let i = 0; i < frames; i++) {
    f.fill(0);
    f.set(pcm.subarray(i * 160, Math.min(pcm.length, (i + 1) * 160)));
    dec.decode(enc.encode(f, bytes), d);
    if (drops(i)) {
      skipped++;
      continue;
    }
    const at = out.length * 160;
    if (skipped) holes.push({ start: at, end: at + 160 * skipped, kind: 'dropped' });
    skipped = 0;
    out.push(plc.good(d).slice());
  }
  const all = new Int16Array(out.length * 160);
  for (const [i, x] of out.entries()) all.set(x, i * 160);
  return { pcm: all, holes };
}

/**
 * A jitter buffer 120 ms behind cutting it mid-word: a frame dropped at each of
 * six pulls in a row (every other frame heard), at three places of the prompt.
 */
const cuts = (shift: number) => (i: number) => {
  const t = i - shift;
  return [60, 150, 250].some((at) => t >= at && t < at + 12 && (t - at) % 2 === 0);
};
const ms = (s: Int16Array) => (s.length / 8000) * 1000 - 200;
const same = (c: { score: number; worstPiece: number }) => c.score >= 0.85 && c.worstPiece >= 0.75;

describe('prompt comparison with frames the jitter buffer dropped', () => {
  it('takes the menu with frames dropped mid-word for the menu when the drops are known, and not without', async () => {
    const menu = received(await speak(MENU), () => false).pcm;
    let failedPlain = 0;
    for (const shift of [0, 23, 66]) {
      const heard = received(await speak(MENU), cuts(shift));
      expect(heard.holes.length).toBe(18);
      expect(heard.pcm.length).toBe(menu.length - 18 * 160);
      const plain = comparePrompts(menu, ms(menu), heard.pcm, ms(heard.pcm));
      if (!same(plain)) failedPlain++;
      const c = comparePrompts(menu, ms(menu), heard.pcm, ms(heard.pcm), [], heard.holes);
      expect(c.score, `shift ${shift}`).toBeGreaterThanOrEqual(0.85);
      expect(c.worstPiece, `shift ${shift}`).toBeGreaterThanOrEqual(0.75);
    }
    // Without the drops known, the same recordings are other prompts at two positions of three or more.
    expect(failedPlain).toBeGreaterThanOrEqual(2);
  });

  it('keeps a changed prompt recorded with the same drops another prompt', async () => {
    const menu = received(await speak(MENU), () => false).pcm;
    for (const text of [MENU.replace('press 9', 'press 8'), MENU.replace('For support', 'For billing')]) {
      for (const shift of [0, 23, 66]) {
        const heard = received(await speak(text), cuts(shift));
        const c = comparePrompts(menu, ms(menu), heard.pcm, ms(heard.pcm), [], heard.holes);
        expect(same(c), `${text} (shift ${shift}): ${c.score} ${c.worstPiece}`).toBe(false);
      }
    }
  });
});
