/**
 * The crawl of the demo IVR heard through a loaded receiver (the simulator's
 * `conceal`: lost packets concealed mid-word, and a jitter buffer that
 * grows its delay mid-word with concealed frames, given back in the
 * pauses): the recordings of a known menu carry their holes, which the
 * prompt comparison leaves out, so the crawl finds the demo's three menus
 * and no more.
 */
import { describe, expect, it } from 'vitest';
import { crawl, type CrawlMap } from '../../../src/harness/crawl/crawler.js';
import { DEFAULT_TIMING } from '../../../src/harness/crawl/probe.js';
import { actionLabel } from '../../../src/harness/crawl/types.js';
import { demoIvr } from '../../../src/harness/sim/demo-ivr.js';
import { IvrSimulator, type IvrSimulatorOptions } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';

type Receiver = Pick<
  IvrSimulatorOptions,
  'lossRate' | 'lossBurst' | 'conceal' | 'stretchRate' | 'stretchFrames' | 'seed'
>;

async function crawlDemo(receiver: Receiver) {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: demoIvr(), ...receiver });
  return vt.run(() =>
    crawl(
      {
        uri: 'sip:ivr@sim',
        dtmfMode: 'rfc4733',
        timing: DEFAULT_TIMING,
        limits: { keys: [...'0123*9'], inputs: ['1234#', '0000#'], maxDepth: 3, maxCalls: 60 },
        concurrency: 4,
      },
      { port, clock: vt.clock, timers: vt.timers, hold: vt.hold },
    ),
  );
}

/** Edges as `menu key -> outcome menu (prompts said on the way)`, menus named by their path ('top' for the first). */
function shape(map: CrawlMap): string[] {
  const name = (id: string | undefined) => {
    const n = map.nodes.find((x) => x.id === id);
    return !n ? '-' : n.path.length === 0 ? 'top' : n.path.map(actionLabel).join(' ');
  };
  return map.edges
    .map(
      (e) =>
        `${name(e.from)} ${actionLabel(e.action)} -> ${e.outcome}${e.to ? ` ${name(e.to)}` : ''} (${e.said.length})`,
    )
    .sort();
}

describe('crawl through a receiver that conceals and stretches', () => {
  it('finds the three menus of the demo IVR and no spurious one', async () => {
    // About one hole every 3 s of speech: 0.6 % of frames start a loss of 60 ms, 0.6 % of speech
    // frames a stretch of 80 ms. Without the holes left out, this crawl finds a fourth menu.
    const map = await crawlDemo({
      conceal: true,
      lossRate: 0.006,
      lossBurst: 3,
      stretchRate: 0.006,
      stretchFrames: 4,
      seed: 3,
    });
    expect(map.nodes.map((n) => n.kind).sort()).toEqual(['digits', 'menu', 'menu']);
    expect(shape(map)).toEqual(
      [
        'top (no key) -> repeat top (0)',
        'top 0 -> repeat top (1)',
        'top * -> repeat top (1)',
        'top 1 -> hangup (2)',
        'top 2 -> menu 2 (0)',
        'top 3 -> menu 3 (0)',
        'top 9 -> hangup (1)',
        '2 (no key) -> menu top (1)',
        '2 0 -> menu top (1)',
        '2 1 -> hangup (2)',
        '2 2 -> hangup (2)',
        '2 3 -> menu top (1)',
        '2 9 -> menu top (1)',
        '2 * -> menu top (0)',
        '3 (no key) -> repeat 3 (1)',
        '3 0 -> silence (0)',
        '3 0000# -> repeat 3 (1)',
        '3 1234# -> hangup (2)',
      ].sort(),
    );
    // The demo's eleven prompts, each once, in the calls a crawl without loss takes.
    expect(map.prompts.length).toBe(11);
    expect(map.callsUsed).toBe(19);
  }, 300_000);
});
