/**
 * A known prompt heard again with a stall inside it: the stream stops
 * mid-word, the receiver conceals 100 ms and then plays silence until the
 * audio comes back (late, where it stopped). The prompt is cut in two at
 * the silence; joined again at the concealment's end (the seam masked) it
 * is the known prompt, where the join with 100 ms of context either side
 * of the seam is not.
 */
import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/codecs/registry.js';
import { DEFAULT_TIMING, cutPrompts } from '../../../src/harness/crawl/probe.js';
import { comparePrompts } from '../../../src/harness/crawl/prompt-library.js';
import { CallMonitor } from '../../../src/harness/engine/call-monitor.js';
import { PacketLossConcealer } from '../../../src/rtp/plc.js';
import { speak } from '../../../src/tts/speak.js';

const MENU = 'For sales, press 1. For support, press 2. To enter your PIN, press 3. To hang up, press 9.';

/**
 * `pcm` heard frame by frame through G.711 by a monitor, 500 ms of silence
 * before and 2.5 s after; from frame `at`, a stall of `stall` frames (five
 * concealed, the rest silence, unmarked), after which the audio goes on
 * where it stopped. With `marked` false, the concealed frames are not marked.
 */
function hear(pcm: Int16Array, at: number, stall: number, marked = true): CallMonitor {
  const codec = registry.byId('pcmu')!;
  const [enc, dec] = [codec.createEncoder(), codec.createDecoder()];
  const plc = new PacketLossConcealer(8000);
  const m = new CallMonitor(0);
  const src = new Int16Array(4000 + pcm.length + 20_000);
  src.set(pcm, 4000);
  const frames = src.length / 160;
  const [f, d, bytes] = [new Int16Array(160), new Int16Array(160), new Uint8Array(160)];
  let index = 0;
  const emit = (frame: Int16Array, concealed?: 'lost') =>
    m.onEvent({ type: 'audio', at: index * 20, index: index++, frame, ...(concealed ? { concealed } : {}) });
  for (let i = 0; i < frames; i++) {
    if (i === at)
      for (let k = 0; k < stall; k++) {
        if (k < 5) emit(plc.conceal(160), marked ? 'lost' : undefined);
        else emit(plc.good(new Int16Array(160)));
      }
    f.set(src.subarray(i * 160, (i + 1) * 160));
    dec.decode(enc.encode(f, bytes), d);
    emit(plc.good(d).slice());
  }
  m.finish();
  return m;
}

describe('a known prompt with a stall inside', () => {
  it('is the prompt joined at the concealment, not joined with context around the seam', async () => {
    const menu = await speak(MENU);
    const w = hear(menu, 0, 0);
    const whole = cutPrompts(w, w.speech, 0, DEFAULT_TIMING);
    expect(whole).toHaveLength(1);
    const known = whole[0]!;
    // Stalls of 800 ms at three places of the menu (frame 25 + 60 is 1.2 s into its speech).
    let plainFailed = 0;
    for (const at of [85, 160, 250]) {
      const m = hear(menu, at, 40);
      const parts = cutPrompts(m, m.speech, 0, DEFAULT_TIMING);
      expect(parts, `stall at ${at}`).toHaveLength(2);
      const joined = parts[1]!.withPrevious!;
      const c = comparePrompts(known.samples, known.speechMs, joined.samples, joined.speechMs, [], joined.holes);
      expect(c.score, `stall at ${at}`).toBeGreaterThanOrEqual(0.85);
      expect(c.worstPiece, `stall at ${at}`).toBeGreaterThanOrEqual(0.75);
      // Not marked (a receiver that does not tell): the join keeps 100 ms of context each side of the seam.
      const u = hear(menu, at, 40, false);
      const plain = cutPrompts(u, u.speech, 0, DEFAULT_TIMING)[1]!.withPrevious!;
      expect(plain.holes).toEqual([]);
      const p = comparePrompts(known.samples, known.speechMs, plain.samples, plain.speechMs);
      if (p.score < 0.85 || p.worstPiece < 0.75) plainFailed++;
    }
    // 200 ms of silence in the middle of a word: the stall 5 s into the menu (0.47 whole) is another prompt.
    expect(plainFailed).toBeGreaterThanOrEqual(1);
  });

  it('keeps the join of a real pause as it was: the speech before it ends in the far end audio', async () => {
    const a = await speak('Sorry, that is not a valid option.');
    const b = await speak(MENU);
    const pcm = new Int16Array(a.length + 8000 + b.length);
    pcm.set(a);
    pcm.set(b, a.length + 8000);
    const m = hear(pcm, 0, 0);
    const parts = cutPrompts(m, m.speech, 0, DEFAULT_TIMING);
    expect(parts).toHaveLength(2);
    const joined = parts[1]!.withPrevious!;
    expect(joined.samples.length).toBe(parts[0]!.samples.length + parts[1]!.samples.length);
    expect(joined.holes).toEqual([]);
  });
});
