/**
 * A recording too made up by the receiver to judge (over a fifth of its
 * speech concealed, inserted or skipped) is heard again on a fresh call
 * before a new prompt is made of it: in virtual time, the demo IVR with one
 * call's receiver losing 15 % of its frames (60 ms bursts, concealed).
 */
import { describe, expect, it } from 'vitest';
import { crawl, type CrawlMap } from '../../../src/harness/crawl/crawler.js';
import { DEFAULT_TIMING } from '../../../src/harness/crawl/probe.js';
import { actionLabel } from '../../../src/harness/crawl/types.js';
import { demoIvr } from '../../../src/harness/sim/demo-ivr.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';

/** The demo IVR crawled, the calls numbered in `bad` (in the order dialled) heard through a heavy loss. */
async function crawlDemo(bad: readonly number[], o: { reprobe?: boolean; maxCalls?: number } = {}) {
  const vt = new VirtualTime();
  const port = new IvrSimulator({
    clock: vt.clock,
    timers: vt.timers,
    hold: vt.hold,
    script: demoIvr(),
    conceal: true,
    perCall: (n) => (bad.includes(n) ? { lossRate: 0.15, lossBurst: 3, seed: 5 } : undefined),
  });
  const lines: string[] = [];
  const map = await vt.run(() =>
    crawl(
      {
        uri: 'sip:ivr@sim',
        dtmfMode: 'rfc4733',
        timing: DEFAULT_TIMING,
        limits: { keys: [...'0123*9'], inputs: ['1234#', '0000#'], maxDepth: 3, maxCalls: o.maxCalls ?? 60 },
        concurrency: 4,
        ...(o.reprobe !== undefined ? { reprobe: o.reprobe } : {}),
        onProbe: (l) => lines.push(l),
      },
      { port, clock: vt.clock, timers: vt.timers, hold: vt.hold },
    ),
  );
  return { map, lines };
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

const TRUTH = [
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
].sort();

// Call 3 is the main menu's "no key": the main menu heard again (call 4 is its re-probe). Alone,
// call 6 is the main menu's key 3: the PIN prompt, heard for the first time.
describe('a recording too made up to judge', () => {
  it('is probed again, and the known menu is found in the second recording (one call more)', async () => {
    const { map, lines } = await crawlDemo([3]);
    expect(shape(map)).toEqual(TRUTH);
    expect(map.prompts.length).toBe(11);
    expect(map.reprobes).toBe(1);
    expect(map.callsUsed).toBe(20);
    expect(lines.find((l) => l.startsWith('probe 3 '))).toMatch(
      /too made up to judge \(60 % .*probing again as probe 4$/,
    );
    expect(lines.find((l) => l.startsWith('probe 4 '))).toBe(
      'probe 4 (n1 (no key)) (again for probe 3): waiting after p2',
    );
  }, 300_000);

  it('makes a spurious menu when judged as recorded (no re-probe)', async () => {
    const { map, lines } = await crawlDemo([3], { reprobe: false });
    expect(map.nodes.length).toBe(4);
    expect(shape(map)).not.toEqual(TRUTH);
    expect(map.reprobes).toBe(0);
    expect(lines.find((l) => l.startsWith('probe 3 '))).toMatch(
      /judged as recorded: 60 % of a prompt's speech made up\)$/,
    );
  }, 300_000);

  it('is judged as recorded when the second recording is too made up as well', async () => {
    const { map, lines } = await crawlDemo([3, 4]);
    expect(map.reprobes).toBe(1);
    expect(lines.find((l) => l.startsWith('probe 4 '))).toMatch(
      /\(again for probe 3\): waiting after p\d+ .*\(judged as recorded: 60 % of a prompt's speech made up, the second time\)$/,
    );
    // As without the re-probe: the recording makes a new prompt, and a spurious menu.
    expect(map.nodes.length).toBe(4);
  }, 300_000);

  it('a prompt that really is new, recorded badly once, is a new prompt after the re-probe', async () => {
    const { map, lines } = await crawlDemo([6]);
    expect(shape(map)).toEqual(TRUTH);
    expect(map.prompts.length).toBe(11);
    expect(map.reprobes).toBe(1);
    expect(map.callsUsed).toBe(20);
    expect(lines.some((l) => /^probe 6 \(n1 3\): a prompt too made up to judge/.test(l))).toBe(true);
  }, 300_000);

  it('counts the re-probe within --max-calls', async () => {
    const four = await crawlDemo([3], { maxCalls: 4 });
    expect(four.map.callsUsed).toBe(4);
    expect(four.map.reprobes).toBe(1);
    expect(four.map.unexplored).toBeGreaterThan(0);
    // No call left for it: judged as recorded, and said so.
    const three = await crawlDemo([3], { maxCalls: 3 });
    expect(three.map.callsUsed).toBe(3);
    expect(three.map.reprobes).toBe(0);
    expect(three.lines.find((l) => l.startsWith('probe 3 '))).toMatch(/no call left to probe again\)$/);
  }, 300_000);
});
