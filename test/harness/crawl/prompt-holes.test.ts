/**
 * A known prompt recorded with holes the receiver made up (packets lost or
 * late, concealed mid-word; frames inserted by a jitter buffer growing its
 * delay) is still the prompt when the holes are known; a prompt that
 * changed is still another prompt with the same holes; a recording mostly
 * made up is judged as it is.
 */
import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/codecs/registry.js';
import { judgedFeatures, MAX_SHARE, type Hole } from '../../../src/harness/crawl/holes.js';
import { comparePrompts } from '../../../src/harness/crawl/prompt-library.js';
import { PacketLossConcealer } from '../../../src/rtp/plc.js';
import { speak } from '../../../src/tts/speak.js';

const MENU = 'For sales, press 1. For support, press 2. To enter your PIN, press 3. To hang up, press 9.';

/**
 * `pcm` through G.711 and a receiver, 20 ms frame by frame: `plan(i)` says
 * what the receiver plays as its i-th frame — `a` the next frame heard,
 * `c` a concealed frame in its place (lost), `s` a concealed frame
 * inserted (a stretch; the next frame heard waits).
 */
function received(pcm: Int16Array, plan: (i: number) => string): { pcm: Int16Array; holes: Hole[] } {
  const codec = registry.byId('pcmu')!;
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const plc = new PacketLossConcealer(8000);
  const frames = Math.ceil(pcm.length / 160);
  const out: Int16Array[] = [];
  const holes: Hole[] = [];
  const f = new Int16Array(160);
  const d = new Int16Array(160);
  const bytes = new Uint8Array(160);
  for (let i = 0, o = 0; i < frames; o++) {
    const what = plan(o);
    const at = o * 160;
    if (what === 's') {
      holes.push({ start: at, end: at + 160, kind: 'stretch' });
      out.push(plc.conceal(160));
      continue;
    }
    f.fill(0);
    f.set(pcm.subarray(i * 160, Math.min(pcm.length, (i + 1) * 160)));
    dec.decode(enc.encode(f, bytes), d);
    i++;
    if (what === 'c') {
      holes.push({ start: at, end: at + 160, kind: 'lost' });
      out.push(plc.conceal(160));
    } else out.push(plc.good(d).slice());
  }
  const all = new Int16Array(out.length * 160);
  for (const [i, x] of out.entries()) all.set(x, i * 160);
  return { pcm: all, holes };
}

/** Frames the receiver made up, mid-word on the flite renderings (shifted by `shift` frames). */
const glitches = (shift: number) => (o: number) => {
  const t = o - shift;
  if ((t >= 60 && t < 65) || (t >= 150 && t < 155) || (t >= 250 && t < 255)) return 's';
  if (t >= 200 && t < 203) return 'c';
  return 'a';
};
const ms = (s: Int16Array) => (s.length / 8000) * 1000 - 200;
const same = (c: { score: number; worstPiece: number }) => c.score >= 0.85 && c.worstPiece >= 0.75;

describe('prompt comparison with the holes the receiver made up', () => {
  it('takes the menu with frames concealed and inserted mid-word for the menu, when the holes are known', async () => {
    const menu = received(await speak(MENU), () => 'a').pcm;
    let failedPlain = 0;
    for (const shift of [0, 23, 66]) {
      const heard = received(await speak(MENU), glitches(shift));
      expect(heard.holes.length).toBe(18);
      if (!same(comparePrompts(menu, ms(menu), heard.pcm, ms(heard.pcm)))) failedPlain++;
      const c = comparePrompts(menu, ms(menu), heard.pcm, ms(heard.pcm), [], heard.holes);
      expect(c.score, `shift ${shift}`).toBeGreaterThanOrEqual(0.85);
      expect(c.worstPiece, `shift ${shift}`).toBeGreaterThanOrEqual(0.75);
      // Both recordings with holes, in other places.
      const other = received(await speak(MENU), glitches(shift + 41));
      expect(same(comparePrompts(other.pcm, ms(other.pcm), heard.pcm, ms(heard.pcm), other.holes, heard.holes))).toBe(
        true,
      );
    }
    // Without the holes known, the same recordings are other prompts (what made spurious menus).
    expect(failedPlain).toBeGreaterThanOrEqual(2);
  });

  it('keeps a changed prompt recorded with the same holes another prompt', async () => {
    const menu = received(await speak(MENU), () => 'a').pcm;
    for (const text of [MENU.replace('press 9', 'press 8'), MENU.replace('For support', 'For billing')]) {
      for (const shift of [0, 23, 66]) {
        const heard = received(await speak(text), glitches(shift));
        const c = comparePrompts(menu, ms(menu), heard.pcm, ms(heard.pcm), [], heard.holes);
        expect(same(c), `${text} (shift ${shift}): ${c.score} ${c.worstPiece}`).toBe(false);
      }
    }
  });

  it('judges a recording mostly made up as it is: its holes excuse nothing', async () => {
    const pcm = await speak(MENU);
    // A third of the frames concealed, in bursts of 100 ms all through the prompt.
    const heard = received(pcm, (o) => (o % 15 < 5 ? 'c' : 'a'));
    const j = judgedFeatures(heard.pcm, heard.holes);
    expect(j.share).toBeGreaterThan(MAX_SHARE);
    expect(j.features.masked).toBeUndefined();
    const menu = received(pcm, () => 'a').pcm;
    const c = comparePrompts(menu, ms(menu), heard.pcm, ms(heard.pcm), [], heard.holes);
    expect(same(c), `${c.score} ${c.worstPiece}`).toBe(false);
    // A few holes are a small share, and are left out.
    const few = received(pcm, glitches(0));
    const k = judgedFeatures(few.pcm, few.holes);
    expect(k.share).toBeGreaterThan(0);
    expect(k.share).toBeLessThan(MAX_SHARE);
    expect(k.features.masked).toBeDefined();
  });
});
