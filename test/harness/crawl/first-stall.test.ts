/**
 * The IVR's first prompt with a stall of the crawler's receiver inside it
 * (800 ms: 100 ms concealed, then silence, then the audio where it stopped):
 * the receiver knows that silence for a loss (an underrun found to be one
 * when the stream came back), so it does not count toward `--prompt-gap`
 * and the first prompt is one prompt, not two — while the sender's own
 * pauses still cut, and a stream dead for longer than the bound still ends
 * a prompt.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, cutPrompts } from '../../../src/harness/crawl/probe.js';
import { CallMonitor } from '../../../src/harness/engine/call-monitor.js';
import { crawlDemoSim } from './demo-crawl.js';
import { PacketLossConcealer } from '../../../src/rtp/plc.js';
import { speak } from '../../../src/tts/speak.js';

/** The demo IVR crawled, the first call's receiver stalling 800 ms inside the welcome (said from 300 ms). */
function crawlDemo(stallAtMs: number) {
  return crawlDemoSim({
    conceal: true,
    perCall: (n) => (n === 1 ? { stall: { atMs: stallAtMs, ms: 800 } } : undefined),
  });
}

const WORDS = 'Welcome to the shtoom demonstration line, thank you for calling us today.';

/**
 * `pcm` heard by a monitor frame by frame (500 ms of silence before, 2.5 s
 * after); from frame `at`, `gap` frames the receiver played for want of
 * packets: five concealed, then silence. `confirmed`: the stream came back
 * with packets missing and the silence is marked an underrun found to be a
 * loss (the audio goes on where it stopped); otherwise a pause of the sender
 * (no sequence number missing: nothing marked after the concealment).
 */
function hear(pcm: Int16Array, at: number, gap: number, confirmed: boolean): CallMonitor {
  const plc = new PacketLossConcealer(8000);
  const m = new CallMonitor(0);
  const src = new Int16Array(Math.ceil((4000 + pcm.length + 20_000) / 160) * 160);
  src.set(pcm, 4000);
  let index = 0;
  const emit = (frame: Int16Array, marks: object = {}) =>
    m.onEvent({ type: 'audio', at: index * 20, index: index++, frame, ...marks });
  for (let i = 0; i < src.length / 160; i++) {
    if (i === at)
      for (let k = 0; k < gap; k++)
        emit(k < 5 ? plc.conceal(160) : plc.good(new Int16Array(160)), k < 5 ? { concealed: 'lost' } : {});
    const marks = i === at && confirmed ? { underrun: { lost: 0, inserted: gap - 5 } } : {};
    emit(plc.good(src.slice(i * 160, (i + 1) * 160)), marks);
  }
  m.finish();
  return m;
}

describe('the first prompt with a stall inside', () => {
  it('is one prompt: the demo IVR crawled as without the stall', async () => {
    for (const at of [1500, 2700]) {
      const { map } = await crawlDemo(at);
      expect(map.entry?.said, `stall at ${at} ms`).toHaveLength(1);
      expect(map.nodes.map((n) => n.kind).sort()).toEqual(['digits', 'menu', 'menu']);
      expect(map.prompts.length).toBe(11);
      expect(map.callsUsed).toBe(19);
    }
  }, 300_000);
});

describe('prompts cut around the silence the receiver played for want of packets', () => {
  it('one prompt across a stall, two across a pause of the sender or a stream dead past the bound', async () => {
    const pcm = await speak(WORDS);
    // 1.4 s into the words (frame 25 is where they start).
    const at = 25 + 70;
    const cut = (m: CallMonitor) => cutPrompts(m, m.speech, 0, DEFAULT_TIMING);
    const stall = hear(pcm, at, 40, true);
    expect(stall.stalls).toHaveLength(1);
    const one = cut(stall);
    expect(one).toHaveLength(1);
    // Its speech without the silence inserted; its holes: the concealment and the inserted silence.
    const clean = cut(hear(pcm, at, 0, false))[0]!;
    expect(Math.abs(one[0]!.speechMs - clean.speechMs - 100)).toBeLessThanOrEqual(40);
    expect(one[0]!.holes.map((h) => h.kind)).toEqual(['lost', 'stretch']);
    // The same silence, the stream back with no sequence number missing: the sender paused.
    expect(cut(hear(pcm, at, 40, false))).toHaveLength(2);
    // A stream dead 3 s and back: at most 2 s of it excused, the rest still ends the prompt.
    expect(cut(hear(pcm, at, 150, true))).toHaveLength(2);
  });
});
