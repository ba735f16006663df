/**
 * The crawl of the demo IVR heard through a loaded receiver (the simulator's
 * `conceal`: lost packets concealed mid-word, and a jitter buffer that
 * grows its delay mid-word with concealed frames, given back in the
 * pauses): the recordings of a known menu carry their holes, which the
 * prompt comparison leaves out, so the crawl finds the demo's three menus
 * and no more.
 */
import { describe, expect, it } from 'vitest';
import { crawlDemoSim, DEMO_EDGES, shape } from './demo-crawl.js';

describe('crawl through a receiver that conceals and stretches', () => {
  it('finds the three menus of the demo IVR and no spurious one', async () => {
    // About one hole every 3 s of speech: 0.6 % of frames start a loss of 60 ms, 0.6 % of speech
    // frames a stretch of 80 ms. Without the holes left out, this crawl finds a fourth menu.
    const { map } = await crawlDemoSim({
      conceal: true,
      lossRate: 0.006,
      lossBurst: 3,
      stretchRate: 0.006,
      stretchFrames: 4,
      seed: 3,
    });
    expect(map.nodes.map((n) => n.kind).sort()).toEqual(['digits', 'menu', 'menu']);
    expect(shape(map)).toEqual(DEMO_EDGES);
    // The demo's eleven prompts, each once, in the calls a crawl without loss takes.
    expect(map.prompts.length).toBe(11);
    expect(map.callsUsed).toBe(19);
  }, 300_000);
});
